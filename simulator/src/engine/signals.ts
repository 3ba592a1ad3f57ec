/**
 * Signal delivery: which sleeps a signal breaks. A fatal signal already pending when a task enters a killable sleep
 * breaks it at once (wait_event_killable / __folio_lock_killable check signal_pending before sleeping).
 */

import { signalWakesBlocked } from '../uffd';
import { type Ctx, emit, taskById, wake } from './ctx';
import type { Block, TaskState } from './state';

/** Whether a (fatal or not) signal ends task `t`'s sleep `b`. */
export function signalBreaksWait(t: TaskState, b: Block, fatal: boolean): boolean {
  switch (b.k) {
    case 'uffd':
      return signalWakesBlocked(b.state, fatal ? 'fatal' : 'nonfatal');
    case 'page':
      return b.killable && fatal;
    case 'uffd-event':
      // userfaultfd_event_wait_completion(): TASK_KILLABLE.
      return fatal;
    case 'timer':
    case 'uffd-read':
    case 'io-request':
      // User-space sleep / read: the task dies at once (kernel waits inside a fault are not user sleeps).
      return fatal && t.frame?.kind !== 'access' && t.frame?.kind !== 'gup' && t.frame?.kind !== 'fixup';
    case 'rwsem':
    case 'vma-write':
      // mmap_read_lock / mmap_write_lock / vma_start_write: uninterruptible.
      return false;
  }
}

/** Whether the wait task `t` is blocked in can be ended by SIGKILL (reported with deadlocks). */
export function waitIsKillable(t: TaskState): boolean {
  return t.block !== null && t.status === 'blocked' && signalBreaksWait(t, t.block, true);
}

function breakWait(c: Ctx, t: TaskState, b: Block, fatal: boolean): void {
  if (b.k === 'page') {
    const pl = c.S.pageLocks[b.key];
    if (pl) pl.waiters = pl.waiters.filter((w) => w.task !== t.id);
  }
  wake(c, t.id, fatal ? 'fatal-signal' : 'signal');
}

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
  if (signalBreaksWait(t, b, fatal)) breakWait(c, t, b, fatal);
}

/** Called after a task blocks: a fatal signal already pending ends a killable sleep before it starts. */
export function checkPendingFatal(c: Ctx, t: TaskState): void {
  const b = t.block;
  if (!t.sigFatal || !b || t.status !== 'blocked' || b.k === 'timer') return;
  if (!signalBreaksWait(t, b, true)) return;
  emit(c, t.id, 'signal', `fatal signal pending: the killable wait (${b.k}) ends at once`);
  breakWait(c, t, b, true);
}
