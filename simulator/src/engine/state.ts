/**
 * The engine's state: plain, cloneable data (structuredClone) so that the explorer can branch on it. Tasks are
 * explicit state machines (op index + frame with a phase), never closures. Statistics and the trace live in a
 * Recorder outside the state (they do not influence behaviour and are not hashed).
 */

import type { MmState } from '../model';
import type { HandleUserfaultDecision, UffdCtx } from '../uffd';
import type { Metrics, TaskOutcome, TaskResult, TraceEvent, TraceStep } from '../result';
import type { Scenario } from '../scenario/types';

export type LockMode = 'read' | 'write';

export type Block =
  /** Sleeping for a duration (cost, latency, sleep op); wakes at task.wakeAt. */
  | { k: 'timer' }
  | { k: 'rwsem'; mode: LockMode }
  /** Waiting for a page: acquire=false waits for unlock (folio_wait_locked), true sleeps to acquire it. */
  | { k: 'page'; key: string; acquire: boolean; killable: boolean }
  | { k: 'uffd'; ctx: string; state: 'INTERRUPTIBLE' | 'KILLABLE' | 'UNINTERRUPTIBLE' }
  | { k: 'uffd-read'; ctx: string }
  /** A non-cooperative event producer waiting for the monitor to read it. */
  | { k: 'uffd-event'; ctx: string }
  | { k: 'io-request'; key: string }
  /** vma_start_write waiting for VMA readers to drain. */
  | { k: 'vma-write'; vma: number };

export type WakeCause = 'woken' | 'released' | 'fatal-signal' | 'signal';

/** What a blocked handle_mm_fault does when its task runs again. */
export type FaultCont =
  /** Return a fixed result (page wait with the lock dropped). */
  | { k: 'ret'; vm: string[]; lockReleased: boolean }
  /** Slept to acquire the page lock holding the fault lock: finish the fault. */
  | { k: 'page-locked'; key: string }
  | { k: 'uffd'; decision: Extract<HandleUserfaultDecision, { kind: 'block' }>; ctx: string };

/** A fault being handled: shared by the arch handler, GUP's faultin_page and fixup_user_fault. */
export interface FaultCall {
  address: number;
  flags: string[];
  /** Lock held by the caller: 'mmap' read lock or the per-VMA read lock. */
  lock: 'mmap' | 'vma';
  cont?: FaultCont;
  /** Set when the attempt finishes. */
  result?: { vm: string[]; lockReleased: boolean; note?: string; refault?: boolean };
  major?: boolean;
  /** Virtual time the attempt started. */
  t0?: number;
}

export type Frame =
  | {
      kind: 'access';
      phase: 'begin' | 'vma-lock' | 'lock' | 'locked' | 'in-fault' | 'after' | 'done';
      flags: string[];
      address: number;
      write: boolean;
      exec: boolean;
      /** Retries counted only when the fault path caps them (so unbounded loops revisit states). */
      retries: number;
      vmaTried: boolean;
      call?: FaultCall;
      viaVma: boolean;
    }
  | {
      kind: 'gup';
      phase: 'begin' | 'lock' | 'walk' | 'in-fault' | 'retry-lock' | 'retry-walk' | 'retry-in-fault' | 'finish' | 'hold';
      /** Next page address to do and pages left. */
      start: number;
      left: number;
      done: number;
      locked: boolean;
      lockDropped: boolean;
      /** FOLL flags of the current __get_user_pages call. */
      foll: string[];
      /** `locked` passed to __get_user_pages in the current pass (ALLOW_RETRY available). */
      unlockable: boolean;
      call?: FaultCall;
      /** Before 4.16: *locked was set to 0 with the lock still held; the retry takes it again. */
      relockHeld?: boolean;
      /** Return value when phase reaches finish, and why (for errors). */
      ret?: number | string;
      where?: string;
    }
  | {
      kind: 'fixup';
      phase: 'begin' | 'in-fault' | 'relock' | 'done';
      flags: string[];
      address: number;
      unlocked: boolean;
      call?: FaultCall;
    }
  | { kind: 'writer'; phase: 'lock' | 'vma-write' | 'hold' | 'event-wait' | 'unlock' | 'done'; vmas: number[] }
  | { kind: 'reader'; phase: 'lock' | 'hold' | 'unlock' }
  | { kind: 'serve'; phase: 'read' | 'latency' | 'ioctl'; left: number; msgAddress: number }
  | { kind: 'ioctl'; phase: 'latency' | 'do' }
  /** close(uffd): userfaultfd_release() marks the ctx released, takes mmap_lock for write, unregisters, wakes. */
  | { kind: 'close'; phase: 'release' | 'lock' | 'vma-write' | 'unregister' }
  | { kind: 'uffd-read'; phase: 'read' }
  | { kind: 'sleep'; phase: 'sleep' | 'done' }
  | { kind: 'page-hold'; phase: 'acquire' | 'hold'; left: number }
  | { kind: 'io-wait'; phase: 'wait' }
  | { kind: 'complete-io'; phase: 'latency' | 'do' };

