// SPDX-License-Identifier: GPL-2.0
/*
 * The LDD3 ioctls from a 32-bit program (compat_ioctl): each command's result must be what a
 * 64-bit caller gets. Prints one TEST line per check. Usage: scull-ioctl32 DEVICE ORDER QSET
 * (the module's current order and qset; the program leaves them as it found them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "../../src/scull_ioctl.h"

static int failed;

static void check(const char *name, int ok, long got)
{
	printf("TEST %s: 32-bit %s%s", ok ? "PASS" : "FAIL", name, ok ? "\n" : "");
	if (!ok)
		printf(": got %ld\n", got);
	failed |= !ok;
}

int main(int argc, char **argv)
{
	int fd, order, qset, v;
	long r;

	if (argc != 4 || sizeof(long) != 4) {
		fprintf(stderr, "usage: scull-ioctl32 DEVICE ORDER QSET (a 32-bit build)\n");
		return 2;
	}
	order = atoi(argv[2]);
	qset = atoi(argv[3]);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	r = ioctl(fd, SCULL_IOCQORDER);
	check("query order (return value)", r == order, r);
	v = -1;
	r = ioctl(fd, SCULL_IOCGQSET, &v);
	check("get qset (through a pointer)", r == 0 && v == qset, r ? r : v);
	r = ioctl(fd, SCULL_IOCTQSET, qset + 1);
	check("tell qset (by value)", r == 0 && ioctl(fd, SCULL_IOCQQSET) == qset + 1, r);
	v = qset;
	r = ioctl(fd, SCULL_IOCXQSET, &v);
	check("exchange qset (pointer both ways)", r == 0 && v == qset + 1, r ? r : v);
	r = ioctl(fd, SCULL_IOCHORDER, order);
	check("shift order (returns the old)", r == order, r);
	r = ioctl(fd, SCULL_IOCGORDER, (int *)8);
	check("get into a bad pointer is EFAULT", r == -1 && errno == EFAULT, errno);
	r = ioctl(fd, _IO(SCULL_IOC_MAGIC, 13));
	check("an unknown command is ENOTTY", r == -1 && errno == ENOTTY, errno);
	close(fd);
	return failed;
}
