#!/bin/sh
# Writes its arguments, one per line, and says hello.
printf '%s\n' "$@" > "$1.args"
echo "hello from script with $# args"
