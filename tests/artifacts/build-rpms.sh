#!/bin/sh
# Build the offline OS package bundle of the 2021 pins (the CentOS images):
# stand-in RPMs for every package the provisioning roles install on CentOS 7
# and 8, indexed with createrepo_c and packed as an
# os_packages_local_bundle_file (RPMs and repodata at the top level).
#
# Usage: build-rpms.sh OUTDIR
# Produces:
#   OUTDIR/repo/*.rpm, OUTDIR/repo/repodata/   a yum/dnf repository
#   OUTDIR/os-packages_<kubernetes_version>_x86_64_rpms.tar.gz
#
# Needs rpmbuild (Debian package `rpm`) and createrepo_c (`createrepo-c`).
# Deterministic: the same inputs give byte-identical RPMs, repodata and tarball
# (SOURCE_DATE_EPOCH fixes every timestamp).
set -eu

KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.21.6}
CONTAINERD_VERSION=${CONTAINERD_VERSION:-1.4.11}
CRICTL_VERSION=${CRICTL_VERSION:-1.22.0}
CNI_VERSION=${CNI_VERSION:-0.9.1}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1609459200}
export SOURCE_DATE_EPOCH

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/standins.sh"
. "$here/rpmlib.sh"
mkdir -p "$1"
out=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$out/repo"
rm -rf "$repo"
mkdir -p "$repo"

build_containerd_io "$repo" "$CONTAINERD_VERSION"
build_kubernetes_rpms "$repo" "$KUBERNETES_VERSION" 0 "$CRICTL_VERSION" 0 "$CNI_VERSION" 0
build_common_rpms "$repo"
index_repo "$repo"

bundle="$out/os-packages_${KUBERNETES_VERSION}_x86_64_rpms.tar.gz"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
	-C "$repo" -cf - . | gzip -n -9 >"$bundle"
echo "$bundle"
