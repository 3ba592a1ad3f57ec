/**
 * get_user_pages and its variants: __get_user_pages_locked's retry loop over faultin_page, per era.
 */

import { PAGE_SIZE, findVma, pageAlign, vmaPageSize } from '../model';
import { type Errno } from '../result';
import { type GupOp } from '../scenario/types';
import { type Ctx, delay, emit, hex, nextOp, orderFlags, stats } from './ctx';
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
    emit(c, t.id, 'gup', `${op.variant} returns ${ret}`, { ret });
    emit(c, t.id, 'op-end', `${op.variant} → ${ret}`);
    nextOp(c, t);
    return;
  }
  emit(c, t.id, 'gup', `${op.variant} returns -${ret}`, { ret: `-${ret}` });
  if (t.readHeld > 0) unlockMm(c, t, 'read');
  finishTask(c, t, { kind: 'error', errno: ret, where: where ?? op.variant }, '');
}

export function stepGup(c: Ctx, t: TaskState, op: GupOp, f: Extract<Frame, { kind: 'gup' }>): void {
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
