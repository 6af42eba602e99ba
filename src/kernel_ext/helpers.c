// SPDX-License-Identifier: GPL-2.0
/*
 * What the Rust code cannot reach: macros and static inlines with no rust_helper_* in the
 * kernel crate. Each calls the public interface, so allocations keep their allocation tags.
 * Declared for Rust in src/kernel_ext/helpers.rs.
 */
#include <linux/cacheinfo.h>
#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

unsigned long scull_page_to_pfn(struct page *page);
phys_addr_t scull_page_to_phys(struct page *page);
void *scull_page_address(struct page *page);
void *scull_lowmem_alias(struct page *page);
struct page *scull_virt_to_page(const void *addr);
unsigned long scull_get_free_pages(gfp_t gfp, unsigned int order);
bool scull_fatal_signal_pending(void);
void scull_zero_bytes(void *addr, size_t bytes);
void scull_copy_bytes(void *to, const void *from, size_t bytes);
size_t scull_copy_to_iter_nofault(const void *addr, size_t bytes, struct iov_iter *i);
size_t scull_copy_from_iter_nofault(void *addr, size_t bytes, struct iov_iter *i);
size_t scull_iov_iter_zero_nofault(size_t bytes, struct iov_iter *i);
unsigned long scull_vmf_pgoff(struct vm_fault *vmf);
struct vm_area_struct *scull_vmf_vma(struct vm_fault *vmf);
vm_fault_t scull_vmf_map_page(struct vm_fault *vmf, struct page *page);
void scull_vmf_window(struct vm_fault *vmf, unsigned long nr, unsigned long *first,
		      unsigned long *last);
void scull_vmf_map_pages(struct vm_fault *vmf, unsigned long first, struct page **pages,
			 unsigned long n);
bool scull_kiocb_append(struct kiocb *iocb);
struct cdev *scull_inode_cdev(struct inode *inode);
void scull_file_open(struct file *file, struct inode *shared);
struct inode *scull_inode_new(void);
void scull_inode_put(struct inode *inode);
void scull_inode_unmap(struct inode *inode);

unsigned long scull_page_to_pfn(struct page *page)
{
	return page_to_pfn(page);
}

phys_addr_t scull_page_to_phys(struct page *page)
{
	return page_to_phys(page);
}

void *scull_page_address(struct page *page)
{
	return page_address(page);
}

/*
 * A page's direct-map address where reading through it sees what was written through any
 * other kernel alias (a vmalloc one): NULL for a highmem page (page_address() of one may be
 * a borrowed kmap) and where the data cache can alias.
 */
void *scull_lowmem_alias(struct page *page)
{
	if (PageHighMem(page) || cpu_dcache_is_aliasing())
		return NULL;
	return lowmem_page_address(page);
}

struct page *scull_virt_to_page(const void *addr)
{
	return virt_to_page(addr);
}

/* A macro over get_free_pages_noprof() when allocation profiling is on. */
unsigned long scull_get_free_pages(gfp_t gfp, unsigned int order)
{
	return __get_free_pages(gfp, order);
}

bool scull_fatal_signal_pending(void)
{
	return fatal_signal_pending(current);
}

/* Bytes a user mapping may use meanwhile: cleared and copied in C, not by Rust's own writes. */
void scull_zero_bytes(void *addr, size_t bytes)
{
	memset(addr, 0, bytes);
}

void scull_copy_bytes(void *to, const void *from, size_t bytes)
{
	memcpy(to, from, bytes);
}

/*
 * Copies with page faults disabled: a user page that is not present ends the copy short
 * instead of being faulted in, so these may run under the device's lock, which a page fault
 * on a mapping of the device takes.
 */
size_t scull_copy_to_iter_nofault(const void *addr, size_t bytes, struct iov_iter *i)
{
	size_t n;

	pagefault_disable();
	n = _copy_to_iter(addr, bytes, i);
	pagefault_enable();
	return n;
}

size_t scull_copy_from_iter_nofault(void *addr, size_t bytes, struct iov_iter *i)
{
	size_t n;

	pagefault_disable();
	n = _copy_from_iter(addr, bytes, i);
	pagefault_enable();
	return n;
}

size_t scull_iov_iter_zero_nofault(size_t bytes, struct iov_iter *i)
{
	size_t n;

	pagefault_disable();
	n = iov_iter_zero(bytes, i);
	pagefault_enable();
	return n;
}

unsigned long scull_vmf_pgoff(struct vm_fault *vmf)
{
	return vmf->pgoff;
}

struct vm_area_struct *scull_vmf_vma(struct vm_fault *vmf)
{
	return vmf->vma;
}

/*
 * Maps the page a fault found, while the caller holds the lock that truncation takes, so that
 * truncation's unmap finds it. The mapping takes its own reference. A private mapping gets the
 * page read-only: a write then faults again and the core copies it, installing the copy only
 * if the page is still mapped then (a truncation in between makes that fault start over). An
 * allocation failure is SIGBUS: VM_FAULT_OOM would wake the OOM killer.
 */
