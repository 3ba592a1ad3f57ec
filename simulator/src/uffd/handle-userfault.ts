/**
 * handle_userfault() (fs/userfaultfd.c) as a pure decision ladder, per era (userfaultfd.md "handle_userfault()
 * decision ladder"). The engine owns locks, sleeping and retries; this file only says what the function decides.
 *
 * Era choices (documented here once):
 * - userfaultfd was merged in 4.3. Eras before 4.3 have no userfaultfd in the tree; we model them as the original
 *   2014–2015 design (seeds 000/003/004), which is the 4.3 ladder: ALLOW_RETRY needed, block with the lock dropped,
 *   and a fault arriving on a uffd being closed (released) → SIGBUS, ≤ 4.12. A fault already blocked when the uffd is
 *   closed is woken and returns RETRY in every era (blockedCloseBehaviour).
 * - Released ctx (the uffd is being closed: userfaultfd_release() set ctx->released and waits for mmap_lock):
 *   · ≤4.12 VM_FAULT_SIGBUS (fs/userfaultfd.c handle_userfault() from v4.3: `if (released) goto out` with ret still
 *     VM_FAULT_SIGBUS), checked before the ALLOW_RETRY and RETRY_NOWAIT tests;
 *   · 4.13–6.14 VM_FAULT_NOPAGE with the fault lock held (656710a60e36 "userfaultfd: non-cooperative: closing the uffd
 *     without triggering SIGBUS", v4.13), still before the ALLOW_RETRY / RETRY_NOWAIT tests — so a GUP without
 *     ALLOW_RETRY gets NOPAGE too, and faultin_page() treats NOPAGE as done: the GUP re-walks and spins holding the
 *     lock the release waits for;
 *   · ≥6.15 release_fault_lock() + VM_FAULT_RETRY, checked after the RETRY_NOWAIT test (fe4cdc2c4e24
 *     "mm/userfaultfd: fix release hang over concurrent GUP", merged for v6.15-rc1; also in 6.13.y/6.14.y stable,
 *     which the major.minor era model cannot express).
 * - Blocking state and signals: ≤5.6 a USER|KILLABLE fault ("return_to_userland") sleeps INTERRUPTIBLE, others
 *   KILLABLE; a non-fatal signal on a return_to_userland fault re-takes mmap_sem and returns VM_FAULT_NOPAGE.
 *   From 5.7 ("userfaultfd: don't retake mmap_sem to emulate NOPAGE") the state comes from
 *   userfaultfd_get_blocking_state() and the result is always VM_FAULT_RETRY with the lock released.
 * - Rung 4 (kernel fault on a UFFD_USER_MODE_ONLY ctx) exists from 5.11, when UFFD_USER_MODE_ONLY appeared.
 * - Rung 1 (PF_EXITING|PF_DUMPCORE → SIGBUS) is applied in every era (the spec gives no boundary).
 */

import { eraAtLeast, eraAtMost, eraOf } from '../../../common/era';
import type {
  BlockingState,
  HandleUserfaultDecision,
  HandleUserfaultInput,
  PagefaultMsgFlag,
  SigbusReason,
  UffdCtx,
  UffdMsg,
  UffdWaiter,
  UserfaultWakeCause,
  UserfaultWakeResult,
} from './types';

function sigbus(reason: SigbusReason, warnings: string[] = []): HandleUserfaultDecision {
  return { kind: 'sigbus', reason, vmFault: ['SIGBUS'], lockReleased: false, warnings };
}

/** What handle_userfault() does on a released ctx in this era. */
export function releasedCtxBehaviour(era: HandleUserfaultInput['era']): 'sigbus' | 'nopage-lock-held' | 'retry-lock-released' {
  const e = eraOf(era);
  if (!eraAtLeast(e, '4.13')) return 'sigbus'; // handle_userfault() v4.3–v4.12
  if (eraAtMost(e, '6.14')) return 'nopage-lock-held'; // handle_userfault() v4.13 (656710a60e36) – v6.14
  return 'retry-lock-released'; // handle_userfault() v6.15 (fe4cdc2c4e24)
}

