#!/usr/bin/env bash
# Scale run: N real sshd test hosts (default 300, one per 127.0.0.x
# address), one playbook (a command, a registered result, a copy, a check
# that reads it back) run by the release `konvoy-image` with the
# controller's descriptor limit at ULIMIT (default 1024, soft and hard):
# once at `--forks N` and once at the default forks. Reports, per run: hosts
# that finished every task, hosts failed or unreachable, wall time, the
# peak number of open descriptors and the peak RSS of the controller.
# Any host not reached fails the script. Outside CI (CI runs 24 hosts on
# 28 descriptors: tests/transport/scale.rs).
#
# Usage (root): benches/scale.sh [N]          e.g. benches/scale.sh 300
# Environment: ULIMIT (default 1024), OS (test host identity, default debian)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
n=${1:-300}
limit=${ULIMIT:-1024}
os=${OS:-debian}

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'scale: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (test hosts)"

work=$(mktemp -d /tmp/konvoy-scale.XXXXXX)
hosts_pid=""
cleanup() {
  set +e
  if [ -n "$hosts_pid" ]; then
    exec 3>&-
    wait "$hosts_pid"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "release build"
cargo build --release --quiet --bin konvoy-image --example testhosts
bin=$repo/target/release/konvoy-image
testhosts=$repo/target/release/examples/testhosts

say "starting $n $os hosts"
started=$(date +%s)
mkfifo "$work/hold"
"$testhosts" "$work/fleet" "$os*$n" <"$work/hold" >"$work/fleet.out" 2>"$work/fleet.log" &
hosts_pid=$!
exec 3>"$work/hold"
for _ in $(seq 6000); do
  grep -q ready "$work/fleet.out" 2>/dev/null && break
  kill -0 "$hosts_pid" 2>/dev/null || { tail -20 "$work/fleet.log"; die "test hosts failed to start"; }
  sleep 0.1
done
grep -q ready "$work/fleet.out" || die "test hosts did not start within 600 s"
echo "$n hosts up in $(($(date +%s) - started)) s" >&2

cat >"$work/site.yml" <<'EOF'
- hosts: all
  gather_facts: false
  tasks:
    - command: hostname
      register: h
    - copy:
        content: "{{ h.stdout }}\n"
        dest: /root/scale-name
    - shell: test "$(cat /root/scale-name)" = "$(hostname)"
EOF

# run LABEL [FORKS]: one run under the descriptor limit, sampled every
# 50 ms; without FORKS, the default (all hosts, up to 50).
run() {
  local label=$1 forks=(${2:+-f "$2"})
  local start end pid peak_fd=0 fds peak_rss
  start=$(date +%s%N)
  (
    ulimit -n "$limit"
    cd "$work"
    exec /usr/bin/time -v -o "$work/$label.time" "$bin" playbook -i fleet/inventory.yaml \
      --work-dir runs "${forks[@]}" site.yml
  ) >"$work/$label.log" 2>&1 &
  local wrapper=$!
  # The sampled process is konvoy-image itself (the child of `time`).
  while kill -0 "$wrapper" 2>/dev/null; do
    pid=$(pgrep -f -n "^$bin playbook" || true)
    if [ -n "$pid" ]; then
      fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
      [ "$fds" -gt "$peak_fd" ] && peak_fd=$fds
    fi
    sleep 0.05
  done
  wait "$wrapper" || true
  end=$(date +%s%N)
  peak_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$label.time")
  local ok bad
  ok=$(grep -cE '^node[0-9]+ +: ok=3 +changed=[0-9]+ +unreachable=0 +failed=0' "$work/$label.log" || true)
  bad=$(grep -E '^node[0-9]+ +: ok=' "$work/$label.log" | grep -cvE 'unreachable=0 +failed=0' || true)
  printf '%-14s hosts ok %d/%d, failed or unreachable %d, %d.%03d s, peak fds %d, peak RSS %d MiB\n' \
    "$label" "$ok" "$n" "$bad" $(((end - start) / 1000000000)) $((((end - start) / 1000000) % 1000)) \
    "$peak_fd" $((peak_rss / 1024))
  if [ "$ok" -ne "$n" ]; then
    grep -E 'UNREACHABLE|fatal' "$work/$label.log" | head -5 >&2
    return 1
  fi
}

say "konvoy-image, ulimit -n $limit"
status=0
run "forks $n" "$n" || status=1
run "forks default" || status=1
exit $status
