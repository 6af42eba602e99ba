#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: sets up what is missing, builds the kernels (cached) and the modules, runs the
# host checks, then the whole VM suite under the first series' test kernel and debug kernel
# (KASAN, lockdep, kmemleak, fault injection; beside the others), under the other series'
# test kernels and under Debian's own kernel image (scripts/debian.sh), and ends with one
# line `N passed, N failed` over all of them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_tree
t0=$(date +%s)
"$REPO/scripts/setup.sh" --tools "${TEST_SERIES[@]}"
out="$REPO/out"
mkdir -p "$out"

# What runs: series and kernel kind, in order.
runs=("${TEST_SERIES[0]} base" "${TEST_SERIES[0]} debug")
for series in "${TEST_SERIES[@]:1}"; do
	runs+=("$series base")
done
declare -A kdir
# vm_suite TITLE KERNEL LOG [--no-kunit]: the VM suite under KERNEL, counted.
vm_suite() {
	"$REPO/scripts/run-vm.sh" "$2" all.sh "$3" 2400 2G >/dev/null
	vm_count "$1" "$3" "${4:-}"
}
# vm_count TITLE LOG [--no-kunit]: the counts of a finished VM suite.
vm_count() {
	local summary p f
	echo "=== $1 (console: $2) ==="
	summary=$("$REPO/scripts/summarize.sh" "$2" "${3:-}") || true
	echo "$summary"
	# Its failures, and the first line of a splat, for the list at the end.
	failures+=$(echo "$summary" | awk -v t="$1" '/^(TEST |KUNIT )?FAIL/ { print t ": " $0;
		splat = /splat/; next } splat { print t ": " $0; splat = 0 }')$'\n'
	read -r p _ f _ <<<"$(echo "$summary" | tail -1)"
	passed=$((passed + p))
	failed=$((failed + f))
}

for run in "${runs[@]}"; do
	read -r series kind <<<"$run"
	kdir[$series-$kind]=$("$REPO/scripts/build-kernel.sh" "$kind" "$series")
done

passed=0 failed=0 failures=""
host_check() {
	local name=$1
	shift
	if "$@"; then
		echo "TEST PASS: host: $name"
		passed=$((passed + 1))
	else
		echo "TEST FAIL: host: $name"
		failures+="TEST FAIL: host: $name"$'\n'
		failed=$((failed + 1))
	fi
}
first=${TEST_SERIES[0]}
host_check "modules and user programs build ($first)" \
	"$REPO/scripts/build-modules.sh" "${kdir[$first-base]}" "$out/build-$first-base.log"
if [ "$failed" != 0 ]; then
	echo "$passed passed, $failed failed"
	exit 1
fi
host_check "make LLVM=1 CLIPPY=1 has no warnings ($first)" \
	sh -c "! grep -q 'warning' '$out/build-$first-base.log'"
