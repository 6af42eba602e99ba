# SPDX-License-Identifier: GPL-2.0
# `make shell`: a prompt on the console, with the modules and the project's programs ready.
cat <<BANNER

=== scull-rs test VM: Linux $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB ===
Modules in /lib/modules; the project's programs and load scripts are on PATH. Try:
    insmod /lib/modules/scullp.ko scullp_order=2 scullp_qset=100
    echo hello > /dev/scullp0; cat /dev/scullp0
    dd if=/dev/urandom of=/dev/scullp1 bs=1M count=16
    cat /sys/kernel/debug/scullp/mem; dmesg | tail
    rmmod scullp
    scull_load scullv -d /lib/modules -m 666 scullv_order=4
    insmod /lib/modules/pagealloc.ko order=3; echo 'alloc 4 gfp' > /dev/pagealloc; cat /dev/pagealloc
    scull-check seek /dev/scullv0; scull-ioctl scullv 4 500
    scull-fsx /dev/scullv0 /tmp/f 42 20000 65536 1048576     # device against tmpfs
exit or Ctrl-D powers the VM off.
BANNER
# A shell with the console as its controlling terminal, so that Ctrl-C and job control work.
setsid cttyhack sh -l
