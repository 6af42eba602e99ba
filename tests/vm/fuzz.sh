# SPDX-License-Identifier: GPL-2.0
# `make fuzz`: rounds of trinity (10,000 calls as nobody, seeds $scullseed, +1, ...) and of
# stress-ng's dev stressor on each module's node, until $scullsecs seconds have passed; then
# the modules must unload. See tests/vm/tools.sh for the calls.
. /tests/lib.sh
now() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }
end=$(($(now) + ${scullsecs:-600}))
seed=${scullseed:-1}
insmod /lib/modules/scullp.ko
insmod /lib/modules/scullv.ko
insmod /lib/modules/pagealloc.ko
rm -rf /tmp/victims /tmp/trinity
mkdir -p /tmp/victims /tmp/trinity
for m in scullp scullv; do
	major=$(awk -v m=$m '$2 == m { print $1 }' /proc/devices)
	for n in 0 1 2 3; do mknod /tmp/victims/$m$n c "$major" $n; done
done
chmod 666 /tmp/victims/*
chown nobody /tmp/trinity
round=0
while [ "$(now)" -lt "$end" ]; do
	s=$((seed + round))
	(cd /tmp/trinity && timeout -s KILL 900 su -s /bin/sh nobody -c \
		"trinity -q -l off -s $s -N 10000 -C 2 -V /tmp/victims --disable-fds=sockets,perf,drm" \
		>/tmp/trinity.out 2>&1)
	rc=$?
	kill -9 $(pidof trinity) 2>/dev/null
	if [ "$rc" = 0 ]; then
		pass "fuzz: trinity round $round, seed $s ($(grep -o 'Successes: [0-9]*  Failures: [0-9]*' /tmp/trinity.out))"
	else
		fail "fuzz: trinity round $round, seed $s" "exit $rc; $(tail -3 /tmp/trinity.out)"
	fi
	for node in /dev/scullp$((round % 4)) /dev/scullv$((round % 4)) /dev/pagealloc; do
		if timeout -s ALRM -k 60 20 stress-ng --dev 2 --dev-file $node --timeout 20s >/tmp/sng.out 2>&1; then
			pass "fuzz: stress-ng round $round on $node"
		else
			fail "fuzz: stress-ng round $round on $node" "$(tail -2 /tmp/sng.out)"
		fi
	done
	echo "fuzz: round $round done at $(now) s"
	round=$((round + 1))
done
for m in scullp scullv pagealloc; do check "fuzz: rmmod $m" rmmod $m; done
