#!/bin/sh
# community.general and ansible.posix for ansible-playbook's side of the
# twin tests (the zypper scenarios of tests/modules/debs.rs, the
# provisioning content in tests/provision/twin.rs): taken from the `ansible` 12 package on PyPI
# (downloaded once, not installed) into target/ansible-collections, the
# collections path those twins give ansible-playbook. Never committed.
set -eu
cd "$(dirname "$0")/.."
c=target/ansible-collections
[ -d "$c/ansible_collections/community/general" ] && [ -d "$c/ansible_collections/ansible/posix" ] && exit 0
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
python3 -m pip download -q --no-deps 'ansible>=12,<13' -d "$w"
python3 - "$w"/ansible-*.whl "$c" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wanted = ("ansible_collections/community/general/", "ansible_collections/ansible/posix/")
z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith(wanted)])
PY
echo "community.general and ansible.posix in $c"
