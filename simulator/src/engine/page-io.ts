/**
 * Page locks and page I/O: lock_page_or_retry, read I/O start and completion.
 */

import { completeIo as completeIoModel, completeSwapIo as completeSwapIoModel, findVma, objectIndex, pageAlign } from '../model';
import { type GupFlagName } from '../scenario/types';
import { type Ctx, OWN, blockOn, emit, jitter, wake } from './ctx';
import { setResult } from './fault';
import { pageLock, pageUnlock } from './locks';
import { releaseFaultLock } from './mm-lock';
import { type FaultCall, type TaskState } from './state';

export function startIo(c: Ctx, t: TaskState, key: string, latency: number): void {
  const pl = pageLock(c.S, key);
  if (pl.holder === 'io') return;
  pl.holder = 'io';
  const info = c.I.io[key];
  if (info?.servedBy) {
    c.S.ioRequests[key] = 'pending';
    emit(c, t.id, 'io-start', `read I/O for ${key} queued for ${info.servedBy}`, { key });
    for (const d of c.S.tasks) if (d.block?.k === 'io-request' && d.block.key === key) wake(c, d.id);
    return;
  }
  const at = c.S.now + jitter(c, latency);
  c.S.timers.push({ at, seq: c.S.seq++, kind: 'io', key });
  emit(c, t.id, 'io-start', `read I/O for ${key} (${latency} µs)`, { key, latency });
}

/** I/O completion: page uptodate, unlocked, waiters woken. */
export function completeIo(c: Ctx, key: string, who: string): void {
  // The page may be gone meanwhile (munmap / zap): only an existing swap entry / cache entry completes.
  const mm = c.S.mm;
  if (key.startsWith('swap:')) {
    const pte = mm.ptes[key.slice(5)];
    if (pte && pte.kind === 'swap') c.S.mm = completeSwapIoModel(mm, Number(key.slice(5)), OWN);
  } else if (key.startsWith('obj:')) {
    const [, obj, idx] = key.split(':');
    if (mm.objects[obj]?.pages[idx]) c.S.mm = completeIoModel(mm, obj, Number(idx), OWN);
  }
  delete c.S.ioRequests[key];
  emit(c, who, 'io-done', `I/O done: ${key}`, { key });
  const pl = c.S.pageLocks[key];
  if (pl && pl.holder === 'io') {
    const { woken, handedTo } = pageUnlock(c.S, key);
    for (const w of woken) wake(c, w);
    if (handedTo) wake(c, handedTo);
  }
}

export function releasePageIfHeld(c: Ctx, t: TaskState, key: string): void {
  const pl = c.S.pageLocks[key];
  if (pl && pl.holder === t.id) {
    const { woken, handedTo } = pageUnlock(c.S, key);
    for (const w of woken) wake(c, w);
    if (handedTo) wake(c, handedTo);
  }
}

/** __lock_page_or_retry / __folio_lock_or_retry. Returns true if the page is available to the fault now. */
export function pageLockOrRetry(c: Ctx, t: TaskState, call: FaultCall, key: string): boolean {
  const pl = pageLock(c.S, key);
  if (pl.holder === null || pl.holder === t.id) {
    if (pl.holder === null && pl.waiters.length === 0) delete c.S.pageLocks[key];
    return true;
  }
  const f = call.flags;
  const allow = f.includes('ALLOW_RETRY');
  if (f.includes('RETRY_NOWAIT') && allow) {
    setResult(call, call.major ? ['RETRY', 'MAJOR'] : ['RETRY'], false, 'RETRY_NOWAIT: page locked');
    return false;
  }
  const dropFirst = c.R.pageLockRetryFirstOnly ? allow && !f.includes('TRIED') : allow;
  const killable = f.includes('KILLABLE');
  if (dropFirst) {
    releaseFaultLock(c, t, call);
    pl.waiters.push({ task: t.id, acquire: false });
    // The wait ends in RETRY (|MAJOR after I/O); VM_FAULT_COMPLETED never comes from a read wait (fault.ts).
    call.cont = { k: 'ret', vm: call.major ? ['RETRY', 'MAJOR'] : ['RETRY'], lockReleased: true };
    blockOn(c, t, { k: 'page', key, acquire: false, killable });
    emit(c, t.id, 'page-lock-wait', `wait for page ${key} with the lock dropped`, { key, lockHeld: false });
  } else {
    pl.waiters.push({ task: t.id, acquire: true });
    call.cont = { k: 'page-locked', key };
    blockOn(c, t, { k: 'page', key, acquire: true, killable });
    emit(c, t.id, 'page-lock-wait', `lock_page(${key}) holding mmap_lock`, { key, lockHeld: true });
  }
  return false;
}

export function ioKey(c: Ctx, file: string, page: number): string {
  void c;
  return `obj:${file}:${page}`;
}

export type { GupFlagName };

export function pageKeyOf(c: Ctx, addr: number): string {
  const v = findVma(c.S.mm, addr);
  if (v && v.object && v.type !== 'anon') return `obj:${v.object}:${objectIndex(v, addr)}`;
  return `anon:${pageAlign(addr)}`;
}
