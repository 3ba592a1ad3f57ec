/**
 * The step function: advances one task over a cloneable SimState until it blocks, sleeps or ends. Both the timed
 * run (simulate) and the explorer (explore) drive it. Kernel rules come from rules.ts (per era) and the uffd module;
 * this file only sequences them: locks, page waits, retries, GUP passes, writers, the monitor and signals.
 */

import {
  PAGE_SIZE,
  allocPage,
  applyFault,
  classifyFault,
  completeIo as completeIoModel,
  completeSwapIo as completeSwapIoModel,
  diskContents,
  findVma,
  madvise as madviseOp,
  mmap as mmapOp,
  mprotect as mprotectOp,
  mremap as mremapOp,
  munmap as munmapOp,
  objectIndex,
  pageAlign,
  vmaPageSize,
  type Access,
  type CtxFeatureMap,
  type FaultNeed,
  type MmEvent,
  type MmOpResult,
  type Vma,
} from '../model';
import { abandonEvent, dequeueUserfault, handleUserfault, queueEvent, queueUserfault, releasedCtxBehaviour, signalWakesBlocked, uffdRead, userfaultWakeResult } from '../uffd';
import type { Errno, TaskOutcome, TraceEventKind } from '../result';
import type { AccessOp, GupFlagName, GupOp, ScriptOp, UffdIoctlOp, UffdServeOp } from '../scenario/types';
import { lockSnapshot, pageLock, pageUnlock, rwsemAcquire, rwsemCancel, rwsemRelease } from './locks';
import { prngNext } from './prng';
import { gupVariantInfo, type EraRules } from './rules';
import type { Block, FaultCall, Frame, Recorder, SimState, StaticInfo, TaskState, WakeCause } from './state';
import { closeUffd, runIoctl, type IoctlRequest } from './uffd-adapter';
import { resolveAddress } from '../scenario/address';

/** The engine's mm is its own: model helpers change it in place (MutateOptions.consumesMm). */
const OWN = { consumesMm: true } as const;

export interface Ctx {
  S: SimState;
  I: StaticInfo;
  R: EraRules;
  rec: Recorder;
}

// ---------------------------------------------------------------------------------------------------------------
// Recording

export function emit(
  c: Ctx,
  task: string,
  kind: TraceEventKind,
  label: string,
  details?: Record<string, string | number | boolean | string[]>,
): void {
  c.rec.stepLabels.push(`${task}: ${label}`);
  if (!c.rec.enabled) return;
  c.rec.trace.push({
    t: c.S.now,
    seq: c.rec.trace.length,
    task,
    kind,
    label,
    ...(details ? { details } : {}),
    lock: lockSnapshot(c.S),
  });
}

function stats(c: Ctx, t: TaskState) {
  return c.rec.stats[t.id];
}

// ---------------------------------------------------------------------------------------------------------------
// Blocking and waking

export function taskById(S: SimState, id: string): TaskState {
  const t = S.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
}

function blockOn(c: Ctx, t: TaskState, b: Block): void {
  t.status = 'blocked';
  t.block = b;
  t.wakeCause = null;
  const st = stats(c, t);
  st.blockSince = c.S.now;
  st.blockKind = b.k;
}

function jitter(c: Ctx, us: number): number {
  if (c.I.jitter <= 0 || us <= 0) return us;
  const r = prngNext(c.S.prng);
  c.S.prng = r.state;
  return us + Math.floor(r.value * (c.I.jitter + 1));
}

