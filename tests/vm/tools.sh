# SPDX-License-Identifier: GPL-2.0
# The field's own tools, from Debian's packages (scripts/setup.sh --tools), against the
# devices: fio with verification on every engine this kernel runs, stress-ng's dev stressor
# on each module's node, trinity as user nobody on the devices' nodes; then the modules
# unload and the memory comes back. Run by all.sh where the VM has them ($sculltools=1).
. /tests/lib.sh
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk "BEGIN { printf \"%.0f\", $(now) - $1 }"; }
seed=${scullseed:-20261126}
calls=${scullcalls:-10000}
t_all=$(now)

for p in fio stress-ng trinity; do
	check "tools: $p is there and the loader finds every library it needs" \
		sh -c "/lib64/ld-linux-x86-64.so.2 --list /usr/bin/$p >/tmp/ldd.$p && ! grep -q 'not found' /tmp/ldd.$p"
done
slack=8192
[ "$scullkind" = debug ] && slack=$((slack + $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 32))
before=$(free_kib)

# --- fio ---------------------------------------------------------------------------------
t_fio=$(now)
# Random offsets, block sizes from 512 bytes to 1 MiB, every block checked (crc32c) after the
# write phase; the first mismatch ends the job with an error.
verify_opts="--rw=randwrite --bssplit=512/10:4k/25:16k/15:64k/20:256k/15:1m/15
	--verify=crc32c --verify_fatal=1 --do_verify=1 --randseed=$seed"
# Every engine that does file I/O on a character device: the synchronous families, the
# mapping, splice, POSIX aio (threads), and the kernel's own asynchronous interfaces.
engines="psync pvsync pvsync2 sync vsync mmap splice posixaio libaio io_uring"
echo "tools: fio engines run: $engines"

