/**
 * Per-era rules of the model (kernel-semantics.md, userfaultfd.md), kept as data apart from the event engine
 * (like LKMM's model vs herd7). Every version-dependent decision of the engine reads one field of EraRules.
 */

import { eraAtLeast, eraInRange, type Era } from '../../../common/era';
import { UFFD_IOCTL_ERAS as IOCTL_ERAS } from '../uffd/ctx';
import { blockedCloseBehaviour, releasedCtxBehaviour } from '../uffd/handle-userfault';
import type { FaultFlagName, FaultPathSpec, GupVariant, SignalCheck } from '../scenario/types';

export interface EraRules {
  era: Era;
  /** ≥5.7: page-lock-or-retry drops the lock only on the first attempt (fault_flag_allow_retry_first). */
  pageLockRetryFirstOnly: boolean;
  /** ≥6.0: VM_FAULT_COMPLETED exists. */
  completed: boolean;
  /** ≥6.4: per-VMA locks (lock_vma_under_rcu). */
  vmaLocks: boolean;
  /**
   * What lock_vma_under_rcu() accepts and what a fault under the VMA lock may do (null before 6.4):
   * - 6.4–6.5 (lock_vma_under_rcu() v6.4): anonymous VMAs only (vma_is_anonymous), with an anon_vma already, and not
   *   userfaultfd_armed(); do_swap_page() under FAULT_FLAG_VMA_LOCK returns VM_FAULT_RETRY at once (v6.4).
   * - 6.6 ("mm: handle userfaults under VMA lock", "mm: handle swap page faults under per-VMA lock", v6.6): uffd
   *   VMAs accepted (handle_userfault releases the VMA lock), swap-in handled under the VMA lock.
   * - ≥6.7 ("Handle more faults under the VMA lock", v6.7): file VMAs too; the anon_vma test moved into
   *   vmf_anon_prepare() (not modelled: the model accepts the VMA).
   * In every era the arch handler checks access_error() under the VMA lock before handle_mm_fault (x86
   * do_user_addr_fault v6.4: vma_end_read and fall back to mmap_lock, whose access_error gives SIGSEGV).
   */
  vmaLockScope: { anonOnly: boolean; needsAnonVma: boolean; uffd: boolean; swapInRetry: boolean } | null;
  /** GUP ≥5.7: the retry keeps ALLOW_RETRY, adds TRIED, checks fatal signals and retries until done. */
  gupMultiRetry: boolean;
  /**
   * faultin_page() on VM_FAULT_RETRY with FAULT_FLAG_RETRY_NOWAIT (FOLL_NOWAIT): <4.16 it sets *locked = 0 although
   * the lock is still held (`if (nonblocking) *nonblocking = 0`), so __get_user_pages_locked() takes mmap_sem again
   * for its FOLL_TRIED pass and releases it once: one read hold leaks. 4.16 ("mm: gup: teach
   * get_user_pages_unlocked to handle FOLL_NOWAIT") only clears it without RETRY_NOWAIT.
   */
  gupNowaitKeepsLocked: boolean;
  /**
   * faultin_page() with `locked`: ≤5.6 FAULT_FLAG_ALLOW_RETRY only; ≥5.7 ALLOW_RETRY|KILLABLE (71335f37c5e8
   * "mm/gup: allow to react to fatal signals", v5.7). The ≤5.6 FOLL_TRIED pass of __get_user_pages_locked() passes
   * no `locked`: neither ALLOW_RETRY nor KILLABLE.
   */
  gupKillable: boolean;
  /** FOLL_INTERRUPTIBLE → FAULT_FLAG_INTERRUPTIBLE in faultin_page() (93c5c61d9e58 "mm/gup: Add FOLL_INTERRUPTIBLE", v6.2). */
  gupInterruptible: boolean;
  /**
   * __get_user_pages()'s fatal_signal_pending() check at the top of each page: `return i ? i : -ERESTARTSYS` in 4.x
   * and 5.x (the issue #10 audit; 4.4 source: -ERESTARTSYS), -EINTR from 6.0 (model boundary per the audit).
   */
  gupFatalErrno: 'ERESTARTSYS' | 'EINTR';
  /**
   * do_swap_page() (v5.7, when uffd-wp came): on a write to a reusable swapped page it clears FAULT_FLAG_WRITE and
   * makes the pte writable, then a uffd-wp swap pte write-protects it again: the attempt ends without do_wp_page and
   * the write-protect userfault is a new fault. Modelled 5.7–6.1; from 6.2 (boundary not verified against source:
   * later do_swap_page() makes the pte writable and clears the flag only `!userfaultfd_pte_wp()`) the same attempt
   * goes on to do_wp_page.
   */
  swapInClearsWrite: boolean;
  /** What vmas + a lock-dropping GUP does: 'bug' (4.0–6.2), 'einval' (6.3–6.4), 'absent' (≥6.5: no parameter). */
  gupVmasWithLockDrop: 'bug' | 'einval' | 'absent';
  /** *locked != 1 on entry: 'bug' (≤6.2) or 'warn-einval' (≥6.3). */
  gupLockedNotOne: 'bug' | 'warn-einval';
  /**
   * FOLL_LONGTERM: 'none' (<4.15: no such thing), 'longterm-call' (4.15–5.1: get_user_pages_longterm),
   * 'reject-locked-unlocked-remote' (5.2–6.2), 'pin-only' (≥6.3: only with FOLL_PIN, is_valid_gup_args).
   */
  longterm: 'none' | 'longterm-call' | 'reject-locked-unlocked-remote' | 'pin-only';
  /**
   * A fault blocked in handle_userfault() when the uffd is closed: woken after the unregister, returns RETRY and
   * re-faults, in every era (uffd/handle-userfault.ts blockedCloseBehaviour; 'sigbus' is never produced).
   */
  uffdCloseWhileBlocked: 'sigbus' | 'refault';
  /** A fault arriving while the uffd is being closed (uffd/handle-userfault.ts releasedCtxBehaviour). */
  uffdReleasedCtx: 'sigbus' | 'nopage-lock-held' | 'retry-lock-released';
  /** ≥5.7: FAULT_FLAG_INTERRUPTIBLE and FAULT_FLAG_DEFAULT. */
  interruptible: boolean;
  /** Default arch fault path of the era (kernel-semantics.md §4). */
  defaultFaultPath: Required<Omit<FaultPathSpec, 'retry'>> & { retry: { set: FaultFlagName[]; clear: FaultFlagName[]; max: number | null } };
}

