#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the modules against KERNEL_DIR (with clippy, the log in $2) and the static
# user-space programs the VM runs. With --user, only the user-space programs (the modules
# come from elsewhere: scripts/debian.sh), and the 32-bit ioctl program only if this
# machine can build it (gcc-multilib: setup.sh installs it for the project's kernels).
# Usage: build-modules.sh KERNEL_DIR [LOG] | build-modules.sh --user
set -euo pipefail
. "$(dirname "$0")/lib.sh"
user_only=0
if [ "${1:-}" = --user ]; then
	user_only=1
else
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
fi
step "user programs: cargo build (static), and the 32-bit ioctl program"
(cd "$REPO/tests/user" &&
	RUSTFLAGS="-C target-feature=+crt-static" cargo build --quiet --release \
		--target x86_64-unknown-linux-gnu)
ioctl32=(gcc -m32 -static -O2 -Wall -Wextra -Werror -o "$REPO/tests/user/target/scull-ioctl32"
	"$REPO/tests/user/ioctl32.c")
if [ "$user_only" = 0 ] || dpkg -s gcc-multilib >/dev/null 2>&1; then
	"${ioctl32[@]}"
else
	echo "    (no gcc-multilib: no 32-bit ioctl program; \`make test\` installs it)"
fi
done_step
