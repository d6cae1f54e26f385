#!/bin/sh
# The full conformance run: every in-scope target of targets.txt with
# ansible-playbook (ansible-core 2.19.14, the oracle) and konvoy-image on
# twin test hosts. Writes docs/conformance.md and records ansible-core's
# side in tests/conformance/oracle/ (what `cargo test conformance::` compares
# our side with). Needs root. About an hour on 2 cores.
#
# Usage: tests/conformance/run.sh [--jobs N] [--only T1,T2] [--recorded]
#   --recorded  reuse the recorded ansible-core side (our side only: minutes)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
ver=$(ansible-playbook --version 2>/dev/null || true)
case "$ver" in *'core 2.19.14'*) ;; *)
  case " $* " in *' --recorded '*) ;; *)
    echo "needs ansible-core 2.19.14: pip install ansible-core==2.19.14" >&2; exit 1 ;;
  esac ;;
esac
tests/conformance/fetch-targets.sh
flock /tmp/konvoy-build.lock cargo build --quiet --bin konvoy-image --example conformance
exec target/debug/examples/conformance "$@"
