// SPDX-License-Identifier: GPL-2.0
/*
 * What pagealloc's Rust code cannot reach: these are macros or static inlines with no
 * rust_helper_* in the kernel crate.
 */
#include <linux/mm.h>

unsigned long pagealloc_page_to_pfn(struct page *page);
phys_addr_t pagealloc_page_to_phys(struct page *page);
void *pagealloc_page_address(struct page *page);
struct page *pagealloc_virt_to_page(const void *addr);

unsigned long pagealloc_page_to_pfn(struct page *page)
{
	return page_to_pfn(page);
}

phys_addr_t pagealloc_page_to_phys(struct page *page)
{
	return page_to_phys(page);
}

void *pagealloc_page_address(struct page *page)
{
	return page_address(page);
}

struct page *pagealloc_virt_to_page(const void *addr)
{
	return virt_to_page(addr);
}