# fio_verify NAME DEVICE ENGINE MIB: an empty device, then the verified random writes. The
# mmap engine cannot grow a device (a store past the end is SIGBUS, as on a file), so the
# device is given its size first.
fio_verify() {
	: >"$2"
	[ "$3" = mmap ] && dd if=/dev/zero of="$2" bs=1M count="$4" 2>/dev/null
	if fio --name="$1" --filename="$2" --ioengine="$3" --size="${4}m" $verify_opts \
		>/tmp/fio.out 2>&1 && grep -q 'err= 0' /tmp/fio.out &&
		grep -qE "write:.*\(($(($4 * 1024))KiB|$4\.0MiB)/" /tmp/fio.out; then
		pass "tools: fio verify $1"
	else
		fail "tools: fio verify $1" "$(grep -E 'err=|write:|verify|fio:' /tmp/fio.out | head -5)"
	fi
}
for spec in scullp:0 scullp:3 scullv:4; do
	m=${spec%:*} order=${spec#*:}
	insmod /lib/modules/$m.ko ${m}_order=$order
	for e in $engines; do
		fio_verify "$m-order$order-$e" /dev/${m}0 $e 16
	done
	check "tools: rmmod $m after fio at order $order" rmmod $m
done

# Four fio processes at once, each with its engine, on the four devices of one module (one
# store code, one budget, one lock class). Not regions of one device: fio 3.33 sizes a
# character device from --size, and a job at an --offset past it (or with --filesize or
# --io_size) did no I/O or 4 KiB yet reported err=0, so each job's volume is checked too.
insmod /lib/modules/scullp.ko
i=0
pids=""
for e in psync pvsync2 mmap splice; do
	dd if=/dev/zero of=/dev/scullp$i bs=1M count=8 2>/dev/null
	fio --name=mix-$e --filename=/dev/scullp$i --ioengine=$e --size=8m \
		$verify_opts >/tmp/fio.mix-$e 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
bad=""
for p in $pids; do wait $p || bad="$bad $p"; done
for e in psync pvsync2 mmap splice; do
	grep -q 'err= 0' /tmp/fio.mix-$e && grep -q 'write:.*(8192KiB/' /tmp/fio.mix-$e ||
		bad="$bad $e"
done
if [ -z "$bad" ]; then
	pass "tools: fio verify, 4 jobs at once (psync pvsync2 mmap splice), 8 MiB each on scullp0..3"
else
	fail "tools: fio verify, 4 jobs at once" "$bad: $(grep -hE 'err=|write:|verify|fio:' /tmp/fio.mix-* | head -8)"
fi
check "tools: rmmod scullp after the four jobs" rmmod scullp

# The control: fio's pattern written, checked once as it is, then 16 bytes changed behind
# fio's back (dd conv=notrunc): the verify-only run must now fail.
insmod /lib/modules/scullp.ko
ctl="--name=control --filename=/dev/scullp2 --ioengine=psync --rw=write --bs=64k --size=4m
	--verify=crc32c --verify_fatal=1"
fio $ctl --do_verify=0 >/tmp/fio.out 2>&1
check "tools: control: fio verify-only passes on fio's own pattern" \
	fio $ctl --verify_only=1 --output=/tmp/fio.ctl1
dd if=/dev/urandom of=/dev/scullp2 bs=1 seek=1000000 count=16 conv=notrunc 2>/dev/null
if fio $ctl --verify_only=1 >/tmp/fio.ctl2 2>&1; then
	fail "tools: control: fio verify-only fails once 16 bytes changed behind its back" \
		"it passed"
elif grep -qiE 'verify.*(bad|fail)|crc32c' /tmp/fio.ctl2; then
	pass "tools: control: fio verify-only fails once 16 bytes changed behind its back ($(grep -m1 -iE 'bad|crc32c' /tmp/fio.ctl2))"
else
	fail "tools: control: fio verify-only fails for the change" "$(tail -3 /tmp/fio.ctl2)"
fi
check "tools: rmmod scullp after the control" rmmod scullp
echo "tools: fio took $(since "$t_fio") s"

# --- stress-ng ---------------------------------------------------------------------------
# The dev stressor on one node of each module: open, read, seek, mmap, ioctl, poll... with
# two workers for 20 s, ended by stress-ng's own --timeout (timeout(1) only guards a hang).
t_sng=$(now)
insmod /lib/modules/scullp.ko
insmod /lib/modules/scullv.ko
insmod /lib/modules/pagealloc.ko
for node in /dev/scullp0 /dev/scullv0 /dev/pagealloc; do
	if timeout -k 10 120 stress-ng --dev 2 --dev-file $node --timeout 20s \
		--metrics-brief >/tmp/sng.out 2>&1 && grep -q 'successful run completed' /tmp/sng.out; then
		pass "tools: stress-ng --dev 2 --dev-file $node for 20 s"
	else
		fail "tools: stress-ng --dev-file $node" "$(tail -4 /tmp/sng.out)"
	fi
	grep -E ' dev ' /tmp/sng.out | tail -1
done
echo "tools: stress-ng took $(since "$t_sng") s"

# --- trinity -----------------------------------------------------------------------------
# As user nobody, with a fixed seed and a bounded number of calls. The only victim files
# are the devices' nodes (a directory of them, mode 0666); trinity's other fd providers
# (pipes, eventfd, memfd, a test file...) stay on: with the victims alone it spins in user
# space finding no other fd. No network: the kernel has none.
t_tri=$(now)
rm -rf /tmp/victims /tmp/trinity
mkdir -p /tmp/victims /tmp/trinity
for m in scullp scullv; do
	major=$(awk -v m=$m '$2 == m { print $1 }' /proc/devices)
	for n in 0 1; do
		mknod /tmp/victims/$m$n c "$major" $n
	done
done
chmod 666 /tmp/victims/*
chown nobody /tmp/trinity
# SysV shared memory that trinity makes would outlive it and count as lost memory below.
echo 1 >/proc/sys/kernel/shm_rmid_forced
echo "tools: trinity -s $seed -N $calls -C 2 -V /tmp/victims as nobody"
(cd /tmp/trinity && timeout -s KILL 600 su -s /bin/sh nobody -c \
	"trinity -q -l off -s $seed -N $calls -C 2 -V /tmp/victims --disable-fds=sockets,perf,drm" \
	>/tmp/trinity.out 2>&1)
rc=$?
kill -9 $(pidof trinity) 2>/dev/null
sleep 1
if [ "$rc" = 0 ] && grep -q "Ran $calls syscalls\|Reached limit $calls" /tmp/trinity.out; then
	pass "tools: trinity as nobody, seed $seed, $calls calls on the scullp and scullv nodes ($(grep -o 'Successes: [0-9]*  Failures: [0-9]*' /tmp/trinity.out))"
else
	fail "tools: trinity seed $seed" "exit $rc; $(grep -v -E 'futex|inactive' /tmp/trinity.out | tail -5)"
fi
echo "tools: trinity took $(since "$t_tri") s"
# What trinity left is a device like any other: a write reads back, then all unload.
echo fuzzed >/dev/scullp0
expect_eq "tools: scullp0 still reads back what is written after trinity" "$(cat /dev/scullp0)" fuzzed
cat /sys/kernel/debug/scullp/mem /sys/kernel/debug/scullv/mem | grep '^total'
for m in scullp scullv pagealloc; do
	check "tools: rmmod $m after stress-ng and trinity" rmmod $m
done
rm -rf /tmp/victims /tmp/trinity /tmp/fio.* /tmp/sng.out /tmp/trinity.out /tmp/ldd.*
after=$(free_kib)
if [ $((before - after)) -lt $slack ]; then
	pass "tools: the memory comes back (free $before KiB before the tools, $after after)"
else
	fail "tools: the memory comes back" "free $before KiB before, $after after; $(grep -E \
		'^(Shmem|Slab|SUnreclaim|VmallocUsed|AnonPages|Mlocked):' /proc/meminfo | tr -s ' \n' ' ')"
fi
echo "tools: all took $(since "$t_all") s"
