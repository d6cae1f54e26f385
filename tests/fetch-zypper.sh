#!/bin/sh
# Fetches Debian's `zypper` and whatever of its dependencies this machine
# lacks into target/debs/zypper/, for the openSUSE test hosts, which
# unpack them into their own overlay: nothing is installed on the machine
# itself. Run once before the tests (.ci/run does); tests never reach a
# network.
set -eu
cd "$(dirname "$0")/.."
d=target/debs/zypper
mkdir -p "$d"
if ls "$d"/zypper_*.deb >/dev/null 2>&1; then exit 0; fi
need=$(apt-get install -s zypper 2>/dev/null | awk '/^Inst /{print $2}')
if [ -z "$need" ]; then
  apt-get update -qq
  need=$(apt-get install -s zypper 2>/dev/null | awk '/^Inst /{print $2}')
fi
cd "$d"
# shellcheck disable=SC2086
apt-get download $need 2>/dev/null
ls ./*.deb
