/**
 * The arch page-fault handler (do_user_addr_fault and its per-era retry loop) for a user access.
 */

import { findVma } from '../model';
import { type AccessOp } from '../scenario/types';
import { type Ctx, delay, emit, hex, mark, nextOp, orderFlags, resolve, stats } from './ctx';
import { attemptDone, resumeFault, runFault } from './fault';
import { lockMm, tryVmaRead, unlockMm, vmaEndRead } from './mm-lock';
import { finishTask } from './outcome';
import { type FaultCall, type Frame, type TaskState } from './state';

export function faultPath(c: Ctx, t: TaskState) {
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

/** bad_area / access_error() of the arch handler: no vma, or the access is not allowed by its protections. */
function accessError(c: Ctx, f: Extract<Frame, { kind: 'access' }>): boolean {
  const v = findVma(c.S.mm, f.address);
  return !v || (f.write && !v.prot.write) || (!f.write && !f.exec && !v.prot.read) || (f.exec && !v.prot.exec);
}

/** Why lock_vma_under_rcu() returns NULL for this address in this era (c.R.vmaLockScope), or null if it locks. */
function vmaLockRefusal(c: Ctx, address: number): string | null {
  const scope = c.R.vmaLockScope;
  const v = findVma(c.S.mm, address);
  if (!scope || !v) return null;
  if (scope.anonOnly && v.type !== 'anon') return 'not an anonymous vma';
  if (scope.needsAnonVma && !hasAnonVma(c, v)) return 'no anon_vma yet';
  if (!scope.uffd && v.uffd) return 'userfaultfd_armed';
  return null;
}

/**
 * vma->anon_vma: set by the first anonymous fault (anon_vma_prepare) and kept. Approximated by "a page of the vma
 * is mapped or swapped out" (a range zapped by MADV_DONTNEED keeps its anon_vma in the kernel, not here).
 */
function hasAnonVma(c: Ctx, v: { start: number; end: number }): boolean {
  for (const k of Object.keys(c.S.mm.ptes)) {
    const a = Number(k);
    if (a >= v.start && a < v.end) return true;
  }
  return false;
}

export function stepAccess(c: Ctx, t: TaskState, op: AccessOp, f: Extract<Frame, { kind: 'access' }>): void {
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
        c.rec.retrying[t.id] = false;
        emit(c, t.id, 'op-start', `${op.mode} ${hex(f.address)}: page fault`, { address: f.address }, 'fault-entry');
        f.phase = fp.vmaLock && !t.kernel ? 'vma-lock' : 'lock';
        continue;
      }
      case 'vma-lock': {
        f.vmaTried = true;
        const refused = vmaLockRefusal(c, f.address);
        if (refused) {
          emit(c, t.id, 'note', `lock_vma_under_rcu: ${refused}: fall back to mmap_lock`, undefined, 'vma-lock');
          f.phase = 'lock';
          continue;
        }
        if (!tryVmaRead(c, t, f.address, 'vma-lock')) {
          emit(c, t.id, 'note', 'lock_vma_under_rcu failed: fall back to mmap_lock', undefined, 'vma-lock');
          f.phase = 'lock';
          continue;
        }
        if (accessError(c, f)) {
          // x86 do_user_addr_fault (v6.4): access_error() under the VMA lock → vma_end_read, retry under mmap_lock,
          // whose access_error() raises SIGSEGV.
          vmaEndRead(c, t, 'vma-unlock');
          emit(c, t.id, 'note', 'access_error under the VMA lock: fall back to mmap_lock');
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
        if (t.readHeld === 0 && !lockMm(c, t, 'read', c.rec.retrying[t.id] ? 'relock' : 'lock')) {
          f.phase = 'locked';
          return;
        }
        f.phase = 'locked';
        continue;
      }
      case 'locked': {
        const v = findVma(c.S.mm, f.address);
        if (accessError(c, f)) {
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
        else if (!call.result) runFault(c, t, call, 'fault-call');
        if (!call.result) return; // blocked
        attemptDone(c, t, call, t.pc, 'fault-call');
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
            vmaEndRead(c, t, 'vma-unlock');
            if (!endOfFault(c, t, op, r.vm, r.refault)) return;
            return;
          }
          if (has('COMPLETED')) {
            emit(c, t.id, 'note', 'VM_FAULT_COMPLETED (lock already released)', undefined, 'completed');
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
            emit(c, t.id, 'note', 'VM_FAULT_COMPLETED: done, lock already released', undefined, 'completed');
            nextOp(c, t);
            return;
          }
          // The handler does not know COMPLETED: it unlocks a lock the callee already released.
          unlockMm(c, t, 'read', 'unlock');
          return;
        }
        if (retry && f.flags.includes('ALLOW_RETRY') && (fp.max === null || f.retries < fp.max)) {
          if (!r.lockReleased) {
            // RETRY with the lock held (RETRY_NOWAIT): the caller must unlock.
            unlockMm(c, t, 'read', 'unlock');
          } else if (fp.unlockAfterRetry) {
            unlockMm(c, t, 'read', 'unlock');
            return;
          }
          st.retries++;
          if (fp.max !== null) f.retries++;
          const nf = new Set(f.flags);
          for (const x of fp.clear) nf.delete(x);
          for (const x of fp.set) nf.add(x);
          f.flags = orderFlags(nf);
          emit(c, t.id, 'note', `retry with ${f.flags.join('|')}`, { set: fp.set, clear: fp.clear }, 'retry-flags');
          mark(c, t.id, 'goto retry', 'retry');
          c.rec.retrying[t.id] = true;
          f.phase = 'lock';
          continue;
        }
        if (retry && r.lockReleased) {
          // RETRY that the handler does not retry: it goes on to unlock a lock that was already released.
          unlockMm(c, t, 'read', 'unlock');
          return;
        }
        if (t.readHeld > 0) unlockMm(c, t, 'read', 'unlock');
        endOfFault(c, t, op, r.vm, r.refault);
        return;
      }
      default:
        return;
    }
  }
}

