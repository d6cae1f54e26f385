#!/usr/bin/env bash
# Benchmark: `konvoy-image provision` end to end on a mixed fleet of local
# test hosts (default 20: 7 CentOS 7, 7 CentOS 8, 6 Flatcar), air-gapped
# exactly as demo.sh (RPM bundle, image bundle, Flatcar mirror on 127.0.0.1),
# cold (fresh hosts) and no-change (the same run again). Reports wall time,
# SSH commands per host (`--stats`) and the controller's peak memory
# (`/usr/bin/time -v`, else VmHWM polled from /proc).
#
# With ANSIBLE=1 (and COLLECTIONS=<dir holding ansible_collections/
# {community/general,ansible/posix}>, where modprobe and sysctl live since
# ansible-core 2.10), the same playbook and variables also run under
# `ansible-playbook` and under konvoy-image, each on its own fresh fleet of
# CentOS hosts booted with systemd (A7 + A8 hosts, default 3 + 3; Ansible
# needs Python on the target, which Flatcar lacks), forks = number of hosts,
# pipelining on, ControlPersist; the ratio is reported.
#
# Usage (root): benches/provision.sh [C7 C8 FLATCAR]     e.g. 7 7 6
# Environment: KEEP=1 keeps the work directory (logs, --stats); SYSTEMD=1 boots each host with systemd (default: plain chroot
# hosts, start_services=false); FORKS (default: number of hosts).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
n7=${1:-7} n8=${2:-7} nf=${3:-6}
total=$((n7 + n8 + nf))
forks=${FORKS:-$total}
systemd=${SYSTEMD:-0}

. benches/lib.sh bench

say "artifacts and mirror"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
  bash tests/artifacts/build-rpms.sh "$work/rpms"
  bash tests/artifacts/build-images-bundle.sh "$work/bundle"
  bash tests/artifacts/build-mirror.sh "$work/mirror" "http://127.0.0.1:$port"
} >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "artifact build failed"; }
cat >"$work/offline.yaml" <<EOF
os_packages_local_bundle_file: $(ls "$work"/rpms/os-packages_*_x86_64_rpms.tar.gz)
images_local_bundle_dir: $work/bundle/images
EOF
python3 -m http.server --bind 127.0.0.1 "$port" --directory "$work/mirror/www" >/dev/null 2>&1 &
mirror_pid=$!

# start_hosts DIR SPEC...: a fresh fleet, up until stop_hosts.
start_hosts() {
  local dir=$1
  shift
  local flags=()
  [ "$systemd" = 1 ] && flags+=(--systemd)
  rm -f "$work/hold"
  mkfifo "$work/hold"
  "$testhosts" "${flags[@]}" --mirror-out "$work/mirror" "$dir" "$@" \
    <"$work/hold" >"$dir.out" 2>"$dir.log" &
  hosts_pid=$!
  exec 3>"$work/hold"
  for _ in $(seq 1800); do
    grep -q ready "$dir.out" 2>/dev/null && return 0
    kill -0 "$hosts_pid" 2>/dev/null || { cat "$dir.log"; die "test hosts failed to start"; }
    sleep 0.1
  done
  die "test hosts did not start within 180 s"
}

extra=(-e sysctl_reload=false -e disable_swap_now=false)
[ "$systemd" = 1 ] || extra+=(-e start_services=false)

# measure LABEL CMD...: runs CMD, prints "wall_s peak_kib" to stdout.
measure() {
  local label=$1
  shift
  local start end peak
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$work/$label.time" "$@" >"$work/$label.log" 2>&1 || true
    peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$label.time")
  else
    "$@" >"$work/$label.log" 2>&1 &
    local pid=$! p=0
    peak=0
    while kill -0 "$pid" 2>/dev/null; do
      p=$(sed -n 's/^VmHWM: *\([0-9]*\).*/\1/p' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ "${p:-0}" -gt "$peak" ] && peak=$p
      sleep 0.05
    done
    wait "$pid" || true
  fi
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000)) $peak"
}

