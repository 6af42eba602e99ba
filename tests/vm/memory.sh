# SPDX-License-Identifier: GPL-2.0
# Memory follows the data and stays bounded, on scullp and scullv with the per-device limit
# off: one byte at far offsets holds next to nothing; filling a device stops at the module's
# bound with ENOSPC, nothing is killed, the data reads back, truncation gives it all back.
. /tests/lib.sh
half_ram_mib=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 2048))
# What free memory may miss after truncation: a few MiB on the test kernel; on the debug
# kernel KASAN's quarantine also holds freed objects, up to 1/32 of RAM (kmemleak checks
# for real leaks there).
slack=8192
[ "$scullkind" = debug ] && slack=$((slack + $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 32))
for m in scullp scullv; do
	check "$m: insmod ${m}_limit_mib=0" insmod /lib/modules/$m.ko ${m}_limit_mib=0
	dump=/sys/kernel/debug/$m/mem
	expect_eq "$m: the module's bound is half of RAM, logged at load" \
		"$(dmesg | grep "$m: major" | tail -1 | sed 's/.*all devices at most //')" \
		"$half_ram_mib MiB"
	scull-check far /dev/${m}0 $m

	# A first fill and truncation, so that what the kernel keeps after vfree for reuse
	# (vmalloc's page tables, about 2 MiB a GiB; the debug kernel's lazily freed KASAN
	# shadow) is in place before the measured one.
	scull-stress fill /dev/${m}1
	: >/dev/${m}1
	before=$(free_kib)
	t0=$(cut -d' ' -f1 /proc/uptime)
	scull-stress fill /dev/${m}1
	expect_eq "$m: filling one device ends with ENOSPC (exit code 28)" $? 28
	t1=$(cut -d' ' -f1 /proc/uptime)
	size=$(wc -c </dev/${m}1)
	held=$(sed -n 's/^total \([0-9]*\) of [0-9]*$/\1/p' $dump)
	limit=$(sed -n 's/^total [0-9]* of \([0-9]*\)$/\1/p' $dump)
	echo "$m: filled $size bytes in $(awk "BEGIN { print $t1 - $t0 }") s;" \
		"module holds $held of $limit bytes; free memory went from $before to $(free_kib) KiB"
	check "$m: the module holds at most its bound" test "$held" -le "$limit"
	check "$m: the device took nearly all of it (${size} bytes)" \
		test $((size / 1024)) -gt $((limit / 1024 * 98 / 100))
	# The bound is the module's: another device gets at most what was left, then ENOSPC.
	scull-stress fill /dev/${m}2
	expect_eq "$m: another device of the module gets ENOSPC too (exit code 28)" $? 28
	check "$m: ... after at most what was left ($(wc -c </dev/${m}2) bytes)" \
		test "$(wc -c </dev/${m}2)" -le $((limit - held))
	expect_eq "$m: what was written reads back" "$(tr -d '3' </dev/${m}1 | wc -c)" 0
	: >/dev/${m}1
	: >/dev/${m}2
	expect_eq "$m: after truncation the module holds nothing" \
		"$(sed -n 's/^total \([0-9]*\) of [0-9]*$/\1/p' $dump)" 0
	after=$(free_kib)
	check "$m: truncation gives the memory back (free $before KiB before, $after after)" \
		test $((before - after)) -lt $slack
	scull-stress kill /dev/${m}3 768
	: >/dev/${m}3
	check "$m: rmmod after the fill" rmmod $m
done
check "no process was killed for memory" sh -c "! dmesg | grep -qE 'Killed process|oom-killer'"
