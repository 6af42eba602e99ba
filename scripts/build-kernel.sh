#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the test kernel once per (kernel source, config fragments, compilers) and
# prints its build directory on the last line. Usage: build-kernel.sh [base|debug] [SERIES]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kind=${1:-base} series=${2:-$KERNEL_SERIES}
frags=("$REPO/scripts/kconfig/base.config" "$REPO/scripts/kconfig/series-$series.config")
[ "$kind" = debug ] && frags+=("$REPO/scripts/kconfig/debug.config")

src=$(kernel_src "$series")
key=$({
	cat "$src/.version" "${frags[@]}"
	rustc --version
	clang --version | head -1
} | sha256sum | cut -c1-12)
out="$CACHE/kernel-$series-$kind-$key"
if [ -f "$out/.built" ]; then
	echo "kernel ($kind): cached in $out" >&2
	echo "$out"
	exit 0
fi

# Builds of this kind under another key are stale: each is a gigabyte or two.
rm -rf "$CACHE/kernel-$series-$kind-"*
mkdir -p "$out"
log="$out/build.log"
step "kernel ($kind): configuring $(cat "$src/.version")" >&2
make -C "$src" O="$out" LLVM=1 tinyconfig >"$log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >>"$log" 2>&1
make -C "$src" O="$out" LLVM=1 olddefconfig >>"$log" 2>&1
missing=0
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case "$line" in CONFIG_*=y) ;; *) continue ;; esac
		grep -qx "$line" "$out/.config" || { echo "kernel config: $line did not stick" >&2; missing=1; }
	done <"$f"
done
if [ "$missing" = 1 ]; then
	make -C "$src" O="$out" LLVM=1 rustavailable >&2 || true
	exit 1
fi
done_step >&2
step "kernel ($kind): building bzImage, rust/ and Module.symvers (a few minutes on 2 cores; log: $log)" >&2
progress_start "$log" "kernel ($kind)" >&2
if ! make -C "$src" O="$out" LLVM=1 -j"$(($(nproc) + 1))" >>"$log" 2>&1; then
	progress_stop
	tail -40 "$log" >&2
	exit 1
fi
progress_stop
done_step >&2
touch "$out/.built"
echo "$out"
