#!/bin/sh
# Fetches the ansible-core 2.19.14 sdist from PyPI and unpacks its
# integration targets (test/integration/targets/) into
# target/conformance/ansible_core-2.19.14/. Third-party files: never commit
# them. Idempotent: does nothing when they are already there.
set -eu
version=2.19.14
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$root/target/conformance
if [ -f "$dest/.complete-$version" ]; then
  exit 0
fi
mkdir -p "$dest/sdist"
if [ ! -f "$dest/sdist/ansible_core-$version.tar.gz" ]; then
  python3 -m pip download --quiet --no-binary :all: --no-deps "ansible-core==$version" -d "$dest/sdist"
fi
rm -rf "$dest/ansible_core-$version"
tar -xzf "$dest/sdist/ansible_core-$version.tar.gz" -C "$dest" "ansible_core-$version/test/integration"
touch "$dest/.complete-$version"
echo "unpacked $(ls "$dest/ansible_core-$version/test/integration/targets" | wc -l) targets into $dest"
