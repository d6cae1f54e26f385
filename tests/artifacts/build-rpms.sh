#!/bin/sh
# Build the stand-in RPMs for every package the provisioning roles install,
# index them with createrepo_c and pack them as an os_packages_local_bundle_file
# bundle (RPMs and repodata at the top level of the tarball).
#
# Usage: build-rpms.sh OUTDIR
# Produces:
#   OUTDIR/repo/*.rpm, OUTDIR/repo/repodata/   a yum/dnf repository
#   OUTDIR/os-packages_<kubernetes_version>_x86_64_rpms.tar.gz
#
# Needs rpmbuild (Debian package `rpm`) and createrepo_c (`createrepo-c`).
# Deterministic: the same inputs give byte-identical RPMs, repodata and tarball
# (SOURCE_DATE_EPOCH fixes every timestamp).
#
# The packages are stand-ins with the real names and versions: the binaries are
# the scripts of standins.sh, the common OS packages carry one marker file.
# `AutoReqProv: no` keeps them installable into an empty rpm database.
set -eu

KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.21.6}
CONTAINERD_VERSION=${CONTAINERD_VERSION:-1.4.11}
CRICTL_VERSION=${CRICTL_VERSION:-1.22.0}
CNI_VERSION=${CNI_VERSION:-0.9.1}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1609459200}
export SOURCE_DATE_EPOCH

# Every package name the roles install (playbooks/roles/packages/defaults).
COMMON_RPMS="audit ca-certificates chrony conntrack-tools container-selinux curl ebtables
nfs-utils socat sysstat yum-utils yum-plugin-versionlock python3-dnf-plugin-versionlock iproute-tc"

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/standins.sh"
mkdir -p "$1"
out=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$out/repo"
rm -rf "$repo"
mkdir -p "$repo"

# build_rpm NAME VERSION RELEASE SUMMARY: packages the tree $work/root/NAME.
build_rpm() {
	name=$1 version=$2 release=$3 summary=$4
	root="$work/root/$name"
	spec="$work/$name.spec"
	{
		echo "Name: $name"
		echo "Version: $version"
		echo "Release: $release"
		echo "Summary: $summary (konvoy-image test stand-in)"
		echo "License: Apache-2.0"
		echo "BuildArch: x86_64"
		echo "AutoReqProv: no"
		echo "%description"
		echo "Stand-in for $name $version-$release, built for the konvoy-image tests."
		echo "%install"
		echo "cp -a '$root/.' %{buildroot}/"
		echo "%files"
		(cd "$root" && find . -type f | sort | sed 's|^\.||')
	} >"$spec"
	rpmbuild -bb --quiet \
		--define "_topdir $work/rpmbuild" \
		--define "_rpmdir $repo" \
		--define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
		--define "_buildhost konvoy-standin" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		--define "_binary_payload w9.gzdio" \
		--define "debug_package %{nil}" \
		--define "__brp_strip %{nil}" \
		"$spec" >/dev/null
}

unit() { # file, then the unit on stdin
	mkdir -p "$(dirname "$1")"
	cat >"$1"
}

# containerd.io: containerd, ctr, the runc shims and the unit.
r="$work/root/containerd.io"
standin_containerd "$r/usr/bin/containerd" "$CONTAINERD_VERSION"
standin_ctr "$r/usr/bin/ctr" "$CONTAINERD_VERSION"
standin_shim "$r/usr/bin/containerd-shim-runc-v1" "$CONTAINERD_VERSION"
standin_shim "$r/usr/bin/containerd-shim-runc-v2" "$CONTAINERD_VERSION"
unit "$r/usr/lib/systemd/system/containerd.service" <<'UNIT'
[Unit]
Description=containerd container runtime (stand-in)
After=network.target

[Service]
ExecStart=/usr/bin/containerd
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
build_rpm containerd.io "$CONTAINERD_VERSION" 3.1 "An industry-standard container runtime"

# kubelet with its unit; kubeadm with the kubelet drop-in; kubectl.
r="$work/root/kubelet"
standin_kubelet "$r/usr/bin/kubelet" "$KUBERNETES_VERSION"
unit "$r/usr/lib/systemd/system/kubelet.service" <<'UNIT'
[Unit]
Description=kubelet (stand-in)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
UNIT
build_rpm kubelet "$KUBERNETES_VERSION" 0 "Kubernetes node agent"

r="$work/root/kubeadm"
standin_kubeadm "$r/usr/bin/kubeadm" "$KUBERNETES_VERSION"
unit "$r/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf" <<'UNIT'
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/sysconfig/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
UNIT
build_rpm kubeadm "$KUBERNETES_VERSION" 0 "Kubernetes cluster bootstrapping tool"

standin_kubectl "$work/root/kubectl/usr/bin/kubectl" "$KUBERNETES_VERSION"
build_rpm kubectl "$KUBERNETES_VERSION" 0 "Kubernetes command-line client"

standin_crictl "$work/root/cri-tools/usr/bin/crictl" "$CRICTL_VERSION"
build_rpm cri-tools "$CRICTL_VERSION" 0 "CRI command-line tools"

for plugin in $STANDIN_CNI_PLUGINS; do
	standin_cni_plugin "$work/root/kubernetes-cni/opt/cni/bin/$plugin" "$CNI_VERSION"
done
build_rpm kubernetes-cni "$CNI_VERSION" 0 "CNI plugins"

# The common OS packages: a marker file each, nothing that could clash with
# the files of the machine the test hosts are made from.
for name in $COMMON_RPMS; do
	r="$work/root/$name"
	mkdir -p "$r/usr/share/konvoy-standin"
	echo "$name stand-in" >"$r/usr/share/konvoy-standin/$name"
	build_rpm "$name" 1.0 1 "$name"
done

# The index records each RPM's file time: fix it first.
find "$repo" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
createrepo_c --quiet --revision "$SOURCE_DATE_EPOCH" --set-timestamp-to-revision \
	--simple-md-filenames --no-database "$repo" >/dev/null

# Fix file times so the tarball does not depend on when it was built.
find "$repo" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
bundle="$out/os-packages_${KUBERNETES_VERSION}_x86_64_rpms.tar.gz"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
	-C "$repo" -cf - . | gzip -n -9 >"$bundle"
echo "$bundle"
