#!/usr/bin/env bash
# Times `konvoy-image inventory --list` against `ansible-inventory --list`
# on the same generated 10,000-host inventory: 200 groups of 50 hosts
# written as ranges, 10 parent groups, [group:vars], a group_vars folder
# (files and per-group folders) and a host_vars folder (1,000 hosts).
# Prints both times and the ratio. Needs a release build:
#   cargo build --release && benches/inventory-vs-ansible.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
ours="$root/target/release/konvoy-image"
[ -x "$ours" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v ansible-inventory >/dev/null || { echo "ansible-inventory not on PATH" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
inv="$work/inventory"
mkdir -p "$inv/group_vars" "$inv/host_vars" "$work/cwd"

python3 - "$inv" <<'PY'
import os, sys
inv = sys.argv[1]
lines = []
for g in range(200):
    lines.append(f"[g{g:03d}]")
    lines.append(f"node-g{g:03d}-[01:50].example.internal ansible_user=user{g % 7}")
    lines.append(f"[g{g:03d}:vars]")
    lines.append(f"rack=r{g % 13}")
    lines.append(f"weight={g}")
for r in range(10):
    lines.append(f"[region{r}:children]")
    lines.extend(f"g{g:03d}" for g in range(r * 20, r * 20 + 20))
    lines.append(f"[region{r}:vars]")
    lines.append(f"region=region{r}")
lines.append("[all:vars]")
lines.append("ansible_port=22")
lines.append("ansible_become=true")
with open(os.path.join(inv, "hosts.ini"), "w") as f:
    f.write("\n".join(lines) + "\n")
with open(os.path.join(inv, "group_vars", "all.yml"), "w") as f:
    f.write("ntp_servers: [0.pool.ntp.org, 1.pool.ntp.org]\nproxy: {http: 'http://proxy:3128', no_proxy: [localhost, 127.0.0.1]}\n")
for g in range(200):
    name = f"g{g:03d}"
    if g % 2:
        d = os.path.join(inv, "group_vars", name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "main.yml"), "w") as f:
            f.write(f"group_id: {g}\nlabels: [a, b, c]\n")
        with open(os.path.join(d, "extra.yml"), "w") as f:
            f.write(f"extra: {{size: {g * 10}, enabled: yes}}\n")
    else:
        with open(os.path.join(inv, "group_vars", name + ".yml"), "w") as f:
            f.write(f"group_id: {g}\nlabels: [x, y]\n")
for g in range(200):
    for n in range(1, 51, 10):
        host = f"node-g{g:03d}-{n:02d}.example.internal"
        with open(os.path.join(inv, "host_vars", host + ".yml"), "w") as f:
            f.write(f"ansible_host: 10.{g // 256}.{g % 256}.{n}\nserial_no: S{g:03d}{n:02d}\n")
PY

# Same output first (minus _meta.profile), so the comparison is fair.
(cd "$work/cwd" && ansible-inventory -i "$inv" --list 2>/dev/null) |
    python3 -c 'import sys; sys.stdout.write(sys.stdin.read().replace(",\n        \"profile\": \"inventory_legacy\"", ""))' > "$work/ansible.json"
(cd "$work/cwd" && "$ours" inventory -i "$inv" --list) > "$work/ours.json"
if cmp -s "$work/ansible.json" "$work/ours.json"; then
    echo "outputs identical ($(grep -c '"ansible_user"' "$work/ours.json") hosts with vars)"
else
    echo "WARNING: outputs differ" >&2
fi

now() { date +%s.%N; }
best() { # best of N runs, in seconds
    local n="$1"; shift
    local best=""
    for _ in $(seq "$n"); do
        local t0 t1 dt
        t0=$(now); "$@" > /dev/null 2>&1; t1=$(now)
        dt=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" = 1 ]; then best="$dt"; fi
    done
    echo "$best"
}
cd "$work/cwd"
t_ours=$(best 10 "$ours" inventory -i "$inv" --list)
t_ansible=$(best 3 ansible-inventory -i "$inv" --list)
printf 'konvoy-image inventory --list: %8.1f ms (best of 10)\n' "$(echo "$t_ours * 1000" | bc -l)"
printf 'ansible-inventory --list:      %8.1f ms (best of 3)\n' "$(echo "$t_ansible * 1000" | bc -l)"
printf 'ratio: %.1fx faster\n' "$(echo "$t_ansible / $t_ours" | bc -l)"
