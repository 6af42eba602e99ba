#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make fuzz SECONDS=3600 SEED=N`: trinity (as nobody, on the devices' nodes) and
# stress-ng's dev stressor in rounds on the test kernel for as long as asked, then the
# console check. Prints the seed; the same seed replays the same rounds (as far as trinity
# is repeatable). Usage: fuzz.sh [SECONDS] [SEED]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_tree
secs=${1:-600} seed=${2:-}
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
"$REPO/scripts/setup.sh" --tools
kdir=$("$REPO/scripts/build-kernel.sh" base)
mkdir -p "$REPO/out"
"$REPO/scripts/build-modules.sh" "$kdir" "$REPO/out/build.log" >/dev/null
echo "fuzz: seed $seed, $secs s (make fuzz SECONDS=$secs SEED=$seed replays it)"
VM_TOOLS=1 VM_APPEND="scullseed=$seed scullsecs=$secs" "$REPO/scripts/run-vm.sh" "$kdir" \
	fuzz.sh "$REPO/out/vm-fuzz.log" $((secs + 900)) 2G | grep -E '^(TEST|fuzz:)' || true
echo "fuzz: seed $seed (console: $REPO/out/vm-fuzz.log)"
"$REPO/scripts/summarize.sh" "$REPO/out/vm-fuzz.log" --no-kunit
