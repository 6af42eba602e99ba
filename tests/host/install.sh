#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make install` and `make uninstall` under a scratch INSTALL_MOD_PATH, for the release the
# modules built in the repository are for: the files land in lib/modules/RELEASE/extra,
# depmod and modinfo find them there, a module built for another release is refused, and
# uninstall leaves nothing behind. The host's /lib/modules is never touched.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
release=$(modinfo -F vermagic "$repo/scullp.ko" | cut -d' ' -f1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$tmp.log"' EXIT
fail() {
	echo "install test: $*" >&2
	exit 1
}
# A kernel's module directory, as its own modules_install leaves it.
mkdir -p "$tmp/lib/modules/$release"
touch "$tmp/lib/modules/$release/"{modules.order,modules.builtin,modules.builtin.modinfo}
make -s -C "$repo" install INSTALL_MOD_PATH="$tmp" RELEASE="$release" >"$tmp.log" 2>&1 ||
	fail "make install failed: $(cat "$tmp.log")"
for m in scullp scullv pagealloc; do
	[ -f "$tmp/lib/modules/$release/extra/$m.ko" ] || fail "no $m.ko in lib/modules/$release/extra"
	grep -q "^extra/$m.ko:" "$tmp/lib/modules/$release/modules.dep" ||
		fail "depmod did not list $m.ko in modules.dep"
	got=$(modinfo -b "$tmp" -k "$release" -F filename "$m") || fail "modinfo does not find $m"
	[ "$got" = "$tmp/lib/modules/$release/extra/$m.ko" ] || fail "modinfo finds $m at $got"
done
depmod -b "$tmp" "$release" || fail "depmod -b $tmp $release fails"
if make -s -C "$repo" install INSTALL_MOD_PATH="$tmp" RELEASE=0.0-other >"$tmp.log" 2>&1; then
	fail "make install put modules built for $release under release 0.0-other"
fi
grep -q "built for $release, not 0.0-other" "$tmp.log" || fail "no reason given: $(cat "$tmp.log")"
[ ! -e "$tmp/lib/modules/0.0-other" ] || fail "the refused install left lib/modules/0.0-other"
make -s -C "$repo" uninstall INSTALL_MOD_PATH="$tmp" RELEASE="$release" >"$tmp.log" 2>&1 ||
	fail "make uninstall failed: $(cat "$tmp.log")"
[ ! -e "$tmp/lib/modules/$release/extra" ] || fail "uninstall left lib/modules/$release/extra"
! grep -q 'extra/' "$tmp/lib/modules/$release/modules.dep" || fail "modules.dep still lists them"
! modinfo -b "$tmp" -k "$release" scullp >/dev/null 2>&1 || fail "modinfo still finds scullp"
rm -f "$tmp.log"
echo "install test: make install and uninstall for $release under a scratch root"
