# SPDX-License-Identifier: GPL-2.0
# A hostile user's attacks (issue 19), on scullp and scullv, each also run on a tmpfs file
# (/tmp), the oracle, which must pass the same checks: O_DIRECT and opens that fail, what a
# read spends, truncation under live mappings, O_APPEND writers with vanishing source pages
# and racing truncations, both modules filling the machine at once, random offsets over the
# whole loff_t range, and far writes that grow the set index from every height
# (tests/user/src/bin/scull-hostile.rs). Every step runs under a timeout: a task that dies
# in the driver leaves the device's lock held. The parts that crashed the kernel before
# issue 19 (random, far) run last.
# HOSTILE_PARTS picks parts (all by default); HOSTILE_SEED fixes the random runs' seed;
# HOSTILE_RANDOM_SHAPES and HOSTILE_FAR_SHAPES pick module:order:qset shapes.
. /tests/lib.sh
parts=${HOSTILE_PARTS:-odirect rss mmap append fill random far}
seed=${HOSTILE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
random_shapes=${HOSTILE_RANDOM_SHAPES:-scullp:0:1 scullp:2:500 scullv:4:1 scullv:0:500}
far_shapes=${HOSTILE_FAR_SHAPES:-scullp:0:1 scullp:0:500 scullp:4:1 scullv:0:1 scullv:4:500}
# The debug kernel (KASAN, lockdep, kmemleak) runs several times slower: fewer rounds of the
# long parts there, each kind of attack still once.
append_rounds=4
fill_hows="defaults limit_mib=0"
if [ "$scullkind" = debug ]; then
	append_rounds=1
	fill_hows=limit_mib=0
fi

# step NAME SECONDS COMMAND...: COMMAND under a timeout; one that does not end fails NAME.
step() {
	name=$1
	secs=$2
	shift 2
	timeout -k 5 "$secs" "$@"
	rc=$?
	if [ $rc = 143 ] || [ $rc = 137 ]; then
		fail "$name" "did not end within ${secs}s"
	fi
	return $rc
}

load() {
	m=$1
	shift
	check "$m: insmod${*:+ $*}" insmod /lib/modules/$m.ko "$@"
}

unload() {
	if loaded "$1"; then check "$1: rmmod" rmmod "$1"; fi
}

md5_bytes() {
	dd if="$1" bs=4k count="$2" 2>/dev/null | md5sum | cut -d' ' -f1
}

# dd with O_DIRECT as users run it (an O_TRUNC open included), on a device or a file.
dd_direct() {
	t=$1
	echo old >"$t"
	check "$t: dd if=/dev/zero bs=4k count=1 oflag=direct succeeds" \
		dd if=/dev/zero of="$t" bs=4k count=1 oflag=direct
	expect_eq "$t: ... and leaves exactly 4 KiB of zeros" "$(md5_of "$t")" \
		"$(md5_bytes /dev/zero 1)"
	dd if=/dev/urandom of=/tmp/h-src bs=4k count=16 2>/dev/null
	check "$t: dd of 64 KiB with oflag=direct succeeds" \
		dd if=/tmp/h-src of="$t" bs=4k oflag=direct
	check "$t: dd with iflag=direct succeeds" dd if="$t" of=/tmp/h-back bs=4k iflag=direct
	expect_eq "$t: ... and reads back what was written" "$(md5_of /tmp/h-back)" \
		"$(md5_of /tmp/h-src)"
	rm -f /tmp/h-src /tmp/h-back
}

part_odirect() {
	dd_direct /tmp/h-dd
	rm -f /tmp/h-dd
	step "tmpfs: odirect" 60 scull-hostile odirect /tmp/h-odirect
	rm -f /tmp/h-odirect
	for m in scullp scullv; do
		load $m
		dd_direct /dev/${m}0
		step "$m: odirect" 60 scull-hostile odirect /dev/${m}0
		step "$m: opens" 60 scull-hostile opens /dev/${m}1 /tmp/h-opens
		unload $m
	done
	rm -f /tmp/h-opens
}

part_rss() {
	step "tmpfs: rss" 60 scull-hostile rss /tmp/h-rss
	rm -f /tmp/h-rss
	for m in scullp scullv; do
		load $m
		step "$m: rss" 60 scull-hostile rss /dev/${m}0
		unload $m
	done
}

part_mmap() {
	step "tmpfs: mmap-trunc" 60 scull-hostile mmap-trunc /tmp/h-mmap
	step "tmpfs: cow-trunc" 60 scull-hostile cow-trunc /tmp/h-mmap 3
	rm -f /tmp/h-mmap
	for spec in scullp:0 scullp:2 scullv:4; do
		m=${spec%:*}
		order=${spec#*:}
		load $m ${m}_order=$order
		step "$m: cow-trunc order $order" 60 \
			env HOSTILE_TAG="order $order" scull-hostile cow-trunc /dev/${m}0 3
		# Last: it unloads the module once its mappings are gone.
		step "$m: mmap-trunc order $order" 60 \
			env HOSTILE_TAG="order $order" scull-hostile mmap-trunc /dev/${m}0 $m
		unload $m
	done
}

part_append() {
	for t in /tmp/h-append /dev/scullp0 /dev/scullv0; do
		case $t in /dev/*) m=${t#/dev/}; m=${m%0}; load $m ;; esac
		step "$t: append" 240 scull-hostile append $t 3 200 $append_rounds
		step "$t: append-trunc" 60 scull-hostile append-trunc $t 2 4
		step "$t: shared-fd" 60 scull-hostile shared-fd $t 5000
		case $t in /dev/*) unload $m ;; *) rm -f $t ;; esac
	done
}

# Both modules together, every device written at once until an error; at the defaults,
# then with the per-device limit off. Nothing is killed, the data reads back, truncation
# gives the memory back.
part_fill() {
	# vmalloc keeps its page tables (about 2 MiB a GiB); the debug kernel's KASAN
	# quarantine keeps freed objects (up to 1/32 of RAM).
	slack=16384
	[ "$scullkind" = debug ] && slack=$((slack + $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 32))
	(
		i=0
		while :; do
			i=$((i + 1))
			# Renamed into place: a reader never sees the file emptied by the redirection.
			echo $i >/tmp/h-bystander.new
			mv /tmp/h-bystander.new /tmp/h-bystander
			sleep 0.1
		done
	) &
	bystander=$!
	for how in $fill_hows; do
		for m in scullp scullv; do
			if [ $how = defaults ]; then load $m; else load $m ${m}_$how; fi
		done
		before=$(free_kib)
		seen=$(cat /tmp/h-bystander)
		pids=
		id=0
		for d in /dev/scullp0 /dev/scullp1 /dev/scullp2 /dev/scullp3 \
			/dev/scullv0 /dev/scullv1 /dev/scullv2 /dev/scullv3; do
			env HOSTILE_TAG="both modules, $how" timeout -k 5 240 scull-hostile fill $d $id &
			pids="$pids $!"
			id=$((id + 1))
		done
		id=0
		for p in $pids; do
			wait $p
			expect_eq "both modules, $how: writer $id of 8 ended well (exit status)" $? 0
			id=$((id + 1))
		done
		sleep 0.5
		check "both modules, $how: a bystander process kept running" kill -0 $bystander
		check "both modules, $how: ... and making progress" \
			test "$(cat /tmp/h-bystander)" -gt "$seen"
		for m in scullp scullv; do
			sed -n 's/^total/'$m' holds/p' /sys/kernel/debug/$m/mem
			for n in 0 1 2 3; do : >/dev/$m$n; done
			expect_eq "both modules, $how: after truncation $m holds nothing" \
				"$(sed -n 's/^total \([0-9]*\) of [0-9]*$/\1/p' /sys/kernel/debug/$m/mem)" 0
		done
		after=$(free_kib)
		check "both modules, $how: truncation gives the memory back (free $before KiB before, $after after)" \
			test $((before - after)) -lt $slack
		unload scullp
		unload scullv
	done
	kill $bystander
	rm -f /tmp/h-bystander
	check "both modules: no process was killed for memory" \
		sh -c "! dmesg | grep -qE 'Killed process|invoked oom-killer'"
}

part_random() {
	echo "hostile: random seed $seed"
	step "tmpfs: random" 120 scull-hostile random /tmp/h-random $seed 300 4096 1048576
	rm -f /tmp/h-random
	s=$seed
	for spec in $random_shapes; do
		m=${spec%%:*}
		rest=${spec#*:}
		order=${rest%:*}
		qset=${rest#*:}
		quantum=$((4096 << order))
		near=$((quantum * qset * 4))
		[ $near -lt 1048576 ] && near=1048576
		s=$((s + 1))
		load $m ${m}_limit_mib=0 ${m}_order=$order ${m}_qset=$qset
		step "$m: random order $order qset $qset" 120 \
			env HOSTILE_TAG="order $order qset $qset" \
			scull-hostile random /dev/${m}0 $s 300 $quantum $near
		unload $m
	done
}

part_far() {
	step "tmpfs: far" 60 scull-hostile far /tmp/h-far 4096 1
	rm -f /tmp/h-far
	for spec in $far_shapes; do
		m=${spec%%:*}
		rest=${spec#*:}
		order=${rest%:*}
		qset=${rest#*:}
		load $m ${m}_limit_mib=0 ${m}_order=$order ${m}_qset=$qset
		step "$m: far order $order qset $qset" 60 \
			env HOSTILE_TAG="order $order qset $qset" \
			scull-hostile far /dev/${m}0 $((4096 << order)) $qset
		unload $m
	done
}

for part in $parts; do
	t0=$(cut -d' ' -f1 /proc/uptime)
	part_$part
	echo "hostile: $part took $(awk "BEGIN { print $(cut -d' ' -f1 /proc/uptime) - $t0 }") s"
done
