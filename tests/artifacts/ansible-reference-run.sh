#!/bin/sh
# Run the real ansible-playbook on playbooks/provision.yaml against a
# throwaway root: an overlay of this machine's / (writes land in STATE/upper),
# entered with chroot in a private mount namespace, made to look like the
# chosen OS (os-release, centos-release). This is the reference the engine's
# end-to-end results are compared with: same content, real Ansible.
#
# Usage (as root): ansible-reference-run.sh OS STATE [ansible-playbook args...]
#   OS     centos-7 | centos-8 | flatcar
#   STATE  a directory kept between runs (run twice for the idempotency check)
#   args   e.g. -e @images/common.yaml -e @images/generic/centos-8.yaml -e @OVERRIDE
# Environment:
#   COLLECTIONS  a directory holding ansible_collections/{community/general,ansible/posix}
#                (modprobe and sysctl live there since ansible-core 2.10), e.g.
#                unpacked from the `ansible` wheel: `pip download --no-deps 'ansible==12.*'`.
#   FLATCAR_BIN  for flatcar: the directory with stand-in containerd and ctr
#                (build-mirror.sh's OUT/flatcar-usr-bin).
# Example (2021 pins, offline; or a current image with the mirror override):
#   ansible-reference-run.sh centos-8 /tmp/state -e @images/common.yaml \
#     -e @images/generic/centos-8.yaml -e @offline.yaml -e @OUT/mirror-overrides.yaml
#
# Limits of a chroot, and what the run does about them:
#   - no running systemd: the content's `service` and `systemd` tasks (also
#     inside blocks) are switched off in the run's copy of the content
#     (`when: false`); -e start_services=false;
#   - the machine's kernel: -e sysctl_reload=false -e disable_swap_now=false,
#     and kernel_modules=[] (this kernel has no /proc/modules for modprobe);
#   - Ansible needs Python on the target, so the Flatcar root keeps it.
# Paths on this machine (artifacts, overrides) are visible in the root as is.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 centos-7|centos-8|flatcar STATE [ansible-playbook args...]" >&2; exit 2; }
os=$1
mkdir -p "$2"
state=$(cd "$2" && pwd)
shift 2
: "${COLLECTIONS:?set COLLECTIONS (see the header)}"
content=$(cd "$(dirname "$0")/../.." && pwd)
python=$(command -v python3)
case $os in
centos-7 | centos-8) ;;
flatcar) : "${FLATCAR_BIN:?set FLATCAR_BIN for flatcar}" ;;
*) echo "unknown OS $os" >&2; exit 2 ;;
esac

mkdir -p "$state/upper" "$state/work" "$state/root"
unshare --mount --uts --fork /bin/sh -s "$state" "$os" "$content" "$COLLECTIONS" "${FLATCAR_BIN:-}" "$python" "$@" <<'INNER'
set -eu
state=$1 os=$2 content=$3 collections=$4 flatcar_bin=$5 python=$6
shift 6
root=$state/root
mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=/,upperdir=$state/upper,workdir=$state/work" "$root"
for m in proc sys dev dev/pts; do mount --rbind "/$m" "$root/$m"; done
hostname "konvoy-$os"

rm -f "$root/etc/os-release"
case $os in
centos-*)
	major=${os#centos-}
	printf 'NAME="CentOS Linux"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="%s"\nPRETTY_NAME="CentOS Linux %s"\n' \
		"$major" "$major" >"$root/etc/os-release"
	release="CentOS Linux release $major"
	[ "$major" = 7 ] && release="CentOS Linux release 7.9.2009 (Core)"
	[ "$major" = 8 ] && release="CentOS Linux release 8.4.2105"
	echo "$release" >"$root/etc/centos-release"
	echo "$release" >"$root/etc/redhat-release"
	mkdir -p "$root/etc/yum.repos.d" "$root/etc/dnf/vars"
	echo "$major" >"$root/etc/dnf/vars/releasever"
	# CentOS 7's yum, played by dnf.
	[ "$major" = 7 ] && printf '#!/bin/sh\nexec dnf "$@"\n' >"$root/usr/bin/yum" && chmod 0755 "$root/usr/bin/yum"
	;;
flatcar)
	printf 'NAME="Flatcar Container Linux by Kinvolk"\nID=flatcar\nID_LIKE=coreos\nVERSION_ID=3139.2.0\nPRETTY_NAME="Flatcar Container Linux by Kinvolk 3139.2.0 (Oklo)"\n' \
		>"$root/etc/os-release"
	cp "$flatcar_bin/containerd" "$flatcar_bin/ctr" "$root/usr/bin/"
	mkdir -p "$root/etc/flatcar"
	[ -e "$root/etc/flatcar/update.conf" ] || printf 'GROUP=stable\n' >"$root/etc/flatcar/update.conf"
	;;
esac

# The run's own copy of the content, with service tasks off.
copy=$root/var/tmp/konvoy-content
rm -rf "$copy"
cp -a "$content" "$copy"
rm -rf "$copy/target" "$copy/.git"
"$python" - "$copy" <<'PY'
import glob, sys, yaml
def off(tasks):
    changed = False
    for t in tasks or []:
        for key in ("block", "rescue", "always"):
            changed |= off(t.get(key))
        if "service" in t or "systemd" in t:
            t["when"] = False
            changed = True
    return changed
for path in glob.glob(sys.argv[1] + "/playbooks/roles/*/tasks/*.yaml"):
    tasks = yaml.safe_load(open(path))
    if off(tasks):
        yaml.safe_dump(tasks, open(path, "w"), sort_keys=False)
PY
cd "$root/var/tmp/konvoy-content"
exec chroot "$root" /bin/sh -c 'cd /var/tmp/konvoy-content && exec "$@"' sh \
	env ANSIBLE_COLLECTIONS_PATH="$collections" ANSIBLE_NOCOLOR=1 \
	ansible-playbook -c local -i localhost, playbooks/provision.yaml \
	-e ansible_python_interpreter=/usr/bin/python3 -e ansible_become=false \
	-e start_services=false -e sysctl_reload=false -e disable_swap_now=false \
	-e '{"kernel_modules": []}' "$@"
INNER
