#!/bin/sh
# Check an RPM bundle made by build-rpms.sh: unpack it, install every package
# the roles install into a scratch root with dnf (the bundle as the only
# repository), and verify with rpm -q and the stand-ins' version answers.
#
# Usage: check-rpm-bundle.sh BUNDLE.tar.gz
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BUNDLE.tar.gz" >&2; exit 2; }
bundle=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo" "$work/root"
tar -C "$work/repo" -xzf "$bundle"

wanted="containerd.io-1.4.11 kubelet-1.21.6-0 kubeadm-1.21.6-0 kubectl-1.21.6-0 cri-tools kubernetes-cni
audit ca-certificates chrony conntrack-tools container-selinux curl ebtables nfs-utils socat sysstat
yum-utils yum-plugin-versionlock python3-dnf-plugin-versionlock iproute-tc"

# shellcheck disable=SC2086
dnf -y -q --disableplugin=local --installroot="$work/root" --releasever=8 --disablerepo='*' \
	--repofrompath="offline,file://$work/repo" --enablerepo=offline \
	--setopt=offline.gpgcheck=0 install $wanted >/dev/null
# shellcheck disable=SC2086
rpm --root="$work/root" -q $wanted
"$work/root/usr/bin/containerd" --version
"$work/root/usr/bin/kubelet" --version
"$work/root/usr/bin/kubeadm" version -o short
"$work/root/usr/bin/crictl" --version
test -x "$work/root/opt/cni/bin/bridge"
test -f "$work/root/usr/lib/systemd/system/containerd.service"
test -f "$work/root/usr/lib/systemd/system/kubelet.service"
test -f "$work/root/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
echo "bundle OK: $bundle"
