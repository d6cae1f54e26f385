# shellcheck shell=sh
# Helpers for the stand-in RPMs, sourced by build-rpms.sh and build-mirror.sh
# (after standins.sh). The caller sets `work` (a scratch directory) and
# SOURCE_DATE_EPOCH. Packages are built from a tree under $work/root/<name>,
# with the real names and versions, `AutoReqProv: no` (installable into an
# empty rpm database), gzip payloads, fixed times: the same inputs give
# byte-identical RPMs.

# The common packages every RHEL-family host gets (roles/packages), for every
# EL major: each holds one marker file; audit also has auditd and its unit.
STANDIN_COMMON_RPMS="audit ca-certificates chrony conntrack-tools container-selinux curl
ebtables iproute-tc iptables-nft nfs-utils NetworkManager open-vm-tools socat sysstat yum-utils
yum-plugin-versionlock python3-dnf-plugin-versionlock ${STANDIN_EXTRA_RPMS:-}"

# build_rpm OUTDIR NAME VERSION RELEASE [ARCH]: packages the tree $work/root/NAME.
build_rpm() {
	rpm_out=$1 name=$2 version=$3 release=$4 arch=${5:-x86_64}
	root="$work/root/$name"
	spec="$work/$name.spec"
	mkdir -p "$root" "$rpm_out"
	{
		echo "Name: $name"
		echo "Version: $version"
		echo "Release: $release"
		echo "Summary: $name (konvoy-image test stand-in)"
		echo "License: Apache-2.0"
		echo "BuildArch: $arch"
		echo "AutoReqProv: no"
		echo "%description"
		echo "Stand-in for $name $version-$release, built for the konvoy-image tests."
		echo "%install"
		echo "cp -a '$root/.' %{buildroot}/"
		echo "%files"
		(cd "$root" && find . -type f | sort | sed 's|^\.||')
	} >"$spec"
	rpmbuild_spec "$rpm_out" "$spec"
	rm -rf "$root"
}

# rpmbuild_spec OUTDIR SPEC: binary RPMs of SPEC into OUTDIR, reproducibly.
rpmbuild_spec() {
	rpmbuild -bb --quiet \
		--define "_topdir $work/rpmbuild" \
		--define "_rpmdir $1" \
		--define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
		--define "_buildhost konvoy-standin" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		--define "_binary_payload w9.gzdio" \
		--define "debug_package %{nil}" \
		--define "__brp_strip %{nil}" \
		--define "__os_install_post %{nil}" \
		--define "__spec_install_post %{nil}" \
		"$2" >/dev/null
}

# unit FILE: writes the systemd unit on stdin to FILE.
unit() {
	mkdir -p "$(dirname "$1")"
	cat >"$1"
}

# index_repo DIR: repodata for DIR, with fixed times.
index_repo() {
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	createrepo_c --quiet --revision "$SOURCE_DATE_EPOCH" --set-timestamp-to-revision \
		--simple-md-filenames --no-database "$1" >/dev/null
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# build_common_rpms OUTDIR: the common packages (STANDIN_COMMON_RPMS), 1.0-1
# each, as subpackages of one spec (one rpmbuild run: process start-up is
# what costs here).
build_common_rpms() {
	r="$work/root/common"
	mkdir -p "$r/usr/share/konvoy-standin"
	for name in $STANDIN_COMMON_RPMS; do
		echo "$name stand-in" >"$r/usr/share/konvoy-standin/$name"
	done
	standin_daemon "$r/usr/sbin/auditd" auditd
	unit "$r/usr/lib/systemd/system/auditd.service" <<'UNIT'
[Unit]
Description=Security Auditing Service (stand-in)

[Service]
ExecStart=/usr/sbin/auditd

[Install]
WantedBy=multi-user.target
UNIT
	spec="$work/common.spec"
	{
		echo "Name: konvoy-standin-common"
		echo "Version: 1.0"
		echo "Release: 1"
		echo "Summary: common package stand-ins"
		echo "License: Apache-2.0"
		echo "BuildArch: x86_64"
		echo "AutoReqProv: no"
		echo "%description"
		echo "Stand-ins for the common packages, built for the konvoy-image tests."
		for name in $STANDIN_COMMON_RPMS; do
			echo "%package -n $name"
			echo "Summary: $name (konvoy-image test stand-in)"
			echo "AutoReqProv: no"
			echo "%description -n $name"
			echo "Stand-in for $name 1.0-1, built for the konvoy-image tests."
		done
		echo "%install"
		echo "cp -a '$r/.' %{buildroot}/"
		for name in $STANDIN_COMMON_RPMS; do
			echo "%files -n $name"
			echo "/usr/share/konvoy-standin/$name"
			if [ "$name" = audit ]; then
				echo "/usr/sbin/auditd"
				echo "/usr/lib/systemd/system/auditd.service"
			fi
		done
	} >"$spec"
	rpmbuild_spec "$1" "$spec"
	rm -rf "$r"
}

# build_kubernetes_rpms OUTDIR K8S_VERSION K8S_RELEASE CRICTL CRICTL_RELEASE CNI CNI_RELEASE:
# kubelet (with its unit), kubeadm (with the kubelet drop-in), kubectl,
# cri-tools, kubernetes-cni, as the Kubernetes repositories ship them.
build_kubernetes_rpms() {
	k_out=$1 kv=$2 kr=$3 cv=$4 cr=$5 nv=$6 nr=$7
	stage_kubernetes "$kv" "$cv" "$nv" /etc/sysconfig/kubelet
	build_rpm "$k_out" kubelet "$kv" "$kr"
	build_rpm "$k_out" kubeadm "$kv" "$kr"
	build_rpm "$k_out" kubectl "$kv" "$kr"
	build_rpm "$k_out" cri-tools "$cv" "$cr"
	build_rpm "$k_out" kubernetes-cni "$nv" "$nr"
}

# stage_kubernetes KUBERNETES CRICTL CNI ENVFILE: the file trees of the
# Kubernetes packages under $work/root/{kubelet,kubeadm,kubectl,cri-tools,
# kubernetes-cni}, as both the RPM and the Debian repositories ship them
# (ENVFILE: the kubelet drop-in's distribution environment file).
stage_kubernetes() {
	standin_kubelet "$work/root/kubelet/usr/bin/kubelet" "$1"
	unit "$work/root/kubelet/usr/lib/systemd/system/kubelet.service" <<'UNIT'
[Unit]
Description=kubelet: The Kubernetes Node Agent (stand-in)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
UNIT
	standin_kubeadm "$work/root/kubeadm/usr/bin/kubeadm" "$1"
	sed "s|@ENVFILE@|$4|" <<'UNIT' | unit "$work/root/kubeadm/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-@ENVFILE@
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
UNIT
	standin_kubectl "$work/root/kubectl/usr/bin/kubectl" "$1"
	standin_crictl "$work/root/cri-tools/usr/bin/crictl" "$2"
	for plugin in $STANDIN_CNI_PLUGINS; do
		standin_cni_plugin "$work/root/kubernetes-cni/opt/cni/bin/$plugin" "$3"
	done
}

# build_containerd_io OUTDIR VERSION: Docker's containerd.io (containerd,
# ctr, the runc shims and the unit).
build_containerd_io() {
	r="$work/root/containerd.io"
	standin_containerd "$r/usr/bin/containerd" "$2"
	standin_ctr "$r/usr/bin/ctr" "$2"
	standin_shim "$r/usr/bin/containerd-shim-runc-v1" "$2"
	standin_shim "$r/usr/bin/containerd-shim-runc-v2" "$2"
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
	build_rpm "$1" containerd.io "$2" 3.1
}
