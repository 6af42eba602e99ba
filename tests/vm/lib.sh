# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest-side tests (busybox sh). Each check prints one line,
# `TEST PASS: name` or `TEST FAIL: name: why`, which the host counts.

pass() { echo "TEST PASS: $1"; }
fail() { echo "TEST FAIL: $1: $2"; }

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "'$*' failed"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# md5 of a file or device, read with block size $2 (default 1M).
md5_of() {
	dd if="$1" bs="${2:-1M}" 2>/dev/null | md5sum | cut -d' ' -f1
}

loaded() { grep -q "^$1 " /proc/modules; }

# What the system has free, in KiB: MemFree plus the pages on the per-cpu lists (the
# `count:` lines of /proc/zoneinfo), where freed pages wait before MemFree counts them.
free_kib() {
	sleep 0.3
	echo $(($(awk '/^MemFree:/ { print $2 }' /proc/meminfo) + \
		$(awk '$1 == "count:" { s += $2 } END { print s * 4 }' /proc/zoneinfo)))
}
