// SPDX-License-Identifier: GPL-2.0
/*
 * Page fault handling for the (fictional) foo architecture.
 */
#include <linux/mm.h>
#include <linux/perf_event.h>
#include <linux/sched/signal.h>
#include <asm/traps.h>

static void foo_bad_area(struct pt_regs *regs, unsigned long address)
{
	if (user_mode(regs)) {
		force_sig_fault(SIGSEGV, SEGV_MAPERR, (void __user *)address);
		return;
	}
	foo_die_kernel_fault(regs, address);
}

asmlinkage void do_page_fault(struct pt_regs *regs, unsigned long address,
			      unsigned long cause)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned int flags = FAULT_FLAG_DEFAULT;
	vm_fault_t fault;

	if (user_mode(regs))
		flags |= FAULT_FLAG_USER;
	if (cause & FOO_CAUSE_WRITE)
		flags |= FAULT_FLAG_WRITE;

	perf_sw_event(PERF_COUNT_SW_PAGE_FAULTS, 1, regs, address);

retry:
	mmap_read_lock(mm);
	vma = find_vma(mm, address);
	if (!vma || vma->vm_start > address) {
		mmap_read_unlock(mm);
		foo_bad_area(regs, address);
		return;
	}

	fault = handle_mm_fault(vma, address, flags, regs);

	if (fault_signal_pending(fault, regs)) {
		if (!user_mode(regs))
			foo_die_kernel_fault(regs, address);
		return;
	}

	if (fault & VM_FAULT_COMPLETED)
		return;

	if (unlikely(fault & VM_FAULT_RETRY)) {
		flags |= FAULT_FLAG_TRIED;
		goto retry;
	}

	mmap_read_unlock(mm);

	if (unlikely(fault & VM_FAULT_ERROR)) {
		if (fault & VM_FAULT_OOM) {
			pagefault_out_of_memory();
			return;
		}
		foo_bad_area(regs, address);
	}
}
