#!/bin/sh
# Regenerates tests/modules/golden/sysmods/*.json: runs every case of
# tests/modules/sysmods/ (or the ones named) with ansible-playbook
# (ansible-core 2.19.14, with the collections fetch-collections.sh unpacks)
# on one test host and konvoy-image on its twin, writes ansible's side as
# the golden and fails where ours differs. `--live` compares without
# writing. Needs root (test hosts), and on this machine what Ansible's
# modules need on a host: python3-selinux (selinux), cron (crontab),
# python3-venv (pip).
set -eu
cd "$(dirname "$0")/../.."
mode=record
if [ "${1:-}" = --live ]; then mode=live; shift; fi
ansible-playbook --version 2>/dev/null | grep -q 'core 2.19.14' || {
  echo "needs ansible-core 2.19.14: pip install ansible-core==2.19.14" >&2; exit 1; }
tests/modules/fetch-collections.sh >/dev/null
filter=modules::sysmods::
[ $# -eq 0 ] || filter=
flock /tmp/konvoy-build.lock cargo test --no-run --test integration -q
if [ $# -eq 0 ]; then
  SYSMODS_ANSIBLE=$mode cargo test --test integration "$filter" -- --test-threads=2
else
  for c in "$@"; do
    SYSMODS_ANSIBLE=$mode cargo test --test integration "modules::sysmods::$c" -- --exact
  done
fi
