/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctls of scullp and scullv, for C programs: LDD3's scullp.h numbers.
 * Set/eXchange take an int pointer, Tell/sHift an int value, Get fills an int
 * pointer, Query returns the value. Setting needs CAP_SYS_ADMIN; a value out of
 * range is -EINVAL and changes nothing.
 */
#ifndef SCULL_IOCTL_H
#define SCULL_IOCTL_H

#include <linux/ioctl.h>

#define SCULL_IOC_MAGIC 'K'

#define SCULL_IOCRESET   _IO(SCULL_IOC_MAGIC, 0)
#define SCULL_IOCSORDER  _IOW(SCULL_IOC_MAGIC, 1, int)
#define SCULL_IOCTORDER  _IO(SCULL_IOC_MAGIC, 2)
#define SCULL_IOCGORDER  _IOR(SCULL_IOC_MAGIC, 3, int)
#define SCULL_IOCQORDER  _IO(SCULL_IOC_MAGIC, 4)
#define SCULL_IOCXORDER  _IOWR(SCULL_IOC_MAGIC, 5, int)
#define SCULL_IOCHORDER  _IO(SCULL_IOC_MAGIC, 6)
#define SCULL_IOCSQSET   _IOW(SCULL_IOC_MAGIC, 7, int)
#define SCULL_IOCTQSET   _IO(SCULL_IOC_MAGIC, 8)
#define SCULL_IOCGQSET   _IOR(SCULL_IOC_MAGIC, 9, int)
#define SCULL_IOCQQSET   _IO(SCULL_IOC_MAGIC, 10)
#define SCULL_IOCXQSET   _IOWR(SCULL_IOC_MAGIC, 11, int)
#define SCULL_IOCHQSET   _IO(SCULL_IOC_MAGIC, 12)
#define SCULL_IOC_MAXNR  12

#endif
