/**
 * mmap_lock writers (mmap, munmap, mprotect, mremap) and madvise, with the uffd events they produce.
 */

import { type CtxFeatureMap, type MmEvent, type MmOpResult, PAGE_SIZE, madvise as madviseOp, mmap as mmapOp, mprotect as mprotectOp, mremap as mremapOp, munmap as munmapOp } from '../model';
import { type ScriptOp } from '../scenario/types';
import { queueEvent } from '../uffd';
import { type Ctx, OWN, blockOn, delay, emit, hex, nextOp, opName, resolveOpAddress, wake } from './ctx';
import { lockMm, unlockMm } from './mm-lock';
import { type Frame, type TaskState } from './state';

export function writerVmas(c: Ctx, op: ScriptOp): number[] {
  const name = opName(op);
  const mm = c.S.mm;
  const inRange = (a: number, pages: number): number[] => mm.vmas.filter((v) => v.start < a + pages * PAGE_SIZE && v.end > a).map((v) => v.start);
  if ('munmap' in op) return inRange(resolveOpAddress(c, op.munmap.address), op.munmap.pages);
  if ('mprotect' in op) return inRange(resolveOpAddress(c, op.mprotect.address), op.mprotect.pages);
  if ('mremap' in op) {
    const a = c.S.vmaIds[op.mremap.vma];
    return a === undefined ? [] : [a];
  }
  if ('madvise' in op) return inRange(resolveOpAddress(c, op.madvise.address), op.madvise.pages);
  void name;
  return [];
}

/** Enabled features of every ctx (model/ops decides from them which events an op generates). */
export function ctxFeatures(c: Ctx): CtxFeatureMap {
  const out: Record<string, readonly string[]> = {};
  for (const [id, u] of Object.entries(c.S.uffds)) out[id] = u.features;
  return out;
}

/**
 * The address-space change of a writer op, done by model/ops.ts on the engine's mm. Returns the uffd events the op
 * generates (UNMAP / REMAP per the ctx features), for the caller to queue.
 */
export function applyWriter(c: Ctx, t: TaskState, op: ScriptOp): MmEvent[] {
  const mm = c.S.mm;
  const features = ctxFeatures(c);
  let r: MmOpResult;
  let what: string;
  if ('mmap' in op) {
    const o = op.mmap;
    const last = mm.vmas.length ? mm.vmas[mm.vmas.length - 1].end : 0x10000000;
    const start = o.address !== undefined ? resolveOpAddress(c, o.address) : last + PAGE_SIZE;
    r = mmapOp(mm, { addr: start, fixed: true, len: o.pages * PAGE_SIZE, type: o.type ?? 'anon', ...(o.file ? { object: o.file } : {}) }, features, OWN);
    if (r.errno === null) c.S.vmaIds[o.id] = start;
    what = `mmap ${o.id} at ${hex(start)}`;
  } else if ('munmap' in op) {
    const a = resolveOpAddress(c, op.munmap.address);
    const end = a + op.munmap.pages * PAGE_SIZE;
    r = munmapOp(mm, a, end - a, features, OWN);
    what = `munmap ${hex(a)}..${hex(end)}`;
  } else if ('mprotect' in op) {
    const a = resolveOpAddress(c, op.mprotect.address);
    const p = op.mprotect.prot;
    r = mprotectOp(mm, a, op.mprotect.pages * PAGE_SIZE, { read: p.includes('r'), write: p.includes('w'), exec: p.includes('x') }, OWN);
    what = '';
  } else if ('mremap' in op) {
    const from = c.S.vmaIds[op.mremap.vma];
    const to = resolveOpAddress(c, op.mremap.to);
    const v = mm.vmas.find((x) => x.start === from);
    if (!v) return [];
    const len = v.end - v.start;
    r = mremapOp(mm, from, len, len, { mayMove: true, fixed: true, newAddr: to }, features, OWN);
    if (r.errno === null) c.S.vmaIds[op.mremap.vma] = to;
    what = '';
  } else {
    return [];
  }
  if (r.errno !== null) {
    emit(c, t.id, 'note', `${opName(op)} fails: -${r.errno}`);
    return [];
  }
  c.S.mm = r.mm;
  if (what) emit(c, t.id, 'note', what);
  return r.events;
}

/**
 * Queues the events of a writer op on their ctxs (mmap_changing++, readers woken). Returns the ctx of the first
 * event the producer must wait for, or null (no event, or the ctx is released).
 */
export function queueOpEvents(c: Ctx, t: TaskState, events: readonly MmEvent[], why: string): string | null {
  let waitOn: string | null = null;
  for (const ev of events) {
    const u = c.S.uffds[ev.ctxId];
    if (!u) continue;
    const q = queueEvent(u, ev.msg, t.id);
    c.S.uffds[u.id] = q.ctx;
    if (!q.queued) continue;
    emit(c, t.id, 'uffd-event', `UFFD_EVENT_${ev.msg.event} queued; mmap_changing=${q.ctx.mmapChanging}; ${why}`);
    for (const m of c.S.tasks) if (m.block?.k === 'uffd-read' && m.block.ctx === u.id) wake(c, m.id);
    if (q.producerBlocks && waitOn === null) waitOn = u.id;
  }
  return waitOn;
}

