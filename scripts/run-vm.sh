#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boots a kernel (KERNEL: a build directory, or an image file) under QEMU (TCG, 2 vCPUs)
# with an initramfs made of busybox, the modules, the test programs and tests/vm, runs
# GUEST_SCRIPT in the guest as /init's payload, and copies the console to LOG. With
# VM_INTERACTIVE=1 the console is the caller's terminal instead (for `make shell`), and no
# log is kept.
# The guest's $scullkind is VM_KIND, else the build directory's kind (base, debug).
# With VM_TOOLS=1 the guest also gets the field's tools (fio, stress-ng, trinity, with their
# loader and libraries, as `setup.sh --tools` cached them), a user nobody, and
# $sculltools=1; the run fails here if they were not fetched. VM_APPEND: more of the kernel's
# command line (its NAME=VALUE words become the guest script's variables). VM_MODULES: the
# folder whose *.ko the guest gets (default: the tree's, as the last build left them).
# Usage: run-vm.sh KERNEL GUEST_SCRIPT LOG [TIMEOUT_S] [MEM]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kdir=$1 script=$2 log=$3 limit=${4:-900} mem=${5:-2G}

root=$(mktemp -d)
# mktemp makes it 0700, which would become the guest's / and stop every non-root lookup.
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,mnt,lib/modules,tests}
cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
cp "${VM_MODULES:-$REPO}"/*.ko "$root/lib/modules/"
cp "$REPO"/tests/vm/*.sh "$root/tests/"
cp "$REPO"/scripts/scull_load "$REPO"/scripts/scull_unload "$root/bin/"
for b in "$REPO"/tests/user/src/bin/*.rs; do
	cp "$REPO/tests/user/target/x86_64-unknown-linux-gnu/release/$(basename "$b" .rs)" "$root/bin/"
done
# The 32-bit one needs gcc-multilib, which only the project's own kernels' set-up installs.
if [ -f "$REPO/tests/user/target/scull-ioctl32" ]; then
	cp "$REPO/tests/user/target/scull-ioctl32" "$root/bin/"
fi
tools=0
if [ "${VM_TOOLS:-0}" = 1 ]; then
	tdir=$(tools_dir)
	if [ ! -f "$tdir/.done" ]; then
		echo "run-vm: VM_TOOLS=1 but the tools are not fetched ($tdir): run scripts/setup.sh --tools" >&2
		exit 1
	fi
	cp -a "$tdir/root/." "$root/"
	mkdir -p "$root/etc"
	echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	tools=1
fi
cat >"$root/init" <<INIT
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
echo "guest: \$(nproc) CPUs, \$(grep MemTotal /proc/meminfo)"
# The kernel's banner, here: the log may have wrapped by the time dmesg is printed.
echo "guest: \$(cat /proc/version)"
sh /tests/$script
echo "guest: script exited with \$?"
if [ "$script" != shell.sh ]; then
	echo "=== dmesg ==="
	dmesg
	echo "=== end dmesg ==="
fi
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$root.cpio"
trap 'rm -rf "$root" "$root.cpio"' EXIT

if [ -f "$kdir" ]; then
	image=$kdir
else
	image=$kdir/arch/x86/boot/bzImage
fi
kind=${VM_KIND:-$(basename "$kdir" | cut -d- -f3)}
qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m "$mem"
	-nographic -no-reboot -serial mon:stdio -display none
	-kernel "$image" -initrd "$root.cpio"
	-append "console=ttyS0 loglevel=5 panic=-1 oops=panic tsc=reliable scullkind=$kind sculltools=$tools ${VM_APPEND:-}")
if [ "${VM_INTERACTIVE:-0}" = 1 ]; then
	"${qemu[@]}"
	exit 0
fi
step "vm: booting $(basename "$kdir") with $script (timeout ${limit}s)"
set +e
timeout --foreground -k 10 "$limit" "${qemu[@]}" </dev/null | sed -u 's/\r//g' | tee "$log"
rc=${PIPESTATUS[0]}
set -e
done_step
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "vm: timed out after ${limit}s" | tee -a "$log"
fi
exit 0
