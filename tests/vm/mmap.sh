# SPDX-License-Identifier: GPL-2.0
# mmap of scullp and scullv at several orders.
. /tests/lib.sh
for spec in scullp:0 scullp:2 scullp:5 scullv:0 scullv:4; do
	m=${spec%:*}
	order=${spec#*:}
	check "$m: insmod ${m}_order=$order" insmod /lib/modules/$m.ko ${m}_order=$order
	scull-mmap /dev/${m}0 $m $((4096 << order))
	check "$m: rmmod after mmap at order $order" rmmod $m
done
