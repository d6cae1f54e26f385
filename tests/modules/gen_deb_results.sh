#!/bin/sh
# Records what ansible-core 2.19.14 registers for every Debian/SUSE-module
# scenario in tests/modules/deb/ (apt, ..., zypper), run by
# ansible-playbook on a fresh Ubuntu or openSUSE test host with the local
# repositories of debs.sh and rpms.rs, into
# tests/modules/golden/<scenario>.json. Needs root (test hosts),
# ansible-core 2.19.14 and, for zypper*, community.general: taken from
# the `ansible` 12 package on PyPI (downloaded once, not installed) and
# put on the collections path. KONVOY_SCENARIO=NAME limits it to one.
set -eu
cd "$(dirname "$0")/../.."
tests/fetch-zypper.sh >/dev/null
c=target/ansible-collections
if [ ! -d "$c/ansible_collections/community/general" ]; then
  w=$(mktemp -d)
  python3 -m pip download -q --no-deps 'ansible>=12,<13' -d "$w"
  python3 - "$w"/ansible-*.whl "$c" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith("ansible_collections/community/general/")])
PY
  rm -rf "$w"
fi
exec cargo test --test integration modules::debs::regen_deb_goldens -- --ignored --nocapture
