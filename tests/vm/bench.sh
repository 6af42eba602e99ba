# SPDX-License-Identifier: GPL-2.0
# The benchmark run: every device configuration and the baselines, in one boot.
for spec in scullp:0 scullp:2 scullp:4 scullv:4; do
	m=${spec%:*}
	order=${spec#*:}
	insmod /lib/modules/$m.ko ${m}_order=$order ${m}_limit_mib=0 ${m}_devs=1
	scull-bench device "$m-order$order" /dev/${m}0
	scull-bench mmap "$m-order$order" /dev/${m}0
	rmmod $m
done
insmod /lib/modules/scullp.ko scullp_qset=8 scullp_limit_mib=0 scullp_devs=1
scull-bench device scullp-order0-qset8 /dev/scullp0
rmmod scullp
scull-bench file tmpfs /tmp/bench
scull-bench mmap tmpfs /tmp/bench
rm -f /tmp/bench
# Parallel readers of one device (and of one tmpfs file, the reference), in the same boot.
for m in scullp scullv; do
	insmod /lib/modules/$m.ko ${m}_limit_mib=0 ${m}_devs=1
	scull-bench readers $m /dev/${m}0
	rmmod $m
done
scull-bench readers tmpfs /tmp/bench
rm -f /tmp/bench
scull-bench zero
