import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type HandleUserfaultDecision,
  type HandleUserfaultInput,
  blockingStateFor,
  handleUserfault,
  queueUserfault,
  releasedCtxBehaviour,
  userfaultWakeResult,
} from '../../../simulator/src/uffd';
import { ctxWith } from './helpers';

const FIRST = ['ALLOW_RETRY', 'KILLABLE', 'INTERRUPTIBLE', 'USER'];

function input(over: Partial<HandleUserfaultInput> = {}): HandleUserfaultInput {
  const ctx = ctxWith([]);
  return {
    era: '6.19',
    ctx,
    registration: { ctxId: ctx.id, modes: ['MISSING'] },
    reason: 'MISSING',
    address: 0x40000123,
    flags: FIRST,
    task: 't1',
    ...over,
  };
}

function kind(d: HandleUserfaultDecision): string {
  return d.kind === 'sigbus' ? `sigbus:${d.reason}` : d.kind;
}

test('ladder rung 1: an exiting task (PF_EXITING) gets SIGBUS', () => {
  assert.equal(kind(handleUserfault(input({ taskExiting: true }))), 'sigbus:task-exiting');
});

test('ladder rung 2: no ctx on the vma gets SIGBUS', () => {
  assert.equal(kind(handleUserfault(input({ ctx: null, registration: undefined }))), 'sigbus:no-ctx');
});

test('ladder rung 3 / selftest sigbus: UFFD_FEATURE_SIGBUS gives SIGBUS and no message', () => {
  const ctx = ctxWith(['SIGBUS']);
  const d = handleUserfault(input({ ctx, registration: { ctxId: ctx.id, modes: ['MISSING'] } }));
  assert.deepEqual(d, { kind: 'sigbus', reason: 'feature-sigbus', vmFault: ['SIGBUS'], lockReleased: false, warnings: [] });
});

test('selftest sigbus-wp: a WP fault with UFFD_FEATURE_SIGBUS gives SIGBUS', () => {
  const ctx = ctxWith(['SIGBUS']);
  const d = handleUserfault(input({ ctx, reason: 'WP', registration: { ctxId: ctx.id, modes: ['WP'] } }));
  assert.equal(kind(d), 'sigbus:feature-sigbus');
});

test('ladder rung 4: a kernel fault on a UFFD_USER_MODE_ONLY ctx gets SIGBUS (5.11+)', () => {
  const ctx = { ...ctxWith([]), flags: { nonblock: true, cloexec: false, userModeOnly: true } };
  const flags = ['ALLOW_RETRY', 'KILLABLE'];
  assert.equal(kind(handleUserfault(input({ ctx, flags }))), 'sigbus:kernel-fault-user-mode-only');
  assert.equal(handleUserfault(input({ ctx, flags: FIRST })).kind, 'block');
});

test('ladder rung 5 / behaviour 1: no ALLOW_RETRY (plain get_user_pages) gets SIGBUS with the debug print', () => {
  const d = handleUserfault(input({ flags: ['WRITE'] }));
  assert.equal(kind(d), 'sigbus:no-allow-retry');
  assert.deepEqual(d.kind === 'sigbus' && d.warnings, ['FAULT_FLAG_ALLOW_RETRY missing (CONFIG_DEBUG_VM print + dump_stack)']);
});

test('behaviour 1 / 5: a <=5.6 retry attempt (TRIED without ALLOW_RETRY) gets SIGBUS', () => {
  assert.equal(kind(handleUserfault(input({ era: '5.6', flags: ['TRIED', 'USER', 'KILLABLE'] }))), 'sigbus:no-allow-retry');
});

test('behaviour 5: a >=5.7 retry attempt (ALLOW_RETRY|TRIED) blocks again', () => {
  const d = handleUserfault(input({ era: '5.7', flags: ['ALLOW_RETRY', 'TRIED', 'KILLABLE', 'INTERRUPTIBLE', 'USER'], reason: 'WP' }));
  assert.equal(d.kind, 'block');
});

test('ladder rung 6: RETRY_NOWAIT returns RETRY with the lock held and queues no message', () => {
  assert.deepEqual(handleUserfault(input({ flags: ['ALLOW_RETRY', 'RETRY_NOWAIT'] })), {
    kind: 'retry-lock-held',
    vmFault: ['RETRY'],
    lockReleased: false,
  });
});

