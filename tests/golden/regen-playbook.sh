#!/bin/sh
# Regenerates the expected outputs of tests/playbook (the --list-tasks,
# --list-hosts and --syntax-check goldens) by running the real
# ansible-playbook (ansible-core 2.19.14) on each case.
#
# A case is a directory tests/golden/playbook/<case>/ holding `args`: one
# line, the ansible-playbook arguments after `-i <inventory>` (playbook path
# relative to the repository root first). The script writes `stdout`.
# Run from anywhere; it works from the repository root.
set -eu
cd "$(dirname "$0")/../.."
inventory=tests/fixtures/playbooks/golden/inventory.ini
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_DEPRECATION_WARNINGS=0
for case in tests/golden/playbook/*/; do
    args=$(cat "$case/args")
    # shellcheck disable=SC2086 # args are split on purpose
    ansible-playbook -i "$inventory" $args > "$case/stdout"
    echo "regenerated $case"
done
python3 tests/golden/playbook-kv/expected.py
echo "regenerated tests/golden/playbook-kv/expected.json"