export function eraRules(era: Era): EraRules {
  const ge57 = eraAtLeast(era, '5.7');
  const ge60 = eraAtLeast(era, '6.0');
  const ge64 = eraAtLeast(era, '6.4');
  const initial: FaultFlagName[] = ge57 ? ['ALLOW_RETRY', 'KILLABLE', 'INTERRUPTIBLE'] : ['ALLOW_RETRY', 'KILLABLE'];
  const signalCheck: SignalCheck = ge57 ? 'fault_signal_pending' : 'fatal';
  return {
    era,
    pageLockRetryFirstOnly: ge57,
    completed: ge60,
    vmaLocks: ge64,
    vmaLockScope: !ge64
      ? null
      : eraAtLeast(era, '6.7')
        ? { anonOnly: false, needsAnonVma: false, uffd: true, swapInRetry: false }
        : eraAtLeast(era, '6.6')
          ? { anonOnly: true, needsAnonVma: true, uffd: true, swapInRetry: false }
          : { anonOnly: true, needsAnonVma: true, uffd: false, swapInRetry: true },
    gupMultiRetry: ge57,
    gupNowaitKeepsLocked: eraAtLeast(era, '4.16'),
    gupKillable: ge57,
    swapInClearsWrite: eraInRange(era, '5.7', '6.1'),
    gupInterruptible: eraAtLeast(era, '6.2'),
    gupFatalErrno: ge60 ? 'EINTR' : 'ERESTARTSYS',
    gupVmasWithLockDrop: eraAtLeast(era, '6.5') ? 'absent' : eraAtLeast(era, '6.3') ? 'einval' : 'bug',
    gupLockedNotOne: eraAtLeast(era, '6.3') ? 'warn-einval' : 'bug',
    longterm: eraAtLeast(era, '6.3')
      ? 'pin-only'
      : eraAtLeast(era, '5.2')
        ? 'reject-locked-unlocked-remote'
        : eraAtLeast(era, '4.15')
          ? 'longterm-call'
          : 'none',
    uffdCloseWhileBlocked: blockedCloseBehaviour(era),
    uffdReleasedCtx: releasedCtxBehaviour(era),
    interruptible: ge57,
    defaultFaultPath: {
      initialFlags: initial,
      retry: ge57 ? { set: ['TRIED'], clear: [], max: null } : { set: ['TRIED'], clear: ['ALLOW_RETRY'], max: 1 },
      signalCheck,
      lockRetake: eraAtLeast(era, '6.5') ? 'lock_mm_and_find_vma' : 'retry-label',
      vmaLock: ge64,
      vmaLockTried: eraAtLeast(era, '6.8') ? 'major' : 'never',
      handlesCompleted: ge60,
      unlockAfterRetry: false,
    },
  };
}

