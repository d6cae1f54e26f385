#!/usr/bin/env bash
# Regenerates every expected output under tests/golden/inventory/ with the
# real ansible-inventory from ansible-core 2.19.14.
#
# Each case folder holds its inputs, a `sources` file (the `-i ...` flags,
# one line) and an `args` file (extra invocations, one per line). Every case
# runs `--list`, `--graph`, `--graph --vars` and `--list --export`, then
# each `args` line (every case lists `--list --yaml` there). ansible-inventory runs inside the
# case folder (it reads group_vars/ beside the cwd too, and so do we).
# Output goes to expected/<slug>.out; `_meta.profile` is removed. The
# `[WARNING]:` lines of `--list` go, sorted, to expected/list.warnings,
# with the case folder's real path written as `<case>`.
# Usage: regen-inventory.sh [CASE...] (default: every case).
#
# If `ansible-inventory` 2.19.14 is not on PATH, ansible-core 2.19.14 is
# installed from PyPI into a venv under ${KONVOY_GOLDEN_VENV:-target/golden-venv}.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
want="2.19.14"

if command -v ansible-inventory >/dev/null 2>&1 &&
    ansible-inventory --version 2>/dev/null | head -1 | grep -q "core $want\]"; then
    ai="$(command -v ansible-inventory)"
else
    venv="${KONVOY_GOLDEN_VENV:-$root/target/golden-venv}"
    if [ ! -x "$venv/bin/ansible-inventory" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet "ansible-core==$want"
    fi
    ai="$venv/bin/ansible-inventory"
fi

slug() { printf '%s' "$1" | sed -e 's/^--//' -e 's/[^A-Za-z0-9_.-]\+/_/g'; }

strip_profile() {
    python3 -c '
import sys
t = sys.stdin.read()
sys.stdout.write(t.replace(",\n        \"profile\": \"inventory_legacy\"", ""))'
}

if [ "$#" -gt 0 ]; then
    cases=()
    for name in "$@"; do cases+=("$here/inventory/$name/"); done
else
    cases=("$here"/inventory/*/)
fi
set -f # patterns such as web[0:1] must reach ansible-inventory unexpanded
for case in "${cases[@]}"; do
    case="${case%/}"
    read -r sources < "$case/sources"
    rm -rf "$case/expected"
    mkdir -p "$case/expected"
    {
        printf '%s\n' "--list" "--graph" "--graph --vars" "--list --export"
        [ -f "$case/args" ] && cat "$case/args"
    } | while IFS= read -r flags; do
        [ -z "$flags" ] && continue
        out="$case/expected/$(slug "$flags").out"
        # shellcheck disable=SC2086 # word splitting of the flags is intended
        if ! (cd "$case" && ANSIBLE_NOCOLOR=1 "$ai" $sources $flags 2>/dev/null) | strip_profile > "$out"; then
            echo "ansible-inventory failed: $(basename "$case"): $flags" >&2
            exit 1
        fi
    done
    # The warnings of `--list`: first lines only, sorted (Ansible's order
    # depends on Python set order in places).
    # shellcheck disable=SC2086
    (cd "$case" && ANSIBLE_NOCOLOR=1 "$ai" $sources --list 2>&1 >/dev/null) |
        grep '^\[WARNING\]: ' | grep -v 'Deprecation warnings can be disabled' |
        sed "s|$(cd "$case" && pwd -P)|<case>|g" | LC_ALL=C sort > "$case/expected/list.warnings" || true
    echo "regenerated $(basename "$case")"
done
