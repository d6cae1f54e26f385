#!/bin/sh
# Records what ansible-core 2.19.14 registers for every Debian/SUSE-module
# scenario in tests/modules/deb/ (apt, ..., zypper), run by
# ansible-playbook on a fresh Ubuntu or openSUSE test host with the local
# repositories of debs.sh and rpms.rs, into
# tests/modules/golden/<scenario>.json: the live twin tests
# (modules::debs::live::*) write ansible-playbook's side as the golden
# when UPDATE_GOLDENS=1. Needs root (test hosts), ansible-core 2.19.14 and,
# for zypper*, community.general (tests/fetch-ansible-collections.sh).
set -eu
cd "$(dirname "$0")/../.."
tests/fetch-zypper.sh >/dev/null
tests/fetch-ansible-collections.sh >/dev/null
UPDATE_GOLDENS=1 exec cargo test --test integration modules::debs::live -- --nocapture
