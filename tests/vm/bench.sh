# SPDX-License-Identifier: GPL-2.0
# The benchmark run: every device configuration and the baselines, in one boot. Each device
# transfer is paired, repetition by repetition, with the same one through a tmpfs file.
# fio's rows, where the run has the field's tools (scripts/bench.sh): sequential 1 MiB and
# random 4 KiB, read and write, the psync and mmap engines, one and two jobs, 64 MiB a job,
# 3 repetitions (median, lowest, highest of the bandwidth fio reports, in MiB/s).
# Usage: fio_rows LABEL FILE (the file or device already holds 64 MiB)
fio_rows() {
	for engine in psync mmap; do
		for rw in read write randread randwrite; do
			bs=1m
			case $rw in rand*) bs=4k ;; esac
			for jobs in 1 2; do
				for rep in 1 2 3; do
					# The group's "bw" (KiB/s) of reads, writes and trims: one is not 0.
					fio --name=bench --filename="$2" --ioengine=$engine --rw=$rw --bs=$bs \
						--size=64m --numjobs=$jobs --group_reporting --output-format=json |
						awk '$1 == "\"bw\"" { s += $3 } END { print s / 1024 }'
				done | sort -n | awk -v l="$1" -v op="fio-$engine-$rw-$jobs" -v bs=$bs '
					{ v[NR] = $1 } END { printf "CSV,%s,%s,%d,64,%.1f,%.1f,%.1f,3\n",
						l, op, (bs == "1m" ? 1048576 : 4096), v[2], v[1], v[3] }'
			done
		done
	done
}
# fio_at LABEL FILE: fio's rows, if this run has fio.
fio_at() {
	[ "$sculltools" = 1 ] || return 0
	dd if=/dev/zero of="$2" bs=1M count=64 2>/dev/null
	fio_rows "$1" "$2"
}
for spec in scullp:0 scullp:2 scullp:4 scullv:4; do
	m=${spec%:*}
	order=${spec#*:}
	insmod /lib/modules/$m.ko ${m}_order=$order ${m}_limit_mib=0 ${m}_devs=1
	scull-bench device "$m-order$order" /dev/${m}0 /tmp/ref
	scull-bench mmap "$m-order$order" /dev/${m}0 /tmp/ref
	case $spec in scullp:0 | scullv:4) fio_at "$m-order$order" /dev/${m}0 ;; esac
	rmmod $m
done
insmod /lib/modules/scullp.ko scullp_qset=8 scullp_limit_mib=0 scullp_devs=1
scull-bench device scullp-order0-qset8 /dev/scullp0 /tmp/ref
rmmod scullp
rm -f /tmp/ref
scull-bench file tmpfs /tmp/bench
scull-bench mmap tmpfs /tmp/bench
fio_at tmpfs /tmp/bench
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
