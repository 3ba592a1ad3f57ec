// SPDX-License-Identifier: GPL-2.0
/*
 * foo_dma.c - pin a user buffer for the (fictional) foo DMA engine.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

struct foo_dma_buf {
	struct page **pages;
	unsigned long nr_pages;
	bool write;
};

static void foo_dma_release_pages(struct page **pages, long nr)
{
	long i;

	for (i = 0; i < nr; i++)
		put_page(pages[i]);
}

int foo_dma_map_user(struct foo_dma_buf *buf, unsigned long uaddr,
		     size_t len, bool write)
{
	struct mm_struct *mm = current->mm;
	unsigned int gup_flags = write ? FOLL_WRITE : 0;
	unsigned long first = uaddr >> PAGE_SHIFT;
	unsigned long last = (uaddr + len - 1) >> PAGE_SHIFT;
	long pinned;

	buf->nr_pages = last - first + 1;
	buf->write = write;
	buf->pages = kvmalloc_array(buf->nr_pages, sizeof(struct page *),
				    GFP_KERNEL);
	if (!buf->pages)
		return -ENOMEM;

	mmap_read_lock(mm);
	pinned = get_user_pages(uaddr & PAGE_MASK, buf->nr_pages, gup_flags,
				buf->pages);
	mmap_read_unlock(mm);

	if (pinned < 0) {
		kvfree(buf->pages);
		return pinned;
	}
	if (pinned != buf->nr_pages) {
		foo_dma_release_pages(buf->pages, pinned);
		kvfree(buf->pages);
		return -EFAULT;
	}
	return 0;
}

void foo_dma_unmap_user(struct foo_dma_buf *buf)
{
	foo_dma_release_pages(buf->pages, buf->nr_pages);
	kvfree(buf->pages);
	buf->pages = NULL;
}