recap_check() { # LOG EXPECT(changed|nochange)
  local bad
  bad=$(grep -E '^[a-z0-9]+ +: ok=' "$1" | grep -vE 'failed=0' || true)
  [ -z "$bad" ] || { tail -60 "$1"; die "failures in $1"; }
  if [ "$2" = nochange ]; then
    bad=$(grep -E '^[a-z0-9]+ +: ok=' "$1" | grep -vE 'changed=0 ' || true)
    [ -z "$bad" ] || die "second run changed something: $bad"
  fi
}

# --- konvoy-image --------------------------------------------------------------
mkdir -p "$work/home/.ssh"
if [ "${MAIN:-1}" = 1 ]; then # MAIN=0: only the Ansible comparison
say "starting $total hosts ($n7 CentOS 7, $n8 CentOS 8, $nf Flatcar; systemd=$systemd)"
specs=()
[ "$n7" -gt 0 ] && specs+=("centos-7*$n7")
[ "$n8" -gt 0 ] && specs+=("centos-8*$n8")
[ "$nf" -gt 0 ] && specs+=("flatcar*$nf")
start_hosts "$work/fleet" "${specs[@]}"
cp "$work/fleet/known_hosts" "$work/home/.ssh/known_hosts"
kvi=(env HOME="$work/home" "$bin" provision images/generic/centos-7.yaml
  --inventory-file "$work/fleet/inventory.yaml"
  --overrides "$work/offline.yaml" --overrides "$work/mirror/mirror-overrides.yaml"
  "${extra[@]/#-e/--extra-vars}" -f "$forks" --stats)
say "konvoy-image: cold run"
read -r cold_ms cold_kib < <(measure kvi-cold "${kvi[@]}")
recap_check "$work/kvi-cold.log" changed
say "konvoy-image: no-change run"
read -r warm_ms warm_kib < <(measure kvi-warm "${kvi[@]}")
recap_check "$work/kvi-warm.log" nochange
stop_hosts

# SSH commands per host, by OS, from --stats ("nodeN: K SSH commands").
per_os() { # LOG
  awk -v n7="$n7" -v n8="$n8" '/^node[0-9]+: [0-9]+ SSH commands/ {
      i = substr($1, 5) + 0; c = $2
      os = (i <= n7) ? "centos-7" : (i <= n7 + n8) ? "centos-8" : "flatcar"
      sum[os] += c; cnt[os]++; all += c; hosts++ }
    END { for (o in sum) printf "%s %.0f, ", o, sum[o] / cnt[o]; printf "mean %.0f", all / hosts }' "$1"
}

printf '\n%-34s %10s %10s  %s\n' "konvoy-image, $total hosts" "wall" "peak RSS" "SSH commands per host"
printf '%-34s %9.1fs %8.1fMB  %s\n' "cold" "$(echo "$cold_ms" | awk '{print $1/1000}')" \
  "$(echo "$cold_kib" | awk '{print $1/1024}')" "$(per_os "$work/kvi-cold.log")"
printf '%-34s %9.1fs %8.1fMB  %s\n' "no change" "$(echo "$warm_ms" | awk '{print $1/1000}')" \
  "$(echo "$warm_kib" | awk '{print $1/1024}')" "$(per_os "$work/kvi-warm.log")"
fi

