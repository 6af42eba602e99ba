#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: sets up what is missing, builds the two kernels (cached) and the modules,
# runs the host checks, then the whole VM suite under the test kernel and under the debug
# kernel (KASAN, lockdep, kmemleak, fault injection), and ends with `N passed, N failed`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
t0=$(date +%s)
"$REPO/scripts/setup.sh"
out="$REPO/out"
mkdir -p "$out"
declare -A kdir
for kind in base debug; do
	kdir[$kind]=$("$REPO/scripts/build-kernel.sh" "$kind")
done

passed=0 failed=0
host_check() {
	local name=$1
	shift
	if "$@"; then
		echo "TEST PASS: host: $name"
		passed=$((passed + 1))
	else
		echo "TEST FAIL: host: $name"
		failed=$((failed + 1))
	fi
}
host_check "modules and user programs build" \
	"$REPO/scripts/build-modules.sh" "${kdir[base]}" "$out/build.log"
if [ "$failed" != 0 ]; then
	echo "$passed passed, $failed failed"
	exit 1
fi
host_check "make LLVM=1 CLIPPY=1 has no warnings" \
	sh -c "! grep -q 'warning' '$out/build.log'"
host_check "rustfmt --check (kernel .rustfmt.toml)" \
	rustfmt --check --edition 2021 --config-path "$CACHE/src/.rustfmt.toml" \
	"$REPO"/src/*.rs
host_check "every unsafe block has a SAFETY comment" "$REPO/scripts/check-safety.sh"

for kind in base debug; do
	if [ "$kind" = debug ]; then
		# The same sources, built against the debug kernel (KASAN instruments them).
		host_check "modules build against the debug kernel" \
			"$REPO/scripts/build-modules.sh" "${kdir[debug]}" "$out/build-debug.log"
	fi
	"$REPO/scripts/run-vm.sh" "${kdir[$kind]}" all.sh "$out/vm-$kind.log" 2400 2G >/dev/null
	echo "=== $kind kernel (console: $out/vm-$kind.log) ==="
	line=$("$REPO/scripts/summarize.sh" "$out/vm-$kind.log" | tee /dev/stderr | tail -1) || true
	read -r p _ f _ <<<"$line"
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "make test took $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