/** True if the signal check makes the handler return (the task then dies or handles the signal). */
export function signalCheckHit(c: Ctx, t: TaskState, check: 'fault_signal_pending' | 'fatal' | 'none', vm: string[]): boolean {
  if (!vm.includes('RETRY') && !vm.includes('COMPLETED')) return false;
  if (check === 'none') return false;
  const userSig = check === 'fault_signal_pending' && !t.kernel && t.sigNonFatal;
  const name = check === 'fatal' ? 'fatal_signal_pending' : 'fault_signal_pending';
  if (!t.sigFatal && !userSig) {
    mark(c, t.id, `${name}: no signal`, 'signal-check');
    return false;
  }
  if (t.sigFatal) {
    if (t.readHeld > 0 && !vm.includes('RETRY')) unlockMm(c, t, 'read');
    emit(c, t.id, 'signal', `${name}: return from the fault`, undefined, 'signal-check');
    finishTask(c, t, { kind: 'killed', signal: 'SIGKILL' }, 'fatal signal checked after RETRY');
    return true;
  }
  if (userSig) {
    // Return to user mode, run the handler, the access re-executes: a new fault.
    t.sigNonFatal = false;
    emit(c, t.id, 'signal', 'fault_signal_pending: return to user for a non-fatal signal; the access restarts', undefined, 'signal-check');
    t.frame = null;
    return true;
  }
  return false;
}

export function endOfFault(c: Ctx, t: TaskState, op: AccessOp, vm: string[], refault = false): boolean {
  if (vm.includes('SIGBUS') || vm.includes('HWPOISON')) {
    finishTask(c, t, { kind: 'signal', signal: 'SIGBUS' }, vm.includes('HWPOISON') ? 'poisoned page' : 'VM_FAULT_SIGBUS');
    return false;
  }
  if (vm.includes('SIGSEGV')) {
    finishTask(c, t, { kind: 'signal', signal: 'SIGSEGV' }, 'VM_FAULT_SIGSEGV');
    return false;
  }
  if (vm.includes('NOPAGE') || refault) {
    // Return to user; the instruction re-executes (new fault if still not mapped / still not writable).
    t.frame = null;
    return false;
  }
  emit(c, t.id, 'op-end', `${op.mode} ${hex(resolve(c, op.address))} done`);
  nextOp(c, t);
  return true;
}
