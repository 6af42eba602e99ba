#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: sets up what is missing, builds the kernel (cached) and the modules, boots
# the VM and shows a user's session with the devices.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_tree
"$REPO/scripts/setup.sh"
kdir=$("$REPO/scripts/build-kernel.sh" base)
mkdir -p "$REPO/out"
"$REPO/scripts/build-modules.sh" "$kdir" "$REPO/out/build.log"
"$REPO/scripts/run-vm.sh" "$kdir" demo.sh "$REPO/out/vm-demo.log" 600 2G |
	sed -n '/^=== .* demo ===$/,/^guest: script exited/p'
