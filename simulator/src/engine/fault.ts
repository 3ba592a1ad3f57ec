/**
 * One handle_mm_fault call: what the fault needs (model/fault.ts), page waits, the handle_userfault ladder
 * (uffd/handle-userfault.ts), and how a blocked fault resumes.
 */

import { type Access, type FaultNeed, type Vma, allocPage, applyFault, classifyFault, completeSwapIo as completeSwapIoModel, diskContents, findVma, pageAlign, vmaPageSize } from '../model';
import { type TraceStep } from '../result';
import { dequeueUserfault, handleUserfault, queueUserfault, userfaultWakeResult } from '../uffd';
import { type Ctx, OWN, blockOn, emit, hex, stats, wake } from './ctx';
import { rwsemAcquire } from './locks';
import { noteLockGranted, releaseFaultLock } from './mm-lock';
import { bug } from './outcome';
import { pageLockOrRetry, releasePageIfHeld, startIo } from './page-io';
import { type FaultCall, type TaskState } from './state';

export function setResult(call: FaultCall, vm: string[], lockReleased: boolean, note?: string): void {
  call.result = { vm, lockReleased, ...(note ? { note } : {}) };
}

export function userfault(c: Ctx, t: TaskState, v: Vma, call: FaultCall, reason: 'MISSING' | 'WP' | 'MINOR'): void {
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

/**
 * Installs what model/fault.ts classified (anon-fill, map-from-cache, cow, swap-in, spurious) with applyFault on
 * the engine's own mm. Returns false when the access still cannot complete (needsRefault: a write left on a
 * read-only pte, e.g. after a swap-in): handle_mm_fault goes on with the write-protect fault (do_wp_page).
 */
export function install(c: Ctx, call: FaultCall, access: Access, need: FaultNeed): boolean {
  const r = applyFault(c.S.mm, call.address, access, need, OWN);
  c.S.mm = r.mm;
  return !r.needsRefault;
}

/**
 * One handle_mm_fault call. Sets call.result, or blocks the task with call.cont. What the fault needs comes from
 * model/fault.ts (classifyFault); the engine adds what only it models: page locks and I/O waits, the file
 * readahead heuristic (mmap_miss), daemon-served I/O, and the handle_userfault ladder.
 */
export function faultCore(c: Ctx, t: TaskState, call: FaultCall): void {
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
        if (call.lock === 'vma' && c.R.vmaLockScope?.swapInRetry) {
          // do_swap_page() v6.4–v6.5: FAULT_FLAG_VMA_LOCK → VM_FAULT_RETRY before anything (retry under mmap_lock).
          releaseFaultLock(c, t, call);
          setResult(call, ['RETRY'], true, 'do_swap_page under the VMA lock');
          return;
        }
        const key = `swap:${pageAlign(call.address, vmaPageSize(v))}`;
        if (need.latency > 0) {
          call.major = true;
          startIo(c, t, key, need.latency);
        }
        if (!pageLockOrRetry(c, t, call, key)) return;
        releasePageIfHeld(c, t, key);
        if (need.latency > 0) c.S.mm = completeSwapIoModel(c.S.mm, call.address, OWN);
        const reusable = swapPageReusable(c, call.address);
        const done = install(c, call, access, { ...need, latency: 0 });
        if (!done && need.thenUserfaultWp && reusable && c.R.swapInClearsWrite) {
          // do_swap_page() 5.7: a reusable page clears FAULT_FLAG_WRITE, then the uffd-wp bit write-protects the
          // pte: no do_wp_page in this attempt; the write re-executes and the write-protect fault is a new fault.
          setResult(call, call.major ? ['MAJOR'] : ['0'], false, 'do_swap_page cleared FAULT_FLAG_WRITE: the write faults again');
          (call.result as NonNullable<FaultCall['result']>).refault = true;
          return;
        }
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
        if (dirtyBalanceCompletes(c, t, call, v)) return;
        setResult(call, call.major ? ['MAJOR'] : ['0'], false);
        return;
      }
      case 'anon-fill':
      case 'cow':
      case 'spurious':
        if (!install(c, call, access, need)) continue;
        if (need.kind !== 'anon-fill' && dirtyBalanceCompletes(c, t, call, v)) return;
        setResult(call, ['0'], false);
        return;
    }
  }
  bug(c, t, `handle_mm_fault at ${hex(call.address)} made no progress`);
}

