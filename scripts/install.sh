#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make install`: puts the modules built in the repository (by `make KDIR=...` or `make
# debian`) in /lib/modules/RELEASE/extra, where modprobe finds them, and runs depmod.
# `make uninstall` removes them and runs depmod. RELEASE is the running kernel's unless
# named; a module built for another kernel is refused, since that kernel would refuse it.
# INSTALL_MOD_PATH, as for the kernel's modules_install, puts everything under a root other
# than / (`make install INSTALL_MOD_PATH=/tmp/x RELEASE=7.2.13`).
# Usage: install.sh install|uninstall [RELEASE]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
action=$1 release=${2:-$(uname -r)}
root=${INSTALL_MOD_PATH:-}
dir="$root/lib/modules/$release/extra"
modules=(scullp scullv pagealloc)

case $action in
install)
	for m in "${modules[@]}"; do
		ko="$REPO/$m.ko"
		if [ ! -f "$ko" ]; then
			echo "error: no $m.ko here: build the modules first (make KDIR=... LLVM=1, or" \
				"make debian)" >&2
			exit 1
		fi
		built_for=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
		if [ "$built_for" != "$release" ]; then
			echo "error: $m.ko is built for $built_for, not $release: modprobe could not" \
				"load it (RELEASE=$built_for installs it for that kernel)" >&2
			exit 1
		fi
	done
	mkdir -p "$dir"
	for m in "${modules[@]}"; do
		install -m 644 "$REPO/$m.ko" "$dir/"
		echo "install: $dir/$m.ko"
	done
	;;
uninstall)
	for m in "${modules[@]}"; do
		if [ -f "$dir/$m.ko" ]; then
			rm -f "$dir/$m.ko"
			echo "uninstall: removed $dir/$m.ko"
		fi
	done
	rmdir "$dir" 2>/dev/null || true
	;;
*)
	echo "usage: $0 install|uninstall [RELEASE]" >&2
	exit 2
	;;
esac
depmod -b "${root:-/}" "$release"
echo "$action: depmod $release done$([ -z "$root" ] || echo " (under $root)")"
