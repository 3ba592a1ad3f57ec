/** Every era boundary that changes an outcome, tested on both sides. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario, ScriptOp } from '../../../simulator/src/scenario/types';
import { validateScenario } from '../../../simulator/src/scenario/validate';
import { access, attempts, outcome, run, scenario, task } from '../behaviours/helpers';

const anonUffd: Scenario['memory'] = { vmas: [{ id: 'buf', pages: 2, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }], uffds: [{ id: 'u' }] };
const wakeThenCopy = { id: 'mon', script: [{ uffd_serve: { uffd: 'u', resolve: 'WAKE' as const, latencyUs: 50 } }, { uffd_serve: { uffd: 'u', resolve: 'COPY' as const, latencyUs: 50 } }] };

test('5.6/5.7: the arch retry keeps ALLOW_RETRY from 5.7 (a second userfault blocks instead of SIGBUS)', () => {
  assert.equal(outcome(run(scenario('5.6', anonUffd, [{ id: 'app', script: [access('buf+0')] }, wakeThenCopy])), 'app'), 'SIGBUS');
  const r = run(scenario('5.7', anonUffd, [{ id: 'app', script: [access('buf+0')] }, wakeThenCopy]));
  assert.equal(outcome(r, 'app'), 'ok');
  assert.equal(task(r, 'app').retries, 2);
});

test('5.6/5.7: GUP retries with FOLL_TRIED and no ALLOW_RETRY (≤5.6: -EFAULT) or keeps ALLOW_RETRY (≥5.7: ok)', () => {
  const gup: ScriptOp = { gup: { variant: 'get_user_pages_unlocked', address: 'buf+0', nr_pages: 1, gup_flags: ['FOLL_WRITE'] } };
  const old = run(scenario('5.6', anonUffd, [{ id: 'dio', script: [gup] }, wakeThenCopy]));
  assert.equal(outcome(old, 'dio'), '-EFAULT');
  // ≤5.6 faultin_page() with `nonblocking`: ALLOW_RETRY only (KILLABLE came with 5.7).
  assert.deepEqual(attempts(old, 'dio'), ['WRITE|ALLOW_RETRY → RETRY|MAJOR released', 'WRITE|TRIED → SIGBUS']);
  const now = run(scenario('5.7', anonUffd, [{ id: 'dio', script: [gup] }, wakeThenCopy]));
  assert.equal(outcome(now, 'dio'), 'ok(1)');
  // The TRIED pass blocks in the userfault again (legal from 5.7); after the COPY, follow_page finds the page.
  assert.deepEqual(attempts(now, 'dio'), ['WRITE|ALLOW_RETRY|KILLABLE → RETRY released', 'WRITE|ALLOW_RETRY|KILLABLE|TRIED → RETRY released']);
});

test('5.6/5.7: GUP checks fatal signals between retries from 5.7', () => {
  const sc = (era: string) =>
    scenario(era, anonUffd, [{ id: 'dio', script: [{ gup: { variant: 'get_user_pages_unlocked', address: 'buf+0', nr_pages: 1 } }] }], { signals: [{ at: 100, task: 'dio', signal: 'SIGKILL' }] });
  const now = run(sc('5.7'));
  assert.deepEqual(task(now, 'dio').outcome, { kind: 'error', errno: 'EINTR', where: 'fatal signal between GUP retries' });
  assert.equal(task(now, 'dio').endTime, 100);
});

test('6.2/6.3: *locked != 1 is BUG_ON up to 6.2, WARN + -EINVAL from 6.3', () => {
  const sc = (era: string) => scenario(era, { vmas: [{ id: 'buf', pages: 1, type: 'anon' }] }, [{ id: 'drv', script: [{ gup: { variant: 'get_user_pages_remote', address: 'buf+0', nr_pages: 1, locked: true, lockedValue: 0 } }] }]);
  assert.deepEqual(task(run(sc('6.2')), 'drv').outcome, { kind: 'bug', assertion: 'BUG_ON(*locked != 1)' });
  assert.deepEqual(task(run(sc('6.3')), 'drv').outcome, { kind: 'error', errno: 'EINVAL', where: 'WARN_ON_ONCE(*locked != 1)' });
});

test('6.2/6.3: FOLL_LONGTERM through get_user_pages is allowed up to 6.2 and -EINVAL (needs FOLL_PIN) from 6.3', () => {
  const sc = (era: string) => scenario(era, { vmas: [{ id: 'buf', pages: 1, type: 'anon' }] }, [{ id: 'drv', script: [{ gup: { variant: 'get_user_pages', address: 'buf+0', nr_pages: 1, gup_flags: ['FOLL_LONGTERM'] } }] }]);
  assert.equal(outcome(run(sc('6.2')), 'drv'), 'ok(1)');
  assert.equal(outcome(run(sc('6.3')), 'drv'), '-EINVAL');
});

test('6.4/6.5: vmas with locked is -EINVAL in 6.4; from 6.5 the parameter does not exist (validator names the field)', () => {
  const json = (era: string) => ({
    version: 1,
    name: 'x',
    description: 'x',
    era,
    memory: { vmas: [{ id: 'buf', pages: 1, type: 'anon' }] },
    tasks: [{ id: 'drv', script: [{ gup: { variant: 'get_user_pages_remote', address: 'buf+0', nr_pages: 1, locked: true, vmas: true } }] }],
  });
  const v64 = validateScenario(json('6.4'));
  assert.ok(v64.ok);
  assert.equal(outcome(run(v64.scenario), 'drv'), '-EINVAL');
  const v65 = validateScenario(json('6.5'));
  assert.equal(v65.ok, false);
  assert.deepEqual(!v65.ok && v65.errors, [{ path: 'tasks[0].script[0].gup.vmas', message: 'get_user_pages_remote takes no vmas argument in era 6.5 (the parameter was removed in 6.5): get_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked)' }]);
});

test('5.17/5.18: get_user_pages_locked exists up to 5.17 and is gone in 5.18', () => {
  const json = (era: string) => ({
    version: 1,
    name: 'x',
    description: 'x',
    era,
    memory: { vmas: [{ id: 'buf', pages: 1, type: 'anon' }] },
    tasks: [{ id: 'drv', script: [{ gup: { variant: 'get_user_pages_locked', address: 'buf+0', nr_pages: 1, locked: true } }] }],
  });
  const v = validateScenario(json('5.17'));
  assert.ok(v.ok);
  assert.equal(outcome(run(v.scenario), 'drv'), 'ok(1)');
  const gone = validateScenario(json('5.18'));
  assert.deepEqual(!gone.ok && gone.errors.map((e) => e.path), ['tasks[0].script[0].gup.variant']);
});

test('5.19/6.0: VM_FAULT_COMPLETED from 6.0 ends a shared-page write fault that dropped the lock to balance dirty pages; a handler that ignores it BUGs; a read I/O wait never completes', () => {
  const mem: Scenario['memory'] = { vmas: [{ id: 'map', pages: 1, type: 'file', file: 'f', shared: true }], files: [{ id: 'f', pages: [{ index: 0, cached: true }] }] };
  const old = run(scenario('5.19', mem, [{ id: 'app', script: [access('map+0', 'write')] }]));
  assert.deepEqual(attempts(old, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → 0']);
  const now = run(scenario('6.0', mem, [{ id: 'app', script: [access('map+0', 'write')] }]));
  assert.equal(outcome(now, 'app'), 'ok');
  assert.deepEqual(attempts(now, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → COMPLETED released']);
  const bad = run(scenario('6.0', mem, [{ id: 'app', faultPath: { handlesCompleted: false }, script: [access('map+0', 'write')] }]));
  assert.deepEqual(task(bad, 'app').outcome, { kind: 'bug', assertion: 'mmap_read_unlock() of a lock the task does not hold' });
  // The read fault that waits for I/O with the lock dropped: RETRY, then the TRIED attempt (completesAfterIo is ignored).
  const io: Scenario['memory'] = { vmas: [{ id: 'map', pages: 1, type: 'file', file: 'f', shared: true }], files: [{ id: 'f', pages: [{ index: 0, ioLatencyUs: 200, completesAfterIo: true }] }] };
  const read = run(scenario('6.0', io, [{ id: 'app', script: [access('map+0', 'read')] }]));
  assert.deepEqual(attempts(read, 'app'), ['ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY|MAJOR released', 'ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0']);
});

test('6.3/6.4: the per-VMA lock fast path from 6.4; a VMA write-locked by a writer falls back to mmap_lock', () => {
  // Page 1 mapped: the VMA has its anon_vma (6.4 lock_vma_under_rcu refuses a VMA without one).
  const mem: Scenario['memory'] = { vmas: [{ id: 'buf', pages: 2, type: 'anon', ptes: [{ index: 1, state: 'present-rw' }] }] };
  assert.deepEqual(attempts(run(scenario('6.3', mem, [{ id: 'app', script: [access('buf+0')] }])), 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → 0']);
  assert.deepEqual(attempts(run(scenario('6.4', mem, [{ id: 'app', script: [access('buf+0')] }])), 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE|VMA_LOCK → 0']);
  const r = run(
    scenario('6.4', mem, [
      { id: 'writer', script: [{ mprotect: { address: 'buf+0', pages: 2, prot: 'rw', holdUs: 50 } }] },
      { id: 'app', startUs: 10, script: [access('buf+0')] },
    ]),
  );
  assert.deepEqual(attempts(r, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → 0']);
  assert.equal(task(r, 'app').lockWait, 40);
  assert.ok(r.trace.some((e) => e.task === 'app' && e.label === 'lock_vma_under_rcu failed: fall back to mmap_lock'));
});

test('6.7/6.8: after a VMA-lock RETRY the mmap_lock attempt sets TRIED only from 6.8 (on VM_FAULT_MAJOR)', () => {
  const mem: Scenario['memory'] = { vmas: [{ id: 'map', pages: 1, type: 'file', file: 'f', shared: true }], files: [{ id: 'f', pages: [{ index: 0, ioLatencyUs: 100 }] }] };
  assert.deepEqual(attempts(run(scenario('6.7', mem, [{ id: 'app', script: [access('map+0', 'read')] }])), 'app'), [
    'ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE|VMA_LOCK → RETRY|MAJOR released',
    'ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → 0',
  ]);
  assert.deepEqual(attempts(run(scenario('6.8', mem, [{ id: 'app', script: [access('map+0', 'read')] }])), 'app'), [
    'ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE|VMA_LOCK → RETRY|MAJOR released',
    'ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
  ]);
});

test('4.12/4.13: a blocked userfault woken by close re-faults on both sides (only a fault arriving during the close differs)', () => {
  const sc = (era: string) => scenario(era, anonUffd, [{ id: 'app', script: [access('buf+0')] }, { id: 'mon', script: [{ sleep: { us: 10 } }, { uffd_close: { uffd: 'u' } }] }]);
  assert.equal(outcome(run(sc('4.12')), 'app'), 'ok');
  assert.equal(outcome(run(sc('4.13')), 'app'), 'ok');
});

test('5.1/5.2: get_user_pages_longterm (4.15–5.1) becomes the FOLL_LONGTERM flag (5.2)', () => {
  const json = (era: string, op: object) => ({ version: 1, name: 'x', description: 'x', era, memory: { vmas: [{ id: 'd', pages: 1, type: 'dax' }] }, tasks: [{ id: 't', script: [{ gup: op }] }] });
  const v51 = validateScenario(json('5.1', { variant: 'get_user_pages_longterm', address: 'd+0', nr_pages: 1 }));
  assert.ok(v51.ok);
  assert.equal(outcome(run(v51.scenario), 't'), '-EOPNOTSUPP');
  assert.equal(validateScenario(json('5.2', { variant: 'get_user_pages_longterm', address: 'd+0', nr_pages: 1 })).ok, false);
  assert.equal(validateScenario(json('5.1', { variant: 'get_user_pages', address: 'd+0', nr_pages: 1, gup_flags: ['FOLL_LONGTERM'] })).ok, false);
  const v52 = validateScenario(json('5.2', { variant: 'get_user_pages', address: 'd+0', nr_pages: 1, gup_flags: ['FOLL_LONGTERM'] }));
  assert.ok(v52.ok);
  assert.equal(outcome(run(v52.scenario), 't'), '-EOPNOTSUPP');
});