/** reuse_swap_page(): the swapped-in page is anonymous and mapped nowhere else. */
function swapPageReusable(c: Ctx, address: number): boolean {
  const v = findVma(c.S.mm, address);
  const pte = v ? c.S.mm.ptes[String(pageAlign(address, vmaPageSize(v)))] : undefined;
  if (!pte || pte.kind !== 'swap') return false;
  const page = c.S.mm.pages[String(pte.page)];
  return page !== undefined && page.anon && page.mapcount <= 1;
}

/**
 * VM_FAULT_COMPLETED's one producer (d92725256b4f "mm: avoid unnecessary page fault retires on shared memory
 * types", v6.0): fault_dirty_shared_page() after a write fault that dirtied a page of a shared file/shmem mapping
 * drops the fault lock (maybe_unlock_mmap_for_io: ALLOW_RETRY on the first attempt, no RETRY_NOWAIT) to balance
 * dirty pages, and returns COMPLETED: the page is mapped, the lock is released. Read faults never complete.
 * (Before 6.0 the same path returned VM_FAULT_RETRY from 89b15332af7c, v5.5: not modelled.)
 */
function dirtyBalanceCompletes(c: Ctx, t: TaskState, call: FaultCall, v: Vma): boolean {
  const f = call.flags;
  if (!c.R.completed || !f.includes('WRITE') || !v.shared || (v.type !== 'file' && v.type !== 'shmem')) return false;
  if (!f.includes('ALLOW_RETRY') || f.includes('TRIED') || f.includes('RETRY_NOWAIT')) return false;
  releaseFaultLock(c, t, call);
  emit(c, t.id, 'note', 'fault_dirty_shared_page: lock dropped for balance_dirty_pages → VM_FAULT_COMPLETED');
  setResult(call, ['COMPLETED'], true);
  return true;
}

/**
 * filemap_fault on a page-cache index: a miss allocates the entry (I/O with the per-page latency or a daemon, the
 * mmap_miss readahead counter grows); a hit on a page under I/O waits for it; a hit without TRIED shrinks
 * mmap_miss. Then the page lock (lock_page_or_retry). Returns true when the page is uptodate and unlocked.
 */
export function cacheLookup(c: Ctx, t: TaskState, call: FaultCall, v: Vma, objectId: string, idx: number): boolean {
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
export function resumeFault(c: Ctx, t: TaskState, call: FaultCall): void {
  const cont = call.cont;
  const cause = t.wakeCause ?? 'woken';
  call.cont = undefined;
  if (!cont) return;
  if (cont.k === 'ret') {
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
  // Woken by userfaultfd_release() (after the unregister): the VM_FAULT_RETRY set before sleeping, in every era
  // (c.R.uffdCloseWhileBlocked, from uffd/handle-userfault.ts blockedCloseBehaviour).
  const r = userfaultWakeResult(c.R.era, cont.decision, wcause);
  emit(c, t.id, 'uffd-wake', `woken from handle_userfault (${wcause}) → ${r.vmFault.join('|')}`);
  if (!r.lockReleased) {
    // ≤5.6 return_to_userland: mmap_sem re-taken before returning NOPAGE.
    rwsemAcquire(c.S, t.id, 'read');
    if (c.S.rwsem.readers.includes(t.id)) noteLockGranted(c, t.id, 'read');
  }
  setResult(call, r.vmFault, r.lockReleased);
}

/** `step`: the code statement the call stands for (the handler's handle_mm_fault, GUP's faultin_page), trace only. */
export function attemptDone(c: Ctx, t: TaskState, call: FaultCall, opIndex: number, step?: TraceStep): void {
  const r = call.result;
  if (!r) return;
  const st = stats(c, t);
  st.attempts.push({ t: call.t0 ?? c.S.now, op: opIndex, address: call.address, flags: [...call.flags], result: [...r.vm], lockReleased: r.lockReleased });
  emit(c, t.id, 'fault-result', `handle_mm_fault(${call.flags.join('|')}) → ${r.vm.join('|')}${r.lockReleased ? ' (lock released)' : ''}`, {
    flags: call.flags,
    result: r.vm,
    lockReleased: r.lockReleased,
    ...(r.note ? { note: r.note } : {}),
  }, step);
}

/** Starts a fault attempt (costs faultCost µs first). Returns true if it finished synchronously. */
export function runFault(c: Ctx, t: TaskState, call: FaultCall, step?: TraceStep): boolean {
  call.t0 = c.S.now;
  emit(c, t.id, 'fault-attempt', `handle_mm_fault(${hex(call.address)}, ${call.flags.join('|')})`, { flags: call.flags, address: call.address }, step);
  faultCore(c, t, call);
  return call.result !== undefined;
}
