#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make shell`: sets up what is missing, readies a kernel and the modules for it (Debian's own
# image, or the project's kernel: lib.sh's prepare_vm_kernel), and boots the VM with a shell
# prompt on this terminal. Leaving the shell powers the VM off.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_tree
mkdir -p "$REPO/out"
prepare_vm_kernel shell
echo "shell: booting (Ctrl-A x forces QEMU to quit)" >&2
VM_KIND=$vm_kind VM_INTERACTIVE=1 "$REPO/scripts/run-vm.sh" "$vm_kernel" shell.sh /dev/null
