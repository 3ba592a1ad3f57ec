/**
 * The engine context (state, static info, era rules, recorder) and the helpers every step uses: recording,
 * blocking, sleeping and waking.
 */

import { type TraceEventKind, type TraceStep } from '../result';
import { resolveAddress } from '../scenario/address';
import { type ScriptOp } from '../scenario/types';
import { lockSnapshot } from './locks';
import { prngNext } from './prng';
import { type EraRules } from './rules';
import { type Block, type Recorder, type SimState, type StaticInfo, type TaskState, type WakeCause } from './state';

/** The engine's mm is its own: model helpers change it in place (MutateOptions.consumesMm). */
export const OWN = { consumesMm: true } as const;

export interface Ctx {
  S: SimState;
  I: StaticInfo;
  R: EraRules;
  rec: Recorder;
}

export function emit(
  c: Ctx,
  task: string,
  kind: TraceEventKind,
  label: string,
  details?: Record<string, string | number | boolean | string[]>,
  step?: TraceStep,
): void {
  c.rec.stepLabels.push(`${task}: ${label}`);
  record(c, task, kind, label, details, step);
}

/**
 * A trace-only event: a statement the code executes without changing the machine's state (a back-edge, a test that
 * is false), recorded for the editor's links. Not a step label, so livelock cycles and exploration schedules do not
 * change with it.
 */
export function mark(c: Ctx, task: string, label: string, step: TraceStep, details?: Record<string, string | number | boolean | string[]>): void {
  record(c, task, 'note', label, details, step);
}

function record(c: Ctx, task: string, kind: TraceEventKind, label: string, details: Record<string, string | number | boolean | string[]> | undefined, step: TraceStep | undefined): void {
  if (!c.rec.enabled) return;
  c.rec.trace.push({
    t: c.S.now,
    seq: c.rec.trace.length,
    task,
    kind,
    label,
    ...(details ? { details } : {}),
    ...(step ? { step } : {}),
    lock: lockSnapshot(c.S),
  });
}

export function stats(c: Ctx, t: TaskState) {
  return c.rec.stats[t.id];
}

export function taskById(S: SimState, id: string): TaskState {
  const t = S.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
}

export function blockOn(c: Ctx, t: TaskState, b: Block): void {
  t.status = 'blocked';
  t.block = b;
  t.wakeCause = null;
  const st = stats(c, t);
  st.blockSince = c.S.now;
  st.blockKind = b.k;
}

export function jitter(c: Ctx, us: number): number {
  if (c.I.jitter <= 0 || us <= 0) return us;
  const r = prngNext(c.S.prng);
  c.S.prng = r.state;
  return us + Math.floor(r.value * (c.I.jitter + 1));
}

/** Sleeps for `us` (a step boundary; in exploration, timing is abstracted away). */
export function delay(c: Ctx, t: TaskState, us: number, withJitter = false): void {
  const d = withJitter ? jitter(c, us) : us;
  blockOn(c, t, { k: 'timer' });
  t.wakeAt = c.S.now + d;
}

export function wake(c: Ctx, id: string, cause: WakeCause = 'woken'): void {
  const t = taskById(c.S, id);
  if (t.status !== 'blocked') return;
  const st = stats(c, t);
  const waited = c.S.now - st.blockSince;
  if (st.blockKind === 'uffd') {
    st.blockedInUffd += waited;
    c.rec.metrics.blockedInUffdTotal += waited;
  } else if (st.blockKind === 'page') {
    st.ioWait += waited;
    c.rec.metrics.ioWaitTotal += waited;
  } else if (st.blockKind === 'rwsem') {
    st.lockWait += waited;
  }
  st.blockKind = null;
  t.status = 'ready';
  t.block = null;
  t.wakeCause = cause;
  t.wakeAt = c.S.now;
  t.readySeq = c.S.seq++;
}

// mmap_lock, VMA locks, pages

export function nextOp(_c: Ctx, t: TaskState): void {
  t.pc++;
  t.frame = null;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

// handle_mm_fault

export function resolve(c: Ctx, a: number | string): number {
  return resolveAddress(a, c.S.vmaIds);
}

export function resolveOpAddress(c: Ctx, a: number | string): number {
  return resolve(c, a);
}

export function opName(op: ScriptOp): string {
  return Object.keys(op)[0];
}

export function orderFlags(flags: Iterable<string>): string[] {
  const order = ['WRITE', 'MKWRITE', 'ALLOW_RETRY', 'RETRY_NOWAIT', 'KILLABLE', 'TRIED', 'USER', 'REMOTE', 'INSTRUCTION', 'INTERRUPTIBLE', 'UNSHARE', 'ORIG_PTE_VALID', 'VMA_LOCK'];
  const s = new Set(flags);
  return order.filter((f) => s.has(f));
}