/** A ctx still holding an unread event produced by `t` (userfaultfd_event_wait_completion waits for each). */
export function pendingEventCtx(c: Ctx, t: TaskState): string | null {
  for (const u of Object.values(c.S.uffds)) if (!u.released && u.events.some((e) => e.producer === t.id)) return u.id;
  return null;
}

export function holdOf(c: Ctx, op: ScriptOp): number {
  if ('mmap' in op) return op.mmap.holdUs ?? c.I.writerHold;
  if ('munmap' in op) return op.munmap.holdUs ?? c.I.writerHold;
  if ('mprotect' in op) return op.mprotect.holdUs ?? c.I.writerHold;
  if ('mremap' in op) return op.mremap.holdUs ?? c.I.writerHold;
  return c.I.writerHold;
}

export function stepWriter(c: Ctx, t: TaskState, op: ScriptOp, f: Extract<Frame, { kind: 'writer' }>): void {
  for (;;) {
    switch (f.phase) {
      case 'lock':
        emit(c, t.id, 'op-start', `${opName(op)}: mmap_write_lock`);
        f.phase = 'vma-write';
        if (!lockMm(c, t, 'write')) return;
        continue;
      case 'vma-write': {
        f.vmas = writerVmas(c, op);
        if (c.R.vmaLocks) {
          for (const v of f.vmas) c.S.vmaWriteLocked[String(v)] = t.id;
          const busy = f.vmas.find((v) => (c.S.vmaReaders[String(v)] ?? []).length > 0);
          if (busy !== undefined) {
            emit(c, t.id, 'vma-lock', `vma_start_write(${hex(busy)}) waits for VMA readers`);
            blockOn(c, t, { k: 'vma-write', vma: busy });
            return;
          }
        }
        f.phase = 'hold';
        delay(c, t, holdOf(c, op));
        return;
      }
      case 'hold': {
        // The change and the event queueing (userfaultfd_unmap_prep / mremap_userfaultfd_prep: mmap_changing++)
        // happen under mmap_write_lock; the wait for the monitor to read them (…_complete) after the unlock.
        const waitOn = queueOpEvents(c, t, applyWriter(c, t, op), 'the producer waits for the read after mmap_write_unlock');
        unlockMm(c, t, 'write');
        if (waitOn !== null) {
          f.phase = 'event-wait';
          blockOn(c, t, { k: 'uffd-event', ctx: waitOn });
          return;
        }
        f.phase = 'done';
        continue;
      }
      case 'event-wait': {
        const still = pendingEventCtx(c, t);
        if (still !== null) {
          blockOn(c, t, { k: 'uffd-event', ctx: still });
          return;
        }
        f.phase = 'done';
        continue;
      }
      case 'done':
        emit(c, t.id, 'op-end', `${opName(op)} done`);
        nextOp(c, t);
        return;
      default:
        return;
    }
  }
}

export function stepMadvise(c: Ctx, t: TaskState, op: Extract<ScriptOp, { madvise: unknown }>['madvise'], f: Extract<Frame, { kind: 'writer' }>): void {
  const a = resolveOpAddress(c, op.address);
  const end = a + op.pages * PAGE_SIZE;
  for (;;) {
    switch (f.phase) {
      case 'lock':
        emit(c, t.id, 'op-start', `madvise(${op.advice}) ${hex(a)}: mmap_read_lock`);
        f.phase = 'vma-write';
        if (!lockMm(c, t, 'read')) return;
        continue;
      case 'vma-write': {
        if (op.advice !== 'PAGEOUT') {
          // userfaultfd_remove() comes before the zap: queue the REMOVE events, drop mmap_read_lock, wait.
          // Pure call (the mm is not changed yet): only the events are wanted here.
          const events = madviseOp(c.S.mm, a, end - a, op.advice, ctxFeatures(c)).events;
          const waitOn = queueOpEvents(c, t, events, 'userfaultfd_remove drops the lock and waits');
          if (waitOn !== null) {
            unlockMm(c, t, 'read');
            blockOn(c, t, { k: 'uffd-event', ctx: waitOn });
            f.phase = 'event-wait';
            return;
          }
        }
        f.phase = 'hold';
        continue;
      }
      case 'event-wait': {
        const still = pendingEventCtx(c, t);
        if (still !== null) {
          blockOn(c, t, { k: 'uffd-event', ctx: still });
          return;
        }
        f.phase = 'hold';
        if (!lockMm(c, t, 'read')) return;
        continue;
      }
      case 'hold': {
        // The events were delivered before the lock was re-taken: none are generated again here.
        const r = madviseOp(c.S.mm, a, end - a, op.advice, {}, { swapLatency: c.I.swapInLatency, ...OWN });
        if (r.errno !== null) emit(c, t.id, 'note', `madvise(${op.advice}) fails: -${r.errno}`);
        c.S.mm = r.mm;
        unlockMm(c, t, 'read');
        emit(c, t.id, 'op-end', `madvise(${op.advice}) done`);
        nextOp(c, t);
        return;
      }
      default:
        return;
    }
  }
}
