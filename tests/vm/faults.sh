# SPDX-License-Identifier: GPL-2.0
# Fault injection (debug kernel): the writer task's page and slab allocations fail at random.
. /tests/lib.sh
fi=/sys/kernel/debug
for d in fail_page_alloc failslab; do
	echo 10 >$fi/$d/probability
	echo 1 >$fi/$d/interval
	echo -1 >$fi/$d/times
	[ -e $fi/$d/min-order ] && echo 0 >$fi/$d/min-order
	echo 0 >$fi/$d/verbose
	echo Y >$fi/$d/task-filter
	echo N >$fi/$d/ignore-gfp-wait
done
for m in scullp scullv; do
	insmod /lib/modules/$m.ko
	scull-stress fault /dev/${m}0 24
	echo x >/dev/${m}0
	expect_eq "$m: after the fault run, truncation frees every quantum" \
		"$(grep "^${m}0 " $fi/$m/mem | cut -d' ' -f4-7)" "2 1 1 $((4096 << $(cut -d' ' -f2 $fi/$m/mem | sed -n 2p)))"
	check "$m: rmmod after faults" rmmod $m
done
echo 0 >$fi/fail_page_alloc/probability
echo 0 >$fi/failslab/probability
