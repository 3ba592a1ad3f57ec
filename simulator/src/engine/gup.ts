/**
 * get_user_pages and its variants: __get_user_pages_locked's retry loop over faultin_page, per era.
 */

import { PAGE_SIZE, findVma, pageAlign, vmaPageSize } from '../model';
import { type Errno } from '../result';
import { type GupOp } from '../scenario/types';
import { type Ctx, delay, emit, hex, mark, nextOp, orderFlags, stats } from './ctx';
import { attemptDone, resumeFault, runFault } from './fault';
import { lockMm, unlockMm } from './mm-lock';
import { bug, finishTask } from './outcome';
import { gupVariantInfo } from './rules';
import { type FaultCall, type Frame, type TaskState } from './state';

export function vmFaultToErrno(vm: string[]): { errno: Errno; where: string } | null {
  if (vm.includes('SIGBUS')) return { errno: 'EFAULT', where: 'VM_FAULT_SIGBUS' };
  if (vm.includes('SIGSEGV')) return { errno: 'EFAULT', where: 'VM_FAULT_SIGSEGV' };
  if (vm.includes('HWPOISON')) return { errno: 'EFAULT', where: 'VM_FAULT_HWPOISON (-EHWPOISON)' };
  if (vm.includes('OOM')) return { errno: 'ENOMEM', where: 'VM_FAULT_OOM' };
  return null;
}

export function gupEnd(c: Ctx, t: TaskState, op: GupOp, ret: number | Errno, where?: string): void {
  if (typeof ret === 'number') {
    t.lastValue = ret;
    emit(c, t.id, 'gup', `${op.variant} returns ${ret}`, { ret }, 'gup-call');
    emit(c, t.id, 'op-end', `${op.variant} → ${ret}`, undefined, 'gup-call');
    nextOp(c, t);
    return;
  }
  emit(c, t.id, 'gup', `${op.variant} returns -${ret}`, { ret: `-${ret}` }, 'gup-call');
  if (t.readHeld > 0) unlockMm(c, t, 'read', gupVariantInfo(op.variant).takesLock ? 'gup-call' : 'gup-unlock');
  finishTask(c, t, { kind: 'error', errno: ret, where: where ?? op.variant }, '');
}

type GupFrame = Extract<Frame, { kind: 'gup' }>;

/** What every phase of one get_user_pages* call needs. */
interface Gup {
  c: Ctx;
  t: TaskState;
  op: GupOp;
  f: GupFrame;
  info: ReturnType<typeof gupVariantInfo>;
  foll: Set<string>;
  /** `int *locked` passed (and accepted in this era). */
  lockedParam: boolean;
  /** The call may drop mmap_lock (a `locked` pointer, or the _unlocked/_fast variants). */
  dropCapable: boolean;
}

/** A phase: true to go on with the next phase now, false when the task blocked, slept or ended. */
type Phase = (g: Gup) => boolean;

/**
 * get_user_pages*: __get_user_pages_locked()'s loop (mm/gup.c) — a __get_user_pages() pass over the range, and on
 * VM_FAULT_RETRY (lock dropped) a FOLL_TRIED pass over the faulting page — with faultin_page()'s FOLL → FAULT flags
 * per era (EraRules: gupKillable, gupInterruptible, gupNowaitKeepsLocked, gupMultiRetry, gupFatalErrno).
 */
export function stepGup(c: Ctx, t: TaskState, op: GupOp, f: GupFrame): void {
  const info = gupVariantInfo(op.variant);
  const lockedParam = !!op.locked && info.acceptsLocked(c.R.era);
  const g: Gup = { c, t, op, f, info, foll: new Set<string>(op.gup_flags ?? []), lockedParam, dropCapable: lockedParam || info.takesLock };
  for (let guard = 0; guard < 64; guard++) {
    const phase = PHASES[f.phase];
    if (!phase(g)) return;
  }
}

