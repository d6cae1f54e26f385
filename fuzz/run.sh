#!/bin/sh
# Bounded fuzzing of every target (or those named), outside CI:
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      default 180 s, all targets
# Needs `cargo install cargo-fuzz`. Works on the stable toolchain: with
# `-s none` (no sanitizer, Rust is memory-safe; we look for panics, hangs
# and runaway memory) the only nightly-gated flags cargo-fuzz passes are
# unlocked by RUSTC_BOOTSTRAP=1, for this build only. Findings land in
# fuzz/artifacts/<target>/; a fixed one is kept in fuzz/regressions/<target>/,
# which `cargo test` replays.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-180}
[ $# -gt 0 ] && shift
targets=${*:-yaml inventory_ini inventory_yaml host_pattern template module_args known_hosts}
status=0
for t in $targets; do
	mkdir -p "fuzz/corpus/$t"
	echo "== $t: $secs s"
	RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -O "$t" "fuzz/corpus/$t" "fuzz/regressions/$t" -- \
		-max_total_time="$secs" -rss_limit_mb=2048 -timeout=60 2>&1 |
		grep -E '^(#[0-9]+ +DONE|Done|SUMMARY|.*Test unit written)' || true
	if ls "fuzz/artifacts/$t"/* >/dev/null 2>&1; then
		echo "!! $t: findings in fuzz/artifacts/$t"
		status=1
	fi
done
exit $status
