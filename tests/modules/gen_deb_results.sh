#!/bin/sh
# Records what ansible-core 2.19.14 registers for every Debian-module
# scenario in tests/modules/deb/ (apt, ...), run by ansible-playbook on a
# fresh Ubuntu test host with the local repositories of debs.sh, into
# tests/modules/golden/<scenario>.json. Needs root (test hosts) and
# ansible-core 2.19.14. KONVOY_SCENARIO=NAME limits it to one scenario.
set -eu
cd "$(dirname "$0")/../.."
exec cargo test --test integration modules::debs::regen_deb_goldens -- --ignored --nocapture