/** Era range in which each GUP variant exists (kernel-semantics.md §1). */
export const GUP_VARIANT_ERAS: Readonly<Record<GupVariant, { from?: string; to?: string }>> = {
  get_user_pages: {},
  get_user_pages_locked: { from: '4.0', to: '5.17' },
  get_user_pages_unlocked: { from: '4.0' },
  get_user_pages_remote: { from: '4.6' },
  get_user_pages_fast: {},
  get_user_pages_longterm: { from: '4.15', to: '5.1' },
  pin_user_pages: { from: '5.6' },
  pin_user_pages_fast: { from: '5.6' },
  pin_user_pages_remote: { from: '5.6' },
  pin_user_pages_unlocked: { from: '5.8' },
  pin_user_pages_locked: { from: '5.8', to: '5.17' },
};

export interface GupVariantInfo {
  /** The caller holds mmap_lock for read around the call. */
  callerHoldsLock: boolean;
  /** The call takes and drops the lock itself (unlocked/fast). */
  takesLock: boolean;
  /** Accepts an `int *locked` argument (in the given era). */
  acceptsLocked: (era: Era) => boolean;
  /** Accepts a vmas argument (in the given era). */
  acceptsVmas: (era: Era) => boolean;
  pin: boolean;
  /** 5.2–6.2: rejects FOLL_LONGTERM with WARN + -EINVAL. */
  rejectsLongtermPre63: boolean;
  fast: boolean;
}

const noVmasFrom65 = (era: Era): boolean => !eraAtLeast(era, '6.5');

export function gupVariantInfo(v: GupVariant): GupVariantInfo {
  switch (v) {
    case 'get_user_pages':
    case 'pin_user_pages':
    case 'get_user_pages_longterm':
      return {
        callerHoldsLock: true,
        takesLock: false,
        acceptsLocked: () => false,
        acceptsVmas: noVmasFrom65,
        pin: v === 'pin_user_pages',
        rejectsLongtermPre63: false,
        fast: false,
      };
    case 'get_user_pages_locked':
    case 'pin_user_pages_locked':
      return {
        callerHoldsLock: true,
        takesLock: false,
        acceptsLocked: () => true,
        acceptsVmas: () => false,
        pin: v === 'pin_user_pages_locked',
        rejectsLongtermPre63: true,
        fast: false,
      };
    case 'get_user_pages_remote':
    case 'pin_user_pages_remote':
      return {
        callerHoldsLock: true,
        takesLock: false,
        acceptsLocked: (era) => eraAtLeast(era, '4.10'),
        acceptsVmas: noVmasFrom65,
        pin: v === 'pin_user_pages_remote',
        rejectsLongtermPre63: true,
        fast: false,
      };
    case 'get_user_pages_unlocked':
    case 'pin_user_pages_unlocked':
      return {
        callerHoldsLock: false,
        takesLock: true,
        acceptsLocked: () => false,
        acceptsVmas: () => false,
        pin: v === 'pin_user_pages_unlocked',
        rejectsLongtermPre63: true,
        fast: false,
      };
    case 'get_user_pages_fast':
    case 'pin_user_pages_fast':
      return {
        callerHoldsLock: false,
        takesLock: true,
        acceptsLocked: () => false,
        acceptsVmas: () => false,
        pin: v === 'pin_user_pages_fast',
        rejectsLongtermPre63: false,
        fast: true,
      };
  }
}

export function gupVariantExists(v: GupVariant, era: Era): boolean {
  const r = GUP_VARIANT_ERAS[v];
  return eraInRange(era, r.from, r.to);
}

/** uffd ioctl availability (userfaultfd.md "Availability"): the table lives in uffd/ctx.ts. */
export const UFFD_IOCTL_ERAS: Readonly<Record<string, string>> = IOCTL_ERAS;