export interface TaskState {
  id: string;
  idx: number;
  pc: number;
  frame: Frame | null;
  status: 'ready' | 'blocked' | 'done';
  block: Block | null;
  wakeCause: WakeCause | null;
  /** Virtual time the task may run again (timed mode). */
  wakeAt: number;
  readySeq: number;
  sigFatal: boolean;
  sigNonFatal: boolean;
  outcome: TaskOutcome | null;
  /** mmap_lock held for read (count) / write. */
  readHeld: number;
  writeHeld: boolean;
  /** Per-VMA read lock held (vma start). */
  vmaRead: number | null;
  kernel: boolean;
  /** Return value of the last op that has one (GUP page count). */
  lastValue: number | null;
}

export interface Rwsem {
  readers: string[];
  writer: string | null;
  queue: Array<{ task: string; mode: LockMode }>;
}

export interface PageLock {
  /** Task id, "io" (I/O in flight), or null. */
  holder: string | null;
  waiters: Array<{ task: string; acquire: boolean }>;
}

export interface Timer {
  at: number;
  seq: number;
  kind: 'io' | 'signal';
  key?: string;
  task?: string;
  signal?: 'SIGKILL' | 'SIGUSR1';
}

export interface SimState {
  now: number;
  seq: number;
  prng: number;
  tasks: TaskState[];
  rwsem: Rwsem;
  /** VMAs write-locked by a writer (vma start → task). */
  vmaWriteLocked: Record<string, string>;
  /** VMA read-lock holders (vma start → tasks). */
  vmaReaders: Record<string, string[]>;
  mm: MmState;
  uffds: Record<string, UffdCtx>;
  pageLocks: Record<string, PageLock>;
  /** Daemon-served I/O requests: key → 'pending' (waiting for the daemon) | 'taken'. */
  ioRequests: Record<string, 'pending' | 'taken'>;
  timers: Timer[];
  /** Fault results the engine could not express otherwise (BUG) — set once, ends the task. */
  halted: boolean;
  /** VMA name → start (mmap/mremap ops change it). */
  vmaIds: Record<string, number>;
}

/** Static, per-run context derived from the scenario (not part of the state). */
export interface StaticInfo {
  scenario: Scenario;
  /** Per page key: who serves the I/O and its latency. */
  io: Record<string, { servedBy?: string; latency: number }>;
  swapInLatency: number;
  faultCost: number;
  writerHold: number;
  ioctlCost: number;
  jitter: number;
  mode: 'timed' | 'explore';
}

/** A task's result fields (result.ts) while it runs, plus when and on what it is blocked. */
export interface TaskStats extends Omit<TaskResult, 'id' | 'outcome'> {
  blockSince: number;
  blockKind: Block['k'] | null;
}

export interface Recorder {
  enabled: boolean;
  trace: TraceEvent[];
  stats: Record<string, TaskStats>;
  metrics: Metrics;
  /** Read-lock acquisition times (task → t) and write. */
  readSince: Record<string, number>;
  writeSince: number;
  writerQueuedAt: Record<string, number>;
  readerQueuedAt: Record<string, number>;
  /** Labels of the step being executed (exploration uses them to describe moves). */
  stepLabels: string[];
  readahead: Record<string, number>;
  /** Trace steps only (not behaviour): the step of a task's queued mmap_lock request, shown when it is granted. */
  pendingLockStep: Record<string, TraceStep>;
  /** Trace steps only: the task's fault handler is on its retry path (its next lock is a re-take). */
  retrying: Record<string, boolean>;
}
