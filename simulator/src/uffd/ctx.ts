/**
 * The userfaultfd context (userfaultfd.md "Creation", "UFFDIO_API", "Messages / events", "Close / release"):
 * per-era feature / ioctl availability, userfaultfd() creation, UFFDIO_API, the fault and event queues, read(),
 * range wake-ups, mmap_changing, fork of a ctx, and release (close). Pure: every function returns a new ctx.
 *
 * Era tables (the spec's trees, refined with the upstream merge versions where the spec says "by X"):
 * - userfaultfd() and UFFDIO_API/REGISTER/UNREGISTER/WAKE/COPY/ZEROPAGE: 4.3 (merge). 4.3–4.10 advertise no
 *   features (PAGEFAULT_FLAG_WP and EVENT_FORK were under `#if 0`).
 * - EVENT_FORK/REMAP/REMOVE/UNMAP, MISSING_HUGETLBFS, MISSING_SHMEM: 4.11; SIGBUS, THREAD_ID: 4.14 (spec: "by 4.15").
 * - PAGEFAULT_FLAG_WP, UFFDIO_WRITEPROTECT, REGISTER_MODE_WP, COPY_MODE_WP: 5.7.
 * - UFFDIO_CONTINUE, REGISTER_MODE_MINOR, MINOR_HUGETLBFS: 5.13; MINOR_SHMEM: 5.14 (spec: "MINOR_* by 5.15").
 * - EXACT_ADDRESS: 5.18; WP_HUGETLBFS_SHMEM (pte markers on shmem/hugetlb): 5.19 (spec: "by 5.19").
 * - WP_UNPOPULATED: 6.4. POISON, WP_ASYNC, MOVE features and UFFDIO_POISON / UFFDIO_MOVE: 6.8 (spec: "by 6.8,
 *   absent 6.5"; we use 6.8 for all of them).
 * - mmap_changing → -EAGAIN: 4.18 (df2cc96e7701). Before that, events exist (4.11+) but ioctls do not check it.
 * - UFFD_USER_MODE_ONLY and vm.unprivileged_userfaultfd default 0: 5.11; the sysctl exists from 5.2 (default 1).
 * - EVENT_FORK requires CAP_SYS_PTRACE: modelled from 5.11 (approximate; the spec gives no boundary).
 * - An ioctl the era does not have returns -EINVAL: userfaultfd_ioctl() starts with ret = -EINVAL and its switch
 *   has no default case, so an unknown command falls through to -EINVAL (not -ENOTTY; result.ts has no ENOTTY).
 */

import { type Era, eraAtLeast, eraOf } from '../../../common/era';
import {
  ALL_UFFD_FEATURES,
  UFFD_API,
  UFFD_FEATURE_BITS,
  type UffdCtx,
  type UffdCtxFlags,
  type UffdEnv,
  type UffdEventMsg,
  type UffdFeature,
  type UffdIoctl,
  type UffdIoctlResult,
  type UffdMsg,
  type UffdWaiter,
  type HandleUserfaultDecision,
} from './types';
import type { Errno } from '../result';
import { canonicalJson } from '../model/canonical';

type EraLike = Era | string;

const FEATURE_SINCE: Readonly<Record<UffdFeature, string>> = {
  PAGEFAULT_FLAG_WP: '5.7',
  EVENT_FORK: '4.11',
  EVENT_REMAP: '4.11',
  EVENT_REMOVE: '4.11',
  MISSING_HUGETLBFS: '4.11',
  MISSING_SHMEM: '4.11',
  EVENT_UNMAP: '4.11',
  SIGBUS: '4.14',
  THREAD_ID: '4.14',
  MINOR_HUGETLBFS: '5.13',
  MINOR_SHMEM: '5.14',
  EXACT_ADDRESS: '5.18',
  WP_HUGETLBFS_SHMEM: '5.19',
  WP_UNPOPULATED: '6.4',
  POISON: '6.8',
  WP_ASYNC: '6.8',
  MOVE: '6.8',
};

/** The era each UFFDIO_* ioctl appeared in (userfaultfd.md "Availability"): the one table (engine/rules.ts and the
 * scenario validator import it). */
