#!/bin/sh
# SSH benchmark: 50 no-op commands per host on 20 real test hosts, over
# konvoy-image's transport (one ssh2 session per host, hosts in parallel)
# and over ansible-core (pipelining + ControlPersist, forks = hosts).
#
# Needs root (it starts sshd test hosts, like the integration tests).
#   benches/ssh-vs-ansible.sh [HOSTS] [COMMANDS] [--adhoc]
set -eu
cd "$(dirname "$0")/.."
hosts=${1:-20}
commands=${2:-50}
shift $(( $# > 2 ? 2 : $# ))
cargo build --release --quiet --example ssh_bench
exec target/release/examples/ssh_bench --hosts "$hosts" --commands "$commands" "$@"
