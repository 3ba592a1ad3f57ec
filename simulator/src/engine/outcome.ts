/**
 * How a task ends: its outcome, and what it still held.
 */

import { type TaskOutcome } from '../result';
import { abandonEvent } from '../uffd';
import { type Ctx, emit, stats, taskById, wake } from './ctx';
import { pageUnlock, rwsemCancel } from './locks';
import { noteLockGranted, unlockMm, vmaEndRead } from './mm-lock';
import { type TaskState } from './state';
import { pendingEventCtx } from './writers';

export function finishTask(c: Ctx, t: TaskState, outcome: TaskOutcome, why: string): void {
  // A killed or crashed task: drop everything still held so that the others can make progress. A task whose
  // op returned (ok / an errno) keeps the mmap_lock read holds its code never released: a leak, as in the kernel
  // (holds are counted per task, so a path that takes the read lock twice and releases it once leaves it held).
  if (t.vmaRead !== null) vmaEndRead(c, t);
  if ((outcome.kind === 'ok' || outcome.kind === 'error') && t.readHeld > 0) {
    emit(c, t.id, 'note', `returns with mmap_lock held for read (${t.readHeld} hold${t.readHeld > 1 ? 's' : ''} never released)`);
  } else while (t.readHeld > 0) unlockMm(c, t, 'read');
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

export function bug(c: Ctx, t: TaskState, assertion: string): void {
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