/**
 * Whether the released-ctx test comes before the ALLOW_RETRY / RETRY_NOWAIT tests (v4.3–v6.14) or after them
 * (v6.15, fe4cdc2c4e24).
 */
export function releasedCheckedEarly(era: HandleUserfaultInput['era']): boolean {
  return eraAtMost(eraOf(era), '6.14');
}

/**
 * What a fault already sleeping in handle_userfault() gets when the uffd is closed: userfaultfd_release() wakes it
 * (range len 0 = all) after the unregister and it returns the VM_FAULT_RETRY it set before sleeping — in every era
 * (handle_userfault() v4.3 onwards; the model's pre-4.3 eras follow the 4.3 code). The fault is then retried on a
 * vma that is no longer registered.
 */
export function blockedCloseBehaviour(era: HandleUserfaultInput['era']): 'refault' {
  void era;
  return 'refault';
}

/** userfaultfd_get_blocking_state() (≥5.7) / the return_to_userland choice (≤5.6). */
export function blockingStateFor(era: HandleUserfaultInput['era'], flags: readonly string[]): BlockingState {
  const has = (f: string): boolean => flags.includes(f);
  if (eraAtLeast(eraOf(era), '5.7')) {
    if (has('INTERRUPTIBLE')) return 'INTERRUPTIBLE';
    if (has('KILLABLE')) return 'KILLABLE';
    return 'UNINTERRUPTIBLE';
  }
  return has('USER') && has('KILLABLE') ? 'INTERRUPTIBLE' : 'KILLABLE';
}

function signalInterrupts(state: BlockingState, signal: 'none' | 'nonfatal' | 'fatal'): boolean {
  if (signal === 'none') return false;
  if (state === 'INTERRUPTIBLE') return true;
  if (state === 'KILLABLE') return signal === 'fatal';
  return false;
}

/** The UFFD_EVENT_PAGEFAULT message a fault would queue (userfault_msg()). */
export function pagefaultMessage(
  ctx: Pick<UffdCtx, 'features'>,
  input: Pick<HandleUserfaultInput, 'address' | 'flags' | 'reason' | 'task' | 'pageSize'>,
): UffdMsg & { event: 'PAGEFAULT' } {
  const size = input.pageSize ?? 4096;
  const exact = ctx.features.includes('EXACT_ADDRESS');
  const flags: PagefaultMsgFlag[] = [];
  if (input.flags.includes('WRITE')) flags.push('WRITE');
  if (input.reason === 'WP') flags.push('WP');
  if (input.reason === 'MINOR') flags.push('MINOR');
  const msg: UffdMsg & { event: 'PAGEFAULT' } = {
    event: 'PAGEFAULT',
    address: exact ? input.address : input.address - (input.address % size),
    flags,
  };
  if (ctx.features.includes('THREAD_ID')) msg.ptid = input.task;
  return msg;
}

/** The released-ctx rung (null when the ctx is not released). */
function releasedDecision(era: ReturnType<typeof eraOf>, ctx: UffdCtx): HandleUserfaultDecision | null {
  if (!ctx.released) return null;
  switch (releasedCtxBehaviour(era)) {
    case 'sigbus':
      return sigbus('released');
    case 'nopage-lock-held':
      return { kind: 'nopage-lock-held', reason: 'released', vmFault: ['NOPAGE'], lockReleased: false };
    case 'retry-lock-released':
      return { kind: 'retry-lock-released-no-block', reason: 'released', vmFault: ['RETRY'], lockReleased: true };
  }
}

