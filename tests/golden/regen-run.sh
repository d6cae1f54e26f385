#!/usr/bin/env bash
# Regenerates tests/golden/run/*/expected.txt with the real ansible-playbook
# 2.19.14 (from PyPI), running each case on localhost with a local
# connection. Timings and the per-case work dir are normalised the same way
# the Rust test normalises ours (tests/run/golden.rs), and so is the
# controller-side temporary copy a template diff names (`+++ after:`).
# A case's optional `args` file holds extra flags (`--check --diff`).
# Usage: regen-run.sh [CASE...] (default: every case).
set -euo pipefail
cd "$(dirname "$0")/run"
ver=$(ansible-playbook --version 2>/dev/null || true)
case "$ver" in *'core 2.19.14'*) ;; *)
  echo "needs ansible-core 2.19.14: pip install ansible-core==2.19.14" >&2; exit 1 ;;
esac
py=$(command -v python3)
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(*/)
for case in "${cases[@]}"; do
  case=${case%/}
  args=()
  [ -f "$case/args" ] && read -r -a args < "$case/args"
  work=$(mktemp -d)
  (cd "$case" && ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ansible-playbook -i 'localhost,' \
      -e ansible_connection=local -e ansible_python_interpreter="$py" -e workdir="$work" \
      "${args[@]}" site.yml > "$work/out.txt" 2>/dev/null) || true
  sed -E -e "s#$work#WORKDIR#g" -e "s#$PWD/$case#CASEDIR#g" \
      -e 's/"delta": "[^"]*"/"delta": "DELTA"/g' \
      -e 's/"start": "[^"]*"/"start": "START"/g' \
      -e 's/"end": "[^"]*"/"end": "END"/g' \
      -e 's#^\+\+\+ after: /root/\.ansible/tmp/ansible-local-[^/]*/tmp[^/]*/#+++ after: TEMPLATE_SRC/#' \
      "$work/out.txt" > "$case/expected.txt"
  rm -rf "$work"
  echo "regenerated $case"
done
