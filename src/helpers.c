// SPDX-License-Identifier: GPL-2.0
/*
 * What the Rust code cannot reach: macros and static inlines with no rust_helper_* in the
 * kernel crate. Each calls the public interface, so allocations keep their allocation tags.
 * Declared for Rust in src/helpers.rs.
 */
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

unsigned long scull_page_to_pfn(struct page *page);
phys_addr_t scull_page_to_phys(struct page *page);
void *scull_page_address(struct page *page);
struct page *scull_virt_to_page(const void *addr);
unsigned long scull_get_free_pages(gfp_t gfp, unsigned int order);
bool scull_fatal_signal_pending(void);
size_t scull_copy_to_iter_nofault(const void *addr, size_t bytes, struct iov_iter *i);
size_t scull_copy_from_iter_nofault(void *addr, size_t bytes, struct iov_iter *i);
size_t scull_iov_iter_zero_nofault(size_t bytes, struct iov_iter *i);
unsigned long scull_vmf_pgoff(struct vm_fault *vmf);
struct vm_area_struct *scull_vmf_vma(struct vm_fault *vmf);
void scull_vmf_set_page(struct vm_fault *vmf, struct page *page);
bool scull_kiocb_append(struct kiocb *iocb);

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

/* The page a fault maps, with the reference the fault path takes over. */
void scull_vmf_set_page(struct vm_fault *vmf, struct page *page)
{
	get_page(page);
	vmf->page = page;
}

/* O_APPEND or RWF_APPEND: the write goes to the end. */
bool scull_kiocb_append(struct kiocb *iocb)
{
	return iocb->ki_flags & IOCB_APPEND;
}