/** Sleeps for `us` (a step boundary; in exploration, timing is abstracted away). */
function delay(c: Ctx, t: TaskState, us: number, withJitter = false): void {
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

// ---------------------------------------------------------------------------------------------------------------
// mmap_lock, VMA locks, pages

function noteLockGranted(c: Ctx, id: string, mode: 'read' | 'write'): void {
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

/** mmap_read_lock / mmap_write_lock: true if taken now, else the task is queued and blocked. */
function lockMm(c: Ctx, t: TaskState, mode: 'read' | 'write'): boolean {
  emit(c, t.id, 'lock-request', `mmap_${mode}_lock`, { mode });
  if (mode === 'write') c.rec.writerQueuedAt[t.id] = c.S.now;
  else c.rec.readerQueuedAt[t.id] = c.S.now;
  if (rwsemAcquire(c.S, t.id, mode)) {
    noteLockGranted(c, t.id, mode);
    emit(c, t.id, 'lock-acquired', `mmap_lock(${mode}) taken`, { mode });
    return true;
  }
  blockOn(c, t, { k: 'rwsem', mode });
  return false;
}

/** Returns false (and records a BUG) when the task does not hold the lock. */
function unlockMm(c: Ctx, t: TaskState, mode: 'read' | 'write'): boolean {
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
  emit(c, t.id, 'lock-released', `mmap_${mode}_unlock`, { mode });
  for (const g of granted) {
    const gt = taskById(c.S, g);
    const m = gt.block?.k === 'rwsem' ? gt.block.mode : 'read';
    noteLockGranted(c, g, m);
    wake(c, g);
    emit(c, g, 'lock-acquired', `mmap_lock(${m}) taken`, { mode: m });
  }
  return true;
}

function vmaKey(v: Vma): string {
  return String(v.start);
}

/** lock_vma_under_rcu: fails if the VMA is write-locked by a writer or the mmap_lock is held for write. */
function tryVmaRead(c: Ctx, t: TaskState, addr: number): boolean {
  const v = findVma(c.S.mm, addr);
  if (!v) return false;
  if (c.S.vmaWriteLocked[vmaKey(v)] !== undefined) return false;
  (c.S.vmaReaders[vmaKey(v)] ??= []).push(t.id);
  t.vmaRead = v.start;
  emit(c, t.id, 'vma-lock', `lock_vma_under_rcu(${hex(v.start)}) ok`);
  return true;
}

function vmaEndRead(c: Ctx, t: TaskState): void {
  if (t.vmaRead === null) return;
  const k = String(t.vmaRead);
  const rs = (c.S.vmaReaders[k] ?? []).filter((x) => x !== t.id);
  if (rs.length) c.S.vmaReaders[k] = rs;
  else delete c.S.vmaReaders[k];
  t.vmaRead = null;
  emit(c, t.id, 'vma-unlock', 'vma_end_read');
  if (rs.length === 0) {
    for (const w of c.S.tasks) if (w.block?.k === 'vma-write' && String(w.block.vma) === k) wake(c, w.id);
  }
}

function releaseFaultLock(c: Ctx, t: TaskState, call: FaultCall): void {
  if (call.lock === 'vma') vmaEndRead(c, t);
  else unlockMm(c, t, 'read');
}

function startIo(c: Ctx, t: TaskState, key: string, latency: number): void {
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

// ---------------------------------------------------------------------------------------------------------------
// Outcomes

function finishTask(c: Ctx, t: TaskState, outcome: TaskOutcome, why: string): void {
  // Drop everything still held (the task is gone) so that the others can make progress.
  if (t.vmaRead !== null) vmaEndRead(c, t);
  while (t.readHeld > 0) unlockMm(c, t, 'read');
  if (t.writeHeld) unlockMm(c, t, 'write');
  // An event producer killed while waiting: its unread events are dropped (mmap_changing drops with them).
  for (let u = pendingEventCtx(c, t); u !== null; u = pendingEventCtx(c, t)) c.S.uffds[u] = abandonEvent(c.S.uffds[u], t.id);
  for (const [k, pl] of Object.entries(c.S.pageLocks)) {
    pl.waiters = pl.waiters.filter((w) => w.task !== t.id);
    if (pl.holder === t.id) {
      const { woken, handedTo } = pageUnlock(c.S, k);
      for (const w of woken) wake(c, w);
      if (handedTo) wake(c, handedTo);
    }
  }
  for (const u of Object.values(c.S.uffds)) u.waiters = u.waiters.filter((w) => w.task !== t.id);
  const granted = rwsemCancel(c.S, t.id);
  for (const g of granted) {
    const gt = taskById(c.S, g);
    const m = gt.block?.k === 'rwsem' ? gt.block.mode : 'read';
    noteLockGranted(c, g, m);
    wake(c, g);
  }
  t.status = 'done';
  t.block = null;
  t.frame = null;
  t.outcome = outcome;
  stats(c, t).endTime = c.S.now;
  emit(c, t.id, 'outcome', `${describeOutcome(outcome)}${why ? ` (${why})` : ''}`);
}

function bug(c: Ctx, t: TaskState, assertion: string): void {
  emit(c, t.id, 'bug', `BUG: ${assertion}`);
  finishTask(c, t, { kind: 'bug', assertion }, '');
}

export function describeOutcome(o: TaskOutcome): string {
  switch (o.kind) {
    case 'ok':
      return o.value === undefined ? 'ok' : `ok (${o.value})`;
    case 'error':
      return `-${o.errno}${o.where ? ` from ${o.where}` : ''}`;
    case 'signal':
      return o.signal;
    case 'bug':
      return `BUG: ${o.assertion}`;
    case 'killed':
      return 'killed by SIGKILL';
    case 'deadlock':
      return `deadlock: ${o.waitsFor}`;
    case 'livelock':
      return `livelock: ${o.cycle.join(' → ')}`;
    case 'unfinished':
      return `unfinished: ${o.state}`;
  }
}

function nextOp(_c: Ctx, t: TaskState): void {
  t.pc++;
  t.frame = null;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// handle_mm_fault

function setResult(call: FaultCall, vm: string[], lockReleased: boolean, note?: string): void {
  call.result = { vm, lockReleased, ...(note ? { note } : {}) };
}

function userfault(c: Ctx, t: TaskState, v: Vma, call: FaultCall, reason: 'MISSING' | 'WP' | 'MINOR'): void {
  const ctx = v.uffd ? c.S.uffds[v.uffd.ctxId] : undefined;
  const dec = handleUserfault({
    era: c.R.era,
    ctx,
    registration: v.uffd,
    reason,
    address: call.address,
    flags: call.flags,
    task: t.id,
    signal: t.sigFatal ? 'fatal' : t.sigNonFatal ? 'nonfatal' : 'none',
    mustWait: true,
    pageSize: vmaPageSize(v),
  });
  switch (dec.kind) {
    case 'sigbus':
      emit(c, t.id, 'note', `handle_userfault → SIGBUS (${dec.reason})`, { reason: dec.reason });
      setResult(call, ['SIGBUS'], false, `userfault ${dec.reason}`);
      return;
    case 'retry-lock-held':
      setResult(call, ['RETRY'], false, 'RETRY_NOWAIT');
      return;
    case 'retry-lock-released-no-block':
      releaseFaultLock(c, t, call);
      setResult(call, ['RETRY'], true, `userfault ${dec.reason}`);
      return;
    case 'nopage-lock-held':
    case 'nopage-lock-retaken':
      setResult(call, ['NOPAGE'], false, `userfault ${dec.reason}`);
      return;
    case 'block': {
      const u = queueUserfault(ctx as NonNullable<typeof ctx>, dec);
      c.S.uffds[u.id] = u;
      emit(c, t.id, 'uffd-message', `UFFD_EVENT_PAGEFAULT ${hex(dec.message.address)} [${dec.message.flags.join('|')}] queued`, {
        address: dec.message.address,
        flags: dec.message.flags,
      });
      releaseFaultLock(c, t, call);
      call.cont = { k: 'uffd', decision: dec, ctx: u.id };
      blockOn(c, t, { k: 'uffd', ctx: u.id, state: dec.blockingState });
      emit(c, t.id, 'uffd-block', `blocked in handle_userfault (${dec.blockingState}), lock released`);
      for (const m of c.S.tasks) if (m.block?.k === 'uffd-read' && m.block.ctx === u.id) wake(c, m.id);
      return;
    }
  }
}

/** __lock_page_or_retry / __folio_lock_or_retry. Returns true if the page is available to the fault now. */
function pageLockOrRetry(c: Ctx, t: TaskState, call: FaultCall, key: string): boolean {
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
    const completes = c.R.completed && c.I.io[key]?.completesAfterIo === true;
    call.cont = { k: 'ret', vm: completes ? ['COMPLETED'] : call.major ? ['RETRY', 'MAJOR'] : ['RETRY'], lockReleased: true, ...(completes ? { completesKey: key } : {}) };
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

function releasePageIfHeld(c: Ctx, t: TaskState, key: string): void {
  const pl = c.S.pageLocks[key];
  if (pl && pl.holder === t.id) {
    const { woken, handedTo } = pageUnlock(c.S, key);
    for (const w of woken) wake(c, w);
    if (handedTo) wake(c, handedTo);
  }
}

/**
 * Installs what model/fault.ts classified (anon-fill, map-from-cache, cow, swap-in, spurious) with applyFault on
 * the engine's own mm. Returns false when the access still cannot complete (needsRefault: a write left on a
 * read-only pte, e.g. after a swap-in): handle_mm_fault goes on with the write-protect fault (do_wp_page).
 */
function install(c: Ctx, call: FaultCall, access: Access, need: FaultNeed): boolean {
  const r = applyFault(c.S.mm, call.address, access, need, OWN);
  c.S.mm = r.mm;
  return !r.needsRefault;
}

/**
 * One handle_mm_fault call. Sets call.result, or blocks the task with call.cont. What the fault needs comes from
 * model/fault.ts (classifyFault); the engine adds what only it models: page locks and I/O waits, the file
 * readahead heuristic (mmap_miss), daemon-served I/O, and the handle_userfault ladder.
 */
function faultCore(c: Ctx, t: TaskState, call: FaultCall): void {
  const write = call.flags.includes('WRITE');
  const access: Access = write ? 'write' : 'read';
  let pageReady = false;
  for (let pass = 0; pass < 4; pass++) {
    const mm = c.S.mm;
    const v = findVma(mm, call.address);
    if (!v) {
      setResult(call, ['SIGSEGV'], false, 'no vma');
      return;
    }
    // The arch handler / GUP checked the access already (FOLL_FORCE may write a read-only private mapping).
    const need = classifyFault(mm, call.address, access, { checkAccess: false });
    switch (need.kind) {
      case 'sigsegv':
        setResult(call, ['SIGSEGV'], false, need.reason === 'no-vma' ? 'no vma' : 'access');
        return;
      case 'sigbus-poison':
        setResult(call, ['HWPOISON'], false, 'UFFDIO_POISON marker');
        return;
      case 'sigbus':
        setResult(call, ['SIGBUS'], false, need.reason);
        return;
      case 'userfault-missing':
        return userfault(c, t, v, call, 'MISSING');
      case 'userfault-wp':
        return userfault(c, t, v, call, 'WP');
      case 'userfault-minor':
        return userfault(c, t, v, call, 'MINOR');
      case 'swap-in': {
        const key = `swap:${pageAlign(call.address, vmaPageSize(v))}`;
        if (need.latency > 0) {
          call.major = true;
          startIo(c, t, key, need.latency);
        }
        if (!pageLockOrRetry(c, t, call, key)) return;
        releasePageIfHeld(c, t, key);
        if (need.latency > 0) c.S.mm = completeSwapIoModel(c.S.mm, call.address, OWN);
        const done = install(c, call, access, { ...need, latency: 0 });
        if (!done) continue;
        setResult(call, call.major ? ['MAJOR'] : ['0'], false);
        return;
      }
      case 'needs-io':
      case 'map-from-cache': {
        if (!pageReady && (v.type === 'file' || need.kind === 'needs-io')) {
          pageReady = true;
          if (!cacheLookup(c, t, call, v, need.object, need.index)) return;
          continue;
        }
        if (need.kind === 'needs-io') break;
        if (!install(c, call, access, need)) continue;
        setResult(call, call.major ? ['MAJOR'] : ['0'], false);
        return;
      }
      case 'anon-fill':
      case 'cow':
      case 'spurious':
        if (!install(c, call, access, need)) continue;
        setResult(call, ['0'], false);
        return;
    }
  }
  bug(c, t, `handle_mm_fault at ${hex(call.address)} made no progress`);
}

/**
 * filemap_fault on a page-cache index: a miss allocates the entry (I/O with the per-page latency or a daemon, the
 * mmap_miss readahead counter grows); a hit on a page under I/O waits for it; a hit without TRIED shrinks
 * mmap_miss. Then the page lock (lock_page_or_retry). Returns true when the page is uptodate and unlocked.
 */
function cacheLookup(c: Ctx, t: TaskState, call: FaultCall, v: Vma, objectId: string, idx: number): boolean {
  const mm = c.S.mm;
  const obj = mm.objects[objectId];
  const key = `obj:${obj.id}:${idx}`;
  const ce = obj.pages[String(idx)];
  if (!ce) {
    c.rec.readahead[obj.id] = (c.rec.readahead[obj.id] ?? 0) + 1;
    emit(c, t.id, 'note', `page cache miss ${key}: mmap_miss++`, { mmapMiss: c.rec.readahead[obj.id] });
    const lat = c.I.io[key]?.latency ?? obj.readLatency;
    const id = allocPage(mm, v.type === 'file' || v.type === 'dax' ? diskContents(idx) : 0, false);
    obj.pages[String(idx)] = { page: id, state: lat > 0 || c.I.io[key]?.servedBy ? 'io' : 'uptodate', latency: lat };
    call.major = true;
    if (obj.pages[String(idx)].state === 'io') startIo(c, t, key, lat);
  } else if (ce.state === 'io') {
    if (v.type !== 'file') call.major = true;
    startIo(c, t, key, ce.latency);
  } else if (!call.flags.includes('TRIED') && (c.rec.readahead[obj.id] ?? 0) > 0) {
    c.rec.readahead[obj.id]--;
    emit(c, t.id, 'note', `page cache hit ${key} without TRIED: mmap_miss--`, { mmapMiss: c.rec.readahead[obj.id] });
  }
  if (!pageLockOrRetry(c, t, call, key)) return false;
  releasePageIfHeld(c, t, key);
  return true;
}

/** Continues a fault whose task was blocked; sets call.result or blocks again. */
function resumeFault(c: Ctx, t: TaskState, call: FaultCall): void {
  const cont = call.cont;
  const cause = t.wakeCause ?? 'woken';
  call.cont = undefined;
  if (!cont) return;
  if (cont.k === 'ret') {
    if (cont.completesKey && cause !== 'fatal-signal') {
      // VM_FAULT_COMPLETED: the fault finished after the wait without re-taking the lock.
      const access: Access = call.flags.includes('WRITE') ? 'write' : 'read';
      const need = classifyFault(c.S.mm, call.address, access, { checkAccess: false });
      if (need.kind === 'map-from-cache') install(c, call, access, need);
      setResult(call, ['COMPLETED'], true);
      return;
    }
    setResult(call, cont.vm, cont.lockReleased, cause === 'fatal-signal' ? 'page wait killed' : undefined);
    return;
  }
  if (cont.k === 'page-locked') {
    if (cause === 'fatal-signal') {
      // __folio_lock_killable failed: lock released, RETRY.
      releaseFaultLock(c, t, call);
      setResult(call, ['RETRY'], true, 'killed while sleeping on the page lock');
      return;
    }
    faultCore(c, t, call);
    return;
  }
  // uffd
  const u = c.S.uffds[cont.ctx];
  if (u) c.S.uffds[cont.ctx] = dequeueUserfault(u, t.id);
  const wcause = cause === 'released' ? 'released' : cause === 'fatal-signal' ? 'fatal-signal' : cause === 'signal' ? 'signal' : 'woken';
  if (wcause === 'released' && releasedCtxBehaviour(c.R.era) === 'sigbus') {
    emit(c, t.id, 'uffd-wake', 'woken by close of the uffd: SIGBUS (original design)');
    setResult(call, ['SIGBUS'], true, 'uffd released while blocked');
    return;
  }
  const r = userfaultWakeResult(c.R.era, cont.decision, wcause);
  emit(c, t.id, 'uffd-wake', `woken from handle_userfault (${wcause}) → ${r.vmFault.join('|')}`);
  if (!r.lockReleased) {
    // ≤5.6 return_to_userland: mmap_sem re-taken before returning NOPAGE.
    rwsemAcquire(c.S, t.id, 'read');
    if (c.S.rwsem.readers.includes(t.id)) noteLockGranted(c, t.id, 'read');
  }
  setResult(call, r.vmFault, r.lockReleased);
}

function attemptDone(c: Ctx, t: TaskState, call: FaultCall, opIndex: number): void {
  const r = call.result;
  if (!r) return;
  const st = stats(c, t);
  st.attempts.push({ t: call.t0 ?? c.S.now, op: opIndex, address: call.address, flags: [...call.flags], result: [...r.vm], lockReleased: r.lockReleased });
  emit(c, t.id, 'fault-result', `handle_mm_fault(${call.flags.join('|')}) → ${r.vm.join('|')}${r.lockReleased ? ' (lock released)' : ''}`, {
    flags: call.flags,
    result: r.vm,
    lockReleased: r.lockReleased,
    ...(r.note ? { note: r.note } : {}),
  });
}

/** Starts a fault attempt (costs faultCost µs first). Returns true if it finished synchronously. */
function runFault(c: Ctx, t: TaskState, call: FaultCall): boolean {
  call.t0 = c.S.now;
  emit(c, t.id, 'fault-attempt', `handle_mm_fault(${hex(call.address)}, ${call.flags.join('|')})`, { flags: call.flags, address: call.address });
  faultCore(c, t, call);
  return call.result !== undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Arch fault handler (user access)

function faultPath(c: Ctx, t: TaskState) {
  const d = c.R.defaultFaultPath;
  const fp = c.I.scenario.tasks[t.idx].faultPath ?? {};
  return {
    initialFlags: fp.initialFlags ?? d.initialFlags,
    set: fp.retry?.set ?? d.retry.set,
    clear: fp.retry?.clear ?? d.retry.clear,
    max: fp.retry && 'max' in fp.retry ? (fp.retry.max ?? null) : fp.retry ? null : d.retry.max,
    signalCheck: fp.signalCheck ?? d.signalCheck,
    lockRetake: fp.lockRetake ?? d.lockRetake,
    vmaLock: (fp.vmaLock ?? d.vmaLock) && c.R.vmaLocks,
    vmaLockTried: fp.vmaLockTried ?? d.vmaLockTried,
    handlesCompleted: fp.handlesCompleted ?? d.handlesCompleted,
    unlockAfterRetry: fp.unlockAfterRetry ?? d.unlockAfterRetry,
  };
}

function orderFlags(flags: Iterable<string>): string[] {
  const order = ['WRITE', 'MKWRITE', 'ALLOW_RETRY', 'RETRY_NOWAIT', 'KILLABLE', 'TRIED', 'USER', 'REMOTE', 'INSTRUCTION', 'INTERRUPTIBLE', 'UNSHARE', 'ORIG_PTE_VALID', 'VMA_LOCK'];
  const s = new Set(flags);
  return order.filter((f) => s.has(f));
}

function stepAccess(c: Ctx, t: TaskState, op: AccessOp, f: Extract<Frame, { kind: 'access' }>): void {
  const fp = faultPath(c, t);
  const st = stats(c, t);
  for (;;) {
    switch (f.phase) {
      case 'begin': {
        st.faults++;
        const flags = new Set<string>(fp.initialFlags);
        if (!t.kernel) flags.add('USER');
        if (f.write) flags.add('WRITE');
        if (f.exec) flags.add('INSTRUCTION');
        f.flags = orderFlags(flags);
        emit(c, t.id, 'op-start', `${op.mode} ${hex(f.address)}: page fault`, { address: f.address });
        f.phase = fp.vmaLock && !t.kernel ? 'vma-lock' : 'lock';
        continue;
      }
      case 'vma-lock': {
        f.vmaTried = true;
        if (!tryVmaRead(c, t, f.address)) {
          emit(c, t.id, 'note', 'lock_vma_under_rcu failed: fall back to mmap_lock');
          f.phase = 'lock';
          continue;
        }
        f.viaVma = true;
        f.call = { address: f.address, flags: orderFlags([...f.flags, 'VMA_LOCK']), lock: 'vma' };
        f.phase = 'in-fault';
        delay(c, t, c.I.faultCost);
        return;
      }
      case 'lock': {
        f.viaVma = false;
        if (t.readHeld === 0 && !lockMm(c, t, 'read')) {
          f.phase = 'locked';
          return;
        }
        f.phase = 'locked';
        continue;
      }
      case 'locked': {
        const v = findVma(c.S.mm, f.address);
        const bad = !v || (f.write && !v.prot.write) || (!f.write && !f.exec && !v.prot.read) || (f.exec && !v.prot.exec);
        if (bad) {
          unlockMm(c, t, 'read');
          finishTask(c, t, { kind: 'signal', signal: 'SIGSEGV' }, v ? 'access_error' : 'bad_area: no vma');
          return;
        }
        f.call = { address: f.address, flags: [...f.flags], lock: 'mmap' };
        f.phase = 'in-fault';
        delay(c, t, c.I.faultCost);
        return;
      }
      case 'in-fault': {
        const call = f.call as FaultCall;
        if (call.cont) resumeFault(c, t, call);
        else if (!call.result) runFault(c, t, call);
        if (!call.result) return; // blocked
        attemptDone(c, t, call, t.pc);
        f.phase = 'after';
        continue;
      }
      case 'after': {
        const call = f.call as FaultCall;
        const r = call.result as NonNullable<FaultCall['result']>;
        f.call = undefined;
        const has = (x: string): boolean => r.vm.includes(x);
        const retry = has('RETRY');
        if (f.viaVma) {
          // Per-VMA lock path: not a loop; on RETRY check signals and fall through once to the mmap_lock path.
          if (!retry && !has('COMPLETED')) {
            vmaEndRead(c, t);
            if (!endOfFault(c, t, op, r.vm)) return;
            return;
          }
          if (has('COMPLETED')) {
            emit(c, t.id, 'note', 'VM_FAULT_COMPLETED (lock already released)');
            nextOp(c, t);
            return;
          }
          st.retries++;
          if (signalCheckHit(c, t, fp.signalCheck, r.vm)) return;
          if (fp.vmaLockTried === 'always' || (fp.vmaLockTried === 'major' && (has('MAJOR') || call.major))) f.flags = orderFlags([...f.flags, 'TRIED']);
          f.phase = 'lock';
          continue;
        }
        if (retry || has('COMPLETED')) {
          if (signalCheckHit(c, t, fp.signalCheck, r.vm)) return;
        }
        if (has('COMPLETED')) {
          if (fp.handlesCompleted) {
            emit(c, t.id, 'note', 'VM_FAULT_COMPLETED: done, lock already released');
            nextOp(c, t);
            return;
          }
          // The handler does not know COMPLETED: it unlocks a lock the callee already released.
          unlockMm(c, t, 'read');
          return;
        }
        if (retry && f.flags.includes('ALLOW_RETRY') && (fp.max === null || f.retries < fp.max)) {
          if (!r.lockReleased) {
            // RETRY with the lock held (RETRY_NOWAIT): the caller must unlock.
            unlockMm(c, t, 'read');
          } else if (fp.unlockAfterRetry) {
            unlockMm(c, t, 'read');
            return;
          }
          st.retries++;
          if (fp.max !== null) f.retries++;
          const nf = new Set(f.flags);
          for (const x of fp.clear) nf.delete(x);
          for (const x of fp.set) nf.add(x);
          f.flags = orderFlags(nf);
          emit(c, t.id, 'note', `retry with ${f.flags.join('|')}`);
          f.phase = 'lock';
          continue;
        }
        if (retry && r.lockReleased) {
          // RETRY that the handler does not retry: it goes on to unlock a lock that was already released.
          unlockMm(c, t, 'read');
          return;
        }
        if (t.readHeld > 0) unlockMm(c, t, 'read');
        endOfFault(c, t, op, r.vm);
        return;
      }
      default:
        return;
    }
  }
}

/** True if the signal check makes the handler return (the task then dies or handles the signal). */
function signalCheckHit(c: Ctx, t: TaskState, check: 'fault_signal_pending' | 'fatal' | 'none', vm: string[]): boolean {
  if (!vm.includes('RETRY') && !vm.includes('COMPLETED')) return false;
  if (check === 'none') return false;
  const userSig = check === 'fault_signal_pending' && !t.kernel && t.sigNonFatal;
  if (t.sigFatal) {
    if (t.readHeld > 0 && !vm.includes('RETRY')) unlockMm(c, t, 'read');
    emit(c, t.id, 'signal', `${check === 'fatal' ? 'fatal_signal_pending' : 'fault_signal_pending'}: return from the fault`);
    finishTask(c, t, { kind: 'killed', signal: 'SIGKILL' }, 'fatal signal checked after RETRY');
    return true;
  }
  if (userSig) {
    // Return to user mode, run the handler, the access re-executes: a new fault.
    t.sigNonFatal = false;
    emit(c, t.id, 'signal', 'fault_signal_pending: return to user for a non-fatal signal; the access restarts');
    t.frame = null;
    return true;
  }
  return false;
}

function endOfFault(c: Ctx, t: TaskState, op: AccessOp, vm: string[]): boolean {
  if (vm.includes('SIGBUS') || vm.includes('HWPOISON')) {
    finishTask(c, t, { kind: 'signal', signal: 'SIGBUS' }, vm.includes('HWPOISON') ? 'poisoned page' : 'VM_FAULT_SIGBUS');
    return false;
  }
  if (vm.includes('SIGSEGV')) {
    finishTask(c, t, { kind: 'signal', signal: 'SIGSEGV' }, 'VM_FAULT_SIGSEGV');
    return false;
  }
  if (vm.includes('NOPAGE')) {
    // Return to user; the instruction re-executes (new fault if still not mapped).
    t.frame = null;
    return false;
  }
  emit(c, t.id, 'op-end', `${op.mode} ${hex(resolve(c, op.address))} done`);
  nextOp(c, t);
  return true;
}

function resolve(c: Ctx, a: number | string): number {
  return resolveAddress(a, c.S.vmaIds);
}

// ---------------------------------------------------------------------------------------------------------------
// GUP

function vmFaultToErrno(vm: string[]): { errno: Errno; where: string } | null {
  if (vm.includes('SIGBUS')) return { errno: 'EFAULT', where: 'VM_FAULT_SIGBUS' };
  if (vm.includes('SIGSEGV')) return { errno: 'EFAULT', where: 'VM_FAULT_SIGSEGV' };
  if (vm.includes('HWPOISON')) return { errno: 'EFAULT', where: 'VM_FAULT_HWPOISON (-EHWPOISON)' };
  if (vm.includes('OOM')) return { errno: 'ENOMEM', where: 'VM_FAULT_OOM' };
  return null;
}

function gupEnd(c: Ctx, t: TaskState, op: GupOp, ret: number | Errno, where?: string): void {
  if (typeof ret === 'number') {
    t.lastValue = ret;
    emit(c, t.id, 'gup', `${op.variant} returns ${ret}`, { ret });
    emit(c, t.id, 'op-end', `${op.variant} → ${ret}`);
    nextOp(c, t);
    return;
  }
  emit(c, t.id, 'gup', `${op.variant} returns -${ret}`, { ret: `-${ret}` });
  if (t.readHeld > 0) unlockMm(c, t, 'read');
  finishTask(c, t, { kind: 'error', errno: ret, where: where ?? op.variant }, '');
}

function stepGup(c: Ctx, t: TaskState, op: GupOp, f: Extract<Frame, { kind: 'gup' }>): void {
  const info = gupVariantInfo(op.variant);
  const st = stats(c, t);
  const foll = new Set<string>(op.gup_flags ?? []);
  const lockedParam = !!op.locked && info.acceptsLocked(c.R.era);
  const dropCapable = lockedParam || info.takesLock;
  for (;;) {
    switch (f.phase) {
      case 'begin': {
        emit(c, t.id, 'op-start', `${op.variant}(${hex(f.start)}, ${f.left}, ${[...foll].join('|') || '0'}${op.locked ? ', &locked' : ''}${op.vmas ? ', vmas' : ''})`);
        const longterm = foll.has('FOLL_LONGTERM') || op.variant === 'get_user_pages_longterm';
        if (longterm) {
          if (c.R.longterm === 'pin-only' && !info.pin) return gupEnd(c, t, op, 'EINVAL', 'FOLL_LONGTERM without FOLL_PIN (WARN, is_valid_gup_args)');
          if (c.R.longterm === 'reject-locked-unlocked-remote' && info.rejectsLongtermPre63)
            return gupEnd(c, t, op, 'EINVAL', `FOLL_LONGTERM rejected by ${op.variant} (WARN)`);
        }
        if (lockedParam && (op.lockedValue ?? 1) !== 1) {
          if (c.R.gupLockedNotOne === 'bug') return bug(c, t, 'BUG_ON(*locked != 1)');
          return gupEnd(c, t, op, 'EINVAL', 'WARN_ON_ONCE(*locked != 1)');
        }
        if (op.vmas && lockedParam) {
          if (c.R.gupVmasWithLockDrop === 'bug') return bug(c, t, 'BUG_ON(vmas): if VM_FAULT_RETRY can be returned, vmas become invalid');
          if (c.R.gupVmasWithLockDrop === 'einval') return gupEnd(c, t, op, 'EINVAL', 'WARN_ON_ONCE(vmas) with a lock-dropping call');
        }
        if (longterm) {
          for (let i = 0; i < f.left; i++) {
            const v = findVma(c.S.mm, f.start + i * PAGE_SIZE);
            if (v && v.type === 'dax') return gupEnd(c, t, op, 'EOPNOTSUPP', 'FOLL_LONGTERM on an FS DAX vma (check_vma_flags)');
          }
        }
        if (info.fast) {
          // Lockless walk first: pages already present with the right permissions.
          while (f.left > 0) {
            const pte = c.S.mm.ptes[String(pageAlign(f.start))];
            if (!pte || pte.kind !== 'present' || (foll.has('FOLL_WRITE') && !pte.writable)) break;
            f.start += PAGE_SIZE;
            f.left--;
            f.done++;
          }
          if (f.left === 0) return gupEnd(c, t, op, f.done);
          emit(c, t.id, 'gup', `fast path got ${f.done} page(s); slow path for the rest`);
        }
        f.unlockable = dropCapable;
        f.foll = [...foll];
        f.phase = 'lock';
        continue;
      }
      case 'lock':
      case 'retry-lock': {
        const retryLock = f.phase === 'retry-lock';
        if (retryLock && c.R.gupMultiRetry && t.sigFatal) {
          return gupEnd(c, t, op, f.done > 0 ? f.done : 'EINTR', 'fatal signal between GUP retries');
        }
        f.phase = retryLock ? 'retry-walk' : 'walk';
        if (t.readHeld === 0) {
          f.locked = true;
          if (!lockMm(c, t, 'read')) return;
        }
        f.locked = true;
        continue;
      }
      case 'walk':
      case 'retry-walk': {
        const single = f.phase === 'retry-walk';
        // One __get_user_pages pass (a single page with FOLL_TRIED for the retry pass).
        if (t.sigFatal) {
          f.ret = f.done > 0 ? f.done : 'EINTR';
          f.phase = 'finish';
          continue;
        }
        const addr = f.start;
        const v = findVma(c.S.mm, addr);
        const write = foll.has('FOLL_WRITE');
        if (!v || v.type === 'pfnmap' || (write && !v.prot.write && !foll.has('FOLL_FORCE'))) {
          f.ret = f.done > 0 ? f.done : 'EFAULT';
          f.phase = 'finish';
          continue;
        }
        const pte = c.S.mm.ptes[String(pageAlign(addr, vmaPageSize(v)))];
        if (pte && pte.kind === 'present' && (!write || pte.writable)) {
          f.done++;
          f.left--;
          f.start += PAGE_SIZE;
          if (f.left === 0 || single) {
            f.phase = f.left === 0 ? 'finish' : 'walk';
            if (single) f.unlockable = dropCapable;
          }
          continue;
        }
        // faultin_page: FOLL → FAULT flags.
        const flags = new Set<string>();
        if (write) flags.add('WRITE');
        if (foll.has('FOLL_REMOTE')) flags.add('REMOTE');
        const unlockable = single ? c.R.gupMultiRetry && dropCapable : f.unlockable;
        if (unlockable) {
          flags.add('ALLOW_RETRY');
          flags.add('KILLABLE');
          if (foll.has('FOLL_INTERRUPTIBLE') && c.R.interruptible) flags.add('INTERRUPTIBLE');
        }
        if (foll.has('FOLL_NOWAIT')) {
          flags.add('ALLOW_RETRY');
          flags.add('RETRY_NOWAIT');
        }
        if (single) flags.add('TRIED');
        st.faults += single ? 0 : 1;
        f.call = { address: addr, flags: orderFlags(flags), lock: 'mmap' };
        f.phase = single ? 'retry-in-fault' : 'in-fault';
        delay(c, t, c.I.faultCost);
        return;
      }
      case 'in-fault':
      case 'retry-in-fault': {
        const single = f.phase === 'retry-in-fault';
        const call = f.call as FaultCall;
        if (call.cont) resumeFault(c, t, call);
        else if (!call.result) runFault(c, t, call);
        if (!call.result) return;
        attemptDone(c, t, call, t.pc);
        const r = call.result;
        f.call = undefined;
        const e = vmFaultToErrno(r.vm);
        if (e) {
          f.ret = f.done > 0 ? f.done : e.errno;
          f.where = `${op.variant}: faultin_page ${e.where}`;
          emit(c, t.id, 'gup', `faultin_page: ${r.vm.join('|')} → -${e.errno}`);
          f.phase = 'finish';
          continue;
        }
        if (r.vm.includes('RETRY') || r.vm.includes('COMPLETED')) {
          st.retries++;
          if (!r.lockReleased) {
            // RETRY_NOWAIT: lock still held, *locked stays 1; the pass ends.
            f.ret = f.done;
            f.phase = 'finish';
            continue;
          }
          f.locked = false;
          f.lockDropped = true;
          emit(c, t.id, 'gup', `faultin_page: ${r.vm.includes('COMPLETED') ? 'COMPLETED → *locked = 0, -EAGAIN' : 'RETRY → *locked = 0, -EBUSY'}`);
          if (!dropCapable) {
            // Cannot happen without ALLOW_RETRY except a killed page wait.
            f.ret = f.done > 0 ? f.done : 'EINTR';
            f.phase = 'finish';
            continue;
          }
          f.phase = 'retry-lock';
          if (!c.R.gupMultiRetry && single) {
            // ≤5.6 never drops the lock in the TRIED pass; only a killed wait gets here.
            f.ret = f.done > 0 ? f.done : 'EINTR';
            f.phase = 'finish';
          }
          continue;
        }
        // success or NOPAGE: re-walk the page (follow_page again).
        f.phase = single ? 'retry-walk' : 'walk';
        continue;
      }
      case 'finish': {
        const ret = f.ret ?? f.done;
        if (f.locked && t.readHeld > 0 && (info.takesLock || (lockedParam && f.lockDropped) || info.callerHoldsLock)) {
          // get_user_pages*: the (auto) caller unlocks what it holds; lock-dropping variants report *locked.
          if (op.holdAfterUs && info.callerHoldsLock) {
            f.phase = 'hold';
            delay(c, t, op.holdAfterUs);
            return;
          }
          unlockMm(c, t, 'read');
        }
        if (typeof ret === 'number') return gupEnd(c, t, op, ret);
        return gupEnd(c, t, op, ret as Errno, f.where);
      }
      case 'hold': {
        if (t.readHeld > 0) unlockMm(c, t, 'read');
        const ret = f.ret ?? f.done;
        if (typeof ret === 'number') return gupEnd(c, t, op, ret);
        return gupEnd(c, t, op, ret as Errno, f.where);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Ops

function resolveOpAddress(c: Ctx, a: number | string): number {
  return resolve(c, a);
}

function opName(op: ScriptOp): string {
  return Object.keys(op)[0];
}

function stepFixup(c: Ctx, t: TaskState, op: Extract<ScriptOp, { fixup_user_fault: unknown }>['fixup_user_fault'], f: Extract<Frame, { kind: 'fixup' }>): void {
  for (;;) {
    switch (f.phase) {
      case 'begin': {
        if (t.readHeld === 0) {
          f.phase = 'begin';
          if (!lockMm(c, t, 'read')) return;
        }
        emit(c, t.id, 'op-start', `fixup_user_fault(${hex(f.address)}${op.allowRetry ? ', ALLOW_RETRY' : ''}${op.unlocked ? ', &unlocked' : ''})`);
        const flags = new Set<string>();
        if (op.write) flags.add('WRITE');
        if (op.allowRetry) {
          flags.add('ALLOW_RETRY');
          flags.add('KILLABLE');
        }
        flags.add('REMOTE');
        f.flags = orderFlags(flags);
        f.call = { address: f.address, flags: f.flags, lock: 'mmap' };
        f.phase = 'in-fault';
        delay(c, t, c.I.faultCost);
        return;
      }
      case 'in-fault': {
        const call = f.call as FaultCall;
        if (call.cont) resumeFault(c, t, call);
        else if (!call.result) runFault(c, t, call);
        if (!call.result) return;
        attemptDone(c, t, call, t.pc);
        const r = call.result;
        f.call = undefined;
        const e = vmFaultToErrno(r.vm);
        if (e) {
          if (t.readHeld > 0) unlockMm(c, t, 'read');
          return finishTask(c, t, { kind: 'error', errno: e.errno, where: 'fixup_user_fault' }, '');
        }
        if (r.vm.includes('RETRY') && r.lockReleased) {
          stats(c, t).retries++;
          if (!op.unlocked) {
            emit(c, t.id, 'note', 'fixup_user_fault: ALLOW_RETRY without *unlocked — the lock was dropped under the caller');
          }
          f.unlocked = true;
          f.flags = orderFlags([...f.flags, 'TRIED']);
          if (!c.R.gupMultiRetry) f.flags = f.flags.filter((x) => x !== 'ALLOW_RETRY');
          f.phase = 'relock';
          continue;
        }
        if (t.readHeld > 0) unlockMm(c, t, 'read');
        emit(c, t.id, 'op-end', `fixup_user_fault → 0${f.unlocked ? ' (*unlocked = true: vma pointers are stale)' : ''}`);
        nextOp(c, t);
        return;
      }
      case 'relock': {
        if (c.R.gupMultiRetry && t.sigFatal) return finishTask(c, t, { kind: 'error', errno: 'EINTR', where: 'fixup_user_fault' }, '');
        f.call = { address: f.address, flags: f.flags, lock: 'mmap' };
        f.phase = 'in-fault';
        if (!lockMm(c, t, 'read')) return;
        delay(c, t, c.I.faultCost);
        return;
      }
      default:
        return;
    }
  }
}

function writerVmas(c: Ctx, op: ScriptOp): number[] {
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
function ctxFeatures(c: Ctx): CtxFeatureMap {
  const out: Record<string, readonly string[]> = {};
  for (const [id, u] of Object.entries(c.S.uffds)) out[id] = u.features;
  return out;
}

/**
 * The address-space change of a writer op, done by model/ops.ts on the engine's mm. Returns the uffd events the op
 * generates (UNMAP / REMAP per the ctx features), for the caller to queue.
 */
function applyWriter(c: Ctx, t: TaskState, op: ScriptOp): MmEvent[] {
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
function queueOpEvents(c: Ctx, t: TaskState, events: readonly MmEvent[], why: string): string | null {
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
function pendingEventCtx(c: Ctx, t: TaskState): string | null {
  for (const u of Object.values(c.S.uffds)) if (!u.released && u.events.some((e) => e.producer === t.id)) return u.id;
  return null;
}

function holdOf(c: Ctx, op: ScriptOp): number {
  if ('mmap' in op) return op.mmap.holdUs ?? c.I.writerHold;
  if ('munmap' in op) return op.munmap.holdUs ?? c.I.writerHold;
  if ('mprotect' in op) return op.mprotect.holdUs ?? c.I.writerHold;
  if ('mremap' in op) return op.mremap.holdUs ?? c.I.writerHold;
  return c.I.writerHold;
}

function stepWriter(c: Ctx, t: TaskState, op: ScriptOp, f: Extract<Frame, { kind: 'writer' }>): void {
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

function stepMadvise(c: Ctx, t: TaskState, op: Extract<ScriptOp, { madvise: unknown }>['madvise'], f: Extract<Frame, { kind: 'writer' }>): void {
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

/** read(2) on the uffd: the first message, or 'blocked' / 'eagain'. */
function readUffd(c: Ctx, t: TaskState, ctxId: string, nonblock: boolean): { address: number; event: string } | 'blocked' | 'eagain' {
  const u = c.S.uffds[ctxId];
  if (!u) return 'eagain';
  if (u.released) return 'eagain';
  const r = uffdRead(u, { nonblock });
  c.S.uffds[ctxId] = r.ctx;
  if (r.kind === 'error') return 'eagain';
  if (r.kind === 'would-block') {
    blockOn(c, t, { k: 'uffd-read', ctx: ctxId });
    return 'blocked';
  }
  const m = r.msgs[0];
  c.rec.metrics.uffdMessagesRead += r.msgs.length;
  for (const p of r.wake) wake(c, p);
  if (m.event === 'PAGEFAULT') {
    emit(c, t.id, 'uffd-message', `read: UFFD_EVENT_PAGEFAULT ${hex(m.address)} [${m.flags.join('|')}]`, { address: m.address, flags: m.flags });
    return { address: m.address, event: 'PAGEFAULT' };
  }
  emit(c, t.id, 'uffd-event', `read: UFFD_EVENT_${m.event}`);
  return { address: 'start' in m ? m.start : 0, event: m.event };
}

function doIoctl(c: Ctx, t: TaskState, ctxId: string, req: IoctlRequest): string {
  const u = c.S.uffds[ctxId];
  let result: string;
  if (!u || u.released) result = '-EBADF';
  else {
    const out = runIoctl(c.R.era, c.S, ctxId, req);
    result = out.result;
    for (const w of out.wake) wake(c, w);
    if (out.wake.length) emit(c, t.id, 'uffd-wake', `wake ${out.wake.join(', ')}`);
  }
  c.rec.metrics.ioctls.push({ t: c.S.now, task: t.id, ioctl: `UFFDIO_${req.ioctl}`, result });
  emit(c, t.id, 'uffd-ioctl', `UFFDIO_${req.ioctl}${req.address !== undefined ? ` ${hex(req.address)}` : ''} → ${result}`, { ioctl: req.ioctl, result });
  return result;
}

function uffdClose(c: Ctx, t: TaskState, ctxId: string): void {
  if (!c.S.uffds[ctxId]) return;
  const woken = closeUffd(c.S, ctxId);
  emit(c, t.id, 'uffd-ioctl', `close(uffd ${ctxId}): release, wake ${woken.length} task(s)`);
  for (const w of woken) wake(c, w, 'released');
  for (const m of c.S.tasks) if (m.block?.k === 'uffd-read' && m.block.ctx === ctxId) wake(c, m.id);
}

function stepServe(c: Ctx, t: TaskState, op: UffdServeOp, f: Extract<Frame, { kind: 'serve' }>): void {
  for (;;) {
    switch (f.phase) {
      case 'read': {
        if (f.left <= 0) {
          nextOp(c, t);
          return;
        }
        const r = readUffd(c, t, op.uffd, false);
        if (r === 'blocked') return;
        if (r === 'eagain') {
          nextOp(c, t);
          return;
        }
        if (r.event !== 'PAGEFAULT') continue;
        f.msgAddress = r.address;
        f.phase = 'ioctl';
        delay(c, t, op.latencyUs ?? 0, true);
        return;
      }
      case 'ioctl': {
        const addr = f.msgAddress;
        const req: { ioctl: string; address: number; pages: number; mode: string[]; src?: number } = { ioctl: op.resolve, address: addr, pages: 1, mode: [] };
        if (op.resolve === 'MOVE' && op.moveFrom !== undefined) {
          const v = findVma(c.S.mm, addr);
          const src = c.S.vmaIds[op.moveFrom];
          if (v && src !== undefined) req.src = src + (addr - v.start);
        }
        const res = doIoctl(c, t, op.uffd, req);
        if (res === '-EEXIST' && op.wakeOnEexist !== false) doIoctl(c, t, op.uffd, { ioctl: 'WAKE', address: addr, pages: 1 });
        f.left--;
        f.phase = 'read';
        delay(c, t, c.I.ioctlCost);
        return;
      }
      default:
        return;
    }
  }
}

function stepIoctl(c: Ctx, t: TaskState, op: UffdIoctlOp, f: Extract<Frame, { kind: 'ioctl' }>): void {
  if (f.phase === 'latency') {
    f.phase = 'do';
    delay(c, t, op.afterUs ?? 0, true);
    return;
  }
  const req = {
    ioctl: op.ioctl,
    ...(op.address !== undefined ? { address: resolveOpAddress(c, op.address) } : {}),
    ...(op.src !== undefined ? { src: resolveOpAddress(c, op.src) } : {}),
    pages: op.pages ?? 1,
    mode: op.mode ?? [],
    ...(op.features ? { features: op.features } : {}),
    ...(op.api !== undefined ? { api: op.api } : {}),
  };
  const res = doIoctl(c, t, op.uffd, req);
  if (op.expect !== undefined && op.expect !== res) emit(c, t.id, 'note', `expected ${op.expect}, got ${res}`);
  nextOp(c, t);
  delay(c, t, c.I.ioctlCost);
}

// ---------------------------------------------------------------------------------------------------------------
// Signals

export function deliverSignal(c: Ctx, target: string, signal: 'SIGKILL' | 'SIGUSR1' | 'SIGSTOP', from: string): void {
  const t = taskById(c.S, target);
  if (t.status === 'done') return;
  emit(c, from, 'signal', `${signal} → ${target}`, { target, signal });
  if (signal === 'SIGSTOP') return;
  const fatal = signal === 'SIGKILL';
  if (fatal) t.sigFatal = true;
  else t.sigNonFatal = true;
  const b = t.block;
  if (!b || t.status !== 'blocked') return;
  if (b.k === 'uffd' && signalWakesBlocked(b.state, fatal ? 'fatal' : 'nonfatal')) wake(c, t.id, fatal ? 'fatal-signal' : 'signal');
  else if (b.k === 'page' && b.killable && fatal) {
    const pl = c.S.pageLocks[b.key];
    if (pl) pl.waiters = pl.waiters.filter((w) => w.task !== t.id);
    wake(c, t.id, 'fatal-signal');
  } else if (fatal && (b.k === 'timer' || b.k === 'uffd-read' || b.k === 'io-request' || b.k === 'uffd-event') && t.frame?.kind !== 'access' && t.frame?.kind !== 'gup' && t.frame?.kind !== 'fixup') {
    // User-space sleep / read: the task dies at once.
    wake(c, t.id, 'fatal-signal');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The step

function initFrame(c: Ctx, op: ScriptOp): Frame {
  if ('access' in op) {
    return { kind: 'access', phase: 'begin', flags: [], address: resolveOpAddress(c, op.access.address), write: op.access.mode === 'write', exec: op.access.mode === 'exec', retries: 0, vmaTried: false, viaVma: false };
  }
  if ('gup' in op) {
    return { kind: 'gup', phase: 'begin', start: pageAlign(resolveOpAddress(c, op.gup.address)), left: op.gup.nr_pages, done: 0, locked: false, lockDropped: false, foll: [], unlockable: false };
  }
  if ('fixup_user_fault' in op) return { kind: 'fixup', phase: 'begin', flags: [], address: resolveOpAddress(c, op.fixup_user_fault.address), unlocked: false };
  if ('mmap' in op || 'munmap' in op || 'mprotect' in op || 'mremap' in op || 'madvise' in op) return { kind: 'writer', phase: 'lock', vmas: [] };
  if ('mmap_read_lock' in op || 'proc_read' in op) return { kind: 'reader', phase: 'lock' };
  if ('uffd_serve' in op) return { kind: 'serve', phase: 'read', left: op.uffd_serve.count ?? 1, msgAddress: 0 };
  if ('uffdio' in op) return { kind: 'ioctl', phase: 'latency' };
  if ('uffd_read' in op) return { kind: 'uffd-read', phase: 'read' };
  if ('page_lock_hold' in op) return { kind: 'page-hold', phase: 'acquire', left: op.page_lock_hold.rounds };
  if ('wait_io_request' in op) return { kind: 'io-wait', phase: 'wait' };
  if ('complete_io' in op) return { kind: 'complete-io', phase: 'latency' };
  return { kind: 'sleep', phase: 'sleep' };
}

function pageKeyOf(c: Ctx, addr: number): string {
  const v = findVma(c.S.mm, addr);
  if (v && v.object && v.type !== 'anon') return `obj:${v.object}:${objectIndex(v, addr)}`;
  return `anon:${pageAlign(addr)}`;
}

/** Runs task `id` until it blocks, sleeps or ends. */
export function stepTask(c: Ctx, id: string): void {
  const t = taskById(c.S, id);
  if (t.status !== 'ready') return;
  const script = c.I.scenario.tasks[t.idx].script;
  for (let guard = 0; guard < 10000 && t.status === 'ready'; guard++) {
    // Return to user space between ops: pending signals are delivered here.
    if (t.frame === null || t.wakeCause === 'fatal-signal') {
      if (t.sigFatal && (t.frame === null || (t.frame.kind !== 'access' && t.frame.kind !== 'gup' && t.frame.kind !== 'fixup'))) {
        finishTask(c, t, { kind: 'killed', signal: 'SIGKILL' }, 'SIGKILL delivered on return to user space');
        return;
      }
    }
    if (t.frame === null) {
      if (t.sigNonFatal) {
        t.sigNonFatal = false;
        emit(c, t.id, 'signal', 'signal handler runs');
      }
      if (t.pc >= script.length) {
        finishTask(c, t, t.lastValue === null ? { kind: 'ok' } : { kind: 'ok', value: t.lastValue }, '');
        return;
      }
      t.frame = initFrame(c, script[t.pc]);
    }
    const op = script[t.pc];
    const f = t.frame;
    const before = t.pc;
    switch (f.kind) {
      case 'access':
        stepAccess(c, t, (op as { access: AccessOp }).access, f);
        break;
      case 'gup':
        stepGup(c, t, (op as { gup: GupOp }).gup, f);
        break;
      case 'fixup':
        stepFixup(c, t, (op as Extract<ScriptOp, { fixup_user_fault: unknown }>).fixup_user_fault, f);
        break;
      case 'writer':
        if ('madvise' in op) stepMadvise(c, t, op.madvise, f);
        else stepWriter(c, t, op, f);
        break;
      case 'reader': {
        const hold = 'proc_read' in op ? (op.proc_read.holdUs ?? 1) : 'mmap_read_lock' in op ? op.mmap_read_lock.holdUs : 1;
        if (f.phase === 'lock') {
          emit(c, t.id, 'op-start', 'proc_read' in op ? 'read /proc/pid/maps: mmap_read_lock' : 'mmap_read_lock');
          f.phase = 'hold';
          if (!lockMm(c, t, 'read')) break;
        }
        if (f.phase === 'hold') {
          f.phase = 'unlock';
          delay(c, t, hold);
          break;
        }
        unlockMm(c, t, 'read');
        emit(c, t.id, 'op-end', 'mmap_read_unlock');
        nextOp(c, t);
        break;
      }
      case 'serve':
        stepServe(c, t, (op as { uffd_serve: UffdServeOp }).uffd_serve, f);
        break;
      case 'ioctl':
        stepIoctl(c, t, (op as { uffdio: UffdIoctlOp }).uffdio, f);
        break;
      case 'uffd-read': {
        const o = (op as Extract<ScriptOp, { uffd_read: unknown }>).uffd_read;
        const r = readUffd(c, t, o.uffd, o.nonblock ?? false);
        if (r === 'blocked') break;
        if (r === 'eagain') emit(c, t.id, 'uffd-message', 'read → -EAGAIN');
        nextOp(c, t);
        break;
      }
      case 'sleep': {
        if ('sleep' in op) {
          if (f.phase === 'sleep') {
            f.phase = 'done';
            delay(c, t, op.sleep.us);
            break;
          }
          nextOp(c, t);
          break;
        }
        if ('signal' in op) {
          deliverSignal(c, op.signal.task, op.signal.signal, t.id);
          nextOp(c, t);
          break;
        }
        if ('uffd_close' in op) {
          uffdClose(c, t, op.uffd_close.uffd);
          nextOp(c, t);
          break;
        }
        nextOp(c, t);
        break;
      }
      case 'page-hold': {
        const o = (op as Extract<ScriptOp, { page_lock_hold: unknown }>).page_lock_hold;
        const key = pageKeyOf(c, resolveOpAddress(c, o.address));
        const pl = pageLock(c.S, key);
        if (f.phase === 'acquire') {
          if (pl.holder === null) pl.holder = t.id;
          if (pl.holder !== t.id) {
            if (!pl.waiters.some((w) => w.task === t.id)) pl.waiters.push({ task: t.id, acquire: true });
            blockOn(c, t, { k: 'page', key, acquire: true, killable: false });
            break;
          }
          emit(c, t.id, 'note', `lock_page(${key})`);
          f.phase = 'hold';
          delay(c, t, o.holdUs);
          break;
        }
        // Unlock; re-lock at once for the next round (steady contention).
        const { woken, handedTo } = pageUnlock(c.S, key);
        emit(c, t.id, 'note', `unlock_page(${key})`);
        for (const w of woken) wake(c, w);
        if (handedTo) wake(c, handedTo);
        if (o.rounds !== 0) f.left--;
        if (o.rounds !== 0 && f.left <= 0) {
          nextOp(c, t);
          break;
        }
        f.phase = 'acquire';
        break;
      }
      case 'io-wait': {
        const o = (op as Extract<ScriptOp, { wait_io_request: unknown }>).wait_io_request;
        const key = ioKey(c, o.file, o.page);
        if (c.S.ioRequests[key] === 'pending') {
          c.S.ioRequests[key] = 'taken';
          emit(c, t.id, 'io-start', `daemon picked up the read request for ${key}`);
          nextOp(c, t);
          break;
        }
        blockOn(c, t, { k: 'io-request', key });
        break;
      }
      case 'complete-io': {
        const o = (op as Extract<ScriptOp, { complete_io: unknown }>).complete_io;
        if (f.phase === 'latency') {
          f.phase = 'do';
          delay(c, t, o.afterUs ?? 0, true);
          break;
        }
        completeIo(c, ioKey(c, o.file, o.page), t.id);
        nextOp(c, t);
        break;
      }
    }
    void before;
  }
}

export function ioKey(c: Ctx, file: string, page: number): string {
  void c;
  return `obj:${file}:${page}`;
}

export type { GupFlagName };