export const UFFD_IOCTL_ERAS: Readonly<Record<UffdIoctl, string>> = {
  API: '4.3',
  REGISTER: '4.3',
  UNREGISTER: '4.3',
  WAKE: '4.3',
  COPY: '4.3',
  ZEROPAGE: '4.3',
  WRITEPROTECT: '5.7',
  CONTINUE: '5.13',
  MOVE: '6.8',
  POISON: '6.8',
};

/** The era the userfaultfd syscall was merged in. */
export const UFFD_MERGED = '4.3';

export function featureAvailable(era: EraLike, f: UffdFeature): boolean {
  return eraAtLeast(eraOf(era), FEATURE_SINCE[f]);
}

/** UFFD_API_FEATURES of the era, in bit order. */
export function availableFeatures(era: EraLike): UffdFeature[] {
  return ALL_UFFD_FEATURES.filter((f) => featureAvailable(era, f));
}

export function ioctlAvailable(era: EraLike, ioctl: UffdIoctl): boolean {
  return eraAtLeast(eraOf(era), UFFD_IOCTL_ERAS[ioctl]);
}

/** Register modes the era accepts (UFFD_API_REGISTER_MODES). */
export function registerModesAvailable(era: EraLike): Array<'MISSING' | 'WP' | 'MINOR'> {
  const e = eraOf(era);
  const m: Array<'MISSING' | 'WP' | 'MINOR'> = ['MISSING'];
  if (eraAtLeast(e, '5.7')) m.push('WP');
  if (eraAtLeast(e, '5.13')) m.push('MINOR');
  return m;
}

/** Whether ctx->mmap_changing makes mutating ioctls fail with -EAGAIN in this era (4.18+). */
export function mmapChangingChecked(era: EraLike): boolean {
  return eraAtLeast(eraOf(era), '4.18');
}

export function sortFeatures(fs: Iterable<UffdFeature>): UffdFeature[] {
  const set = new Set(fs);
  return ALL_UFFD_FEATURES.filter((f) => set.has(f));
}

