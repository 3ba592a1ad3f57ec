/**
 * fixup_user_fault and its retry.
 */

import { type ScriptOp } from '../scenario/types';
import { type Ctx, delay, emit, hex, nextOp, orderFlags, stats } from './ctx';
import { attemptDone, resumeFault, runFault } from './fault';
import { vmFaultToErrno } from './gup';
import { lockMm, unlockMm } from './mm-lock';
import { finishTask } from './outcome';
import { type FaultCall, type Frame, type TaskState } from './state';

export function stepFixup(c: Ctx, t: TaskState, op: Extract<ScriptOp, { fixup_user_fault: unknown }>['fixup_user_fault'], f: Extract<Frame, { kind: 'fixup' }>): void {
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
