#!/usr/bin/env bash
# Benchmark table: konvoy-image beside ansible-playbook 2.19.14 on a
# provisioning-shaped playbook (benches/shape/site.yml, 17 tasks), on real
# sshd test hosts (Debian: the machine's own root, so Ansible has Python).
#
#  1. Side by side: PAIR hosts each (default 5 + 5, one fresh fleet of
#     2 x PAIR), cold (fresh hosts) then no change (the same run again);
#     Ansible with pipelining and ControlPersist, forks = PAIR. Wall time,
#     SSH round trips per host (konvoy-image's --stats; Ansible's sshd
#     sessions and commands are not counted), the ratio.
#  2. Scale: for each N in SCALE (default "100 300"), N fresh hosts, a cold
#     run, then the no-change run timed, with the controller's peak RSS.
#
# Usage (root): benches/vs-ansible.sh [--readme]
#   --readme  rewrite the table between the bench markers in README.md
# Environment: PAIR (default 5), SCALE (default "100 300"; "" skips).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
pair=${PAIR:-5}
scale=${SCALE-100 300}
readme=0
[ "${1:-}" = --readme ] && readme=1

. benches/lib.sh vs-ansible
command -v ansible-playbook >/dev/null || die "ansible-playbook not found"

say "the release served over HTTP"
mkdir -p "$work/www" "$work/pkg"
cat >"$work/pkg/shape" <<'SH'
#!/bin/sh
case "$1" in
  --version) echo 1.2.3 ;;
  *) exit 0 ;;
esac
SH
chmod 755 "$work/pkg/shape"
head -c 2000000 /dev/urandom >"$work/pkg/shape.data"
tar -C "$work/pkg" -czf "$work/www/shape-1.2.3.tar.gz" shape shape.data
printf '#!/bin/sh\necho helper\n' >"$work/www/helper.sh"
sha=$(sha256sum "$work/www/shape-1.2.3.tar.gz" | cut -d' ' -f1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$port" --directory "$work/www" >/dev/null 2>&1 &
mirror_pid=$!
vars=(-e "mirror=http://127.0.0.1:$port" -e "app_sha256=$sha")

# start_hosts DIR N: N fresh Debian hosts, up until stop_hosts.
start_hosts() {
  local dir=$1 n=$2
  rm -f "$work/hold"
  mkfifo "$work/hold"
  "$testhosts" "$dir" "debian*$n" <"$work/hold" >"$dir.out" 2>"$dir.log" &
  hosts_pid=$!
  exec 3>"$work/hold"
  for _ in $(seq 6000); do
    grep -q ready "$dir.out" 2>/dev/null && return 0
    kill -0 "$hosts_pid" 2>/dev/null || { tail -20 "$dir.log"; die "test hosts failed to start"; }
    sleep 0.1
  done
  die "test hosts did not start within 600 s"
}

# measure LABEL CMD...: runs CMD (log in $work/LABEL.log), prints "ms peak_kib".
measure() {
  local label=$1 start end
  shift
  start=$(date +%s%N)
  /usr/bin/time -v -o "$work/$label.time" "$@" >"$work/$label.log" 2>&1 || true
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000)) $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$label.time")"
}

# check LOG HOSTS changed|nochange: every host ran to the end, no failure.
check() {
  local n ok
  n=$(grep -cE '^node[0-9]+ +: ok=' "$1" || true)
  [ "$n" -eq "$2" ] || { tail -40 "$1"; die "$1: $n of $2 hosts in the recap"; }
  ok=$(grep -E '^node[0-9]+ +: ok=' "$1" | grep -cE 'unreachable=0 +failed=0' || true)
  [ "$ok" -eq "$2" ] || { grep -E 'fatal|UNREACHABLE' "$1" | head -5 >&2; die "$1: failures"; }
  if [ "$3" = nochange ]; then
    ! grep -E '^node[0-9]+ +: ok=' "$1" | grep -qvE 'changed=0 ' || die "$1: the second run changed something"
  else
    ! grep -E '^node[0-9]+ +: ok=' "$1" | grep -qE 'changed=0 ' || die "$1: the cold run changed nothing"
  fi
}

# trips LOG: mean SSH round trips per host, from --stats.
trips() {
  awk '/^node[0-9]+: [0-9]+ SSH commands/ { s += $2; n++ } END { printf "%.1f", s / n }' "$1"
}

secs() { awk -v ms="$1" 'BEGIN { printf "%.2f s", ms / 1000 }'; }
ratio() { awk -v a="$1" -v k="$2" 'BEGIN { printf "%.0f×", a / k }'; }

