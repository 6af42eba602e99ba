# SPDX-License-Identifier: GPL-2.0
# The device suite, run against one scull module with its default order:
#     scull-suite.sh MODULE DEFAULT_ORDER      (scullp 0, scullv 4)
# Uses the user's tools: insmod, echo, cat, dd, rmmod, and scull-check for seeks.
. /tests/lib.sh
m=$1
order0=$2
ko=/lib/modules/$m.ko
dev=/dev/${m}0
quantum=$((4096 << order0))

# --- load, nodes, echo/cat ---
check "$m: insmod" insmod $ko
check "$m: nodes ${m}0..3 appear" test -c /dev/${m}0 -a -c /dev/${m}3
check "$m: no node ${m}4" test ! -e /dev/${m}4
echo hello >$dev
expect_eq "$m: echo/cat round trip" "$(cat $dev)" hello
expect_eq "$m: data stays across opens" "$(cat $dev)" hello
expect_eq "$m: load line in dmesg" \
	"$(dmesg | grep "$m: major" | tail -1 | sed 's/.*\] //; s/major [0-9]*/major N/')" \
	"$m: major N, 4 devices, order $order0 ($quantum-byte quanta), qset 500, limit 256 MiB, all devices at most $(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 2048)) MiB"

# --- tens of MiB of random data at the default order ---
dd if=/dev/urandom of=/tmp/rand bs=1M count=40 2>/dev/null
want=$(md5_of /tmp/rand)
dd if=/tmp/rand of=$dev bs=1M 2>/dev/null
expect_eq "$m: 40 MiB written with dd bs=1M reads back (bs=1M)" "$(md5_of $dev)" "$want"
expect_eq "$m: ... and reads back with bs=4k" "$(md5_of $dev 4k)" "$want"
expect_eq "$m: ... and with full-size reads (bs=64M)" "$(md5_of $dev 64M)" "$want"
expect_eq "$m: size is 40 MiB" "$(wc -c <$dev)" 41943040
dd if=/tmp/rand of=$dev bs=4k 2>/dev/null
expect_eq "$m: 40 MiB written with bs=4k reads back" "$(md5_of $dev)" "$want"
dd if=/tmp/rand of=$dev bs=7777 2>/dev/null
expect_eq "$m: 40 MiB written with odd bs=7777 reads back" "$(md5_of $dev 3333)" "$want"

# --- the memory dump agrees with what was written ---
quanta=$((41943040 / quantum))
line=$(grep "^${m}0 " /sys/kernel/debug/$m/mem)
expect_eq "$m: dump after 40 MiB (order qset size sets quanta data_bytes)" \
	"$(echo "$line" | cut -d' ' -f1-7)" \
	"${m}0 $order0 500 41943040 $(((quanta + 499) / 500)) $quanta 41943040"
meta=$(echo "$line" | cut -d' ' -f8)
check "$m: metadata is under 1% of the data ($meta bytes)" test "$meta" -gt 0 -a "$meta" -lt 419430
expect_eq "$m: dump of an untouched device" \
	"$(grep "^${m}3 " /sys/kernel/debug/$m/mem)" "${m}3 $order0 500 0 0 0 0 0"
expect_eq "$m: the module's total is the sum of its devices" \
	"$(sed -n 's/^total \([0-9]*\) of .*/\1/p' /sys/kernel/debug/$m/mem)" \
	"$(awk '/^'$m'[0-9]/ { s += $7 + $8 } END { print s }' /sys/kernel/debug/$m/mem)"

# --- the LDD3 ioctls, from a 64-bit and from a 32-bit program ---
scull-ioctl $m $order0 500
scull-ioctl32 $dev $order0 500 | sed "s/^TEST \([A-Z]*\): /TEST \1: $m: /"

# --- seeks, holes, truncation ---
scull-check seek $dev

# --- file semantics as a user meets them: >>, dd conv=notrunc, conv=fsync ---
echo a >$dev
echo b >>$dev
expect_eq "$m: >> appends" "$(cat $dev | tr '\n' ' ')" "a b "
printf 0123456789 >$dev
printf XY | dd of=$dev bs=1 seek=3 conv=notrunc 2>/dev/null
expect_eq "$m: dd conv=notrunc seek=3 keeps the rest" "$(cat $dev)" "012XY56789"
check "$m: dd conv=fsync succeeds" sh -c "dd if=/dev/zero of=$dev bs=4k count=4 conv=fsync 2>/dev/null"
expect_eq "$m: ... and wrote" "$(wc -c <$dev)" 16384

# --- writes from faulting buffers change exactly the bytes they report ---
scull-check integrity $dev $quantum

