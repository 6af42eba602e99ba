# SPDX-License-Identifier: GPL-2.0
# Everything the test VM runs.
. /tests/lib.sh

# KUnit: the store's suite runs when its test module loads (built for KUnit kernels only);
# its KTAP goes to the console here, where the host reads it (the kernel log may have wrapped
# by the end).
if [ -e /lib/modules/scull_kunit.ko ]; then
	insmod /lib/modules/scull_kunit.ko
	dmesg | sed -n '/KTAP version 1/,/# Totals:/p'
	rmmod scull_kunit
fi
sh /tests/scull-suite.sh scullp 0
sh /tests/scull-suite.sh scullv 4
sh /tests/pagealloc.sh
sh /tests/mmap.sh
sh /tests/locking.sh
sh /tests/fsx.sh
sh /tests/robust.sh
sh /tests/hostile.sh
sh /tests/memory.sh
# fio, stress-ng and trinity where the run was given them (scripts/test.sh: the 7.2 kernels).
if [ "$sculltools" = 1 ]; then
	sh /tests/tools.sh
fi
# Fault injection and kmemleak wherever the kernel has them (our debug kernel must).
dbg=/sys/kernel/debug
if [ -d $dbg/fail_page_alloc ] && [ -d $dbg/failslab ]; then
	sh /tests/faults.sh
elif [ "$scullkind" = debug ]; then
	fail "debug kernel: fault injection" "no fail_page_alloc/failslab in debugfs"
fi
if [ -e $dbg/kmemleak ]; then
	# Two scans, as its documentation advises; any report fails the run.
	echo scan >$dbg/kmemleak
	sleep 6
	echo scan >$dbg/kmemleak
	cat $dbg/kmemleak
	echo "kmemleak: scan done"
elif [ "$scullkind" = debug ]; then
	fail "debug kernel: kmemleak" "no kmemleak in debugfs"
fi
