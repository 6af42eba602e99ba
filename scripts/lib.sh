# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scripts. The kernel series lives here and only here.
KERNEL_SERIES=7.2
RUST_TOOLCHAIN=1.95.0
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SCULL_CACHE:-$HOME/.cache/scull-rs}
export PATH="/usr/lib/llvm-19/bin:$HOME/.cargo/bin:$PATH"
export RUSTUP_TOOLCHAIN=$RUST_TOOLCHAIN

_step_start=0
step() {
	_step_start=$(date +%s)
	echo ">>> $*"
}
done_step() {
	echo "    done in $(($(date +%s) - _step_start)) s"
}
