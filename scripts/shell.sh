#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make shell`: sets up what is missing, builds the kernel (cached) and the modules, and boots
# the VM with a shell prompt on this terminal. Leaving the shell powers the VM off.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_tree
"$REPO/scripts/setup.sh" >&2
kdir=$("$REPO/scripts/build-kernel.sh" base)
mkdir -p "$REPO/out"
"$REPO/scripts/build-modules.sh" "$kdir" "$REPO/out/build.log" >&2
echo "shell: booting (Ctrl-A x forces QEMU to quit)" >&2
VM_INTERACTIVE=1 "$REPO/scripts/run-vm.sh" "$kdir" shell.sh /dev/null
