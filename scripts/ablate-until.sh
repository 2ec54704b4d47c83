#!/usr/bin/env bash
# Runs one `proxyrm ablate` sweep seed-major, STEP seeds at a time, until MAX seeds or until a
# wall-clock DEADLINE, whichever comes first: each step resumes the same --out with --seeds N,
# so finished cells are kept and a step adds STEP seeds. A step started before the deadline runs
# to its end; none starts after it. The stopping rule reads only the clock, never a result, so
# a sweep cut by it is still a sweep over seeds fixed in advance (the first N of them).
#
#   scripts/ablate-until.sh "2026-12-03 19:48 UTC" 2 30 --preset smoke --proxy-only ... --seed 301 --out runs/x
#
# Prints the number of seeds whose every cell finished; ablation.json in --out holds exactly those.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: scripts/ablate-until.sh DEADLINE STEP MAX <proxyrm ablate options without --seeds>" >&2
  exit 2
fi
deadline=$(date -d "$1" +%s) || { echo "ablate-until: cannot read the deadline '$1'" >&2; exit 2; }
step=$2
max=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
seeds=0
while [ "$seeds" -lt "$max" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  seeds=$((seeds + step > max ? max : seeds + step))
  echo "ablate-until: $(date -u +%H:%M:%S) UTC, running seeds 1..$seeds of the sweep"
  node "$here/src/bin/proxyrm.js" ablate "$@" --seeds "$seeds"
done
echo "ablate-until: $(date -u +%H:%M:%S) UTC, stopped with $seeds seeds finished"
