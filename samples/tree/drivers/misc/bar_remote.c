// SPDX-License-Identifier: GPL-2.0
/*
 * bar_remote.c - peek at one word of another process (fictional debug helper).
 */
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/sched/mm.h>

int bar_peek_remote(struct mm_struct *mm, unsigned long addr,
		    unsigned long *val)
{
	struct page *page;
	void *kaddr;
	long ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ret = get_user_pages_remote(mm, addr, 1, FOLL_FORCE, &page, NULL);
	mmap_read_unlock(mm);
	if (ret <= 0)
		return ret ? ret : -EFAULT;

	kaddr = kmap_local_page(page);
	*val = *(unsigned long *)(kaddr + offset_in_page(addr));
	kunmap_local(kaddr);
	put_page(page);
	return 0;
}
