#!/usr/bin/env bash
# Makes sure the Debian packages a command's peers live in are installed: `npm test` and
# `npm run bench` call it first, so a fresh clone sets itself up (.ci/run is just npm ci + npm test).
#
#   scripts/debian-peers.sh test|bench
#
# As root with apt-get: installs what is missing (one `apt-get update` at most). Otherwise: one line
# naming the exact command to run, exit 1. Tests never skip for a missing peer: they fail, so this
# is where a missing peer is caught first, with the command that fixes it.
set -euo pipefail

# The one declared list per command. Why each is there:
#   python3-jupyter-client, -nbclient, -nbconvert, -ipykernel, -jupyter-kernel-test: the kernel's
#     protocol tests and the notebooks, driven from Debian's /usr/bin/python3;
#   python3-jupyter-server, python3-jupyterlab-server, chromium: `proxyrm lab` and the browser tests;
#   python3-numpy, python3-scipy: independent reference values for the statistics and k-center tests.
TEST_PACKAGES=(
  python3-jupyter-client python3-nbclient python3-nbconvert python3-ipykernel python3-jupyter-kernel-test
  python3-jupyter-server python3-jupyterlab-server chromium
  python3-numpy python3-scipy
)
# The peers benchmarks measure against (bench/ prints ratios to them).
BENCH_PACKAGES=(python3-numpy python3-scipy python3-sklearn python3-torch chromium)

case "${1:-}" in
  test) wanted=("${TEST_PACKAGES[@]}") ;;
  bench) wanted=("${BENCH_PACKAGES[@]}") ;;
  *) echo "usage: scripts/debian-peers.sh test|bench" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "proxyrm: this is not a Debian machine (no dpkg-query): install the equivalents of ${wanted[*]} so that /usr/bin/python3 and /usr/bin/chromium have them" >&2
  exit 1
fi

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
for p in "${wanted[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "debian peers for $1: all ${#wanted[@]} installed"
  exit 0
fi

command_line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "proxyrm: $1 needs Debian packages that are missing; run: sudo apt-get update && sudo $command_line" >&2
  exit 1
fi

echo "debian peers for $1: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "proxyrm: installing Debian packages failed (above); the command was: apt-get update && $command_line" >&2
  exit 1
fi
for p in "${missing[@]}"; do
  installed "$p" || { echo "proxyrm: apt-get finished but $p is still not installed" >&2; exit 1; }
done
echo "debian peers for $1: installed ${#missing[@]} package(s)"