const PHASES: Record<GupFrame['phase'], Phase> = {
  begin: gupBegin,
  lock: gupLock,
  'retry-lock': gupLock,
  walk: gupWalk,
  'retry-walk': gupWalk,
  'in-fault': gupInFault,
  'retry-in-fault': gupInFault,
  finish: gupFinish,
  hold: gupHold,
};

/** Argument checks of the era (is_valid_gup_args and older BUG_ONs), then the lockless walk of the _fast variants. */
function gupBegin(g: Gup): boolean {
  const { c, t, op, f, info, foll, lockedParam } = g;
  emit(c, t.id, 'op-start', `${op.variant}(${hex(f.start)}, ${f.left}, ${[...foll].join('|') || '0'}${op.locked ? ', &locked' : ''}${op.vmas ? ', vmas' : ''})`, undefined, 'gup-call');
  const longterm = foll.has('FOLL_LONGTERM') || op.variant === 'get_user_pages_longterm';
  if (longterm) {
    if (c.R.longterm === 'pin-only' && !info.pin) return end(g, 'EINVAL', 'FOLL_LONGTERM without FOLL_PIN (WARN, is_valid_gup_args)');
    if (c.R.longterm === 'reject-locked-unlocked-remote' && info.rejectsLongtermPre63) return end(g, 'EINVAL', `FOLL_LONGTERM rejected by ${op.variant} (WARN)`);
  }
  if (lockedParam && (op.lockedValue ?? 1) !== 1) {
    if (c.R.gupLockedNotOne === 'bug') return stop(() => bug(c, t, 'BUG_ON(*locked != 1)'));
    return end(g, 'EINVAL', 'WARN_ON_ONCE(*locked != 1)');
  }
  if (op.vmas && lockedParam) {
    if (c.R.gupVmasWithLockDrop === 'bug') return stop(() => bug(c, t, 'BUG_ON(vmas): if VM_FAULT_RETRY can be returned, vmas become invalid'));
    if (c.R.gupVmasWithLockDrop === 'einval') return end(g, 'EINVAL', 'WARN_ON_ONCE(vmas) with a lock-dropping call');
  }
  if (longterm) {
    for (let i = 0; i < f.left; i++) {
      const v = findVma(c.S.mm, f.start + i * PAGE_SIZE);
      if (v && v.type === 'dax') return end(g, 'EOPNOTSUPP', 'FOLL_LONGTERM on an FS DAX vma (check_vma_flags)');
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
    if (f.left === 0) return end(g, f.done);
    emit(c, t.id, 'gup', `fast path got ${f.done} page(s); slow path for the rest`, undefined, 'gup-call');
  }
  f.unlockable = g.dropCapable;
  f.foll = [...foll];
  f.phase = 'lock';
  return true;
}

/**
 * mmap_read_lock for the first pass (unless the caller holds it) and for the FOLL_TRIED pass after a RETRY. Before
 * 4.16 a RETRY_NOWAIT RETRY left the lock held with *locked = 0: the retry takes it a second time (f.relockHeld).
 */
function gupLock(g: Gup): boolean {
  const { c, t, f } = g;
  const retryLock = f.phase === 'retry-lock';
  if (retryLock && c.R.gupMultiRetry && t.sigFatal) {
    // __get_user_pages_locked() v5.7: fatal_signal_pending() between retries → -EINTR (or the pages done).
    return end(g, f.done > 0 ? f.done : 'EINTR', 'fatal signal between GUP retries');
  }
  if (retryLock && c.R.gupInterruptible && g.foll.has('FOLL_INTERRUPTIBLE') && t.sigNonFatal) {
    // v6.2: gup_signal_pending() — with FOLL_INTERRUPTIBLE any pending signal ends the retries.
    return end(g, f.done > 0 ? f.done : 'EINTR', 'signal between GUP retries (FOLL_INTERRUPTIBLE)');
  }
  f.phase = retryLock ? 'retry-walk' : 'walk';
  const again = f.relockHeld === true;
  f.relockHeld = false;
  f.locked = true;
  if (t.readHeld === 0 || again) {
    if (again) emit(c, t.id, 'gup', 'down_read(mmap_sem) again: *locked was 0 but the lock is still held', undefined, 'gup-call');
    // The first pass's lock of a variant the caller calls locked is the caller's mmap_read_lock; the others are the
    // call's own (the _unlocked/_fast variants, the re-take for the FOLL_TRIED pass).
    if (!lockMm(c, t, 'read', !retryLock && g.info.callerHoldsLock ? 'gup-lock' : 'gup-call')) return false;
  }
  return true;
}

/** One step of a __get_user_pages() pass: follow_page, or faultin_page with the era's fault flags. */
function gupWalk(g: Gup): boolean {
  const { c, t, f, foll, dropCapable } = g;
  const single = f.phase === 'retry-walk';
  if (t.sigFatal) {
    // __get_user_pages(): fatal_signal_pending() before each page.
    return finishWith(g, f.done > 0 ? f.done : c.R.gupFatalErrno, '__get_user_pages: fatal signal pending');
  }
  const addr = f.start;
  const v = findVma(c.S.mm, addr);
  const write = foll.has('FOLL_WRITE');
  if (!v || v.type === 'pfnmap' || (write && !v.prot.write && !foll.has('FOLL_FORCE'))) return finishWith(g, f.done > 0 ? f.done : 'EFAULT');
  const pte = c.S.mm.ptes[String(pageAlign(addr, vmaPageSize(v)))];
  if (pte && pte.kind === 'present' && (!write || pte.writable)) {
    f.done++;
    f.left--;
    f.start += PAGE_SIZE;
    if (f.left === 0 || single) {
      f.phase = f.left === 0 ? 'finish' : 'walk';
      if (single) f.unlockable = dropCapable;
    }
    return true;
  }
  f.call = { address: addr, flags: faultinFlags(g, single), lock: 'mmap' };
  if (!single) stats(c, t).faults++;
  f.phase = single ? 'retry-in-fault' : 'in-fault';
  delay(c, t, c.I.faultCost);
  return false;
}

/** faultin_page(): FOLL_* and `locked` → FAULT_FLAG_*, per era. */
function faultinFlags(g: Gup, single: boolean): string[] {
  const { c, f, foll, dropCapable } = g;
  const flags = new Set<string>();
  if (foll.has('FOLL_WRITE')) flags.add('WRITE');
  if (foll.has('FOLL_REMOTE')) flags.add('REMOTE');
  // ≤5.6 the FOLL_TRIED pass passes no `locked` (no ALLOW_RETRY); ≥5.7 it keeps `locked`.
  const unlockable = single ? c.R.gupMultiRetry && dropCapable : f.unlockable;
  if (unlockable) {
    flags.add('ALLOW_RETRY');
    if (c.R.gupKillable) flags.add('KILLABLE'); // faultin_page() v5.7 (71335f37c5e8)
    if (foll.has('FOLL_INTERRUPTIBLE') && c.R.gupInterruptible) flags.add('INTERRUPTIBLE'); // v6.2 (93c5c61d9e58)
  }
  if (foll.has('FOLL_NOWAIT')) {
    flags.add('ALLOW_RETRY');
    flags.add('RETRY_NOWAIT');
  }
  if (single) flags.add('TRIED');
  return orderFlags(flags);
}

/** handle_mm_fault's result as faultin_page() and __get_user_pages_locked() take it. */
function gupInFault(g: Gup): boolean {
  const { c, t, op, f, dropCapable } = g;
  const single = f.phase === 'retry-in-fault';
  const call = f.call as FaultCall;
  if (call.cont) resumeFault(c, t, call);
  else if (!call.result) runFault(c, t, call, 'gup-fault');
  if (!call.result) return false;
  attemptDone(c, t, call, t.pc, 'gup-fault');
  const r = call.result;
  f.call = undefined;
  const e = vmFaultToErrno(r.vm);
  if (e) {
    emit(c, t.id, 'gup', `faultin_page: ${r.vm.join('|')} → -${e.errno}`, undefined, 'gup-fault');
    return finishWith(g, f.done > 0 ? f.done : e.errno, `${op.variant}: faultin_page ${e.where}`);
  }
  if (!r.vm.includes('RETRY') && !r.vm.includes('COMPLETED')) {
    // Success or NOPAGE: follow_page again (NOPAGE leaves the page missing: the pass faults it again).
    f.phase = single ? 'retry-walk' : 'walk';
    return true;
  }
  stats(c, t).retries++;
  if (!r.lockReleased) return retryLockHeld(g);
  f.locked = false;
  f.lockDropped = true;
  emit(c, t.id, 'gup', `faultin_page: ${r.vm.includes('COMPLETED') ? 'COMPLETED → *locked = 0, -EAGAIN' : 'RETRY → *locked = 0, -EBUSY'}`, undefined, 'gup-fault');
  if (!dropCapable || (!c.R.gupMultiRetry && single)) {
    // Without ALLOW_RETRY the lock is dropped only by a killed page wait; ≤5.6 never drops it in the TRIED pass.
    return finishWith(g, f.done > 0 ? f.done : 'EINTR');
  }
  f.phase = 'retry-lock';
  return true;
}

/** VM_FAULT_RETRY with the lock still held (RETRY_NOWAIT). */
function retryLockHeld(g: Gup): boolean {
  const { c, t, f, dropCapable } = g;
  if (c.R.gupNowaitKeepsLocked || !dropCapable || f.phase === 'retry-in-fault') {
    // *locked stays 1; the pass ends with the pages done.
    return finishWith(g, f.done);
  }
  // faultin_page() before 4.16: *locked = 0 on any RETRY; __get_user_pages_locked() believes the lock dropped and
  // takes it again for the FOLL_TRIED pass.
  emit(c, t.id, 'gup', 'faultin_page: RETRY_NOWAIT → *locked = 0 with mmap_sem still held (before 4.16)', undefined, 'gup-fault');
  f.locked = false;
  f.lockDropped = true;
  f.relockHeld = true;
  f.phase = 'retry-lock';
  return true;
}

/** Releases what the call (or its auto caller) releases and returns. */
function gupFinish(g: Gup): boolean {
  const { c, t, op, f, info, lockedParam } = g;
  // The caller's `if (locked) mmap_read_unlock(mm)` after a call it passed &locked (trace only).
  if (lockedParam && !info.takesLock) mark(c, t.id, `caller: locked == ${f.locked ? 1 : 0}`, 'locked-test', { locked: f.locked ? 1 : 0 });
  if (f.locked && t.readHeld > 0 && (info.takesLock || (lockedParam && f.lockDropped) || info.callerHoldsLock)) {
    // get_user_pages*: the (auto) caller unlocks what it holds; lock-dropping variants report *locked. One
    // mmap_read_unlock: a hold taken twice stays held once.
    if (op.holdAfterUs && info.callerHoldsLock) {
      f.phase = 'hold';
      delay(c, t, op.holdAfterUs);
      return false;
    }
    unlockMm(c, t, 'read', info.takesLock ? 'gup-call' : 'gup-unlock');
  }
  return end(g, f.ret ?? f.done, f.where);
}

function gupHold(g: Gup): boolean {
  const { c, t, f } = g;
  if (t.readHeld > 0) unlockMm(c, t, 'read', 'gup-unlock');
  return end(g, f.ret ?? f.done, f.where);
}

function finishWith(g: Gup, ret: number | Errno, where?: string): boolean {
  g.f.ret = ret;
  if (where !== undefined) g.f.where = where;
  g.f.phase = 'finish';
  return true;
}

function end(g: Gup, ret: number | string, where?: string): boolean {
  if (typeof ret === 'number') gupEnd(g.c, g.t, g.op, ret);
  else gupEnd(g.c, g.t, g.op, ret as Errno, where);
  return false;
}

function stop(f: () => void): boolean {
  f();
  return false;
}
