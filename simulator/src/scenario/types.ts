/**
 * Scenario format, version 1 (docs/simulator/scenario-format.md, simulator/schema/scenario.schema.json).
 * A scenario is plain JSON: era, memory, tasks with scripts, the fault path of the faulting tasks, signals.
 * Addresses are either a number or "vma+N" (page N of the VMA named vma) or a hex string "0x…".
 */

import type { UffdMode, VmaType } from '../model/mm';
import type { FaultFlagName, UffdIoctl } from '../uffd/types';

export type AddressSpec = number | string;

/** VMA types and register modes: defined once in model/mm.ts. */
export type { UffdMode, VmaType } from '../model/mm';
export type PteStateName = 'none' | 'present-rw' | 'present-ro' | 'swap' | 'wp-marker' | 'poison';

export interface PageSpec {
  index: number;
  state: PteStateName;
  /** uffd-wp bit on a present or swap pte. */
  wp?: boolean;
  /** >1 makes the page shared (e.g. after fork): UFFDIO_MOVE gives -EBUSY. */
  mapcount?: number;
}

export interface VmaSpec {
  id: string;
  /** Page-aligned start; default: placed after the previous VMA with a one-page gap. */
  start?: number;
  pages: number;
  type: VmaType;
  /** "rw" (default), "r", "rx", "rwx". */
  prot?: string;
  shared?: boolean;
  /** Backing file id for type file/shmem/dax. */
  file?: string;
  /** Offset in pages into the file (default 0). */
  fileOffset?: number;
  uffd?: { ctx: string; modes: UffdMode[] };
  /** Initial page table entries; pages not listed are "none". */
  ptes?: PageSpec[];
  /** MADV_DONTFORK etc. are not modelled; VM_LOCKED for UFFDIO_MOVE checks. */
  locked?: boolean;
}

export interface FilePageSpec {
  index: number;
  /** In the page cache and uptodate (true) or needing a read I/O (false, default). */
  cached?: boolean;
  /** Read latency in µs (default memory.ioLatencyUs). */
  ioLatencyUs?: number;
  /** The I/O is completed by this task's complete_io op (a FUSE-like daemon) instead of after a latency. */
  servedBy?: string;
  /**
   * Obsolete, accepted and ignored: VM_FAULT_COMPLETED comes only from a write fault on a shared file/shmem page
   * (fault_dirty_shared_page, 6.0+), never after a read I/O wait (issue #10).
   */
  completesAfterIo?: boolean;
}

export interface FileSpec {
  id: string;
  pages: FilePageSpec[];
}

export interface UffdSpec {
  id: string;
  /** UFFDIO_API already done by setup (default true). */
  api?: boolean;
  features?: string[];
  userModeOnly?: boolean;
  nonblock?: boolean;
}

export interface MemorySpec {
  vmas: VmaSpec[];
  files?: FileSpec[];
  uffds?: UffdSpec[];
  /** Default file read latency, µs. */
  ioLatencyUs?: number;
  /** Swap-in latency, µs. */
  swapInLatencyUs?: number;
}

/** FAULT_FLAG_* names: defined once in uffd/types.ts (handle_userfault takes them too). */
export type { FaultFlagName } from '../uffd/types';

export type SignalCheck = 'fault_signal_pending' | 'fatal' | 'none';

/**
 * The arch fault handler under test (kernel-semantics.md §4). Produced from C code by the analysis; presets
 * write it by hand. Omitted fields take the era default (see docs/simulator/scenario-format.md).
 */
export interface FaultPathSpec {
  /** Flags of the first attempt (without WRITE/INSTRUCTION, which come from the access). */
  initialFlags?: FaultFlagName[];
  retry?: {
    /** Flags the retry path sets, e.g. ["TRIED"]. */
    set?: FaultFlagName[];
    /** Flags the retry path clears, e.g. ["ALLOW_RETRY"] (≤5.6). */
    clear?: FaultFlagName[];
    /** Maximum number of retries (≤5.6: 1 because ALLOW_RETRY is cleared); null/absent: unbounded. */
    max?: number | null;
  };
  /** Signal check after a RETRY: fault_signal_pending (5.7+), fatal only (≤5.6), none (defect). */
  signalCheck?: SignalCheck;
  /** Where the lock is (re)taken: at the retry: label (default) or right before goto retry. Both take it for read. */
  lockRetake?: 'retry-label' | 'before-goto' | 'lock_mm_and_find_vma';
  /** Per-VMA lock fast path (6.4+ default on x86/arm64). */
  vmaLock?: boolean;
  /** After a RETRY from the VMA-lock path, set TRIED: always (≤6.7) or only on VM_FAULT_MAJOR (6.8+). */
  vmaLockTried?: 'always' | 'major' | 'never';
  /** Handles VM_FAULT_COMPLETED (6.0+). Not handling it unlocks a lock that is not held: BUG. */
  handlesCompleted?: boolean;
  /** Defect: the handler unlocks after RETRY although the callee already dropped the lock. */
  unlockAfterRetry?: boolean;
}

