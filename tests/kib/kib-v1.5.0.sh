#!/bin/sh
# KIB v1.5.0's own playbook (ansible/provision.yaml of
# mesosphere/konvoy-image-builder at tag v1.5.0) against konvoy-image, with
# ansible 6.7.0 (from PyPI; it bundles the collections KIB uses) as the
# reference. KIB's files are fetched at test time into target/kib/ and never
# committed.
#
# Usage: tests/kib/kib-v1.5.0.sh [list-tasks | run]
#   list-tasks  (default) `--list-tasks` of both tools, compared line by line,
#               and the errors konvoy-image still reports without running
#   run         the provision play on CentOS 7 and CentOS 8 test hosts, with
#               ansible 6.7.0 on twin hosts; records where each side stops
#               (target/kib/run-*.log and target/kib/run-summary.txt)
# Environment:
#   KIB_SRC  a konvoy-image-builder git directory (or a checkout of v1.5.0),
#            used when github.com cannot be reached
# Needs root for `run` (test hosts). Exit 0 when the compared output is
# identical, 1 otherwise.
set -eu
mode=${1:-list-tasks}
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$root/target/kib
src=$dest/konvoy-image-builder-1.5.0
mkdir -p "$dest"

# 1. KIB v1.5.0.
if [ ! -f "$src/ansible/provision.yaml" ]; then
  rm -rf "$src"
  url=https://github.com/mesosphere/konvoy-image-builder/archive/refs/tags/v1.5.0.tar.gz
  if curl -fsSL --max-time 120 "$url" -o "$dest/kib-v1.5.0.tar.gz" 2>/dev/null; then
    tar -xzf "$dest/kib-v1.5.0.tar.gz" -C "$dest"
  elif [ -n "${KIB_SRC:-}" ] && git --git-dir="$KIB_SRC" rev-parse -q --verify v1.5.0 >/dev/null 2>&1; then
    git --git-dir="$KIB_SRC" archive --prefix=konvoy-image-builder-1.5.0/ v1.5.0 | tar -x -C "$dest"
  elif [ -n "${KIB_SRC:-}" ] && [ -f "$KIB_SRC/ansible/provision.yaml" ]; then
    cp -a "$KIB_SRC" "$src"
  else
    echo "cannot fetch $url; set KIB_SRC to a konvoy-image-builder git directory or checkout" >&2
    exit 2
  fi
fi

# 2. ansible 6.7.0 in its own venv (not the machine's ansible-core 2.19.14).
venv=$dest/venv
if ! "$venv/bin/ansible-playbook" --version 2>/dev/null | grep -q 'core 2.13'; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'ansible==6.7.0'
fi

# 3. konvoy-image.
(cd "$root" && flock /tmp/konvoy-build.lock cargo build --quiet --bin konvoy-image)
konvoy=$root/target/debug/konvoy-image

cd "$src"
case $mode in
list-tasks)
  ANSIBLE_NOCOLOR=1 "$venv/bin/ansible-playbook" -i localhost, --list-tasks ansible/provision.yaml \
    >"$dest/list-tasks.ansible.txt" 2>"$dest/list-tasks.ansible.err" || true
  "$konvoy" playbook -i localhost, --list-tasks ansible/provision.yaml \
    >"$dest/list-tasks.ours.txt" 2>"$dest/list-tasks.ours.err" || true
  # Errors konvoy-image reports before running (the static checks).
  "$konvoy" playbook -i localhost, --syntax-check ansible/provision.yaml \
    >"$dest/syntax.ours.txt" 2>&1 || true
  grep -E '^(error|warning)' "$dest/list-tasks.ours.err" "$dest/syntax.ours.txt" \
    | sed "s/^[^:]*://" | sort -u >"$dest/errors.ours.txt" || true
  echo "ansible: $(grep -c . "$dest/list-tasks.ansible.txt") lines; konvoy-image: $(grep -c . "$dest/list-tasks.ours.txt") lines"
  echo "konvoy-image errors and warnings (count, text): $dest/errors.ours.txt"
  head -20 "$dest/errors.ours.txt"
  if diff -u "$dest/list-tasks.ansible.txt" "$dest/list-tasks.ours.txt" >"$dest/list-tasks.diff"; then
    echo "--list-tasks: identical"
  else
    echo "--list-tasks: differs ($dest/list-tasks.diff)"
    head -40 "$dest/list-tasks.diff"
    exit 1
  fi
  ;;
run)
  # Twin CentOS 7 and CentOS 8 hosts: node1/node2 for konvoy-image,
  # node3/node4 for ansible (the testhosts example keeps them up until its
  # stdin closes).
  (cd "$root" && flock /tmp/konvoy-build.lock cargo build --quiet --example testhosts)
  hosts=$dest/hosts
  rm -rf "$hosts"
  fifo=$dest/hosts.hold
  rm -f "$fifo" && mkfifo "$fifo"
  "$root/target/debug/examples/testhosts" "$hosts" centos-7 centos-8 centos-7 centos-8 <"$fifo" >"$dest/hosts.out" &
  hosts_pid=$!
  exec 9>"$fifo"
  trap 'exec 9>&-; wait $hosts_pid 2>/dev/null || true' EXIT
  i=0
  while ! grep -q ready "$dest/hosts.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 120 ] || { echo "test hosts did not start" >&2; exit 2; }
    sleep 1
  done
  # The inventory of each side: two of the four hosts.
  split() {
    python3 - "$hosts/inventory.yaml" "$1" "$2" "$3" <<'PY'
import sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
keep = sys.argv[2:4]
inv["all"]["hosts"] = {k: v for k, v in inv["all"]["hosts"].items() if k in keep}
yaml.safe_dump(inv, open(sys.argv[4], "w"))
PY
  }
  split node1 node2 "$dest/inventory.ours.yaml"
  split node3 node4 "$dest/inventory.ansible.yaml"
  vars="-e @images/common.yaml"
  # shellcheck disable=SC2086
  ANSIBLE_NOCOLOR=1 ANSIBLE_SSH_CONTROL_PATH_DIR="$dest/cp" ANSIBLE_HOST_KEY_CHECKING=false \
    "$venv/bin/ansible-playbook" -i "$dest/inventory.ansible.yaml" $vars ansible/provision.yaml \
    >"$dest/run-ansible.log" 2>&1 || true
  # shellcheck disable=SC2086
  "$konvoy" playbook -i "$dest/inventory.ours.yaml" $vars ansible/provision.yaml \
    >"$dest/run-ours.log" 2>&1 || true
  {
    for side in ansible ours; do
      echo "== $side"
      grep -A3 '^PLAY RECAP' "$dest/run-$side.log" || grep -m5 -E '^(error|ERROR|\[ERROR\])' "$dest/run-$side.log" || true
      echo "first failure:"
      grep -m1 -B1 -E '^(fatal|failed):' "$dest/run-$side.log" || echo "(none)"
    done
  } >"$dest/run-summary.txt"
  cat "$dest/run-summary.txt"
  ;;
*)
  echo "usage: $0 [list-tasks | run]" >&2
  exit 2
  ;;
esac
