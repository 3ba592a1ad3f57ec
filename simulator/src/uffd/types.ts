/**
 * userfaultfd types (userfaultfd.md): the context state, features, ioctls, messages, ioctl results and the
 * handle_userfault() decision. Plain data only (cloneable with structuredClone, hashable with canonicalJson).
 */

import type { Era } from '../../../common/era';
import type { Errno } from '../result';
import type { UffdMode } from '../model/mm';

export type { UffdMode } from '../model/mm';

/** uffdio_api.features bit names (userfaultfd.md "Features"). */
export type UffdFeature =
  | 'PAGEFAULT_FLAG_WP'
  | 'EVENT_FORK'
  | 'EVENT_REMAP'
  | 'EVENT_REMOVE'
  | 'MISSING_HUGETLBFS'
  | 'MISSING_SHMEM'
  | 'EVENT_UNMAP'
  | 'SIGBUS'
  | 'THREAD_ID'
  | 'MINOR_HUGETLBFS'
  | 'MINOR_SHMEM'
  | 'EXACT_ADDRESS'
  | 'WP_HUGETLBFS_SHMEM'
  | 'WP_UNPOPULATED'
  | 'POISON'
  | 'WP_ASYNC'
  | 'MOVE';

export const UFFD_FEATURE_BITS: Readonly<Record<UffdFeature, number>> = {
  PAGEFAULT_FLAG_WP: 1 << 0,
  EVENT_FORK: 1 << 1,
  EVENT_REMAP: 1 << 2,
  EVENT_REMOVE: 1 << 3,
  MISSING_HUGETLBFS: 1 << 4,
  MISSING_SHMEM: 1 << 5,
  EVENT_UNMAP: 1 << 6,
  SIGBUS: 1 << 7,
  THREAD_ID: 1 << 8,
  MINOR_HUGETLBFS: 1 << 9,
  MINOR_SHMEM: 1 << 10,
  EXACT_ADDRESS: 1 << 11,
  WP_HUGETLBFS_SHMEM: 1 << 12,
  WP_UNPOPULATED: 1 << 13,
  POISON: 1 << 14,
  WP_ASYNC: 1 << 15,
  MOVE: 1 << 16,
};

export const ALL_UFFD_FEATURES: readonly UffdFeature[] = Object.keys(UFFD_FEATURE_BITS) as UffdFeature[];

export type UffdIoctl =
  | 'REGISTER'
  | 'UNREGISTER'
  | 'WAKE'
  | 'COPY'
  | 'ZEROPAGE'
  | 'MOVE'
  | 'WRITEPROTECT'
  | 'CONTINUE'
  | 'POISON'
  | 'API';

/** _UFFDIO_* command numbers (userfaultfd.md "ioctls"). */
export const UFFDIO_NR: Readonly<Record<UffdIoctl, number>> = {
  REGISTER: 0x00,
  UNREGISTER: 0x01,
  WAKE: 0x02,
  COPY: 0x03,
  ZEROPAGE: 0x04,
  MOVE: 0x05,
  WRITEPROTECT: 0x06,
  CONTINUE: 0x07,
  POISON: 0x08,
  API: 0x3f,
};

export const UFFD_API = 0xaa;

export type PagefaultMsgFlag = 'WRITE' | 'WP' | 'MINOR';

/** struct uffd_msg, by event. */
export type UffdMsg =
  | { event: 'PAGEFAULT'; address: number; flags: PagefaultMsgFlag[]; ptid?: string }
  /** ufd: id of the new ctx created for the child. */
  | { event: 'FORK'; ufd: string }
  | { event: 'REMAP'; from: number; to: number; len: number }
  | { event: 'REMOVE'; start: number; end: number }
  | { event: 'UNMAP'; start: number; end: number };

export type UffdEventMsg = Exclude<UffdMsg, { event: 'PAGEFAULT' }>;

/** A task blocked (or about to block) in handle_userfault on this ctx (fault_pending_wqh / fault_wqh). */
export interface UffdWaiter {
  task: string;
  /** Address reported to the monitor (page-masked unless EXACT_ADDRESS). */
  address: number;
  /** The real fault address (used for range wake-ups). */
  faultAddress: number;
  reason: UffdMode;
  msg: UffdMsg & { event: 'PAGEFAULT' };
  /** false: on fault_pending_wqh (not yet read); true: read by the monitor, on fault_wqh. */
  delivered: boolean;
  seq: number;
}