/** handle_userfault()'s decision for one call. */
export function handleUserfault(input: HandleUserfaultInput): HandleUserfaultDecision {
  const era = eraOf(input.era);
  const flags = input.flags;
  const has = (f: string): boolean => flags.includes(f);
  const ctx = input.ctx ?? undefined;

  // 1. PF_EXITING | PF_DUMPCORE.
  if (input.taskExiting) return sigbus('task-exiting');
  // 2. No ctx on the vma (not registered, or registration cleared).
  if (!ctx || (input.registration !== undefined && input.registration.ctxId !== ctx.id)) return sigbus('no-ctx');
  // 3. UFFD_FEATURE_SIGBUS: no message.
  if (ctx.features.includes('SIGBUS')) return sigbus('feature-sigbus');
  // 4. Kernel fault on a UFFD_USER_MODE_ONLY ctx (5.11+).
  if (eraAtLeast(era, '5.11') && ctx.flags.userModeOnly && !has('USER')) return sigbus('kernel-fault-user-mode-only');
  // 5–7. Released ctx, ALLOW_RETRY, RETRY_NOWAIT: the released test moved behind the other two in v6.15.
  const early = releasedCheckedEarly(era);
  if (early) {
    const r = releasedDecision(era, ctx);
    if (r) return r;
  }
  // No ALLOW_RETRY: cannot drop the lock, cannot wait.
  if (!has('ALLOW_RETRY')) {
    const warnings = ['FAULT_FLAG_ALLOW_RETRY missing (CONFIG_DEBUG_VM print + dump_stack)'];
    if (has('RETRY_NOWAIT')) warnings.push('RETRY_NOWAIT without ALLOW_RETRY (BUG_ON before 5.x, VM_WARN_ON_ONCE later)');
    return sigbus('no-allow-retry', warnings);
  }
  // RETRY_NOWAIT: RETRY with the lock held.
  if (has('RETRY_NOWAIT')) return { kind: 'retry-lock-held', vmFault: ['RETRY'], lockReleased: false };
  if (!early) {
    const r = releasedDecision(era, ctx);
    if (r) return r;
  }
  // 8. Queue, set the blocking state, re-check must_wait, release the lock, sleep.
  const blockingState = blockingStateFor(era, flags);
  const returnToUserland = !eraAtLeast(era, '5.7') && has('USER') && has('KILLABLE');
  const signal = input.signal ?? 'none';
  const mustWait = input.mustWait ?? true;
  if (!mustWait) {
    return { kind: 'retry-lock-released-no-block', reason: 'already-resolved', vmFault: ['RETRY'], lockReleased: true };
  }
  if (signalInterrupts(blockingState, signal)) {
    if (returnToUserland && signal === 'nonfatal') {
      return { kind: 'nopage-lock-retaken', reason: 'signal', vmFault: ['NOPAGE'], lockReleased: false };
    }
    return { kind: 'retry-lock-released-no-block', reason: 'signal', vmFault: ['RETRY'], lockReleased: true };
  }
  const message = pagefaultMessage(ctx, input);
  const waiter: UffdWaiter = {
    task: input.task,
    address: message.address,
    faultAddress: input.address,
    reason: input.reason,
    msg: message,
    delivered: false,
    seq: ctx.nextSeq,
  };
  return { kind: 'block', blockingState, message, waiter, returnToUserland, vmFault: ['RETRY'], lockReleased: true };
}

/**
 * How a blocked userfault returns once it stops sleeping (after a wake-up, the ctx release, or a signal its
 * blocking state reacts to). The caller decides whether the signal could wake it (blockingState).
 * ≤5.6: VM_FAULT_RETRY|VM_FAULT_MAJOR (it slept), except a return_to_userland fault woken by a non-fatal signal:
 * mmap_sem re-taken, VM_FAULT_NOPAGE. ≥5.7: always VM_FAULT_RETRY with the lock released.
 */
export function userfaultWakeResult(
  era: HandleUserfaultInput['era'],
  decision: Extract<HandleUserfaultDecision, { kind: 'block' }>,
  cause: UserfaultWakeCause,
): UserfaultWakeResult {
  const e = eraOf(era);
  if (!eraAtLeast(e, '5.7')) {
    if (decision.returnToUserland && cause === 'signal') return { vmFault: ['NOPAGE'], lockReleased: false };
    return { vmFault: ['RETRY', 'MAJOR'], lockReleased: true };
  }
  return { vmFault: ['RETRY'], lockReleased: true };
}

/** Whether a signal wakes a task sleeping in `state`. */
export function signalWakesBlocked(state: BlockingState, signal: 'nonfatal' | 'fatal'): boolean {
  return signalInterrupts(state, signal);
}
