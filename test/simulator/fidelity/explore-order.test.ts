/**
 * Issue #10 item 8: exploration keeps the order of the tasks' start times, lets a SIGKILL still to come break a
 * killable wait before declaring a deadlock, and says which waits of a deadlock were killable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario, TaskSpec } from '../../../simulator/src/scenario/types';
import { explore } from '../../../simulator/src/explore';
import { outcome, run, scenario } from '../behaviours/helpers';

test('item 8: startUs ordering — a GUP that starts after the close never meets the registered range; started first it gets -EFAULT', () => {
  const mem: Scenario['memory'] = { vmas: [{ id: 'buf', pages: 1, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }], uffds: [{ id: 'u' }] };
  const sc = (gupStart: number, closeStart: number) =>
    scenario('6.8', mem, [
      { id: 'drv', startUs: gupStart, script: [{ gup: { variant: 'get_user_pages', address: 'buf+0', nr_pages: 1, expectOk: true } }] },
      { id: 'mon', startUs: closeStart, script: [{ uffd_close: { uffd: 'u' } }] },
    ]);
  const later = explore(sc(10, 0));
  assert.deepEqual(later.bad, []);
  const first = explore(sc(0, 10));
  // Started first: -EFAULT (SIGBUS: no ALLOW_RETRY), or — when the close has marked the ctx released — the 6.8
  // NOPAGE answer that get_user_pages re-walks forever (item 1).
  const found = first.bad.map((b) => [b.kind, b.tasks.join(','), b.detail]);
  assert.deepEqual(found, [
    ['error', 'drv', '-EFAULT from get_user_pages: faultin_page VM_FAULT_SIGBUS'],
    ['livelock', 'drv', 'drv can step forever without progress'],
  ]);
  // Same start time: both orders are explored.
  assert.deepEqual(explore(sc(0, 0)).bad.map((b) => b.kind), ['error', 'livelock']);
});

const fuse: Scenario['memory'] = {
  vmas: [{ id: 'map', pages: 1, type: 'file', file: 'f', shared: true }],
  files: [{ id: 'f', pages: [{ index: 0, servedBy: 'fused' }] }],
};
const tasks: TaskSpec[] = [
  // A fault path without ALLOW_RETRY but KILLABLE: lock_page killable while holding mmap_lock.
  { id: 'app', faultPath: { initialFlags: ['KILLABLE'], vmaLock: false }, script: [{ access: { address: 'map+0', mode: 'read' } }] },
  { id: 'fused', script: [{ wait_io_request: { file: 'f', page: 0 } }, { mmap: { id: 'bounce', pages: 1 } }, { complete_io: { file: 'f', page: 0 } }] },
];

test('item 8: a deadlock reports which waits are killable', () => {
  const e = explore(scenario('6.8', fuse, tasks));
  const dl = e.bad.filter((b) => b.kind === 'deadlock');
  assert.equal(dl.length, 1);
  assert.deepEqual(dl[0].killable, ['app']);
  assert.equal(
    dl[0].detail,
    'app waits for page obj:f:0 (read I/O served by fused) holding mmap_lock(read) (killable); fused waits for mmap_lock(write) held for read by app (not killable)',
  );
});

test('item 8: a SIGKILL still to come for the task in the killable wait breaks the cycle: no deadlock is declared, the app is killed', () => {
  const sc = scenario('6.8', fuse, tasks, { signals: [{ at: 1000, task: 'app', signal: 'SIGKILL' }] });
  const e = explore(sc);
  assert.deepEqual(e.bad, []);
  const r = run(sc);
  assert.equal(outcome(r, 'app'), 'killed');
  assert.equal(outcome(r, 'fused'), 'ok');
});
