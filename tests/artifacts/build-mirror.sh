#!/bin/sh
# Build a local mirror of everything an online provisioning run downloads,
# laid out under the upstream URL paths, for the current versions of
# images/common.yaml, the oldest supported minor with containerd 1.7 (what
# `--kubernetes-version 1.31.13 --containerd-version 1.7.34` asks for) and
# the 2021 pins of the CentOS images:
#   - release downloads: kubeadm/kubectl/kubelet (dl.k8s.io layout, WITHOUT
#     .sha256 files, as konvoy-image-builder users built their mirrors),
#     crictl, the CNI plugins, containerd (release tarball and
#     cri-containerd-cni), runc, each with the checksum file its project
#     publishes; the overrides file pins every (stand-in) checksum, as
#     images/common.yaml pins the real ones;
#   - RPM repositories: pkgs.k8s.io's `core:/stable:/v<minor>/rpm/` for each
#     Kubernetes version, Docker's containerd.io per EL major, the OS's own
#     packages (BaseOS/AppStream stand-in, configured on test hosts as their
#     OS repository), EPEL's release package and key; RPMs and repository
#     metadata signed with a key made here (repomd.xml.key, as pkgs.k8s.io);
#   - apt repositories: pkgs.k8s.io's `core:/stable:/v<minor>/deb/` (flat,
#     InRelease signed, Release.key) and the Ubuntu packages the roles need
#     that this Debian machine lacks (chrony, conntrack, ...), as the Ubuntu
#     test hosts' OS repository;
#   - a container registry (static `/v2/<name>/manifests/<tag>` files) with
#     the control-plane images of every version set and of the FIPS override.
#
# Usage: build-mirror.sh OUTDIR [BASE_URL]
#   BASE_URL is where OUTDIR/www will be served (default http://127.0.0.1:8080),
#   e.g. `python3 -m http.server --bind 127.0.0.1 8080 --directory OUTDIR/www`.
# Produces:
#   OUTDIR/www/...                 the mirror tree
#   OUTDIR/mirror-overrides.yaml   an --overrides file pointing every download
#                                  and repository key at BASE_URL (for every
#                                  image: paths follow the versions)
#   OUTDIR/os.repo                 the OS repository file for a test host's
#                                  /etc/yum.repos.d (what the OS ships)
#   OUTDIR/os.list, OUTDIR/os-apt.asc
#                                  the same for Ubuntu hosts: a sources.list.d
#                                  file and the key it is signed with
#   OUTDIR/flatcar-usr-bin/        stand-in containerd, ctr, update_engine and
#                                  locksmithd for a Flatcar host's /usr/bin
#   OUTDIR/gnupg/                  the signing key (kept for re-signing)
#   OUTDIR/os-packages_1.21.6_x86_64_rpms.tar.gz
#                                  the offline bundle of the 2021 pins (what
#                                  build-rpms.sh makes, from the RPMs built here)
# Deterministic except for the signing key and signatures: fixed file times
# (SOURCE_DATE_EPOCH), sorted tar members, gzip without names or times.
set -eu

# Current versions (images/common.yaml) and the 2021 pins (centos-*.yaml).
KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.36.4}
CONTAINERD_VERSION=${CONTAINERD_VERSION:-2.3.4}
RUNC_VERSION=${RUNC_VERSION:-1.4.3}
CRICTL_VERSION=${CRICTL_VERSION:-1.36.0}
CNI_VERSION=${CNI_VERSION:-1.9.1}
# The control-plane images kubeadm names for it (images/common.yaml
# kubeadm_image_versions).
ETCD_VERSION=${ETCD_VERSION:-3.6.8-0}
COREDNS_VERSION=${COREDNS_VERSION:-1.14.2}
PAUSE_VERSIONS=${PAUSE_VERSIONS:-3.10.2 3.10.1}
# The oldest Kubernetes minor pkgs.k8s.io still serves, with containerd 1.7.
PREVIOUS_KUBERNETES_VERSION=1.31.13
PREVIOUS_CONTAINERD_VERSION=1.7.34
PREVIOUS_CRICTL_VERSION=1.31.1
PREVIOUS_ETCD_VERSION=3.5.15-0
PREVIOUS_COREDNS_VERSION=1.11.3
PREVIOUS_PAUSE_VERSIONS="3.10 3.9"
LEGACY_KUBERNETES_VERSION=1.21.6
LEGACY_CONTAINERD_VERSION=1.4.11
LEGACY_CRICTL_VERSION=1.22.0
LEGACY_CNI_VERSION=0.9.1
GOARCH=${GOARCH:-amd64}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1609459200}
export SOURCE_DATE_EPOCH