test('ladder rung 7, 6.19: a released ctx releases the lock and returns RETRY without blocking', () => {
  const ctx = { ...ctxWith([]), released: true };
  assert.deepEqual(handleUserfault(input({ ctx })), {
    kind: 'retry-lock-released-no-block',
    reason: 'released',
    vmFault: ['RETRY'],
    lockReleased: true,
  });
});

test('ladder rung 7 era boundary (fe4cdc2c4e24, v6.15): 6.14 NOPAGE with the lock held, 6.15 RETRY with the lock released', () => {
  const ctx = { ...ctxWith([]), released: true };
  assert.equal(handleUserfault(input({ era: '6.14', ctx })).kind, 'nopage-lock-held');
  assert.equal(handleUserfault(input({ era: '6.15', ctx })).kind, 'retry-lock-released-no-block');
});

test('released rung position: before ALLOW_RETRY / RETRY_NOWAIT up to 6.14, after them from 6.15', () => {
  const ctx = { ...ctxWith([]), released: true };
  // No ALLOW_RETRY (a GUP without *locked): 6.14 NOPAGE (the GUP spins), 6.15 SIGBUS (no-allow-retry).
  assert.equal(kind(handleUserfault(input({ era: '6.14', ctx, flags: [] }))), 'nopage-lock-held');
  assert.equal(kind(handleUserfault(input({ era: '6.15', ctx, flags: [] }))), 'sigbus:no-allow-retry');
  // RETRY_NOWAIT: 6.14 NOPAGE, 6.15 RETRY with the lock held; 4.12 SIGBUS (released), 4.13 NOPAGE.
  const nowait = ['ALLOW_RETRY', 'RETRY_NOWAIT'];
  assert.equal(kind(handleUserfault(input({ era: '6.14', ctx, flags: nowait }))), 'nopage-lock-held');
  assert.equal(kind(handleUserfault(input({ era: '6.15', ctx, flags: nowait }))), 'retry-lock-held');
  assert.equal(kind(handleUserfault(input({ era: '4.12', ctx: { ...ctx, features: [] }, flags: nowait }))), 'sigbus:released');
  assert.equal(kind(handleUserfault(input({ era: '4.13', ctx: { ...ctx, features: [] }, flags: [] }))), 'nopage-lock-held');
});

test('ladder rung 7 era boundary: 4.19 NOPAGE; 4.13 NOPAGE vs 4.12 SIGBUS (2014 design: close → SIGBUS)', () => {
  const ctx = { ...ctxWith([], '4.19'), released: true };
  assert.deepEqual(handleUserfault(input({ era: '4.19', ctx, flags: ['ALLOW_RETRY', 'KILLABLE', 'USER'] })), {
    kind: 'nopage-lock-held',
    reason: 'released',
    vmFault: ['NOPAGE'],
    lockReleased: false,
  });
  assert.equal(releasedCtxBehaviour('4.13'), 'nopage-lock-held');
  assert.equal(releasedCtxBehaviour('4.12'), 'sigbus');
  assert.equal(releasedCtxBehaviour('3.18'), 'sigbus');
  assert.equal(kind(handleUserfault(input({ era: '4.12', ctx, flags: ['ALLOW_RETRY', 'KILLABLE', 'USER'] }))), 'sigbus:released');
});

test('ladder rung 8 / behaviour 2: a first attempt queues a message, releases the lock and blocks', () => {
  const d = handleUserfault(input({ flags: [...FIRST, 'WRITE'] }));
  assert.equal(d.kind, 'block');
  if (d.kind !== 'block') return;
  assert.equal(d.blockingState, 'INTERRUPTIBLE');
  assert.equal(d.lockReleased, true);
  assert.deepEqual(d.vmFault, ['RETRY']);
  assert.deepEqual(d.message, { event: 'PAGEFAULT', address: 0x40000000, flags: ['WRITE'] });
});

test('message: EXACT_ADDRESS keeps the offset, THREAD_ID adds ptid, WP and MINOR flags', () => {
  const ctx = ctxWith(['EXACT_ADDRESS', 'THREAD_ID']);
  const d = handleUserfault(input({ ctx, reason: 'WP', flags: [...FIRST, 'WRITE'], registration: { ctxId: ctx.id, modes: ['WP'] } }));
  assert.deepEqual(d.kind === 'block' && d.message, { event: 'PAGEFAULT', address: 0x40000123, flags: ['WRITE', 'WP'], ptid: 't1' });
  const m = handleUserfault(input({ reason: 'MINOR', address: 0x40201000, pageSize: 0x200000 }));
  assert.deepEqual(m.kind === 'block' && m.message, { event: 'PAGEFAULT', address: 0x40200000, flags: ['MINOR'] });
});

