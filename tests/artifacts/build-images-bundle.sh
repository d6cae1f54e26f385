#!/bin/sh
# Build an images_local_bundle_dir for the provisioning tests: one small,
# valid OCI image archive per image (one empty layer), named with the
# `io.containerd.image.name` annotation so `ctr images import` tags it.
#
# Usage: build-images-bundle.sh OUTDIR [IMAGE...]
#   IMAGE defaults to the images roles/images pre-pulls for the pinned versions.
# Produces OUTDIR/images/<name>_<tag>.tar, deterministic (fixed times, sorted
# members), so the same inputs give byte-identical archives.
set -eu

KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.21.6}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1609459200}

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [IMAGE...]" >&2; exit 2; }
mkdir -p "$1/images"
out=$(cd "$1/images" && pwd)
shift
if [ $# -eq 0 ]; then
	set -- \
		"k8s.gcr.io/kube-apiserver:v$KUBERNETES_VERSION" \
		"k8s.gcr.io/kube-controller-manager:v$KUBERNETES_VERSION" \
		"k8s.gcr.io/kube-scheduler:v$KUBERNETES_VERSION" \
		"k8s.gcr.io/kube-proxy:v$KUBERNETES_VERSION" \
		"k8s.gcr.io/etcd:3.4.13-0" \
		"k8s.gcr.io/pause:3.4.1" \
		"k8s.gcr.io/pause:3.2" \
		"k8s.gcr.io/coredns/coredns:v1.8.0"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c <"$1" | tr -d ' '; }
tarit() { # DIR OUT: reproducible tar of DIR's contents
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
		-C "$1" -cf "$2" .
}

for image in "$@"; do
	name=${image%:*}
	tag=${image##*:}
	d="$work/$(echo "$image" | tr '/:' '__')"
	mkdir -p "$d/layout/blobs/sha256" "$d/rootfs"
	blobs="$d/layout/blobs/sha256"

	# One layer holding a marker file naming the image.
	echo "$image" >"$d/rootfs/konvoy-standin-image"
	tarit "$d/rootfs" "$d/layer.tar"
	diff_id=$(sha "$d/layer.tar")
	gzip -n -9 <"$d/layer.tar" >"$d/layer.tar.gz"
	layer=$(sha "$d/layer.tar.gz")
	cp "$d/layer.tar.gz" "$blobs/$layer"

	printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$diff_id" >"$d/config.json"
	config=$(sha "$d/config.json")
	cp "$d/config.json" "$blobs/$config"

	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
		"$config" "$(size "$d/config.json")" "$layer" "$(size "$d/layer.tar.gz")" >"$d/manifest.json"
	manifest=$(sha "$d/manifest.json")
	cp "$d/manifest.json" "$blobs/$manifest"

	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
		"$manifest" "$(size "$d/manifest.json")" "$image" "$tag" >"$d/layout/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$d/layout/oci-layout"

	file="$out/$(basename "$name")_$tag.tar"
	tarit "$d/layout" "$file"
	touch -d "@$SOURCE_DATE_EPOCH" "$file"
	echo "$file"
done