mkdir -p "$work/home/.ssh"
kvi() { # INVENTORY FORKS
  echo env HOME="$work/home" "$bin" playbook -i "$1" -f "$2" --stats "${vars[@]}" benches/shape/site.yml
}

# --- side by side --------------------------------------------------------------
say "starting $((2 * pair)) hosts ($pair per tool)"
start_hosts "$work/pair" $((2 * pair))
cp "$work/pair/known_hosts" "$work/home/.ssh/known_hosts"
python3 - "$work/pair/inventory.yaml" "$pair" "$work" <<'PY'
import sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
n, work = int(sys.argv[2]), sys.argv[3]
hosts = list(inv["all"]["hosts"].items())
for name, part in (("kvi", hosts[:n]), ("ans", hosts[n:2 * n])):
    out = {"all": {"hosts": dict(part), "vars": inv["all"]["vars"]}}
    yaml.safe_dump(out, open(f"{work}/{name}.yaml", "w"))
PY
cat >"$work/ansible.cfg" <<EOF
[defaults]
forks = $pair
interpreter_python = /usr/bin/python3
stdout_callback = default
[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=120s
EOF
ans=(env ANSIBLE_CONFIG="$work/ansible.cfg" ansible-playbook -i "$work/ans.yaml" "${vars[@]}" benches/shape/site.yml)
# shellcheck disable=SC2207
k=($(kvi "$work/kvi.yaml" "$pair"))
say "konvoy-image cold, no change"
read -r kc_ms kc_kib < <(measure kvi-cold "${k[@]}")
check "$work/kvi-cold.log" "$pair" changed
read -r kw_ms kw_kib < <(measure kvi-warm "${k[@]}")
check "$work/kvi-warm.log" "$pair" nochange
say "ansible-playbook cold, no change"
read -r ac_ms _ < <(measure ans-cold "${ans[@]}")
check "$work/ans-cold.log" "$pair" changed
read -r aw_ms _ < <(measure ans-warm "${ans[@]}")
check "$work/ans-warm.log" "$pair" nochange
stop_hosts

# Both tools print the same play: compare the task lines (the hosts differ).
tasks() { grep -E '^(TASK|RUNNING HANDLER) ' "$1"; }
diff <(tasks "$work/kvi-cold.log") <(tasks "$work/ans-cold.log") >&2 || die "the cold runs ran different tasks"

rows=()
rows+=("| shape playbook (17 tasks), $pair hosts, cold | $(secs "$kc_ms"), $(trips "$work/kvi-cold.log") round trips per host | $(secs "$ac_ms") ($(ratio "$ac_ms" "$kc_ms")) |")
rows+=("| shape playbook, $pair hosts, no change | $(secs "$kw_ms"), $(trips "$work/kvi-warm.log") round trips per host | $(secs "$aw_ms") ($(ratio "$aw_ms" "$kw_ms")) |")

# --- scale ---------------------------------------------------------------------
for n in $scale; do
  say "starting $n hosts"
  start_hosts "$work/s$n" "$n"
  cp "$work/s$n/known_hosts" "$work/home/.ssh/known_hosts"
  # shellcheck disable=SC2207
  k=($(kvi "$work/s$n/inventory.yaml" "$n"))
  say "konvoy-image on $n hosts: cold, no change"
  read -r sc_ms _ < <(measure "s$n-cold" "${k[@]}")
  check "$work/s$n-cold.log" "$n" changed
  read -r sw_ms sw_kib < <(measure "s$n-warm" "${k[@]}")
  check "$work/s$n-warm.log" "$n" nochange
  stop_hosts
  per=$(awk -v k="$sw_kib" -v n="$n" 'BEGIN { printf "%.2f", k / 1024 / n }')
  rows+=("| shape playbook, $n hosts, no change (cold: $(secs "$sc_ms")) | $(secs "$sw_ms"), $(trips "$work/s$n-warm.log") round trips per host, peak RSS $((sw_kib / 1024)) MiB ($per MiB per host) | — |")
done

table=$(
  echo "| run | konvoy-image | ansible-playbook 2.19.14 (pipelining, ControlPersist) |"
  echo "| --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
)
printf '\n%s\n' "$table"
if [ "$readme" = 1 ]; then
  python3 - README.md "$table" <<'PY'
import sys
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
begin, end = "<!-- bench: benches/vs-ansible.sh -->", "<!-- /bench -->"
if begin not in text:
    sys.exit("README.md has no bench markers")
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(f"{head}{begin}\n{table}\n{end}{tail}")
PY
  echo "README.md updated" >&2
fi