vm_fault_t scull_vmf_map_page(struct vm_fault *vmf, struct page *page)
{
	bool shared_write = (vmf->flags & FAULT_FLAG_WRITE) && (vmf->vma->vm_flags & VM_SHARED);
	vm_fault_t ret = vmf_insert_page_mkwrite(vmf, page, shared_write);

	if (ret & VM_FAULT_OOM)
		return VM_FAULT_SIGBUS;
	return ret;
}

/*
 * The file pages [*first, *last] that a fault on vmf maps with its own (fault-around),
 * reckoned as do_fault_around() does: nr pages (a power of two, at most PTRS_PER_PTE)
 * aligned in the page table, within the vma and the table.
 */
void scull_vmf_window(struct vm_fault *vmf, unsigned long nr, unsigned long *first,
		      unsigned long *last)
{
	unsigned long pte_off = pte_index(vmf->address);
	unsigned long vma_off = vmf->pgoff - vmf->vma->vm_pgoff;
	unsigned long from, to;

	from = max(ALIGN_DOWN(pte_off, nr), pte_off - min(pte_off, vma_off));
	to = min3(from + nr, (unsigned long)PTRS_PER_PTE,
		  pte_off + vma_pages(vmf->vma) - vma_off) - 1;
	*first = vmf->pgoff + from - pte_off;
	*last = vmf->pgoff + to - pte_off;
}

/*
 * Fault-around: maps pages[0..n) at file pages first.. of vmf's vma, as far as it goes,
 * writable as the vma's protection says (read-only in a private mapping). A page already
 * mapped (a neighbour's fault, a private copy) stays as it is and is skipped; any other
 * failure is no error, the page faults on its own later. The vma is VM_MIXEDMAP from mmap on.
 */
void scull_vmf_map_pages(struct vm_fault *vmf, unsigned long first, struct page **pages,
			 unsigned long n)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr, left;

	if (first < vma->vm_pgoff || first - vma->vm_pgoff >= vma_pages(vma) ||
	    n > vma_pages(vma) - (first - vma->vm_pgoff))
		return;
	addr = vma->vm_start + ((first - vma->vm_pgoff) << PAGE_SHIFT);
	while (n) {
		left = n;
		if (vm_insert_pages(vma, addr, pages, &left) != -EBUSY || !left)
			return;
		/* pages[n - left] was mapped already: go on after it. */
		addr += (n - left + 1) << PAGE_SHIFT;
		pages += n - left + 1;
		n = left - 1;
	}
}

/* O_APPEND or RWF_APPEND: the write goes to the end. */
bool scull_kiocb_append(struct kiocb *iocb)
{
	return iocb->ki_flags & IOCB_APPEND;
}

/* In an anonymous union: Rust's name for it changes with struct inode. */
struct cdev *scull_inode_cdev(struct inode *inode)
{
	return inode->i_cdev;
}

/*
 * An open file of a device: memory has no cache to bypass, so O_DIRECT is plain I/O (as on
 * tmpfs); read, write and lseek on one file take its position lock, as for a regular file, so
 * that tasks sharing the file (`{ a; b; } > dev`, threads) do not write at the same position;
 * and every file of the device shares the address space of one inode (`shared`, if not NULL),
 * so that truncation can unmap the device's pages from every mapping at once.
 */
void scull_file_open(struct file *file, struct inode *shared)
{
	if (shared)
		file->f_mapping = shared->i_mapping;
	file->f_mode |= FMODE_CAN_ODIRECT | FMODE_ATOMIC_POS;
}

/*
 * Those inodes come from a private pseudo file system, one per module, as DRM's do. It has
 * no owner: a module reference from its own mount would keep the module loaded for ever;
 * the module releases the mount with its last inode, on unload.
 */
static int scull_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, 0x5c011f5) ? 0 : -ENOMEM;
}

static struct file_system_type scull_fs_type = {
	.name = "scull",
	.init_fs_context = scull_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};
static struct vfsmount *scull_fs_mnt;
static int scull_fs_count;

struct inode *scull_inode_new(void)
{
	struct inode *inode;
	int err;

	err = simple_pin_fs(&scull_fs_type, &scull_fs_mnt, &scull_fs_count);
	if (err)
		return ERR_PTR(err);
	inode = alloc_anon_inode(scull_fs_mnt->mnt_sb);
	if (IS_ERR(inode))
		simple_release_fs(&scull_fs_mnt, &scull_fs_count);
	return inode;
}

void scull_inode_put(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&scull_fs_mnt, &scull_fs_count);
}

/* Takes every page of the inode's address space out of every mapping, private copies too. */
void scull_inode_unmap(struct inode *inode)
{
	unmap_mapping_range(inode->i_mapping, 0, 0, 1);
}
