/**
 * The simulator's output contract: what one timed run produces. The engine (engine/) writes it; the
 * picture (render/svg-timeline.ts), the comparison (render/compare.ts), the CLI and the editor read it.
 * Virtual time is in microseconds. Everything here is plain JSON-serialisable data.
 */

export type Errno =
  | 'EFAULT'
  | 'EINVAL'
  | 'EINTR'
  /** __get_user_pages() on a fatal signal before 6.0. */
  | 'ERESTARTSYS'
  | 'EAGAIN'
  | 'EEXIST'
  | 'ENOENT'
  | 'EBUSY'
  | 'ESRCH'
  | 'ENOMEM'
  | 'EPERM'
  | 'EOPNOTSUPP'
  | 'ENOSPC'
  | 'EIO';

/** How a task ended (simulator.md "Outputs"). */
export type TaskOutcome =
  | { kind: 'ok'; value?: number }
  | { kind: 'error'; errno: Errno; where?: string }
  | { kind: 'signal'; signal: 'SIGBUS' | 'SIGSEGV' }
  | { kind: 'bug'; assertion: string }
  | { kind: 'killed'; signal: 'SIGKILL' }
  | { kind: 'deadlock'; waitsFor: string }
  | { kind: 'livelock'; cycle: string[] }
  /** Still blocked or runnable when the run ended without deadlock/livelock (e.g. a monitor that never answers). */
  | { kind: 'unfinished'; state: string };

/** One handle_mm_fault / faultin_page attempt of a task's fault. */
export interface FaultAttempt {
  t: number;
  /** Operation index in the task's script the attempt belongs to. */
  op: number;
  address: number;
  /** FAULT_FLAG_* names without the prefix, e.g. ["ALLOW_RETRY", "KILLABLE", "USER", "TRIED"]. */
  flags: string[];
  /** VM_FAULT_* names without the prefix, or "0" for success; e.g. ["RETRY"], ["SIGBUS"], ["COMPLETED"]. */
  result: string[];
  /** Whether the attempt returned with the mmap lock (or VMA lock) released. */
  lockReleased: boolean;
}

export interface TaskResult {
  id: string;
  outcome: TaskOutcome;
  /** Fault attempts, in order, across all faults of the task. */
  attempts: FaultAttempt[];
  faults: number;
  retries: number;
  /** Per-task times (µs). */
  blockedInUffd: number;
  ioWait: number;
  lockWait: number;
  endTime: number;
}

/** mmap_lock state after an event; the picture draws a lane from these. */
export interface LockSnapshot {
  readers: string[];
  writer: string | null;
  /** Tasks queued for the write lock, in order; a queued writer blocks new readers (fair rwsem). */
  queuedWriters: string[];
  /** Tasks queued for the read lock behind a writer. */
  queuedReaders: string[];
}

export type TraceEventKind =
  | 'op-start'
  | 'op-end'
  | 'lock-request'
  | 'lock-acquired'
  | 'lock-released'
  | 'vma-lock'
  | 'vma-unlock'
  | 'fault-attempt'
  | 'fault-result'
  | 'io-start'
  | 'io-done'
  | 'page-lock-wait'
  | 'uffd-block'
  | 'uffd-wake'
  | 'uffd-message'
  | 'uffd-ioctl'
  | 'uffd-event'
  | 'signal'
  | 'gup'
  | 'bug'
  | 'outcome'
  | 'note';

/**
 * The statement of the code under test an event stands for, when it stands for one: the arch fault handler's steps
 * (the task's `faultPath`) and a GUP call with its caller's lock, unlock and `*locked` test. The editor links such
 * events back to the source lines the analysis extracted the path from. Events of other tasks' code (a writer, a uffd
 * monitor) and what happens inside handle_mm_fault (I/O, page waits, handle_userfault) have none.
 */
export type TraceStep =
  /** The fault starts with the handler's initial flags (`flags = FAULT_FLAG_DEFAULT`). */
  | 'fault-entry'
  /** The handler takes mmap_lock (first attempt), re-takes it after a retry, releases it. */
  | 'lock'
  | 'relock'
  | 'unlock'
  /** lock_vma_under_rcu (taken or refused: the fall back to mmap_lock), vma_end_read. */
  | 'vma-lock'
  | 'vma-unlock'
  /** handle_mm_fault called by the handler (attempt and result). */
  | 'fault-call'
  /** The signal check after a RETRY/COMPLETED (fault_signal_pending / fatal_signal_pending). */
  | 'signal-check'
  /** The VM_FAULT_COMPLETED test. */
  | 'completed'
  /** The retry path's flag update (set TRIED, clear ALLOW_RETRY …), and its back-edge (goto retry / the loop). */
  | 'retry-flags'
  | 'retry'
  /** The GUP call (entry, fast path, return), handle_mm_fault inside it (faultin_page), the caller's mmap_read_lock
   *  before and unlock after it, the caller's `if (locked)` test. */
  | 'gup-call'
  | 'gup-fault'
  | 'gup-lock'
  | 'gup-unlock'
  | 'locked-test';

export interface TraceEvent {
  /** Virtual time, µs. */
  t: number;
  /** Sequence number: total order of events with the same t. */
  seq: number;
  task: string;
  kind: TraceEventKind;
  /** One-line human-readable label, e.g. "handle_mm_fault(ALLOW_RETRY|KILLABLE|USER) → RETRY". */
  label: string;
  /** Structured details (flags, results, addresses, errno …). */
  details?: Record<string, string | number | boolean | string[]>;
  /** The code statement the event stands for (see TraceStep); absent for events no statement of the code stands for. */
  step?: TraceStep;
  lock: LockSnapshot;
}

export interface IoctlRecord {
  t: number;
  task: string;
  ioctl: string;
  /** "0", a byte count, or "-EEXIST" etc. */
  result: string;
}

export interface Metrics {
  mmapLock: {
    readHoldTotal: number;
    readHoldMax: number;
    writeHoldTotal: number;
    writerWaitTotal: number;
    writerWaitMax: number;
    readerWaitTotal: number;
  };
  blockedInUffdTotal: number;
  ioWaitTotal: number;
  uffdMessagesRead: number;
  ioctls: IoctlRecord[];
  /** ≤5.6 mmap readahead miss counter (behaviour 12), per file; absent when not modelled. */
  readaheadMisses?: Record<string, number>;
  steps: number;
}

export interface RunResult {
  /** Version of this result format. */
  format: 1;
  scenario: string;
  era: string;
  seed: number;
  endTime: number;
  tasks: TaskResult[];
  metrics: Metrics;
  trace: TraceEvent[];
  /** One line a reviewer can read at a glance, e.g. "writer: ok after 40 µs; faulter: SIGBUS (uffd without ALLOW_RETRY)". */
  verdict: string;
}