# --- several devices at once from parallel processes ---
expect_eq "guest has 2 CPUs" "$(nproc)" 2
for i in 0 1 2 3; do
	dd if=/dev/urandom of=/tmp/r$i bs=1M count=8 2>/dev/null
done
for i in 0 1 2 3; do
	(dd if=/tmp/r$i of=/dev/$m$i bs=64k 2>/dev/null) &
done
wait
for i in 0 1 2 3; do
	(md5_of /dev/$m$i >/tmp/got$i) &
done
wait
for i in 0 1 2 3; do
	expect_eq "$m: parallel writer $i's data intact" "$(cat /tmp/got$i)" "$(md5_of /tmp/r$i)"
done
rm -f /tmp/r? /tmp/got?

# --- unload while open, unload, reload ---
exec 3<$dev
check "$m: rmmod refused while a file is open" sh -c "! rmmod $m 2>/dev/null"
exec 3<&-
check "$m: rmmod" rmmod $m
check "$m: nodes gone after rmmod" test ! -e $dev
expect_eq "$m: not loaded after rmmod" "$(grep -c "^$m " /proc/modules)" 0

# --- order > 0 with a small qset: many quantum sets crossed ---
check "$m: insmod ${m}_order=3 ${m}_qset=4" insmod $ko ${m}_order=3 ${m}_qset=4
expect_eq "$m: reloaded device starts empty" "$(wc -c <$dev)" 0
dd if=/tmp/rand of=$dev bs=1M 2>/dev/null
expect_eq "$m: 40 MiB over 320 quantum sets (order 3, qset 4)" "$(md5_of $dev)" "$want"
expect_eq "$m: ... read with bs=5000" "$(md5_of $dev 5000)" "$want"
scull-check seek /dev/${m}1
scull-check integrity /dev/${m}2 32768
check "$m: rmmod after order 3" rmmod $m

check "$m: insmod ${m}_order=10 ${m}_qset=1" insmod $ko ${m}_order=10 ${m}_qset=1
dd if=/tmp/rand of=$dev bs=1M 2>/dev/null
expect_eq "$m: 40 MiB at the largest order, one quantum a set" "$(md5_of $dev)" "$want"
scull-check integrity /dev/${m}1 4194304
check "$m: rmmod after order 10" rmmod $m

# --- invalid parameters: refused, one dmesg line, kernel up ---
bad() {
	param=$1
	why=$2
	seen=$(dmesg | wc -l)
	if insmod $ko $param 2>/dev/null; then
		fail "$m: $param refused" "insmod succeeded"
		rmmod $m
		return
	fi
	if loaded $m; then
		fail "$m: $param refused" "module is loaded"
	elif ! dmesg | tail -n +$((seen + 1)) | grep -q "$why"; then
		fail "$m: $param refused" "no new dmesg line matching '$why': $(dmesg | tail -3)"
	else
		pass "$m: $param refused"
	fi
}
bad ${m}_order=11 "${m}_order=11 is invalid"
bad ${m}_order=4294967295 "${m}_order=4294967295 is invalid"
bad ${m}_order=-1 "${m}_order"
bad ${m}_qset=0 "${m}_qset=0 is invalid"
bad ${m}_qset=65537 "${m}_qset=65537 is invalid"
bad ${m}_qset=99999999999 "${m}_qset"
bad ${m}_devs=0 "${m}_devs=0 is invalid"
bad ${m}_devs=257 "${m}_devs=257 is invalid"
bad ${m}_major=512 "${m}_major=512 is invalid"
bad ${m}_major=1 "cannot register $m"
bad ${m}_order=abc "${m}_order"
bad ${m}_total_mib=99999999 "${m}_total_mib=99999999 is invalid"
check "$m: kernel still works after bad parameters" insmod $ko ${m}_devs=1
echo ok >$dev
expect_eq "$m: device works after bad parameters" "$(cat $dev)" ok
check "$m: final rmmod" rmmod $m

# --- the load and unload scripts ---
expect_eq "$m: scull_load with group, mode and parameters" \
	"$(scull_load $m -d /lib/modules -g 0 -m 664 ${m}_qset=7 ${m}_devs=2 | sed 's/major [0-9]*/major N/')" \
	"$m: major N, /dev/${m}0..1, group 0, mode 664"
expect_eq "$m: nodes have the mode asked for" "$(ls -l /dev/${m}1 | cut -c1-10)" "crw-rw-r--"
expect_eq "$m: parameters in force" "$(grep "^${m}1 " /sys/kernel/debug/$m/mem)" "${m}1 $order0 7 0 0 0 0 0"
check "$m: scull_unload" scull_unload $m
check "$m: unloaded, nodes gone" test ! -e /dev/${m}0 -a ! -d /sys/class/$m
rm -f /tmp/rand
