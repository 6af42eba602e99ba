# SPDX-License-Identifier: GPL-2.0
# The demo session: what a user would type, echoed as typed.
run() {
	echo "# $*"
	sh -c "$*"
}
# Seconds since boot, to 10 ms.
now() { cut -d' ' -f1 /proc/uptime; }
# MiB/s for $1 MiB moved in the time from $2 to $3.
rate() { awk -v m="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f MiB/s (%d MiB in %.2f s)", m / (b - a), m, b - a }'; }

echo "=== scullp demo ==="
run insmod /lib/modules/scullp.ko
run 'ls -l /dev/scullp*'
run 'echo hello > /dev/scullp0'
run 'cat /dev/scullp0'
dd if=/dev/urandom of=/tmp/data bs=1M count=64 2>/dev/null
echo "# dd if=/tmp/data of=/dev/scullp0 bs=1M      (64 MiB of random data)"
a=$(now)
dd if=/tmp/data of=/dev/scullp0 bs=1M
b=$(now)
echo "write: $(rate 64 "$a" "$b")"
echo "# dd if=/dev/scullp0 of=/dev/null bs=1M"
a=$(now)
dd if=/dev/scullp0 of=/dev/null bs=1M
b=$(now)
echo "read: $(rate 64 "$a" "$b")"
run 'md5sum /tmp/data; dd if=/dev/scullp0 bs=1M 2>/dev/null | md5sum'
run 'cat /sys/kernel/debug/scullp/mem'
run 'dmesg | grep scullp'
run rmmod scullp
run 'ls /dev/scullp* 2>&1 || echo "(no scullp nodes left)"'

echo "=== scullv demo ==="
run 'scull_load scullv -d /lib/modules -m 666 scullv_order=4'
run 'dd if=/tmp/data of=/dev/scullv0 bs=1M'
run 'cat /sys/kernel/debug/scullv/mem'
run 'cmp /tmp/data /dev/scullv0 && echo identical'
run 'echo truncated > /dev/scullv0; cat /sys/kernel/debug/scullv/mem | head -2'
run 'scull_unload scullv'

echo "=== pagealloc demo ==="
run insmod /lib/modules/pagealloc.ko order=3
run 'dmesg | grep pagealloc'
run "echo 'alloc 4 gfp zeroed' > /dev/pagealloc"
run "echo 'alloc 2' > /dev/pagealloc"
run 'cat /dev/pagealloc'
row=$(grep '^3 ' /dev/pagealloc)
pfn=$(echo "$row" | sed 's/.* pfn=\(0x[0-9a-f]*\) .*/\1/')
phys=$(echo "$row" | sed 's/.* phys=\(0x[0-9a-f]*\) .*/\1/')
# One page's flags, from /proc/kpageflags (8 bytes a pfn); bit 10 is BUDDY.
buddy_bit() {
	flags=$(dd if=/proc/kpageflags bs=8 skip=$(($1)) count=1 2>/dev/null | od -An -tx8 | tr -d ' ')
	echo "flags 0x$flags, BUDDY=$(((0x$flags >> 10) & 1))"
}
echo "# Block 3 checked against the kernel's own views of memory:"
echo "#   /proc/iomem: phys $phys lies in a System RAM range, so it is real memory;"
while IFS= read -r line; do
	case "$line" in *"System RAM"*) ;; *) continue ;; esac
	range=${line%% :*}
	lo=$((0x${range%-*})) hi=$((0x${range#*-}))
	[ $((phys)) -ge $lo ] && [ $((phys)) -le $hi ] && echo "#     $line"
done </proc/iomem
echo "#   /proc/kpageflags at pfn $pfn: $(buddy_bit "$pfn")"
echo "#     (BUDDY=0: the buddy allocator has handed the page out; page_to_pfn and"
echo "#     page_to_phys agree: phys = pfn * 4096 = $(printf '0x%x' $((pfn * 4096))))"
run "echo 'free 3' > /dev/pagealloc"
# A free block shows BUDDY on its first page only; the freed block may have merged with its
# buddy into a larger one, whose first page is then at a lower, aligned pfn.
k=0
while [ $k -le 10 ]; do
	head=$((pfn & ~((1 << k) - 1)))
	case "$(buddy_bit $head)" in *BUDDY=1)
		if [ $k = 0 ]; then
			echo "#   after free, pfn $pfn: $(buddy_bit "$pfn"): back on the buddy free lists"
		else
			printf '#   after free: BUDDY=1 at pfn 0x%x, below 0x%x: the block merged with its\n' \
				$head $((pfn))
			echo "#     buddy into a larger free block that starts there"
		fi
		echo "#   (orders >= 4 skip the per-CPU lists, which would hold small blocks a while)"
		break ;;
	esac
	k=$((k + 1))
done
[ $k -gt 10 ] && echo "#   after free: no free-block head found at or below pfn $pfn"
run 'cat /dev/pagealloc'
run rmmod pagealloc
run 'dmesg | grep pagealloc | tail -4'
