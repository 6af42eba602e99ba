# SPDX-License-Identifier: GPL-2.0
# Limits, bad input, stress and exhaustion, on scullp and scullv.
. /tests/lib.sh

for m in scullp scullv; do
	check "$m: insmod ${m}_limit_mib=16" insmod /lib/modules/$m.ko ${m}_limit_mib=16
	scull-check limits /dev/${m}0 16777216

	# Writing until the limit ends with ENOSPC and a full, readable device.
	out=$(dd if=/dev/zero of=/dev/${m}1 bs=1M count=32 2>&1)
	expect_eq "$m: dd past the limit stops with ENOSPC" "$(echo "$out" | grep -c 'No space left')" 1
	expect_eq "$m: the device holds exactly the limit" "$(wc -c </dev/${m}1)" 16777216
	echo again >/dev/${m}1
	expect_eq "$m: usable again after truncation" "$(cat /dev/${m}1)" again

	# A minor the module did not register.
	major=$(awk -v m=$m '$2 == m { print $1 }' /proc/devices)
	mknod /tmp/nominor c "$major" 4
	expect_eq "$m: open of a minor that does not exist is ENXIO" \
		"$(cat /tmp/nominor 2>&1 | grep -c 'No such device or address')" 1
	rm /tmp/nominor

	# Everything at once on 2 vCPUs, on three devices.
	scull-stress mix ${STRESS_SECONDS:-10} /dev/${m}0 /dev/${m}1 /dev/${m}2
	check "$m: rmmod after stress" rmmod $m
done

# Exhaustion inside a memory cgroup: the data is charged to the writer, whose writes end
# with ENOMEM at the cgroup's limit; the rest of the system is not touched.
mkdir -p /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/writer
echo 24M >/sys/fs/cgroup/writer/memory.max
(while :; do sleep 0.1; done) &
bystander=$!
for m in scullp scullv; do
	insmod /lib/modules/$m.ko ${m}_limit_mib=0
	sh -c "echo \$\$ >/sys/fs/cgroup/writer/cgroup.procs; exec scull-stress fill /dev/${m}0"
	expect_eq "$m: a writer in a 24 MiB memory cgroup ends with ENOMEM (exit code 12)" $? 12
	size=$(wc -c </dev/${m}0)
	check "$m: it wrote up to its cgroup's limit (${size} bytes)" test "$size" -gt 8000000 -a "$size" -lt 25165824
	check "$m: the data is charged to the cgroup" test "$(cat /sys/fs/cgroup/writer/memory.current)" -gt 8000000
	expect_eq "$m: what it wrote reads back" "$(tr -d '3' </dev/${m}0 | wc -c)" 0
	echo x >/dev/${m}0
	check "$m: truncation uncharges it" test "$(cat /sys/fs/cgroup/writer/memory.current)" -lt 4000000
	check "$m: rmmod after exhaustion" rmmod $m
done
check "a bystander process kept running" kill -0 $bystander
kill $bystander
