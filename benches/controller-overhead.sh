#!/usr/bin/env bash
# Controller-side cost of the executor: 300 tasks (set_fact + templated
# debug with a condition) on 20 hosts with a local connection, so no SSH
# and no host work is measured, only planning, templating and reporting.
# Usage: benches/controller-overhead.sh [HOSTS] [PAIRS] [--ansible]
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-20} pairs=${2:-150}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
{ echo "[all]"; for i in $(seq 1 "$hosts"); do echo "h$i ansible_connection=local"; done; } > "$work/inv.ini"
{
  printf -- '- hosts: all\n  gather_facts: false\n  tasks:\n'
  for i in $(seq 1 "$pairs"); do
    printf '    - set_fact:\n        v%d: "{{ %d + 1 }}"\n' "$i" "$i"
    printf '    - debug:\n        msg: "{{ v%d }} {{ inventory_hostname }}"\n      when: v%d | int > 0\n' "$i" "$i"
  done
} > "$work/pb.yml"
cargo build --release -q
start=$(date +%s.%N)
target/release/konvoy-image playbook -i "$work/inv.ini" "$work/pb.yml" > "$work/ours.txt"
end=$(date +%s.%N)
ours=$(echo "$end - $start" | bc)
echo "konvoy-image: $((pairs * 2)) tasks x $hosts hosts in ${ours}s"
if [ "${3:-}" = --ansible ]; then
  start=$(date +%s.%N)
  ANSIBLE_NOCOLOR=1 ansible-playbook -f "$hosts" -i "$work/inv.ini" -e ansible_python_interpreter="$(command -v python3)" \
    "$work/pb.yml" > "$work/theirs.txt"
  end=$(date +%s.%N)
  theirs=$(echo "$end - $start" | bc)
  echo "ansible-playbook: ${theirs}s  (ratio $(echo "scale=1; $theirs / $ours" | bc)x)"
fi
