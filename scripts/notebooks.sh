#!/usr/bin/env bash
# Executes notebooks with the real proxyrm kernel, commits-ready: notebooks/NAME.ipynb saved with
# outputs (without the inlined plotly) and docs/notebooks/NAME.html published via Debian's nbconvert.
#   scripts/notebooks.sh [NAME...]          default: every notebook in notebooks/
#   PROXYRM_NOTEBOOK_PRESET=tiny scripts/notebooks.sh calibration   (default preset: smoke)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=/usr/bin/python3
if ! "$PYTHON" -c "import nbclient, nbconvert, nbformat" 2>/dev/null; then
  echo "scripts/notebooks.sh: Debian's nbclient and nbconvert are missing: sudo apt-get install python3-nbclient python3-nbconvert" >&2
  exit 2
fi
npm run build --silent
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
node src/bin/proxyrm.js kernel install --prefix "$prefix" >/dev/null
if [ "$#" -eq 0 ]; then
  set -- $(cd notebooks && ls *.ipynb | sed 's/\.ipynb$//')
fi
export PROXYRM_NOTEBOOK_PRESET="${PROXYRM_NOTEBOOK_PRESET:-smoke}"
JUPYTER_PATH="$prefix/share/jupyter" "$PYTHON" scripts/notebooks/publish.py "$@"