# --- ansible-playbook (optional) ----------------------------------------------------
[ "${ANSIBLE:-0}" = 1 ] || exit 0
: "${COLLECTIONS:?set COLLECTIONS to a directory with ansible_collections/{community/general,ansible/posix}}"
command -v ansible-playbook >/dev/null || die "ansible-playbook not found"
# Ansible's service module needs a running systemd: both tools get fleets of
# systemd hosts here (A7 CentOS 7 + A8 CentOS 8, default 3 + 3: each systemd
# host holds inotify instances, and this machine allows 128 per user).
a7=${A7:-3} a8=${A8:-3}
nc=$((a7 + a8))
cspecs=()
[ "$a7" -gt 0 ] && cspecs+=("centos-7*$a7")
[ "$a8" -gt 0 ] && cspecs+=("centos-8*$a8")
systemd=1
# No kernel modules or sysctls for either tool: community.general.modprobe
# and ansible.posix.sysctl die without output on these hosts (no
# /proc/modules, shared network namespace), see ansible-reference-run.sh.
extra=(-e sysctl_reload=false -e disable_swap_now=false -e '{"kernel_modules": [], "kernel_sysctls": []}')
python3 - "$repo" "$work" >"$work/vars.json" <<'EOF2'
import json, sys, yaml
repo, work = sys.argv[1], sys.argv[2]
def merge(a, b):
    for k, v in b.items():
        a[k] = merge(a[k], v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v
    return a
out = {}
for f in [f"{repo}/images/common.yaml", f"{repo}/images/generic/centos-7.yaml",
          f"{work}/offline.yaml", f"{work}/mirror/mirror-overrides.yaml"]:
    out = merge(out, yaml.safe_load(open(f)) or {})
print(json.dumps(out))
EOF2

# The same CentOS-only fleet for both tools, fresh for each.
say "konvoy-image on $nc fresh CentOS hosts (for the comparison)"
start_hosts "$work/kfleet" "${cspecs[@]}"
cp "$work/kfleet/known_hosts" "$work/home/.ssh/known_hosts"
kvi_c=(env HOME="$work/home" "$bin" provision images/generic/centos-7.yaml
  --inventory-file "$work/kfleet/inventory.yaml"
  --overrides "$work/offline.yaml" --overrides "$work/mirror/mirror-overrides.yaml"
  "${extra[@]/#-e/--extra-vars}" -f "$nc" --stats)
read -r kc_ms kc_kib < <(measure kvc-cold "${kvi_c[@]}")
recap_check "$work/kvc-cold.log" changed
read -r kw_ms kw_kib < <(measure kvc-warm "${kvi_c[@]}")
recap_check "$work/kvc-warm.log" nochange
stop_hosts

say "ansible-playbook on $nc fresh CentOS hosts (Ansible needs Python on the target)"
start_hosts "$work/afleet" "${cspecs[@]}"
cat >"$work/ansible.cfg" <<EOF
[defaults]
forks = $nc
host_key_checking = True
collections_path = $COLLECTIONS
interpreter_python = /usr/bin/python3
stdout_callback = default
[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=120s -o UserKnownHostsFile=$work/afleet/known_hosts
EOF
ans=(env ANSIBLE_CONFIG="$work/ansible.cfg" ansible-playbook -i "$work/afleet/inventory.yaml"
  playbooks/provision.yaml -e @"$work/vars.json" "${extra[@]}")
say "ansible-playbook: cold run"
read -r acold_ms acold_kib < <(measure ans-cold "${ans[@]}")
recap_check "$work/ans-cold.log" changed
say "ansible-playbook: no-change run"
read -r awarm_ms awarm_kib < <(measure ans-warm "${ans[@]}")
recap_check "$work/ans-warm.log" nochange
stop_hosts
row() { # LABEL MS KIB
  printf '%-34s %9.1fs %8.1fMB\n' "$1" "$(echo "$2" | awk '{print $1/1000}')" "$(echo "$3" | awk '{print $1/1024}')"
}
printf '\n%-34s %10s %10s\n' "$nc CentOS hosts" "wall" "peak RSS"
row "konvoy-image cold" "$kc_ms" "$kc_kib"
row "ansible-playbook cold" "$acold_ms" "$acold_kib"
row "konvoy-image no change" "$kw_ms" "$kw_kib"
row "ansible-playbook no change" "$awarm_ms" "$awarm_kib"
echo "ratio (ansible / konvoy-image): cold $(awk -v a="$acold_ms" -v k="$kc_ms" 'BEGIN{printf "%.1f", a/k}')x," \
  "no change $(awk -v a="$awarm_ms" -v k="$kw_ms" 'BEGIN{printf "%.1f", a/k}')x"
echo "(peak RSS: the largest single process; ansible-playbook's forks are separate processes)"
