# SPDX-License-Identifier: GPL-2.0
# Everything the test VM runs.
. /tests/lib.sh

# KUnit: the store's suite runs when scullp loads; its KTAP goes to the console here, where
# the host reads it (the kernel log may have wrapped by the end).
insmod /lib/modules/scullp.ko
dmesg | sed -n '/KTAP version 1/,/# Totals:/p'
rmmod scullp
sh /tests/scull-suite.sh scullp 0
sh /tests/scull-suite.sh scullv 4
sh /tests/pagealloc.sh
sh /tests/mmap.sh
sh /tests/locking.sh
sh /tests/fsx.sh
sh /tests/robust.sh
sh /tests/memory.sh
if [ "$scullkind" = debug ]; then
	sh /tests/faults.sh
	# kmemleak: two scans, as its documentation advises; any report fails the run.
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
	echo "kmemleak: scan done"
fi
