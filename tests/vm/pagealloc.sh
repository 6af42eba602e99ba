# SPDX-License-Identifier: GPL-2.0
# pagealloc: the load-time blocks, the node's commands, the addresses checked against
# /proc/kpageflags and /proc/iomem, bad input, reads (small, consistent, many rows), writes
# of several lines, limits, and nothing left behind.
. /tests/lib.sh
ko=/lib/modules/pagealloc.ko
node=/dev/pagealloc

check "pagealloc: insmod order=3" insmod $ko order=3
for i in alloc_pages __get_free_pages; do
	expect_eq "pagealloc: dmesg shows the $i block (order, pages, pfn, phys, virt)" \
		"$(dmesg | grep -cE "pagealloc: allocated [0-9]+ $i order=3 pages=8 pfn=0x[0-9a-f]+ phys=0x[0-9a-f]+ virt=0xff[0-9a-f]{14}")" 1
done
expect_eq "pagealloc: node is root's only (mode 0600)" "$(ls -l $node | cut -c1-10)" "crw-------"
expect_eq "pagealloc: table holds the two load-time blocks" "$(tail -n +2 $node | wc -l)" 2
pagealloc-check held

check "pagealloc: alloc 0" sh -c "echo 'alloc 0' > $node"
check "pagealloc: alloc 5 gfp zeroed" sh -c "echo 'alloc 5 gfp zeroed' > $node"
check "pagealloc: alloc 6 pages" sh -c "echo 'alloc 6 pages' > $node"
expect_eq "pagealloc: table holds 5 blocks" "$(tail -n +2 $node | wc -l)" 5
expect_eq "pagealloc: table row of the gfp block" \
	"$(grep '^4 ' $node | cut -d' ' -f1-4)" "4 __get_free_pages order=5 pages=32"
pagealloc-check held

# Free the order-6 block: it goes back to the buddy lists (orders >= 4 skip the per-CPU lists).
pfn=$(grep '^5 ' $node | cut -d' ' -f5 | cut -d= -f2)
check "pagealloc: free 5" sh -c "echo 'free 5' > $node"
expect_eq "pagealloc: block 5 gone from the table" "$(grep -c '^5 ' $node)" 0
pagealloc-check freed $pfn 6

pagealloc-check bad
chmod 666 $node
pagealloc-check nonroot
chmod 600 $node

# Reading: each open file reads the table as it was at its first read, in any read sizes.
pagealloc-check smallreads 3000
expect_eq "pagealloc: dd bs=7 reads what cat reads" \
	"$(timeout 30 dd if=$node bs=7 2>/dev/null | md5sum)" "$(cat $node | md5sum)"
pagealloc-check snapshot
# Writing: one command per line; a 0-byte write does nothing.
pagealloc-check lines
pagealloc-check empty
rows=$(tail -n +2 $node | wc -l)
check "pagealloc: printf 'alloc 0\\nalloc 1\\n'" sh -c "printf 'alloc 0\\nalloc 1\\n' > $node"
expect_eq "pagealloc: ... makes two blocks" "$(tail -n +2 $node | wc -l)" $((rows + 2))

check "pagealloc: free all" sh -c "echo 'free all' > $node"
expect_eq "pagealloc: table empty after free all" "$(tail -n +2 $node | wc -l)" 0
check "pagealloc: rmmod" rmmod pagealloc

# The limit: max_pages bounds what the module holds; past it, ENOSPC.
check "pagealloc: insmod order=1 max_pages=8" insmod $ko order=1 max_pages=8
check "pagealloc: alloc 2 fits (8 pages held)" sh -c "echo 'alloc 2' > $node"
expect_eq "pagealloc: alloc 0 past max_pages is ENOSPC" \
	"$(sh -c "echo 'alloc 0' > $node" 2>&1 | grep -c 'No space left')" 1
check "pagealloc: free all, then alloc fits again" sh -c "echo 'free all' > $node && echo 'alloc 3' > $node"
check "pagealloc: rmmod with blocks held" rmmod pagealloc
expect_eq "pagealloc: rmmod says it freed them" "$(dmesg | grep -c 'pagealloc: unloaded, every block freed')" 2

# Bad parameters: refused, a line, kernel up.
for p in order=11 order=-1 max_pages=3 max_pages=0; do
	if insmod $ko $p 2>/dev/null; then
		fail "pagealloc: $p refused" "loaded"
		rmmod pagealloc
	else
		pass "pagealloc: $p refused"
	fi
done
check "pagealloc: order=11 names the parameter in dmesg" sh -c "dmesg | grep -q 'pagealloc: order=11 is invalid: 0 to 10'"

# Alloc/free cycles leave nothing behind: MemFree returns within 2 MiB after 256 MiB moved.
check "pagealloc: insmod max_pages=65536" insmod $ko max_pages=65536
free0=$(awk '/MemFree/ { print $2 }' /proc/meminfo)
i=0
while [ $i -lt 32 ]; do
	for o in 0 3 4 8; do echo "alloc $o" >$node; done
	echo "alloc 10 gfp" >$node
	echo "free all" >$node
	i=$((i + 1))
done
free1=$(awk '/MemFree/ { print $2 }' /proc/meminfo)
drop=$((free0 - free1))
check "pagealloc: MemFree back within 2 MiB after 32 cycles (dropped ${drop} kB)" test $drop -lt 2048
# Many rows (one read used to fail with ENOMEM past about 44,000). Last: its 100,000 dmesg
# lines wrap the kernel log.
pagealloc-check many 50000
check "pagealloc: final rmmod" rmmod pagealloc
