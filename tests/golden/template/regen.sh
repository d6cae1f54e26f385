#!/bin/sh
# Regenerates cases.json from cases.yml by running the real ansible-core
# (2.19.14 when this was committed) on localhost: every case becomes a
# `debug` task, and callback_plugins/collect_results.py records each result.
# Usage: tests/golden/template/regen.sh   (from anywhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/regen.py" "$here"
