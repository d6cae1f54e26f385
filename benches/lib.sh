# Shared by the benchmark scripts that start test hosts (sourced, after
# `cd` to the repository and `repo=$PWD`): say/die, a work folder removed
# at exit (kept with KEEP=1), stopping the test hosts and the mirror on
# any exit, and the release build of the CLI and the test-host launcher.
# Usage: . benches/lib.sh NAME   (NAME prefixes errors and the work folder)
bench=$1
say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$bench" "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (test hosts)"

work=$(mktemp -d "/tmp/konvoy-$bench.XXXXXX")
hosts_pid="" mirror_pid=""
stop_hosts() {
  if [ -n "$hosts_pid" ]; then
    exec 3>&-
    wait "$hosts_pid" || true
    hosts_pid=""
  fi
}
cleanup() {
  set +e
  stop_hosts
  [ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null && wait "$mirror_pid" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "release build"
cargo build --release --quiet --bin konvoy-image --example testhosts
bin=$repo/target/release/konvoy-image
testhosts=$repo/target/release/examples/testhosts
