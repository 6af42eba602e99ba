// SPDX-License-Identifier: GPL-2.0
/*
 * What the Rust code cannot reach: macros and static inlines with no rust_helper_* in the
 * kernel crate. Each calls the public interface, so allocations keep their allocation tags.
 * Declared for Rust in src/helpers.rs.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

unsigned long scull_page_to_pfn(struct page *page);
phys_addr_t scull_page_to_phys(struct page *page);
void *scull_page_address(struct page *page);
struct page *scull_virt_to_page(const void *addr);
unsigned long scull_get_free_pages(gfp_t gfp, unsigned int order);
bool scull_fatal_signal_pending(void);

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