export type GupVariant =
  | 'get_user_pages'
  | 'get_user_pages_locked'
  | 'get_user_pages_unlocked'
  | 'get_user_pages_remote'
  | 'get_user_pages_fast'
  | 'get_user_pages_longterm'
  | 'pin_user_pages'
  | 'pin_user_pages_fast'
  | 'pin_user_pages_unlocked'
  | 'pin_user_pages_remote'
  | 'pin_user_pages_locked';

export type GupFlagName =
  | 'FOLL_WRITE'
  | 'FOLL_FORCE'
  | 'FOLL_NOWAIT'
  | 'FOLL_LONGTERM'
  | 'FOLL_REMOTE'
  | 'FOLL_INTERRUPTIBLE'
  | 'FOLL_TOUCH'
  | 'FOLL_GET'
  | 'FOLL_PIN';

export interface GupOp {
  variant: GupVariant;
  address: AddressSpec;
  nr_pages: number;
  gup_flags?: GupFlagName[];
  /** `int *locked` passed (for _locked/_remote/pin_user_pages_remote). */
  locked?: boolean;
  /** Initial value of *locked (must be 1; anything else is a caller bug). Default 1. */
  lockedValue?: number;
  /** vmas array passed. */
  vmas?: boolean;
  /** Time the caller keeps the lock after the call (µs), for "lock; gup; …; unlock". */
  holdAfterUs?: number;
  /** The returned error is unexpected (marks -EFAULT etc. as a bad outcome in exploration). */
  expectOk?: boolean;
}

export interface AccessOp {
  address: AddressSpec;
  mode: 'read' | 'write' | 'exec';
  expectOk?: boolean;
}

export interface FixupOp {
  address: AddressSpec;
  write?: boolean;
  /** FAULT_FLAG_ALLOW_RETRY passed in fault_flags. */
  allowRetry?: boolean;
  /** bool *unlocked passed. */
  unlocked?: boolean;
}

export interface RangeOp {
  address: AddressSpec;
  pages: number;
}

export interface MmapOp {
  /** New VMA id; placed at the given address or after the last VMA. */
  id: string;
  address?: AddressSpec;
  pages: number;
  type?: VmaType;
  file?: string;
  /** Time spent inside the write-locked section, µs (default timing.writerHoldUs). */
  holdUs?: number;
}

export interface MprotectOp extends RangeOp {
  prot: string;
  holdUs?: number;
}

export interface MremapOp {
  /** The VMA to move. */
  vma: string;
  to: AddressSpec;
  holdUs?: number;
}

export interface MadviseOp extends RangeOp {
  advice: 'DONTNEED' | 'REMOVE' | 'PAGEOUT';
}

/** UFFDIO_* names: the uffd module's UffdIoctl (uffd/types.ts). */
export type UffdIoctlName = UffdIoctl;

export interface UffdIoctlOp {
  uffd: string;
  ioctl: UffdIoctlName;
  /** dst / range start. */
  address?: AddressSpec;
  /** MOVE source. */
  src?: AddressSpec;
  pages?: number;
  /** Mode names, e.g. ["DONTWAKE"], ["ALLOW_SRC_HOLES"], ["WP"], or register modes ["MISSING","WP"]. */
  mode?: string[];
  /** UFFDIO_API: requested features and api value (default 0xAA). */
  features?: string[];
  api?: number;
  /** Latency before the ioctl executes (e.g. network fetch), µs. */
  afterUs?: number;
  /** Expected result, e.g. "0", "-EEXIST" (checked by tests, recorded in the trace). */
  expect?: string;
}

