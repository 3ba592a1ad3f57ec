/**
 * Issue #10 item 4: GUP and *locked per era — FOLL_NOWAIT before/after 4.16 (a leaked read hold), KILLABLE from
 * 5.7, FOLL_INTERRUPTIBLE from 6.2, the errno of a fatal signal (-ERESTARTSYS before 6.0, -EINTR from 6.0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario, ScriptOp } from '../../../simulator/src/scenario/types';
import { explore } from '../../../simulator/src/explore';
import { simulate, validateScenario } from '../../../simulator/src';
import { attempts, outcome, run, scenario, task } from '../behaviours/helpers';

const mem: Scenario['memory'] = {
  vmas: [{ id: 'buf', pages: 1, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }, { id: 'other', pages: 1, type: 'anon' }],
  uffds: [{ id: 'u' }],
};
const nowait: ScriptOp = { gup: { variant: 'get_user_pages_unlocked', address: 'buf+0', nr_pages: 1, gup_flags: ['FOLL_WRITE', 'FOLL_NOWAIT'] } };
const writer: ScriptOp = { munmap: { address: 'other+0', pages: 1 } };

test('item 4: FOLL_NOWAIT before 4.16 clears *locked with the lock held: the TRIED pass takes it again, one hold leaks, a writer waits forever; 4.16 keeps *locked', () => {
  const sc = (era: string) => scenario(era, mem, [{ id: 'kvm', script: [nowait] }, { id: 'qemu', startUs: 50, script: [writer] }]);
  const r415 = run(sc('4.15'));
  assert.equal(outcome(r415, 'kvm'), 'ok(0)');
  assert.deepEqual(attempts(r415, 'kvm'), ['WRITE|ALLOW_RETRY|RETRY_NOWAIT → RETRY', 'WRITE|ALLOW_RETRY|RETRY_NOWAIT|TRIED → RETRY']);
  assert.equal(outcome(r415, 'qemu'), 'deadlock');
  const q = task(r415, 'qemu').outcome;
  assert.equal(q.kind === 'deadlock' ? q.waitsFor : '', 'mmap_lock(write) held for read by kvm — never released: kvm returned holding it');
  const r416 = run(sc('4.16'));
  assert.equal(outcome(r416, 'kvm'), 'ok(0)');
  assert.deepEqual(attempts(r416, 'kvm'), ['WRITE|ALLOW_RETRY|RETRY_NOWAIT → RETRY']);
  assert.equal(outcome(r416, 'qemu'), 'ok');
});

test('item 4: exploration reports the 4.15 hangs with their schedules (the recursive down_read behind a queued writer, and the leaked hold); 4.16 has none', () => {
  const sc = (era: string) => scenario(era, mem, [{ id: 'kvm', script: [nowait] }, { id: 'qemu', script: [writer] }]);
  const e415 = explore(sc('4.15'), { maxStates: 5000 });
  assert.equal(e415.boundHit, false);
  assert.deepEqual(
    e415.bad.map((b) => [b.kind, b.tasks.join(','), b.schedule.length]),
    [
      ['deadlock', 'kvm,qemu', 3],
      ['deadlock', 'qemu', 4],
    ],
  );
  assert.equal(e415.bad[1].detail, 'qemu waits for mmap_lock(write) held for read by kvm — never released: kvm returned holding it (not killable)');
  assert.deepEqual(explore(sc('4.16'), { maxStates: 5000 }).bad, []);
});

test('item 4: a fatal signal while a GUP sleeps in userfaultfd: 5.6 the TRIED pass sees it in __get_user_pages (-ERESTARTSYS), 5.7 between retries (-EINTR)', () => {
  const sc = (era: string) =>
    scenario(era, mem, [{ id: 'dio', script: [{ gup: { variant: 'get_user_pages_unlocked', address: 'buf+0', nr_pages: 1 } }] }], { signals: [{ at: 100, task: 'dio', signal: 'SIGKILL' }] });
  const r56 = run(sc('5.6'));
  assert.deepEqual(task(r56, 'dio').outcome, { kind: 'error', errno: 'ERESTARTSYS', where: '__get_user_pages: fatal signal pending' });
  assert.deepEqual(attempts(r56, 'dio'), ['ALLOW_RETRY → RETRY|MAJOR released']);
  const r57 = run(sc('5.7'));
  assert.deepEqual(task(r57, 'dio').outcome, { kind: 'error', errno: 'EINTR', where: 'fatal signal between GUP retries' });
  assert.deepEqual(attempts(r57, 'dio'), ['ALLOW_RETRY|KILLABLE → RETRY released']);
});

test('item 4: __get_user_pages() fatal-signal errno: 5.19 -ERESTARTSYS, 6.0 -EINTR (get_user_pages holding the lock across a swap-in)', () => {
  const swapped: Scenario['memory'] = { vmas: [{ id: 'buf', pages: 1, type: 'anon', ptes: [{ index: 0, state: 'swap' }] }], swapInLatencyUs: 500 };
  const sc = (era: string) =>
    scenario(era, swapped, [{ id: 'drv', script: [{ gup: { variant: 'get_user_pages', address: 'buf+0', nr_pages: 1 } }] }], { signals: [{ at: 100, task: 'drv', signal: 'SIGKILL' }] });
  for (const [era, errno] of [['5.19', 'ERESTARTSYS'], ['6.0', 'EINTR']] as const) {
    const r = run(sc(era));
    assert.deepEqual(task(r, 'drv').outcome, { kind: 'error', errno, where: '__get_user_pages: fatal signal pending' }, era);
    // No ALLOW_RETRY: the swap-in wait holds the lock and is not broken by the signal; the check comes after.
    assert.deepEqual(attempts(r, 'drv'), ['MAJOR'].map((x) => ` → ${x}`), era);
  }
});

test('item 4: FOLL_INTERRUPTIBLE: 6.1 has no such flag (the validator refuses it; the engine ignores it and the GUP sleeps on through SIGUSR1), 6.2 sleeps INTERRUPTIBLE and returns -EINTR', () => {
  const json = (era: string): Scenario => ({
    version: 1,
    name: 'interruptible',
    description: 'FOLL_INTERRUPTIBLE',
    era,
    memory: mem,
    tasks: [{ id: 'kvm', script: [{ gup: { variant: 'get_user_pages_unlocked', address: 'buf+0', nr_pages: 1, gup_flags: ['FOLL_INTERRUPTIBLE'] } }] }],
    signals: [{ at: 100, task: 'kvm', signal: 'SIGUSR1' }],
  });
  assert.equal(validateScenario(json('6.1')).ok, false);
  const r61 = simulate(json('6.1'));
  assert.equal(outcome(r61, 'kvm'), 'unfinished');
  assert.deepEqual(attempts(r61, 'kvm'), []);
  const r62 = run(scenario('6.2', mem, json('6.2').tasks, { signals: json('6.2').signals }));
  assert.deepEqual(task(r62, 'kvm').outcome, { kind: 'error', errno: 'EINTR', where: 'signal between GUP retries (FOLL_INTERRUPTIBLE)' });
  assert.deepEqual(attempts(r62, 'kvm'), ['ALLOW_RETRY|KILLABLE|INTERRUPTIBLE → RETRY released']);
});