test('blocking state >=5.7: INTERRUPTIBLE > KILLABLE > UNINTERRUPTIBLE by flags', () => {
  assert.equal(blockingStateFor('5.7', ['ALLOW_RETRY', 'KILLABLE', 'INTERRUPTIBLE']), 'INTERRUPTIBLE');
  assert.equal(blockingStateFor('5.7', ['ALLOW_RETRY', 'KILLABLE']), 'KILLABLE');
  assert.equal(blockingStateFor('5.7', ['ALLOW_RETRY']), 'UNINTERRUPTIBLE');
});

test('blocking state <=5.6: USER|KILLABLE (return_to_userland) sleeps INTERRUPTIBLE, else KILLABLE', () => {
  assert.equal(blockingStateFor('5.6', ['ALLOW_RETRY', 'KILLABLE', 'USER']), 'INTERRUPTIBLE');
  assert.equal(blockingStateFor('5.6', ['ALLOW_RETRY', 'KILLABLE']), 'KILLABLE');
  assert.equal(blockingStateFor('5.6', ['ALLOW_RETRY']), 'KILLABLE');
});

test('non-fatal signal era boundary: 5.6 re-takes the lock and returns NOPAGE, 5.7 returns RETRY with the lock released', () => {
  const flags = ['ALLOW_RETRY', 'KILLABLE', 'USER'];
  assert.deepEqual(handleUserfault(input({ era: '5.6', flags, signal: 'nonfatal' })), {
    kind: 'nopage-lock-retaken',
    reason: 'signal',
    vmFault: ['NOPAGE'],
    lockReleased: false,
  });
  assert.deepEqual(handleUserfault(input({ era: '5.7', flags: [...flags, 'INTERRUPTIBLE'], signal: 'nonfatal' })), {
    kind: 'retry-lock-released-no-block',
    reason: 'signal',
    vmFault: ['RETRY'],
    lockReleased: true,
  });
});

test('non-fatal signal while blocked: 5.6 wake → NOPAGE lock re-taken; 5.7 → RETRY lock released', () => {
  const flags = ['ALLOW_RETRY', 'KILLABLE', 'USER'];
  const d56 = handleUserfault(input({ era: '5.6', flags }));
  const d57 = handleUserfault(input({ era: '5.7', flags: [...flags, 'INTERRUPTIBLE'] }));
  assert.ok(d56.kind === 'block' && d57.kind === 'block');
  if (d56.kind !== 'block' || d57.kind !== 'block') return;
  assert.deepEqual(userfaultWakeResult('5.6', d56, 'signal'), { vmFault: ['NOPAGE'], lockReleased: false });
  assert.deepEqual(userfaultWakeResult('5.6', d56, 'woken'), { vmFault: ['RETRY', 'MAJOR'], lockReleased: true });
  assert.deepEqual(userfaultWakeResult('5.7', d57, 'signal'), { vmFault: ['RETRY'], lockReleased: true });
  assert.deepEqual(userfaultWakeResult('6.19', d57, 'released'), { vmFault: ['RETRY'], lockReleased: true });
});

test('a KILLABLE sleeper ignores a non-fatal signal and blocks; a fatal one returns RETRY at once', () => {
  const flags = ['ALLOW_RETRY', 'KILLABLE'];
  assert.equal(handleUserfault(input({ flags, signal: 'nonfatal' })).kind, 'block');
  assert.equal(kind(handleUserfault(input({ flags, signal: 'fatal' }))), 'retry-lock-released-no-block');
});

test('must_wait false after queueing (resolved concurrently): RETRY with the lock released, no sleep', () => {
  const d = handleUserfault(input({ mustWait: false }));
  assert.deepEqual(d, { kind: 'retry-lock-released-no-block', reason: 'already-resolved', vmFault: ['RETRY'], lockReleased: true });
});

test('queueUserfault puts the waiter on the pending queue with a sequence number', () => {
  const ctx = ctxWith([]);
  const d = handleUserfault(input({ ctx }));
  if (d.kind !== 'block') throw new Error('expected block');
  const c = queueUserfault(ctx, d);
  assert.equal(c.waiters.length, 1);
  assert.equal(c.waiters[0].task, 't1');
  assert.equal(c.waiters[0].delivered, false);
  assert.equal(c.nextSeq, ctx.nextSeq + 1);
  assert.equal(ctx.waiters.length, 0, 'input not mutated');
});