/** A monitor loop: read one message after another and resolve each fault. */
export interface UffdServeOp {
  uffd: string;
  /** How many faults to serve (default 1). */
  count?: number;
  /** Resolution: COPY (MISSING), ZEROPAGE, CONTINUE (MINOR), WRITEPROTECT (unprotect, WP), WAKE, MOVE, POISON. */
  resolve: 'COPY' | 'ZEROPAGE' | 'CONTINUE' | 'WRITEPROTECT' | 'WAKE' | 'MOVE' | 'POISON';
  /** MOVE: source VMA id (pages are taken from the same page index). */
  moveFrom?: string;
  /** Latency between reading the message and the ioctl (e.g. network), µs. */
  latencyUs?: number;
  /** On -EEXIST issue UFFDIO_WAKE (the selftests' __copy_page). Default true. */
  wakeOnEexist?: boolean;
}

export interface UffdReadOp {
  uffd: string;
  /** O_NONBLOCK read: -EAGAIN if nothing is pending instead of blocking. */
  nonblock?: boolean;
}

export interface SignalOp {
  task: string;
  signal: 'SIGKILL' | 'SIGUSR1' | 'SIGSTOP';
}

export interface PageLockHoldOp {
  address: AddressSpec;
  /** Hold time per round, µs. */
  holdUs: number;
  /** Rounds; 0 = forever (steady page contention). The page is re-locked right after each unlock. */
  rounds: number;
}

export interface IoRequestOp {
  file: string;
  page: number;
}

export interface CompleteIoOp {
  file: string;
  page: number;
  afterUs?: number;
}

export type ScriptOp =
  | { access: AccessOp }
  | { gup: GupOp }
  | { fixup_user_fault: FixupOp }
  | { mmap: MmapOp }
  | { munmap: RangeOp & { holdUs?: number } }
  | { mprotect: MprotectOp }
  | { mremap: MremapOp }
  | { madvise: MadviseOp }
  | { uffdio: UffdIoctlOp }
  | { uffd_serve: UffdServeOp }
  | { uffd_read: UffdReadOp }
  | { uffd_close: { uffd: string } }
  | { sleep: { us: number } }
  | { signal: SignalOp }
  | { mmap_read_lock: { holdUs: number } }
  | { proc_read: { holdUs?: number } }
  | { page_lock_hold: PageLockHoldOp }
  | { wait_io_request: IoRequestOp }
  | { complete_io: CompleteIoOp };

export type ScriptOpName =
  | 'access'
  | 'gup'
  | 'fixup_user_fault'
  | 'mmap'
  | 'munmap'
  | 'mprotect'
  | 'mremap'
  | 'madvise'
  | 'uffdio'
  | 'uffd_serve'
  | 'uffd_read'
  | 'uffd_close'
  | 'sleep'
  | 'signal'
  | 'mmap_read_lock'
  | 'proc_read'
  | 'page_lock_hold'
  | 'wait_io_request'
  | 'complete_io';

export interface TaskSpec {
  id: string;
  /** Start time, µs (default 0). */
  startUs?: number;
  /** Kernel thread (faults are not USER; UFFD_USER_MODE_ONLY ctxs give SIGBUS). */
  kernel?: boolean;
  faultPath?: FaultPathSpec;
  script: ScriptOp[];
}

export interface TimedSignal {
  at: number;
  task: string;
  signal: 'SIGKILL' | 'SIGUSR1';
}

export interface TimingSpec {
  /** Cost of one fault attempt (entry, walk), µs. Default 1. */
  faultCostUs?: number;
  /** Time a writer holds mmap_lock by default, µs. Default 5. */
  writerHoldUs?: number;
  /** Cost of a uffd ioctl / read, µs. Default 1. */
  ioctlCostUs?: number;
  /** Maximum random jitter added to every latency, µs (seeded). Default 0. */
  jitterUs?: number;
}

export interface ExpectSpec {
  /** Per-task expected outcome kind, e.g. {"vcpu0": "ok"}; documented outcome of a preset. */
  outcomes?: Record<string, string>;
  /** Errnos that count as bad outcomes in exploration (default ["EFAULT"] only where an op says expectOk). */
  unexpectedErrors?: string[];
}

export interface Scenario {
  version: 1;
  name: string;
  description: string;
  era: string;
  seed?: number;
  timing?: TimingSpec;
  memory: MemorySpec;
  tasks: TaskSpec[];
  signals?: TimedSignal[];
  expect?: ExpectSpec;
}
