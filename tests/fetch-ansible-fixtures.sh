#!/bin/sh
# Fetches the distribution fixtures of ansible-core's own unit tests
# (test/units/module_utils/facts/system/distribution/fixtures/*.json) from
# the ansible-core 2.19.14 sdist on PyPI into
# target/ansible-fixtures/distribution/. They are third-party files: never
# commit them. Idempotent: does nothing when the folder is already filled.
set -eu
version=2.19.14
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/target/ansible-fixtures/distribution
if [ -f "$dest/.complete-$version" ]; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-binary :all: --no-deps "ansible-core==$version" -d "$work"
inner=ansible_core-$version/test/units/module_utils/facts/system/distribution/fixtures
tar -xzf "$work/ansible_core-$version.tar.gz" -C "$work" "$inner"
rm -rf "$dest"
mkdir -p "$dest"
cp "$work/$inner"/*.json "$dest/"
touch "$dest/.complete-$version"
echo "fetched $(ls "$dest"/*.json | wc -l) fixtures into $dest"
