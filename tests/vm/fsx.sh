# SPDX-License-Identifier: GPL-2.0
# The differential exerciser: the same seeded random operations on a device and on a tmpfs
# file, every result compared (tests/user/src/bin/scull-fsx.rs). Several orders and qsets,
# both modules; FSX_OPS operations a run (2000 unless set).
. /tests/lib.sh
ops=${FSX_OPS:-2000}
seed=1
for spec in scullp:0:500 scullp:0:3 scullp:2:2 scullv:4:2 scullv:0:7; do
	m=${spec%%:*}
	rest=${spec#*:}
	order=${rest%:*}
	qset=${rest#*:}
	check "$m: insmod ${m}_order=$order ${m}_qset=$qset" \
		insmod /lib/modules/$m.ko ${m}_order=$order ${m}_qset=$qset
	quantum=$((4096 << order))
	# Offsets up to 24 quanta: several sets at a small qset, quantum and set boundaries.
	out=$(scull-fsx /dev/${m}0 /tmp/fsx-file $seed $ops $quantum $((24 * quantum)) 2>&1)
	echo "$out"
	echo "$out" | grep -q '^TEST ' || fail "$m: fsx order $order qset $qset" "no result: $out"
	seed=$((seed + 1))
	rm -f /tmp/fsx-file /tmp/fsx-scratch
	check "$m: rmmod after fsx" rmmod $m
done