if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: $0 OUTDIR [BASE_URL]" >&2; exit 2; fi
base=${2:-http://127.0.0.1:8080}
base=${base%/}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/standins.sh"
. "$here/rpmlib.sh"
mkdir -p "$1"
out=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
www="$out/www"
rm -rf "$www" "$out/flatcar-usr-bin" "$out/gnupg"

# pack DIR TARBALL MEMBER...: a reproducible tar.gz of MEMBERs of DIR.
pack() {
	dir=$1 tarball=$2
	shift 2
	mkdir -p "$(dirname "$tarball")"
	find "$dir" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
		-C "$dir" -cf - "$@" | gzip -n -9 >"$tarball"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
minor() { echo "$1" | cut -d. -f1,2; }

# --- signing key ----------------------------------------------------------
GNUPGHOME="$out/gnupg"
export GNUPGHOME
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' \
	--quick-gen-key 'konvoy-image test repositories <repo@konvoy-test.invalid>' rsa2048 sign never 2>/dev/null
key_id=$(gpg --batch --with-colons --list-keys | awk -F: '/^pub/ {print $5; exit}')
sign_rpms() { # DIR
	rpmsign --addsign --define "__gpg $(command -v gpg)" --define "_gpg_name $key_id" --define "_gpg_path $GNUPGHOME" "$1"/*.rpm >/dev/null
}
# sign_repo DIR: signed repodata (repomd.xml.asc) and the public key as
# repodata/repomd.xml.key, pkgs.k8s.io's layout.
sign_repo() {
	index_repo "$1"
	gpg --batch --yes --armor --detach-sign -o "$1/repodata/repomd.xml.asc" "$1/repodata/repomd.xml"
	gpg --batch --armor --export "$key_id" >"$1/repodata/repomd.xml.key"
}

# --- release downloads -----------------------------------------------------
# kube_bins VERSION: kubeadm, kubectl, kubelet at <base>/release/v<v>/bin/linux/<arch>/,
# no .sha256 files; their checksums go into the overrides file.
pinned=""
kube_bins() {
	bins="$www/release/v$1/bin/linux/$GOARCH"
	standin_kubeadm "$bins/kubeadm" "$1"
	standin_kubectl "$bins/kubectl" "$1"
	standin_kubelet "$bins/kubelet" "$1"
	pinned="$pinned  \"$1\":
    kubeadm: \"$(sha "$bins/kubeadm")\"
    kubectl: \"$(sha "$bins/kubectl")\"
    kubelet: \"$(sha "$bins/kubelet")\"
"
}
kube_bins "$KUBERNETES_VERSION"
kube_bins "$PREVIOUS_KUBERNETES_VERSION"
kube_bins "$LEGACY_KUBERNETES_VERSION"

# cni VERSION: the tarball on the GitHub release path with its .sha256
# ("<hash>  <file name>").
cni() {
	name="cni-plugins-linux-$GOARCH-v$1.tgz"
	rm -rf "$work/cni" && mkdir -p "$work/cni"
	for plugin in $STANDIN_CNI_PLUGINS; do
		standin_cni_plugin "$work/cni/$plugin" "$1"
	done
	tgz="$www/containernetworking/plugins/releases/download/v$1/$name"
	# shellcheck disable=SC2086 # plugin names are single words
	pack "$work/cni" "$tgz" $STANDIN_CNI_PLUGINS
	echo "$(sha "$tgz")  $name" >"$tgz.sha256"
	cni_pins="$cni_pins  \"$1\": \"$(sha "$tgz")\"
"
}
cni_pins=""
crictl_pins=""
containerd_pins=""
runc_pins=""
cni "$CNI_VERSION"
cni "$LEGACY_CNI_VERSION"

# crictl VERSION: one member, `crictl`, with a .sha256 (bare hash).
crictl() {
	rm -rf "$work/crictl"
	standin_crictl "$work/crictl/crictl" "$1"
	tgz="$www/kubernetes-sigs/cri-tools/releases/download/v$1/crictl-v$1-linux-$GOARCH.tar.gz"
	pack "$work/crictl" "$tgz" crictl
	sha "$tgz" >"$tgz.sha256"
	crictl_pins="$crictl_pins  \"$1\": \"$(sha "$tgz")\"
"
}
crictl "$CRICTL_VERSION"
crictl "$PREVIOUS_CRICTL_VERSION"
crictl "$LEGACY_CRICTL_VERSION"

# release_containerd VERSION: the release tarball (bin/...), with .sha256sum.
release_containerd() {
	c="$work/containerd"
	rm -rf "$c"
	standin_containerd "$c/bin/containerd" "$1"
	standin_ctr "$c/bin/ctr" "$1"
	standin_shim "$c/bin/containerd-shim-runc-v2" "$1"
	dl="$www/containerd/containerd/releases/download/v$1"
	pack "$c" "$dl/containerd-$1-linux-$GOARCH.tar.gz" bin
	(cd "$dl" && sha256sum "containerd-$1-linux-$GOARCH.tar.gz" \
		>"containerd-$1-linux-$GOARCH.tar.gz.sha256sum")
	containerd_pins="$containerd_pins  \"containerd-$1-linux-$GOARCH.tar.gz\": \"$(sha "$dl/containerd-$1-linux-$GOARCH.tar.gz")\"
"
}
release_containerd "$CONTAINERD_VERSION"
release_containerd "$PREVIOUS_CONTAINERD_VERSION"
# The 2021 cri-containerd-cni tarball (usr/local/bin/...), for Flatcar's shims.
c="$work/cri-containerd"
standin_containerd "$c/usr/local/bin/containerd" "$LEGACY_CONTAINERD_VERSION"
standin_ctr "$c/usr/local/bin/ctr" "$LEGACY_CONTAINERD_VERSION"
for shim in containerd-shim containerd-shim-runc-v1 containerd-shim-runc-v2; do
	standin_shim "$c/usr/local/bin/$shim" "$LEGACY_CONTAINERD_VERSION"
done
dl="$www/containerd/containerd/releases/download/v$LEGACY_CONTAINERD_VERSION"
pack "$c" "$dl/cri-containerd-cni-$LEGACY_CONTAINERD_VERSION-linux-$GOARCH.tar.gz" usr
(cd "$dl" && sha256sum "cri-containerd-cni-$LEGACY_CONTAINERD_VERSION-linux-$GOARCH.tar.gz" \
	>"cri-containerd-cni-$LEGACY_CONTAINERD_VERSION-linux-$GOARCH.tar.gz.sha256sum")
containerd_pins="$containerd_pins  \"cri-containerd-cni-$LEGACY_CONTAINERD_VERSION-linux-$GOARCH.tar.gz\": \"$(sha "$dl/cri-containerd-cni-$LEGACY_CONTAINERD_VERSION-linux-$GOARCH.tar.gz")\"
"

# runc: runc.<arch> and runc.sha256sum (one line per architecture).
dl="$www/opencontainers/runc/releases/download/v$RUNC_VERSION"
standin_runc "$dl/runc.$GOARCH" "$RUNC_VERSION"
(cd "$dl" && sha256sum "runc.$GOARCH" >runc.sha256sum)
runc_pins="  \"$RUNC_VERSION\": \"$(sha "$dl/runc.$GOARCH")\"
"

# What a Flatcar host ships in /usr/bin (containerd, ctr; the update daemons).
standin_containerd "$out/flatcar-usr-bin/containerd" "$LEGACY_CONTAINERD_VERSION"
standin_ctr "$out/flatcar-usr-bin/ctr" "$LEGACY_CONTAINERD_VERSION"
standin_daemon "$out/flatcar-usr-bin/update_engine" update_engine
standin_daemon "$out/flatcar-usr-bin/locksmithd" locksmithd

# --- RPM repositories ------------------------------------------------------
# pkgs.k8s.io: one repository per minor; its release numbers.
k8s_repo="$www/core:/stable:/v$(minor "$KUBERNETES_VERSION")/rpm"
build_kubernetes_rpms "$k8s_repo" "$KUBERNETES_VERSION" 150500.1.1 "$CRICTL_VERSION" 150500.1.1 \
	"$CNI_VERSION" 150500.1.1
sign_rpms "$k8s_repo"
sign_repo "$k8s_repo"
k8s_repo="$www/core:/stable:/v$(minor "$PREVIOUS_KUBERNETES_VERSION")/rpm"
build_kubernetes_rpms "$k8s_repo" "$PREVIOUS_KUBERNETES_VERSION" 150500.1.1 "$PREVIOUS_CRICTL_VERSION" \
	150500.1.1 "$CNI_VERSION" 150500.1.1
sign_rpms "$k8s_repo"
sign_repo "$k8s_repo"
# The 2021 packages in the same layout (D2iQ's `-0` releases).
k8s_repo="$www/core:/stable:/v$(minor "$LEGACY_KUBERNETES_VERSION")/rpm"
build_kubernetes_rpms "$k8s_repo" "$LEGACY_KUBERNETES_VERSION" 0 "$LEGACY_CRICTL_VERSION" 0 \
	"$LEGACY_CNI_VERSION" 0
sign_rpms "$k8s_repo"
sign_repo "$k8s_repo"

# Docker's containerd.io, per EL major (the same package).
build_containerd_io "$work/docker" "$LEGACY_CONTAINERD_VERSION"
sign_rpms "$work/docker"
for major in 7 8 9; do
	d="$www/docker/rhel/$major/x86_64/stable"
	mkdir -p "$d"
	cp "$work/docker/"*.rpm "$d/"
	index_repo "$d"
done
gpg --batch --armor --export "$key_id" >"$www/docker/rhel/gpg"

# The OS's own packages (every name the roles install, for every major).
build_common_rpms "$www/os"
gpg --batch --armor --export "$key_id" >"$www/os/RPM-GPG-KEY-konvoy-test"
cat >"$out/os.repo" <<REPO
# The test host's OS repository (BaseOS and AppStream stand-in).
[konvoy-test-os]
name=OS packages (konvoy-image test stand-ins)
baseurl=$base/os/
gpgcheck=1
gpgkey=$base/os/RPM-GPG-KEY-konvoy-test
enabled=1
REPO

# EPEL: the key, and an epel-release package whose repository is a local
# (empty) one inside the package, so an enabled EPEL needs no network.
gpg --batch --armor --export "$key_id" >"$work/epel.key"
for major in 7 8 9; do
	mkdir -p "$www/epel"
	cp "$work/epel.key" "$www/epel/RPM-GPG-KEY-EPEL-$major"
	r="$work/root/epel-release"
	mkdir -p "$r/usr/share/konvoy-standin/epel/$major" "$r/etc/yum.repos.d"
	index_repo "$r/usr/share/konvoy-standin/epel/$major"
	cat >"$r/etc/yum.repos.d/epel.repo" <<REPO
[epel]
name=Extra Packages for Enterprise Linux $major (konvoy-image test stand-in)
baseurl=file:///usr/share/konvoy-standin/epel/$major/
enabled=1
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-EPEL-$major
REPO
	mkdir -p "$r/etc/pki/rpm-gpg"
	cp "$work/epel.key" "$r/etc/pki/rpm-gpg/RPM-GPG-KEY-EPEL-$major"
	cp -a "$r" "$work/root/oracle-epel-release-el$major"
	build_rpm "$work/epel$major" epel-release "$major" 1 noarch
	cp "$work/epel$major/epel-release-$major-1.noarch.rpm" "$www/epel/epel-release-latest-$major.noarch.rpm"
	# Oracle Linux ships the same repository as a package of its own repositories.
	[ "$major" = 7 ] || build_rpm "$www/os" "oracle-epel-release-el$major" 1.0 1 noarch
done

# The offline bundle of the 2021 pins: the same RPMs, one repository.
b="$work/bundle"
mkdir -p "$b"
cp "$www/core:/stable:/v$(minor "$LEGACY_KUBERNETES_VERSION")/rpm/"*.rpm "$www/docker/rhel/8/x86_64/stable/"*.rpm \
	"$www/os/"*.rpm "$b/"
index_repo "$b"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
	-C "$b" -cf - . | gzip -n -9 >"$out/os-packages_${LEGACY_KUBERNETES_VERSION}_x86_64_rpms.tar.gz"

# The OS repository, with Oracle's EPEL packages added above.
sign_rpms "$www/os"
index_repo "$www/os"

# --- apt repositories ------------------------------------------------------
# deb DIR NAME VERSION ARCH: a stand-in package from the tree $work/root/NAME
# (or a marker file when there is none).
deb() {
	dd="$work/root/$2"
	if [ ! -d "$dd" ]; then
		mkdir -p "$dd/usr/share/konvoy-standin"
		echo "$2 stand-in" >"$dd/usr/share/konvoy-standin/$2"
	fi
	mkdir -p "$dd/DEBIAN" "$1"
	printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: konvoy-image tests <test@konvoy.invalid>\nSection: misc\nPriority: optional\nDescription: %s (konvoy-image test stand-in)\n' \
		"$2" "$3" "$4" "$2" >"$dd/DEBIAN/control"
	find "$dd" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zgzip --build "$dd" "$1/$2_$3_$4.deb" >/dev/null
	rm -rf "$dd"
}
# flat_repo DIR: Packages and a signed Release (InRelease, Release.gpg).
flat_repo() {
	(
		cd "$1"
		apt-ftparchive packages . >Packages
		gzip -9nk Packages
		apt-ftparchive -o APT::FTPArchive::Release::Origin=konvoy-test \
			-o "APT::FTPArchive::Release::Date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")" \
			release . >../Release.tmp
		mv ../Release.tmp Release
		gpg --batch --yes --clearsign -o InRelease Release 2>/dev/null
		gpg --batch --yes -abs -o Release.gpg Release 2>/dev/null
	)
}
# k8s_deb_repo KUBERNETES CRICTL CNI: pkgs.k8s.io's Debian layout (revision
# -1.1) for the minor of KUBERNETES, its key as Release.key.
k8s_deb_repo() {
	k8s_deb="$www/core:/stable:/v$(minor "$1")/deb"
	stage_kubernetes "$1" "$2" "$3" /etc/default/kubelet
	deb "$k8s_deb" kubelet "$1-1.1" amd64
	deb "$k8s_deb" kubeadm "$1-1.1" amd64
	deb "$k8s_deb" kubectl "$1-1.1" amd64
	deb "$k8s_deb" cri-tools "$2-1.1" amd64
	deb "$k8s_deb" kubernetes-cni "$3-1.1" amd64
	flat_repo "$k8s_deb"
	gpg --batch --armor --export "$key_id" >"$k8s_deb/Release.key"
}
k8s_deb_repo "$KUBERNETES_VERSION" "$CRICTL_VERSION" "$CNI_VERSION"
k8s_deb_repo "$PREVIOUS_KUBERNETES_VERSION" "$PREVIOUS_CRICTL_VERSION" "$CNI_VERSION"
# The Ubuntu packages this machine lacks (the others are installed already),
# at Ubuntu 24.04's versions: installed packages declare Breaks on old ones
# (libc6 breaks chrony << 4.2-3~).
for pv in chrony:4.5-1ubuntu4 conntrack:1:1.4.8-1ubuntu1 ebtables:2.0.11-6build1 \
	nfs-common:1:2.6.4-3ubuntu5 socat:1.8.0.0-4build3; do
	deb "$www/ubuntu" "${pv%%:*}" "${pv#*:}" amd64
done
flat_repo "$www/ubuntu"
gpg --batch --armor --export "$key_id" >"$out/os-apt.asc"
cat >"$out/os.list" <<LIST
# The test host's OS repository (Ubuntu archive stand-in).
deb [signed-by=/etc/apt/keyrings/konvoy-test-os.asc] $base/ubuntu ./
LIST

# --- container registry ------------------------------------------------------
# manifest NAME:TAG (registry host left out): a small OCI manifest at the
# path a registry serves it from.
manifest() {
	name=${1%:*} tag=${1##*:}
	d="$www/v2/$name/manifests"
	mkdir -p "$d"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"org.opencontainers.image.ref.name":"%s"}}' \
		"$1" >"$d/$tag"
}
for v in "$KUBERNETES_VERSION" "$PREVIOUS_KUBERNETES_VERSION" "$LEGACY_KUBERNETES_VERSION"; do
	for c in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
		manifest "$c:v$v"
		manifest "mesosphere/$c:v${v}_fips.0"
	done
done
for i in "etcd:$ETCD_VERSION" "coredns/coredns:v$COREDNS_VERSION" etcd:3.4.13-0 coredns/coredns:v1.8.0 \
	pause:3.4.1 pause:3.2 mesosphere/etcd:v3.4.13_fips.0 mesosphere/coredns:v1.8.0 \
	mesosphere/pause:3.4.1 mesosphere/pause:3.2 mesosphere/kfips:v0.1.0; do
	manifest "$i"
done
manifest "etcd:$PREVIOUS_ETCD_VERSION"
manifest "coredns/coredns:v$PREVIOUS_COREDNS_VERSION"
for p in $PAUSE_VERSIONS $PREVIOUS_PAUSE_VERSIONS; do
	manifest "pause:$p"
	manifest "mesosphere/pause:$p"
done
manifest "mesosphere/coredns:v$COREDNS_VERSION"

find "$www" "$out/flatcar-usr-bin" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

cat >"$out/mirror-overrides.yaml" <<YAML
---
# Generated by tests/artifacts/build-mirror.sh: every download and repository
# of every image from the local mirror at $base (paths follow the versions,
# so the same file serves the current images and the CentOS 2021 pins).
# The (stand-in) checksums are pinned here, as images/common.yaml pins the
# real ones (the maps merge: these versions' entries are replaced); the
# Kubernetes binaries have no .sha256 files on this mirror, the others do.
kubernetes_http_source: "$base/release"
kubernetes_binary_checksums:
$pinned
cni_plugins_checksums:
$cni_pins
crictl_checksums:
$crictl_pins
containerd_checksums:
$containerd_pins
runc_checksums:
$runc_pins
kubernetes_cni_http_source: "$base/containernetworking/plugins/releases/download"
crictl_url: "$base/kubernetes-sigs/cri-tools/releases/download/v{{ crictl_version }}/crictl-v{{ crictl_version }}-linux-{{ kubernetes_goarch }}.tar.gz"
containerd_url: "$base/containerd/containerd/releases/download/v{{ containerd_version }}/{{ 'cri-containerd-cni' if containerd_from == 'package' else 'containerd' }}-{{ containerd_version }}-linux-{{ kubernetes_goarch }}.tar.gz"
runc_url: "$base/opencontainers/runc/releases/download/v{{ runc_version }}/runc.{{ kubernetes_goarch }}"
kubernetes_rpm_repository_url: "$base/core:/stable:/v{{ kubernetes_version.split('.')[:2] | join('.') }}/rpm/"
kubernetes_rpm_gpg_key_url: "{{ kubernetes_rpm_repository_url }}repodata/repomd.xml.key"
kubernetes_rpm_repo_gpgcheck: true
kubernetes_deb_repository_url: "$base/core:/stable:/v{{ kubernetes_version.split('.')[:2] | join('.') }}/deb/"
kubernetes_deb_gpg_key_url: "{{ kubernetes_deb_repository_url }}Release.key"
docker_rpm_repository_url: "$base/docker/rhel/{{ ansible_distribution_major_version }}/x86_64/stable"
docker_rpm_gpg_key_url: "$base/docker/rhel/gpg"
epel_centos_7_rpm: "$base/epel/epel-release-latest-7.noarch.rpm"
epel_centos_7_rpm_gpg_key: "$base/epel/RPM-GPG-KEY-EPEL-7"
epel_centos_8_rpm: "$base/epel/epel-release-latest-8.noarch.rpm"
epel_centos_8_rpm_gpg_key: "$base/epel/RPM-GPG-KEY-EPEL-8"
epel_centos_9_rpm: "$base/epel/epel-release-latest-9.noarch.rpm"
epel_centos_9_rpm_gpg_key: "$base/epel/RPM-GPG-KEY-EPEL-9"
# Image pulls through the mirror's registry.
registry_mirror_url: "$base"
YAML
echo "$out"
