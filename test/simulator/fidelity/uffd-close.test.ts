/**
 * Issue #10 items 1 and 2: closing a userfaultfd is not atomic (userfaultfd_release marks the ctx released, takes
 * mmap_lock for write, unregisters, then wakes), and a fault already blocked when the uffd is closed retries.
 * Each era rule is tested on both sides of its boundary (4.12/4.13, 6.14/6.15).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario, TaskSpec } from '../../../simulator/src/scenario/types';
import { explore } from '../../../simulator/src/explore';
import { access, attempts, outcome, run, scenario, task } from '../behaviours/helpers';

const mem: Scenario['memory'] = {
  vmas: [{ id: 'buf', pages: 1, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }],
  uffds: [{ id: 'u' }],
};

/** The monitor closes at 100 µs; the faulting task's fault attempt starts at 300 µs (fault cost 300 µs), lock held. */
function racing(era: string, faulter: TaskSpec): Scenario {
  return scenario(era, mem, [faulter, { id: 'monitor', script: [{ sleep: { us: 100 } }, { uffd_close: { uffd: 'u' } }] }], {
    timing: { faultCostUs: 300 },
  });
}

const app: TaskSpec = { id: 'app', faultPath: { vmaLock: false }, script: [access('buf+0')] };
const gupUnlocked: TaskSpec = { id: 'kvm', script: [{ gup: { variant: 'get_user_pages_unlocked', address: 'buf+0', nr_pages: 1, gup_flags: ['FOLL_WRITE'] } }] };

test('item 1: the close waits for mmap_lock behind the faulting reader; the fault sees the released ctx', () => {
  const r = run(racing('4.13', app));
  const rel = r.trace.find((e) => e.task === 'monitor' && e.label.includes('ctx->released = true'));
  const unreg = r.trace.find((e) => e.task === 'monitor' && e.label.includes('vmas unregistered'));
  assert.equal(rel?.t, 100);
  // The app held the read lock from 0 to 300 (fault), then the NOPAGE return unlocked it: the close got it then.
  assert.equal(unreg?.t, 300);
  assert.equal(task(r, 'monitor').lockWait, 200);
});

test('item 1, fault path: 4.12 SIGBUS on the released ctx, 4.13 NOPAGE (lock held) then a refault on the unregistered vma', () => {
  const r412 = run(racing('4.12', app));
  assert.equal(outcome(r412, 'app'), 'SIGBUS');
  assert.deepEqual(attempts(r412, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER → SIGBUS']);
  assert.equal(outcome(r412, 'monitor'), 'ok');
  const r413 = run(racing('4.13', app));
  assert.equal(outcome(r413, 'app'), 'ok');
  assert.deepEqual(attempts(r413, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER → NOPAGE', 'WRITE|ALLOW_RETRY|KILLABLE|USER → 0']);
  assert.equal(outcome(r413, 'monitor'), 'ok');
});

test('item 1, GUP: 6.14 NOPAGE with the lock held makes get_user_pages_unlocked spin (livelock, the close never gets mmap_lock); 6.15 RETRY releases it', () => {
  const r614 = run(racing('6.14', gupUnlocked));
  assert.equal(outcome(r614, 'kvm'), 'livelock');
  assert.equal(outcome(r614, 'monitor'), 'unfinished');
  assert.deepEqual(attempts(r614, 'kvm').slice(0, 2), ['WRITE|ALLOW_RETRY|KILLABLE → NOPAGE', 'WRITE|ALLOW_RETRY|KILLABLE → NOPAGE']);
  const r615 = run(racing('6.15', gupUnlocked));
  assert.equal(outcome(r615, 'kvm'), 'ok(1)');
  assert.equal(outcome(r615, 'monitor'), 'ok');
  assert.deepEqual(attempts(r615, 'kvm'), ['WRITE|ALLOW_RETRY|KILLABLE → RETRY released', 'WRITE|ALLOW_RETRY|KILLABLE|TRIED → 0']);
});

test('item 1, exploration: the 6.14 GUP/close race is reported as a livelock of the GUP; 6.15 has no bad outcome', () => {
  const e614 = explore(racing('6.14', gupUnlocked), { maxStates: 5000 });
  assert.equal(e614.boundHit, false);
  const ll = e614.bad.filter((b) => b.kind === 'livelock');
  assert.deepEqual(ll.map((b) => b.tasks), [['kvm']]);
  const e615 = explore(racing('6.15', gupUnlocked), { maxStates: 5000 });
  assert.equal(e615.boundHit, false);
  assert.deepEqual(e615.bad, []);
});

test('item 2: a fault blocked in userfaultfd when the uffd is closed is woken, returns RETRY and re-faults, in 4.4, 4.12 and 6.8', () => {
  for (const era of ['4.4', '4.12', '6.8']) {
    const r = run(
      scenario(era, mem, [
        { id: 'app', faultPath: { vmaLock: false }, script: [access('buf+0')] },
        { id: 'monitor', script: [{ sleep: { us: 200 } }, { uffd_close: { uffd: 'u' } }] },
      ]),
    );
    assert.equal(outcome(r, 'app'), 'ok', era);
    const first = era === '6.8' ? 'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released' : 'WRITE|ALLOW_RETRY|KILLABLE|USER → RETRY|MAJOR released';
    const second = era === '6.8' ? 'WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0' : 'WRITE|KILLABLE|TRIED|USER → 0';
    assert.deepEqual(attempts(r, 'app'), [first, second], era);
    assert.equal(task(r, 'app').blockedInUffd, 199, era);
  }
});