/** A non-cooperative event queued on event_wqh; its producer is blocked until the event is read. */
export interface UffdEventEntry {
  msg: UffdEventMsg;
  /** Task blocked in userfaultfd_event_wait_completion, or null. */
  producer: string | null;
  seq: number;
}

export interface UffdCtxFlags {
  nonblock: boolean;
  cloexec: boolean;
  userModeOnly: boolean;
}

/** struct userfaultfd_ctx. */
export interface UffdCtx {
  id: string;
  /** ctx->mm: id of the MmState it was created in. */
  mmId: string;
  flags: UffdCtxFlags;
  /** UFFDIO_API done (UFFD_FEATURE_INITIALIZED). */
  initialized: boolean;
  /** Enabled features, sorted in bit order. */
  features: UffdFeature[];
  /** ctx->released: the fd was closed (release began). */
  released: boolean;
  /** ctx->mmap_changing: non-cooperative events in flight. */
  mmapChanging: number;
  waiters: UffdWaiter[];
  events: UffdEventEntry[];
  nextSeq: number;
}

/** "-EEXIST" etc. */
export type NegErrno = `-${Errno}`;

/**
 * Result of one ioctl/syscall on the uffd. `errno` null means it returned 0 (or a count for read()).
 * `out` is the struct's result field (copy/zeropage/mapped/updated/move): bytes done or a negative errno;
 * absent for ioctls without one (REGISTER/UNREGISTER/WAKE/WRITEPROTECT/API).
 */
export interface UffdIoctlResult {
  ioctl: UffdIoctl;
  errno: Errno | null;
  out?: number | NegErrno;
  /** UFFDIO_REGISTER: uffdio_register.ioctls; UFFDIO_API: uffdio_api.ioctls (empty when zeroed on error). */
  ioctls?: UffdIoctl[];
  /** UFFDIO_API: uffdio_api.features as returned (all available features; empty when zeroed on error). */
  features?: UffdFeature[];
}

/** Who is calling (the uffd ioctl checks): privilege and mm identity. */
export interface UffdCaller {
  /** current->mm id (UFFDIO_MOVE checks ctx->mm == current->mm). */
  mmId?: string;
  /** CAP_SYS_PTRACE (userfaultfd() without UFFD_USER_MODE_ONLY; EVENT_FORK). */
  capSysPtrace?: boolean;
  /** vm.unprivileged_userfaultfd sysctl (default 0). */
  unprivilegedUserfaultfd?: boolean;
  /** A fatal signal is pending (partial COPY/MOVE stop with -EINTR). */
  fatalSignalPending?: boolean;
}

export interface UffdEnv {
  era: Era | string;
  caller?: UffdCaller;
  /**
   * The caller owns `mm` and hands it over: the mutating ioctls (REGISTER, UNREGISTER, COPY, ZEROPAGE, CONTINUE,
   * POISON, WRITEPROTECT, MOVE, release) change it in place and return it instead of copying it first. Only the
   * engine sets this (its SimState.mm is its own; the explorer clones whole states before stepping). Results are
   * identical either way; without it (the default) every function stays pure.
   */
  consumesMm?: boolean;
}

/** Tasks to wake after an ioctl (faulters in a range, event producers, …). */
export interface UffdWake {
  tasks: string[];
  /** The range woken ([start, end)), or 'all' for release. */
  range?: { start: number; end: number } | 'all';
}

// ---------------------------------------------------------------------------------------------------------------
// handle_userfault

/** FAULT_FLAG_* names without the prefix (kernel-semantics.md §2). */
export type FaultFlagName =
  | 'WRITE'
  | 'MKWRITE'
  | 'ALLOW_RETRY'
  | 'RETRY_NOWAIT'
  | 'KILLABLE'
  | 'TRIED'
  | 'USER'
  | 'REMOTE'
  | 'INSTRUCTION'
  | 'INTERRUPTIBLE'
  | 'UNSHARE'
  | 'ORIG_PTE_VALID'
  | 'VMA_LOCK';

