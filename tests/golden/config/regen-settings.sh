#!/usr/bin/env bash
# Regenerates engine/src/config/ansible-settings.tsv from the installed
# ansible-core 2.19.14 (pip install ansible-core==2.19.14): every setting of
# config/base.yml and of the builtin plugins that ansible.cfg or an ANSIBLE_*
# variable can set. tests/config checks the committed file against the
# installed ansible-core and that every row is classified.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
case "$(ansible-playbook --version 2>/dev/null)" in *'core 2.19.14'*) ;; *)
  echo "needs ansible-core 2.19.14: pip install ansible-core==2.19.14" >&2; exit 1 ;;
esac
python3 "$root/tests/golden/config/ansible-settings.py" 2>/dev/null \
  > "$root/engine/src/config/ansible-settings.tsv"
echo "wrote engine/src/config/ansible-settings.tsv"
