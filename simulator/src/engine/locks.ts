/**
 * mmap_lock as a fair reader/writer semaphore (a queued writer blocks new readers; FIFO hand-off), per-VMA read
 * locks (6.4+) and page locks. Pure functions over SimState; waking goes through the `wake` callback.
 */

import type { LockSnapshot } from '../result';
import type { LockMode, PageLock, SimState } from './state';

export function lockSnapshot(S: SimState): LockSnapshot {
  return {
    readers: [...S.rwsem.readers],
    writer: S.rwsem.writer,
    queuedWriters: S.rwsem.queue.filter((q) => q.mode === 'write').map((q) => q.task),
    queuedReaders: S.rwsem.queue.filter((q) => q.mode === 'read').map((q) => q.task),
  };
}

/** Tries to take the lock; if it cannot, queues the task (FIFO) and returns false. */
export function rwsemAcquire(S: SimState, task: string, mode: LockMode): boolean {
  const r = S.rwsem;
  if (mode === 'read') {
    if (r.writer === null && r.queue.length === 0) {
      r.readers.push(task);
      return true;
    }
  } else if (r.writer === null && r.readers.length === 0 && r.queue.length === 0) {
    r.writer = task;
    return true;
  }
  r.queue.push({ task, mode });
  return false;
}

/** Releases and hands the lock to the head of the queue; returns the tasks granted. */
export function rwsemRelease(S: SimState, task: string, mode: LockMode): { granted: string[]; ok: boolean } {
  const r = S.rwsem;
  let ok = true;
  if (mode === 'read') {
    const i = r.readers.indexOf(task);
    if (i < 0) ok = false;
    else r.readers.splice(i, 1);
  } else if (r.writer === task) r.writer = null;
  else ok = false;
  return { granted: rwsemGrant(S), ok };
}

export function rwsemGrant(S: SimState): string[] {
  const r = S.rwsem;
  const granted: string[] = [];
  while (r.queue.length > 0 && r.writer === null) {
    const head = r.queue[0];
    if (head.mode === 'write') {
      if (r.readers.length > 0) break;
      r.queue.shift();
      r.writer = head.task;
      granted.push(head.task);
      break;
    }
    r.queue.shift();
    r.readers.push(head.task);
    granted.push(head.task);
  }
  return granted;
}

/** Removes a queued (not yet granted) request, e.g. a killable lock attempt interrupted by SIGKILL. */
export function rwsemCancel(S: SimState, task: string): string[] {
  S.rwsem.queue = S.rwsem.queue.filter((q) => q.task !== task);
  return rwsemGrant(S);
}

export function pageLock(S: SimState, key: string): PageLock {
  let pl = S.pageLocks[key];
  if (!pl) {
    pl = { holder: null, waiters: [] };
    S.pageLocks[key] = pl;
  }
  return pl;
}

/**
 * Unlocks a page: wakes every task waiting for the unlock and hands the lock to the first task sleeping to
 * acquire it (page lock hand-off). Returns { woken, handedTo }.
 */
export function pageUnlock(S: SimState, key: string): { woken: string[]; handedTo: string | null } {
  const pl = pageLock(S, key);
  const woken: string[] = [];
  let handedTo: string | null = null;
  const rest: PageLock['waiters'] = [];
  for (const w of pl.waiters) {
    if (!w.acquire) woken.push(w.task);
    else if (handedTo === null) handedTo = w.task;
    else rest.push(w);
  }
  pl.waiters = rest;
  pl.holder = handedTo;
  if (pl.holder === null && pl.waiters.length === 0) delete S.pageLocks[key];
  return { woken, handedTo };
}