export type PendingSignal = 'none' | 'nonfatal' | 'fatal';

export interface HandleUserfaultInput {
  era: Era | string;
  /** The ctx of the faulting vma (vma->vm_userfaultfd_ctx.ctx), or null/undefined when there is none. */
  ctx: UffdCtx | null | undefined;
  /** Registration of the faulting vma (undefined = not registered → no ctx → SIGBUS). */
  registration?: { ctxId: string; modes: UffdMode[] } | undefined;
  /** Why handle_userfault was called: VM_UFFD_MISSING / VM_UFFD_WP / VM_UFFD_MINOR. */
  reason: UffdMode;
  address: number;
  flags: readonly string[];
  task: string;
  /** Task has PF_EXITING|PF_DUMPCORE. */
  taskExiting?: boolean;
  /** Signal pending when the fault decides to sleep. Default 'none'. */
  signal?: PendingSignal;
  /** userfaultfd_must_wait() re-check after queueing (false: the page was resolved concurrently). Default true. */
  mustWait?: boolean;
  /** Page size of the vma (hugetlb: 2 MiB). Default 4096. */
  pageSize?: number;
}

export type SigbusReason =
  | 'task-exiting'
  | 'no-ctx'
  | 'feature-sigbus'
  | 'kernel-fault-user-mode-only'
  | 'no-allow-retry'
  /** ≤4.12 (and the 2014 design): a fault on a released ctx gets SIGBUS. */
  | 'released';

export type BlockingState = 'INTERRUPTIBLE' | 'KILLABLE' | 'UNINTERRUPTIBLE';

export type HandleUserfaultDecision =
  | {
      kind: 'sigbus';
      reason: SigbusReason;
      vmFault: ['SIGBUS'];
      lockReleased: false;
      /** e.g. the CONFIG_DEBUG_VM "FAULT_FLAG_ALLOW_RETRY missing" print, or a WARN. */
      warnings: string[];
    }
  /** RETRY_NOWAIT: VM_FAULT_RETRY with the lock still held, no message. */
  | { kind: 'retry-lock-held'; vmFault: ['RETRY']; lockReleased: false }
  /**
   * VM_FAULT_RETRY, lock released, without sleeping: 'released' (6.13+ released ctx), 'already-resolved'
   * (userfaultfd_must_wait false after queueing), 'signal' (a pending signal the blocking state reacts to, ≥5.7 or
   * a fatal one ≤5.6).
   */
  | {
      kind: 'retry-lock-released-no-block';
      reason: 'released' | 'already-resolved' | 'signal';
      vmFault: ['RETRY'];
      lockReleased: true;
    }
  /** 4.13–6.12: released ctx → VM_FAULT_NOPAGE with the lock held (GUP spins on it). */
  | { kind: 'nopage-lock-held'; reason: 'released'; vmFault: ['NOPAGE']; lockReleased: false }
  /** ≤5.6 return_to_userland with a non-fatal signal: the lock was re-taken and VM_FAULT_NOPAGE returned. */
  | { kind: 'nopage-lock-retaken'; reason: 'signal'; vmFault: ['NOPAGE']; lockReleased: false }
  /**
   * Queue `waiter` on the ctx (queueUserfault), release the fault lock, sleep in `blockingState` until woken
   * (wake-up, release, or a signal the state reacts to), then finish with userfaultWakeResult().
   */
  | {
      kind: 'block';
      blockingState: BlockingState;
      message: UffdMsg & { event: 'PAGEFAULT' };
      waiter: UffdWaiter;
      /** ≤5.6: USER|KILLABLE fault (return_to_userland): a non-fatal signal ends in NOPAGE with the lock re-taken. */
      returnToUserland: boolean;
      vmFault: ['RETRY'];
      lockReleased: true;
    };

/** Why a blocked userfault stopped sleeping. */
export type UserfaultWakeCause = 'woken' | 'released' | 'fatal-signal' | 'signal';

export interface UserfaultWakeResult {
  vmFault: string[];
  lockReleased: boolean;
}
