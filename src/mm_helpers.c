// SPDX-License-Identifier: GPL-2.0
/*
 * What the Rust code cannot reach: these are macros or static inlines with no rust_helper_*
 * in the kernel crate. Declared for Rust in src/mm_helpers.rs.
 */
#include <linux/mm.h>

unsigned long scull_page_to_pfn(struct page *page);
phys_addr_t scull_page_to_phys(struct page *page);
void *scull_page_address(struct page *page);
struct page *scull_virt_to_page(const void *addr);

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
