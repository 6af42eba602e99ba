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
order=$(echo "$row" | sed 's/.* order=\([0-9]*\) .*/\1/')
# One page's flags from /proc/kpageflags (8 bytes a pfn), as 16 hex digits. Each claim below
# reads them once and says what that read saw: the allocator does not wait for the demo, and
# a second read could see the page handed out again in between.
kpageflags() {
	dd if=/proc/kpageflags bs=8 skip=$(($1)) count=1 2>/dev/null | od -An -tx8 | tr -d ' '
}
buddy() { echo $(((0x$1 >> 10) & 1)); } # bit 10: the first page of a free buddy block
echo "# Block 3 checked against the kernel's own views of memory:"
echo "#   /proc/iomem: phys $phys lies in a System RAM range, so it is real memory;"
while IFS= read -r line; do
	case "$line" in *"System RAM"*) ;; *) continue ;; esac
	range=${line%% :*}
	lo=$((0x${range%-*})) hi=$((0x${range#*-}))
	[ $((phys)) -ge $lo ] && [ $((phys)) -le $hi ] && echo "#     $line"
done </proc/iomem
flags=$(kpageflags "$pfn")
echo "#   /proc/kpageflags at pfn $pfn: flags 0x$flags, BUDDY=$(buddy "$flags")"
if [ "$(buddy "$flags")" = 0 ]; then
	echo "#     (BUDDY=0: the buddy allocator has handed the page out; page_to_pfn and"
	echo "#     page_to_phys agree: phys = pfn * 4096 = $(printf '0x%x' $((pfn * 4096))))"
else
	echo "#     (BUDDY=1 on a block pagealloc holds: the kernel's records disagree with it)"
fi
run "echo 'free 3' > /dev/pagealloc"
# A free block shows BUDDY on its first page only; the freed block may have merged with its
# buddy into a larger one, whose first page is then at a lower, aligned pfn. Each candidate
# head is read once, and the first one seen free is reported with the flags that read gave.
k=$order
found=""
while [ $k -le 10 ]; do
	head=$((pfn & ~((1 << k) - 1)))
	flags=$(kpageflags $head)
	if [ "$(buddy "$flags")" = 1 ]; then
		found=$head
		break
	fi
	k=$((k + 1))
done
if [ -z "$found" ]; then
	echo "#   after free: BUDDY=0 at pfn $pfn and at every aligned pfn below it up to order 10:"
	echo "#     the block was handed out again before it was looked at"
elif [ "$found" = $((pfn)) ]; then
	echo "#   after free, pfn $pfn: flags 0x$flags, BUDDY=1: back on the buddy free lists"
else
	echo "#   after free: pfn $pfn read BUDDY=0, and below it, aligned to order $k:"
	printf '#     pfn 0x%x: flags 0x%s, BUDDY=1, the head of a free block: the freed block\n' \
		"$found" "$flags"
	echo "#     most likely merged with its buddy into it (kpageflags does not give its order)"
fi
echo "#   (orders >= 4 skip the per-CPU lists, which would hold small blocks a while;"
echo "#   each line above is one read of /proc/kpageflags: the allocator moves on meanwhile)"
run 'cat /dev/pagealloc'
run rmmod pagealloc
run 'dmesg | grep pagealloc | tail -4'
