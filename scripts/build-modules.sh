#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the modules against KERNEL_DIR (with clippy, the log in $2) and the static
# user-space programs the VM runs. Usage: build-modules.sh KERNEL_DIR [LOG]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kdir=$1 log=${2:-/dev/null}
step "modules: make KDIR=... LLVM=1 CLIPPY=1"
rc=0
# No module of another kernel's build may reach the VM (scull_kunit.ko exists only for some).
rm -f "$REPO"/*.ko
make -C "$REPO" KDIR="$kdir" LLVM=1 CLIPPY=1 >"$log" 2>&1 || rc=$?
grep -E "warning|error|LD \[M\]" "$log" || true
if [ "$rc" != 0 ]; then
	echo "modules: build failed (log: $log)" >&2
	exit 1
fi
done_step
step "user programs: cargo build (static), and the 32-bit ioctl program"
(cd "$REPO/tests/user" &&
	RUSTFLAGS="-C target-feature=+crt-static" cargo build --quiet --release \
		--target x86_64-unknown-linux-gnu)
gcc -m32 -static -O2 -Wall -Wextra -Werror -o "$REPO/tests/user/target/scull-ioctl32" \
	"$REPO/tests/user/ioctl32.c"
done_step
