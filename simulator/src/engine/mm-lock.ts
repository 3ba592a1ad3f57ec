/**
 * mmap_lock (read/write, holds counted per task) and the per-VMA read lock as the steps take and drop them.
 */

import { type Vma, findVma } from '../model';
import { type TraceStep } from '../result';
import { type Ctx, blockOn, emit, hex, taskById, wake } from './ctx';
import { rwsemAcquire, rwsemRelease } from './locks';
import { bug } from './outcome';
import { type FaultCall, type TaskState } from './state';

export function noteLockGranted(c: Ctx, id: string, mode: 'read' | 'write'): void {
  const t = taskById(c.S, id);
  if (mode === 'read') {
    t.readHeld++;
    c.rec.readSince[id] = c.S.now;
  } else {
    t.writeHeld = true;
    c.rec.writeSince = c.S.now;
    const q = c.rec.writerQueuedAt[id];
    if (q !== undefined) {
      const w = c.S.now - q;
      c.rec.metrics.mmapLock.writerWaitTotal += w;
      c.rec.metrics.mmapLock.writerWaitMax = Math.max(c.rec.metrics.mmapLock.writerWaitMax, w);
      delete c.rec.writerQueuedAt[id];
    }
  }
  if (mode === 'read') {
    const q = c.rec.readerQueuedAt[id];
    if (q !== undefined) {
      c.rec.metrics.mmapLock.readerWaitTotal += c.S.now - q;
      delete c.rec.readerQueuedAt[id];
    }
  }
}

/**
 * mmap_read_lock / mmap_write_lock: true if taken now, else the task is queued and blocked. `step`: the code
 * statement the request stands for (trace only; also on the grant when it comes later).
 */
export function lockMm(c: Ctx, t: TaskState, mode: 'read' | 'write', step?: TraceStep): boolean {
  emit(c, t.id, 'lock-request', `mmap_${mode}_lock`, { mode }, step);
  if (mode === 'write') c.rec.writerQueuedAt[t.id] = c.S.now;
  else c.rec.readerQueuedAt[t.id] = c.S.now;
  if (rwsemAcquire(c.S, t.id, mode)) {
    noteLockGranted(c, t.id, mode);
    emit(c, t.id, 'lock-acquired', `mmap_lock(${mode}) taken`, { mode }, step);
    return true;
  }
  if (step) c.rec.pendingLockStep[t.id] = step;
  blockOn(c, t, { k: 'rwsem', mode });
  return false;
}

/** Returns false (and records a BUG) when the task does not hold the lock. */
export function unlockMm(c: Ctx, t: TaskState, mode: 'read' | 'write', step?: TraceStep): boolean {
  const held = mode === 'read' ? t.readHeld > 0 : t.writeHeld;
  if (!held) {
    bug(c, t, `mmap_${mode}_unlock() of a lock the task does not hold`);
    return false;
  }
  if (mode === 'read') {
    t.readHeld--;
    const since = c.rec.readSince[t.id] ?? c.S.now;
    const h = c.S.now - since;
    c.rec.metrics.mmapLock.readHoldTotal += h;
    c.rec.metrics.mmapLock.readHoldMax = Math.max(c.rec.metrics.mmapLock.readHoldMax, h);
  } else {
    t.writeHeld = false;
    c.rec.metrics.mmapLock.writeHoldTotal += c.S.now - c.rec.writeSince;
    for (const [v, who] of Object.entries(c.S.vmaWriteLocked)) if (who === t.id) delete c.S.vmaWriteLocked[v];
  }
  const { granted } = rwsemRelease(c.S, t.id, mode);
  emit(c, t.id, 'lock-released', `mmap_${mode}_unlock`, { mode }, step);
  for (const g of granted) {
    const gt = taskById(c.S, g);
    const m = gt.block?.k === 'rwsem' ? gt.block.mode : 'read';
    noteLockGranted(c, g, m);
    wake(c, g);
    const pending = c.rec.pendingLockStep[g];
    delete c.rec.pendingLockStep[g];
    emit(c, g, 'lock-acquired', `mmap_lock(${m}) taken`, { mode: m }, pending);
  }
  return true;
}

export function vmaKey(v: Vma): string {
  return String(v.start);
}

/** lock_vma_under_rcu: fails if the VMA is write-locked by a writer or the mmap_lock is held for write. */
export function tryVmaRead(c: Ctx, t: TaskState, addr: number, step?: TraceStep): boolean {
  const v = findVma(c.S.mm, addr);
  if (!v) return false;
  if (c.S.vmaWriteLocked[vmaKey(v)] !== undefined) return false;
  (c.S.vmaReaders[vmaKey(v)] ??= []).push(t.id);
  t.vmaRead = v.start;
  emit(c, t.id, 'vma-lock', `lock_vma_under_rcu(${hex(v.start)}) ok`, undefined, step);
  return true;
}

export function vmaEndRead(c: Ctx, t: TaskState, step?: TraceStep): void {
  if (t.vmaRead === null) return;
  const k = String(t.vmaRead);
  const rs = (c.S.vmaReaders[k] ?? []).filter((x) => x !== t.id);
  if (rs.length) c.S.vmaReaders[k] = rs;
  else delete c.S.vmaReaders[k];
  t.vmaRead = null;
  emit(c, t.id, 'vma-unlock', 'vma_end_read', undefined, step);
  if (rs.length === 0) {
    for (const w of c.S.tasks) if (w.block?.k === 'vma-write' && String(w.block.vma) === k) wake(c, w.id);
  }
}

export function releaseFaultLock(c: Ctx, t: TaskState, call: FaultCall): void {
  if (call.lock === 'vma') vmaEndRead(c, t);
  else unlockMm(c, t, 'read');
}
