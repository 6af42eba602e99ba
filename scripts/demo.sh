#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: sets up what is missing, readies a kernel and the modules for it (Debian's own
# image, or the project's kernel: lib.sh's prepare_vm_kernel), boots the VM and shows a
# user's session with the devices.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_tree
mkdir -p "$REPO/out"
prepare_vm_kernel demo
VM_KIND=$vm_kind "$REPO/scripts/run-vm.sh" "$vm_kernel" demo.sh "$REPO/out/vm-demo.log" 600 2G |
	sed -un '/^=== .* demo ===$/,/^guest: script exited/p'
