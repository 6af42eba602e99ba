# SPDX-License-Identifier: GPL-2.0
# The demo session: what a user would type, echoed as typed.
run() {
	echo "# $*"
	sh -c "$*"
}
# Seconds since boot, to 10 ms.
now() { cut -d' ' -f1 /proc/uptime; }
# MiB/s for $1 MiB moved in the time from $2 to $3.
rate() { awk -v m="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f MiB/s (%d MiB in %.2f s)", m / (b - a), m, b - a }'; }

echo "=== scullp demo ==="
run insmod /lib/modules/scullp.ko
run 'ls -l /dev/scullp*'
run 'echo hello > /dev/scullp0'
run 'cat /dev/scullp0'
dd if=/dev/urandom of=/tmp/data bs=1M count=64 2>/dev/null
echo "# dd if=/tmp/data of=/dev/scullp0 bs=1M      (64 MiB of random data)"
a=$(now)
dd if=/tmp/data of=/dev/scullp0 bs=1M
b=$(now)
echo "write: $(rate 64 "$a" "$b")"
echo "# dd if=/dev/scullp0 of=/dev/null bs=1M"
a=$(now)
dd if=/dev/scullp0 of=/dev/null bs=1M
b=$(now)
echo "read: $(rate 64 "$a" "$b")"
run 'md5sum /tmp/data; dd if=/dev/scullp0 bs=1M 2>/dev/null | md5sum'
run 'cat /sys/kernel/debug/scullp/mem'
run 'dmesg | grep scullp'
run rmmod scullp
run 'ls /dev/scullp* 2>&1 || echo "(no scullp nodes left)"'

echo "=== scullv demo ==="
run 'scull_load scullv -d /lib/modules -m 666 scullv_order=4'
run 'dd if=/tmp/data of=/dev/scullv0 bs=1M'
run 'cat /sys/kernel/debug/scullv/mem'
run 'cmp /tmp/data /dev/scullv0 && echo identical'
run 'echo truncated > /dev/scullv0; cat /sys/kernel/debug/scullv/mem | head -2'
run 'scull_unload scullv'
