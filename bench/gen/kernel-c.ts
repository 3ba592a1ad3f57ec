/**
 * Deterministic kernel-style C for benches and tests: GUP callers (locked, remote with `locked`), fault-retry loops,
 * iterator loops and plain arithmetic, with macro noise (DEFINE_PER_CPU, __maybe_unused). Written for this project
 * in kernel style, not copied from the kernel.
 */
/** Deterministic generator of kernel-style functions: GUP callers, retry loops, plain code, macro noise. */
export function kernelFunction(i: number): string {
  switch (i % 5) {
    case 0:
      return `static int drv${i}_pin(struct drv${i} *d, unsigned long uaddr, int nr)
{
	struct mm_struct *mm = current->mm;
	unsigned int gup_flags = d->write ? FOLL_WRITE : 0;
	long pinned;

	mmap_read_lock(mm);
	pinned = get_user_pages(uaddr & PAGE_MASK, nr, gup_flags, d->pages);
	mmap_read_unlock(mm);
	if (pinned < 0)
		return pinned;
	d->nr_pages = pinned;
	return 0;
}
`;
    case 1:
      return `static vm_fault_t arch${i}_do_page_fault(struct pt_regs *regs, unsigned long address)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned int flags = FAULT_FLAG_DEFAULT;
	vm_fault_t fault;

	if (user_mode(regs))
		flags |= FAULT_FLAG_USER;
retry:
	vma = lock_mm_and_find_vma(mm, address, regs);
	if (unlikely(!vma))
		return VM_FAULT_SIGSEGV;
	fault = handle_mm_fault(vma, address, flags, regs);
	if (fault_signal_pending(fault, regs))
		return fault;
	if (fault & VM_FAULT_COMPLETED)
		return 0;
	if (unlikely(fault & VM_FAULT_RETRY)) {
		flags |= FAULT_FLAG_TRIED;
		goto retry;
	}
	mmap_read_unlock(mm);
	return fault;
}
`;
    case 2:
      return `static int peek${i}(struct mm_struct *mm, unsigned long addr, void *buf, int len)
{
	struct page *page;
	int locked = 1;
	long ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ret = get_user_pages_remote(mm, addr, 1, FOLL_FORCE, &page, &locked);
	if (locked)
		mmap_read_unlock(mm);
	if (ret <= 0)
		return -EFAULT;
	memcpy(buf, page_address(page) + offset_in_page(addr), len);
	put_page(page);
	return len;
}
`;
    case 3:
      return `DEFINE_PER_CPU(int, counter${i});
static void __maybe_unused walk${i}(struct list_head *head)
{
	struct item *it;
	int n = 0;

	list_for_each_entry(it, head, node) {
		if (it->flags & ITEM_DEAD)
			continue;
		n += it->weight;
		WRITE_ONCE(it->seen, 1);
	}
	pr_debug("walk%d: %d\\n", ${i}, n);
}
`;
    default:
      return `static inline unsigned long calc${i}(unsigned long a, unsigned long b)
{
	unsigned long r = 0;
	int k;

	for (k = 0; k < BITS_PER_LONG; k++) {
		if (a & (1UL << k))
			r ^= b << k;
	}
	switch (r & 3) {
	case 0:
		return r;
	case 1:
		return r >> 1;
	default:
		return ~r;
	}
}
`;
  }
}

/** Functions from number `offset` on, after an SPDX line and an include, until the text holds `bytes` characters. */
export function kernelCorpus(bytes: number, offset: number): string {
  const parts: string[] = ['// SPDX-License-Identifier: GPL-2.0\n#include <linux/mm.h>\n\n'];
  let size = parts[0].length;
  for (let i = offset; size < bytes; i++) {
    const f = kernelFunction(i) + '\n';
    parts.push(f);
    size += f.length;
  }
  return parts.join('');
}


/** A file of whole functions with at least `lines` lines. */
export function kernelCFile(lines: number, offset = 0): string {
  const parts: string[] = ['// SPDX-License-Identifier: GPL-2.0\n#include <linux/mm.h>\n\n'];
  let n = 3;
  for (let i = offset; n < lines; i++) {
    const f = kernelFunction(i) + '\n';
    parts.push(f);
    n += f.split('\n').length - 1;
  }
  return parts.join('');
}
