# SPDX-License-Identifier: GPL-2.0
# Waits a signal can end: a writer and a GET ioctl stalled on a userfaultfd page hold no
# lock that others need, on scullp and scullv.
. /tests/lib.sh
for m in scullp scullv; do
	check "$m: insmod" insmod /lib/modules/$m.ko
	scull-uffd /dev/${m}0 /dev/${m}1
	check "$m: rmmod after the userfaultfd checks" rmmod $m
done