export function featureMask(fs: readonly UffdFeature[]): number {
  return fs.reduce((m, f) => m | UFFD_FEATURE_BITS[f], 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Creation

export interface CreateUffdArgs {
  id: string;
  mmId: string;
  flags?: Partial<UffdCtxFlags>;
  /** Unknown flag bits were passed (anything outside O_CLOEXEC|O_NONBLOCK|UFFD_USER_MODE_ONLY). */
  unknownFlags?: boolean;
  /** Created through /dev/userfaultfd + USERFAULTFD_IOC_NEW (access by file permissions only). */
  viaDevice?: boolean;
}

export type CreateUffdResult = { ok: true; ctx: UffdCtx } | { ok: false; errno: Errno };

/** userfaultfd(flags) / USERFAULTFD_IOC_NEW. */
export function createUffd(env: UffdEnv, args: CreateUffdArgs): CreateUffdResult {
  const e = eraOf(env.era);
  const flags: UffdCtxFlags = { nonblock: false, cloexec: false, userModeOnly: false, ...args.flags };
  if (args.unknownFlags) return { ok: false, errno: 'EINVAL' };
  // UFFD_USER_MODE_ONLY (=1) is an unknown flag before 5.11.
  if (flags.userModeOnly && !eraAtLeast(e, '5.11')) return { ok: false, errno: 'EINVAL' };
  if (!args.viaDevice && eraAtLeast(e, '5.2') && !flags.userModeOnly) {
    const sysctl = env.caller?.unprivilegedUserfaultfd ?? !eraAtLeast(e, '5.11');
    if (!sysctl && !env.caller?.capSysPtrace) return { ok: false, errno: 'EPERM' };
  }
  return {
    ok: true,
    ctx: {
      id: args.id,
      mmId: args.mmId,
      flags,
      initialized: false,
      features: [],
      released: false,
      mmapChanging: 0,
      waiters: [],
      events: [],
      nextSeq: 1,
    },
  };
}

function cloneCtx(ctx: UffdCtx): UffdCtx {
  return structuredClone(ctx);
}

export function hashUffdCtx(ctx: UffdCtx): string {
  return canonicalJson(ctx);
}

// ---------------------------------------------------------------------------------------------------------------
// UFFDIO_API

export interface UffdioApiArgs {
  api: number;
  /** Requested features: names, or a raw bitmask (bigint, to express e.g. bit 63). */
  features: readonly string[] | bigint;
}

export interface CtxOpResult {
  ctx: UffdCtx;
  result: UffdIoctlResult;
}

/** UFFDIO_API: -EINVAL bad api / unsupported feature / second call, -EPERM EVENT_FORK unprivileged. */
export function uffdioApi(env: UffdEnv, ctx: UffdCtx, args: UffdioApiArgs): CtxOpResult {
  const e = eraOf(env.era);
  const zeroed = (errno: Errno): CtxOpResult => ({ ctx, result: { ioctl: 'API', errno, features: [], ioctls: [] } });
  if (args.api !== UFFD_API) return zeroed('EINVAL');
  const avail = availableFeatures(e);
  let requested: UffdFeature[] = [];
  let unknown = false;
  if (typeof args.features === 'bigint') {
    let rest = args.features;
    for (const f of ALL_UFFD_FEATURES) {
      const bit = BigInt(UFFD_FEATURE_BITS[f]);
      if ((rest & bit) !== 0n) {
        requested.push(f);
        rest &= ~bit;
      }
    }
    unknown = rest !== 0n;
  } else {
    for (const name of args.features) {
      if ((ALL_UFFD_FEATURES as readonly string[]).includes(name)) requested.push(name as UffdFeature);
      else unknown = true;
    }
  }
  if (eraAtLeast(e, '5.11') && requested.includes('EVENT_FORK') && !env.caller?.capSysPtrace) return zeroed('EPERM');
  // WP_ASYNC relies on WP_UNPOPULATED: chosen unconditionally.
  if (requested.includes('WP_ASYNC')) requested.push('WP_UNPOPULATED');
  requested = sortFeatures(requested);
  if (unknown || requested.some((f) => !avail.includes(f))) return zeroed('EINVAL');
  // The ctx's features can be set only once (cmpxchg from 0 / state != UFFD_STATE_WAIT_API).
  if (ctx.initialized) return zeroed('EINVAL');
  const out = cloneCtx(ctx);
  out.initialized = true;
  out.features = requested;
  return { ctx: out, result: { ioctl: 'API', errno: null, features: avail, ioctls: ['REGISTER', 'UNREGISTER', 'API'] } };
}

// ---------------------------------------------------------------------------------------------------------------
// Fault queue, events, wake-ups

/** Queues the waiter of a 'block' decision on fault_pending_wqh (the monitor's poll/read will see it). */
export function queueUserfault(ctx: UffdCtx, decision: Extract<HandleUserfaultDecision, { kind: 'block' }>): UffdCtx {
  const out = cloneCtx(ctx);
  out.waiters.push({ ...structuredClone(decision.waiter), seq: out.nextSeq++, delivered: false });
  return out;
}

/** The faulter stopped waiting (woken by a signal, or returning after any wake-up): its entry leaves the queues. */
export function dequeueUserfault(ctx: UffdCtx, task: string): UffdCtx {
  if (!ctx.waiters.some((w) => w.task === task)) return ctx;
  const out = cloneCtx(ctx);
  out.waiters = out.waiters.filter((w) => w.task !== task);
  return out;
}

/**
 * wake_userfault(): wakes the faulters (read or not) whose reported address is in [start, start+len); len 0
 * wakes all. They leave the queues, so a woken fault is never reported by a later read().
 */
export function wakeRange(ctx: UffdCtx, start: number, len: number): { ctx: UffdCtx; tasks: string[] } {
  const hit = (w: UffdWaiter): boolean => len === 0 || (w.address >= start && w.address < start + len);
  const woken = ctx.waiters.filter(hit);
  if (woken.length === 0) return { ctx, tasks: [] };
  const out = cloneCtx(ctx);
  out.waiters = out.waiters.filter((w) => !hit(w));
  return { ctx: out, tasks: woken.map((w) => w.task) };
}

/**
 * Queues a non-cooperative event (from model/ops MmEvent) and bumps mmap_changing. The producer blocks
 * (TASK_KILLABLE) until the event is read. On a released ctx nothing is queued and the producer does not block.
 */
export function queueEvent(
  ctx: UffdCtx,
  msg: UffdEventMsg,
  producer: string | null,
): { ctx: UffdCtx; queued: boolean; producerBlocks: boolean } {
  if (ctx.released) return { ctx, queued: false, producerBlocks: false };
  const out = cloneCtx(ctx);
  out.events.push({ msg: structuredClone(msg), producer, seq: out.nextSeq++ });
  out.mmapChanging++;
  return { ctx: out, queued: true, producerBlocks: producer !== null };
}

/** The producer of an event gave up waiting (fatal signal): the event is dropped, mmap_changing drops. */
export function abandonEvent(ctx: UffdCtx, producer: string): UffdCtx {
  const idx = ctx.events.findIndex((e) => e.producer === producer);
  if (idx < 0) return ctx;
  const out = cloneCtx(ctx);
  out.events.splice(idx, 1);
  out.mmapChanging = Math.max(0, out.mmapChanging - 1);
  return out;
}

export interface UffdReadArgs {
  /** O_NONBLOCK / IOCB_NOWAIT for this read (default: the ctx's O_NONBLOCK). */
  nonblock?: boolean;
  /** Buffer size in bytes (default one message, 32). */
  bufSize?: number;
}

export const UFFD_MSG_SIZE = 32;

export type UffdReadResult =
  | { kind: 'msgs'; ctx: UffdCtx; msgs: UffdMsg[]; wake: string[] }
  | { kind: 'error'; ctx: UffdCtx; errno: Errno }
  /** Nothing pending and blocking: the reader sleeps until a fault or an event is queued (then read again). */
  | { kind: 'would-block'; ctx: UffdCtx };

/**
 * read(2): pagefault messages first (oldest first; they move to fault_wqh), then events (oldest first; reading one
 * completes it: its producer is woken — returned in `wake` — and mmap_changing drops; the kernel decrements it when
 * the producer resumes, which we fold into the read). Blocks only for the first message.
 */
export function uffdRead(ctx: UffdCtx, args: UffdReadArgs = {}): UffdReadResult {
  if (!ctx.initialized) return { kind: 'error', ctx, errno: 'EINVAL' };
  const bufSize = args.bufSize ?? UFFD_MSG_SIZE;
  if (bufSize < UFFD_MSG_SIZE) return { kind: 'error', ctx, errno: 'EINVAL' };
  const max = Math.floor(bufSize / UFFD_MSG_SIZE);
  const out = cloneCtx(ctx);
  const msgs: UffdMsg[] = [];
  const wake: string[] = [];
  while (msgs.length < max) {
    const pending = out.waiters.filter((w) => !w.delivered).sort((a, b) => a.seq - b.seq)[0];
    if (pending) {
      pending.delivered = true;
      msgs.push(structuredClone(pending.msg));
      continue;
    }
    const ev = out.events.sort((a, b) => a.seq - b.seq)[0];
    if (ev) {
      out.events.shift();
      out.mmapChanging = Math.max(0, out.mmapChanging - 1);
      msgs.push(ev.msg);
      if (ev.producer !== null) wake.push(ev.producer);
      continue;
    }
    break;
  }
  if (msgs.length > 0) return { kind: 'msgs', ctx: out, msgs, wake };
  const nonblock = args.nonblock ?? ctx.flags.nonblock;
  if (nonblock) return { kind: 'error', ctx, errno: 'EAGAIN' };
  return { kind: 'would-block', ctx };
}

/** Whether poll() would report EPOLLIN (a pending fault or event). */
export function uffdPollIn(ctx: UffdCtx): boolean {
  return ctx.waiters.some((w) => !w.delivered) || ctx.events.length > 0;
}

/**
 * dup_userfaultfd(): the ctx created for a child on fork when the parent ctx has EVENT_FORK. Same flags and
 * features, empty queues, ctx->mm = the child mm.
 */
export function forkCtx(parent: UffdCtx, childCtxId: string, childMmId: string): UffdCtx {
  return {
    id: childCtxId,
    mmId: childMmId,
    flags: { ...parent.flags },
    initialized: parent.initialized,
    features: [...parent.features],
    released: false,
    mmapChanging: 0,
    waiters: [],
    events: [],
    nextSeq: 1,
  };
}