host_check "rustfmt --check (kernel .rustfmt.toml), the modules and the test programs" \
	rustfmt --check --edition 2021 --config-path "$(kernel_src "$first")/.rustfmt.toml" \
	"$REPO"/src/*.rs "$REPO"/src/*/*.rs "$REPO"/tests/user/src/*.rs "$REPO"/tests/user/src/bin/*.rs
host_check "every unsafe block has a SAFETY comment" "$REPO/scripts/check-safety.sh"
host_check "make shell: banner, prompt and typed commands at a pseudo-terminal" \
	python3 "$REPO/tests/host/shell.py" own
host_check "make install and uninstall, under a scratch INSTALL_MOD_PATH (depmod, modinfo)" \
	"$REPO/tests/host/install.sh"

# modules_for SERIES KIND: the modules built against that kernel (KASAN instruments them on
# debug), kept in their own folder for its VM.
modules_for() {
	local log=$out/build-$1-$2.log
	if [ "$1 $2" != "$first base" ]; then
		host_check "modules build against the $1 $2 kernel, with no warnings" sh -c \
			"'$REPO/scripts/build-modules.sh' '${kdir[$1-$2]}' '$log' && ! grep -q warning '$log'"
	fi
	rm -rf "$out/modules-$1-$2"
	mkdir -p "$out/modules-$1-$2"
	cp "$REPO"/*.ko "$out/modules-$1-$2/"
}
# tools_ran SERIES KIND: the field's tools (tests/vm/tools.sh) ran there, on the first
# series' kernels, test and debug.
tools_ran() {
	host_check "the $1 $2 kernel's run ran fio, stress-ng and trinity" \
		grep -q '^tools: all took' "$out/vm-$1-$2.log"
}
# The debug kernel's suite, the longest (KASAN), runs in the background beside all the
# others: a guest keeps about one core busy, and the machine has two. Its own process group,
# so that a failed or interrupted run takes it down.
modules_for "$first" base
modules_for "$first" debug
debug_log=$out/vm-$first-debug.log
VM_TOOLS=1 VM_MODULES="$out/modules-$first-debug" setsid -w "$REPO/scripts/run-vm.sh" \
	"${kdir[$first-debug]}" all.sh "$debug_log" 3600 2G >/dev/null &
debug_vm=$!
trap 'kill -- -"$debug_vm" 2>/dev/null || true' EXIT
for run in "${runs[@]}"; do
	read -r series kind <<<"$run"
	[ "$kind" = debug ] && continue
	[ "$series" = "$first" ] || modules_for "$series" "$kind"
	tools=0
	[ "$series" = "$first" ] && tools=1
	VM_TOOLS=$tools VM_MODULES="$out/modules-$series-$kind" vm_suite "$series $kind kernel" \
		"${kdir[$series-$kind]}" "$out/vm-$series-$kind.log"
	[ "$tools" = 0 ] || tools_ran "$series" "$kind"
done
# Debian's own kernel: the newest that the archive serves with its rustc, the modules built as
# `make debian` builds them, booted from Debian's real image. Every layer that exists there:
# Debian's kernels have no KUnit and no fault injection.
rm -f "$out/debian-image"
refuses_foreign_kernel() {
	! "$REPO/scripts/debian.sh" 0.0-none >"$out/debian-refusal.log" 2>&1 &&
		grep -q 'no linux-headers-0.0-none is served' "$out/debian-refusal.log"
}
host_check "make debian refuses a kernel that Debian does not serve, and says so" \
	refuses_foreign_kernel
host_check "modules build for Debian's newest Rust-served kernel (its own gcc, rustc and clippy), no warnings" \
	sh -c "'$REPO/scripts/debian.sh' --newest --image --clippy --log '$out/build-debian.log' \
		>'$out/debian-image' && ! grep -q warning '$out/build-debian.log'"
if [ -s "$out/debian-image" ]; then
	image=$(cat "$out/debian-image")
	release=$(basename "$(dirname "$image")" | sed 's/^debian-\(.*\)-[0-9a-f]*$/\1/')
	VM_KIND=debian vm_suite "Debian $release kernel, Debian's image" "$image" \
		"$out/vm-debian.log" --no-kunit
	host_check "the VM ran Debian's own $release (its banner in the kernel log)" \
		grep -qF "Linux version $release (debian-kernel@lists.debian.org)" "$out/vm-debian.log"
	# What `make demo` and `make shell` boot unless told otherwise (the environment is cached).
	host_check "make shell on Debian's $release image: banner, prompt, typed commands" \
		python3 "$REPO/tests/host/shell.py" debian
fi
wait "$debug_vm" || true
vm_count "$first debug kernel" "$debug_log"
tools_ran "$first" debug
echo "make test took $(($(date +%s) - t0)) s"
# The failures again, where the last lines of a long run (all that CI shows) will have them.
if [ "$failed" != 0 ]; then
	echo "failures:"
	printf '%s' "$failures" | grep -v '^$' | head -20
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
