#!/bin/sh
# Fetches the Ansible collections the system-module twins need
# (ansible.posix: mount, selinux; community.general: pamd, pam_limits;
# community.crypto: openssh_keypair) from the `ansible` 12.x wheel on PyPI,
# the community package that pairs with ansible-core 2.19. Only those three
# collections are unpacked, into target/ansible-collections (cached, never
# committed); ansible-core itself stays the machine's 2.19.14.
# Prints the directory to use as ANSIBLE_COLLECTIONS_PATH.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$root/target/ansible-collections
want="ansible/posix community/general community/crypto"
ok=1
for c in $want; do [ -f "$dest/ansible_collections/$c/MANIFEST.json" ] || ok=0; done
if [ $ok = 0 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps 'ansible==12.3.0' -d "$tmp" >&2
  rm -rf "$dest" && mkdir -p "$dest"
  python3 - "$tmp"/ansible-*.whl "$dest" $want <<'PY'
import sys, zipfile
whl, dest, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
prefixes = tuple("ansible_collections/%s/" % w for w in wanted)
with zipfile.ZipFile(whl) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith(prefixes)])
PY
fi
echo "$dest"
