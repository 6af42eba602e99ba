#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: sets up what is missing, builds the kernel (cached) and the modules, runs
# the host checks and the VM suite, and ends with `N passed, N failed`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
t0=$(date +%s)
"$REPO/scripts/setup.sh"
kdir=$("$REPO/scripts/build-kernel.sh" base)
out="$REPO/out"
mkdir -p "$out"

hp=0 hf=0
host_check() {
	local name=$1
	shift
	if "$@"; then
		echo "TEST PASS: host: $name"
		hp=$((hp + 1))
	else
		echo "TEST FAIL: host: $name"
		hf=$((hf + 1))
	fi
}
"$REPO/scripts/build-modules.sh" "$kdir" "$out/build.log"
host_check "make LLVM=1 CLIPPY=1 has no warnings" \
	sh -c "! grep -q 'warning' '$out/build.log'"
host_check "rustfmt --check (kernel .rustfmt.toml)" \
	rustfmt --check --edition 2021 --config-path "$CACHE/src/.rustfmt.toml" \
	"$REPO"/src/*.rs
host_check "every unsafe block has a SAFETY comment" "$REPO/scripts/check-safety.sh"

"$REPO/scripts/run-vm.sh" "$kdir" all.sh "$out/vm-base.log" 1800 2G >/dev/null
echo "=== results (console: $out/vm-base.log) ==="
rc=0
"$REPO/scripts/summarize.sh" "$out/vm-base.log" "$hp" "$hf" || rc=$?
echo "make test took $(($(date +%s) - t0)) s" >&2
exit $rc
