/**
 * The step function: advances one task over a cloneable SimState until it blocks, sleeps or ends. Both the timed
 * run (simulate) and the explorer (explore) drive it. Kernel rules come from rules.ts (per era) and the uffd module;
 * this file only sequences them: locks, page waits, retries, GUP passes, writers, the monitor and signals.
 */


import { pageAlign } from '../model';
import { type AccessOp, type GupFlagName, type GupOp, type ScriptOp, type UffdIoctlOp, type UffdServeOp } from '../scenario/types';
import { stepAccess } from './access';
import { type Ctx, blockOn, delay, emit, nextOp, resolveOpAddress, taskById, wake } from './ctx';
import { stepFixup } from './fixup';
import { stepGup } from './gup';
import { pageLock, pageUnlock } from './locks';
import { lockMm, unlockMm } from './mm-lock';
import { finishTask } from './outcome';
import { completeIo, ioKey, pageKeyOf } from './page-io';
import { checkPendingFatal, deliverSignal } from './signals';
import { type Frame } from './state';
import { readUffd, stepIoctl, stepServe, stepClose } from './uffd-ops';
import { stepMadvise, stepWriter } from './writers';

export { type Ctx, emit, wake, taskById } from './ctx';
export { completeIo, ioKey } from './page-io';
export { describeOutcome } from './outcome';
export { deliverSignal } from './signals';

export function initFrame(c: Ctx, op: ScriptOp): Frame {
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
  if ('uffd_close' in op) return { kind: 'close', phase: 'release' };
  if ('uffd_read' in op) return { kind: 'uffd-read', phase: 'read' };
  if ('page_lock_hold' in op) return { kind: 'page-hold', phase: 'acquire', left: op.page_lock_hold.rounds };
  if ('wait_io_request' in op) return { kind: 'io-wait', phase: 'wait' };
  if ('complete_io' in op) return { kind: 'complete-io', phase: 'latency' };
  return { kind: 'sleep', phase: 'sleep' };
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
      case 'close':
        stepClose(c, t, (op as Extract<ScriptOp, { uffd_close: unknown }>).uffd_close.uffd, f);
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
  checkPendingFatal(c, t);
}

export type { GupFlagName };
