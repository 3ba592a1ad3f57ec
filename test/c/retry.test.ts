import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factsOf, fixture, fn, lineOf } from './helpers';

function loopsOf(rel: string, era: string, name: string) {
  const text = fixture(rel);
  const f = fn(factsOf(rel, era), name);
  return { text, f, loops: f.retryLoops };
}

test('<=5.6: clear ALLOW_RETRY + set TRIED under if (flags & FAULT_FLAG_ALLOW_RETRY)', () => {
  const { text, f, loops } = loopsOf('retry/v5.6-allow-retry.c', '5.6', 'do_page_fault');
  assert.equal(loops.length, 1);
  const l = loops[0]!;
  assert.equal(l.kind, 'label');
  assert.equal(l.label, 'retry');
  assert.equal(l.headRange.start.line, lineOf(text, 'retry:'));
  assert.equal(l.faultCall?.callee, 'handle_mm_fault');
  assert.equal(l.faultCall?.range.start.line, lineOf(text, 'handle_mm_fault'));
  assert.equal(l.faultCall?.assignedTo, 'fault');
  assert.deepEqual(l.flagsVariables, ['flags']);
  assert.equal(l.backEdges.length, 1);
  assert.deepEqual(
    { kind: l.backEdges[0]!.kind, line: l.backEdges[0]!.range.start.line, retry: l.backEdges[0]!.guardedByRetryTest, allow: l.backEdges[0]!.guardedByAllowRetry },
    { kind: 'goto', line: lineOf(text, 'goto retry;'), retry: true, allow: true },
  );
  assert.deepEqual(
    l.flagUpdates.map((u) => [u.variable, u.op, u.flags, u.range.start.line, u.onRetryPath]),
    [
      ['flags', 'clear', ['FAULT_FLAG_ALLOW_RETRY'], lineOf(text, '&= ~FAULT_FLAG_ALLOW_RETRY'), true],
      ['flags', 'set', ['FAULT_FLAG_TRIED'], lineOf(text, '|= FAULT_FLAG_TRIED'), true],
    ],
  );
  assert.deepEqual(
    l.signalChecks.map((s) => [s.callee, s.task, s.range.start.line, s.inRetryCondition]),
    [['fatal_signal_pending', 'current', lineOf(text, 'fatal_signal_pending'), true]],
  );
  assert.deepEqual(l.retryTests.map((t) => t.range.start.line), [lineOf(text, 'fatal_signal_pending'), lineOf(text, 'if (fault & VM_FAULT_RETRY)')]);
  assert.deepEqual(l.completedTests, []);
  assert.deepEqual(l.lockRetakes.map((r) => [r.where, r.callee, r.range.start.line]), [['label', 'down_read', lineOf(text, 'down_read')]]);
  assert.deepEqual([l.initialFlags?.variable, l.initialFlags?.op, l.initialFlags?.flags], ['flags', 'assign', ['FAULT_FLAG_ALLOW_RETRY', 'FAULT_FLAG_KILLABLE']]);
  assert.equal(l.oneShotVmaFallback, false);
  assert.equal(l.unreliable, false);
  // Every flag update of the function (including the USER one before the loop).
  assert.deepEqual(f.flagUpdates.map((u) => [u.op, u.flags]), [
    ['assign', ['FAULT_FLAG_ALLOW_RETRY', 'FAULT_FLAG_KILLABLE']],
    ['set', ['FAULT_FLAG_USER']],
    ['clear', ['FAULT_FLAG_ALLOW_RETRY']],
    ['set', ['FAULT_FLAG_TRIED']],
  ]);
});

test('defective <=5.6 form: ALLOW_RETRY cleared, TRIED never set (fault_flags variable)', () => {
  const { text, loops } = loopsOf('retry/v5.6-no-tried.c', '5.6', 'do_page_fault');
  assert.equal(loops.length, 1);
  const l = loops[0]!;
  assert.deepEqual(l.flagsVariables, ['fault_flags']);
  assert.deepEqual(l.flagUpdates.map((u) => [u.variable, u.op, u.flags, u.onRetryPath]), [['fault_flags', 'clear', ['FAULT_FLAG_ALLOW_RETRY'], true]]);
  assert.ok(!l.flagUpdates.some((u) => u.flags.includes('FAULT_FLAG_TRIED')));
  assert.equal(l.backEdges[0]!.range.start.line, lineOf(text, 'goto retry;'));
  assert.deepEqual(l.lockRetakes.map((r) => [r.where, r.callee]), [['label', 'down_read']]);
  assert.equal(l.initialFlags?.range.start.line, lineOf(text, 'int fault_flags ='));
});

test('>=5.7: FAULT_FLAG_DEFAULT, fault_signal_pending, TRIED, no ALLOW_RETRY guard (mm_flags)', () => {
  const { text, loops } = loopsOf('retry/v5.7-default.c', '5.7', 'do_user_fault');
  assert.equal(loops.length, 1);
  const l = loops[0]!;
  assert.deepEqual(l.flagsVariables, ['mm_flags']);
  assert.deepEqual(l.initialFlags?.flags, ['FAULT_FLAG_DEFAULT']);
  assert.equal(l.initialFlags?.range.start.line, lineOf(text, 'mm_flags = FAULT_FLAG_DEFAULT'));
  assert.deepEqual(l.backEdges.map((b) => [b.range.start.line, b.guardedByRetryTest, b.guardedByAllowRetry]), [[lineOf(text, 'goto retry'), true, false]]);
  assert.deepEqual(l.flagUpdates.map((u) => [u.op, u.flags, u.range.start.line, u.onRetryPath]), [['set', ['FAULT_FLAG_TRIED'], lineOf(text, '|= FAULT_FLAG_TRIED'), true]]);
  assert.deepEqual(l.signalChecks.map((s) => [s.callee, s.args, s.range.start.line]), [['fault_signal_pending', ['fault', 'regs'], lineOf(text, 'if (fault_signal_pending(')]]);
  assert.deepEqual(l.lockRetakes.map((r) => [r.where, r.callee, r.range.start.line]), [['label', 'mmap_read_lock', lineOf(text, 'mmap_read_lock')]]);
  assert.deepEqual(l.retryTests.map((t) => [t.range.start.line, t.negated]), [[lineOf(text, 'if (fault & VM_FAULT_RETRY)'), false]]);
});

test('6.0+: VM_FAULT_COMPLETED test recorded', () => {
  const { text, loops } = loopsOf('retry/v6.0-completed.c', '6.0', 'handle_page_fault');
  const l = loops[0]!;
  assert.deepEqual(l.completedTests.map((t) => t.range.start.line), [lineOf(text, 'VM_FAULT_COMPLETED)')]);
  assert.deepEqual(l.retryTests.map((t) => t.text), ['(unlikely(fault & VM_FAULT_RETRY))']);
  assert.equal(l.backEdges[0]!.range.start.line, lineOf(text, 'goto retry'));
});

test('6.4+: per-VMA lock one-shot fallback, then the mmap path loop with lock_mm_and_find_vma', () => {
  const { text, f, loops } = loopsOf('retry/v6.4-vma-lock.c', '6.4', 'do_user_addr_fault');
  assert.deepEqual(loops.map((l) => l.kind), ['vma-fallback', 'label']);
  const [fb, loop] = [loops[0]!, loops[1]!];
  assert.equal(fb.oneShotVmaFallback, true);
  assert.deepEqual(fb.backEdges, []);
  assert.equal(fb.headRange.start.line, lineOf(text, 'lock_vma_under_rcu'));
  assert.equal(fb.faultCall?.range.start.line, lineOf(text, 'FAULT_FLAG_VMA_LOCK'));
  assert.equal(fb.faultCall?.flagsExpr, 'flags | FAULT_FLAG_VMA_LOCK');
  assert.equal(fb.fallthroughTo?.start.line, lineOf(text, 'lock_mm_and_find_vma'));
  assert.deepEqual(fb.flagUpdates.map((u) => [u.op, u.flags, u.range.start.line]), [['set', ['FAULT_FLAG_TRIED'], lineOf(text, '|= FAULT_FLAG_TRIED')]]);
  assert.deepEqual(fb.signalChecks.map((s) => s.range.start.line), [lineOf(text, 'fault_signal_pending')]);
  assert.deepEqual(fb.retryTests.map((t) => [t.range.start.line, t.negated]), [
    [lineOf(text, 'VM_FAULT_RETRY | VM_FAULT_COMPLETED'), true],
    [lineOf(text, 'if (!(fault & VM_FAULT_RETRY))'), true],
  ]);

  assert.equal(loop.oneShotVmaFallback, false);
  assert.equal(loop.label, 'retry');
  assert.equal(loop.faultCall?.range.start.line, lineOf(text, 'handle_mm_fault', 1));
  assert.deepEqual(loop.lockRetakes.map((r) => [r.where, r.callee]), [['label', 'lock_mm_and_find_vma']]);
  assert.deepEqual(loop.completedTests.map((t) => t.range.start.line), [lineOf(text, 'if (fault & VM_FAULT_COMPLETED)')]);
  assert.deepEqual(loop.backEdges.map((b) => b.range.start.line), [lineOf(text, 'goto retry')]);
  assert.deepEqual(loop.flagUpdates.map((u) => u.range.start.line), [lineOf(text, '|= FAULT_FLAG_TRIED', 1)]);

  const fc = f.faultCalls.map((c) => [c.range.start.line, c.vmaLock, c.flagVars, c.flagNames]);
  assert.deepEqual(fc, [
    [lineOf(text, 'FAULT_FLAG_VMA_LOCK'), true, ['flags'], ['FAULT_FLAG_VMA_LOCK', 'FAULT_FLAG_DEFAULT', 'FAULT_FLAG_USER']],
    [lineOf(text, 'handle_mm_fault', 1), false, ['flags'], ['FAULT_FLAG_DEFAULT', 'FAULT_FLAG_USER', 'FAULT_FLAG_TRIED']],
  ]);
  // `fault = handle_mm_fault(…, flags | FAULT_FLAG_VMA_LOCK, …)` is not a flag update of `fault`.
  assert.ok(!f.flagUpdates.some((u) => u.variable === 'fault'));
});

test('s390 style: lock re-taken right before goto retry; &= ~(A | B) lists each flag', () => {
  const { text, loops } = loopsOf('retry/s390-retake.c', '5.4', 'do_exception');
  const l = loops[0]!;
  assert.deepEqual(l.lockRetakes.map((r) => [r.where, r.callee, r.range.start.line]), [
    ['before-back-edge', 'down_read', lineOf(text, 'down_read', 1)],
  ]);
  assert.deepEqual(l.flagUpdates.map((u) => [u.op, u.flags]), [
    ['clear', ['FAULT_FLAG_ALLOW_RETRY', 'FAULT_FLAG_RETRY_NOWAIT']],
    ['set', ['FAULT_FLAG_TRIED']],
  ]);
  assert.deepEqual(l.signalChecks.map((s) => [s.callee, s.task, s.inRetryCondition]), [['fatal_signal_pending', 'tsk', true]]);
});

test('sh style: signal check inside a helper called under the RETRY test', () => {
  const { text, loops } = loopsOf('retry/sh-helper.c', '5.10', 'do_page_fault');
  const l = loops[0]!;
  assert.deepEqual(
    l.signalChecks.map((s) => [s.callee, s.viaHelper, s.helperVerified, s.range.start.line]),
    [['mm_fault_error', 'mm_fault_error', true, lineOf(text, 'if (mm_fault_error(')]],
  );
  assert.equal(l.backEdges[0]!.range.start.line, lineOf(text, 'goto retry'));
  const helper = fn(factsOf('retry/sh-helper.c', '5.10'), 'mm_fault_error');
  assert.deepEqual(helper.signalChecks.map((s) => s.callee), ['fault_signal_pending']);
  assert.deepEqual(helper.retryLoops, []);
});

test('a handler without ALLOW_RETRY has no retry loop', () => {
  const f = fn(factsOf('retry/no-retry.c', '5.4'), 'simple_fault');
  assert.deepEqual(f.retryLoops, []);
  assert.equal(f.faultCalls.length, 1);
  assert.deepEqual(f.faultCalls[0]!.flagVars, ['flags']);
  assert.deepEqual(f.flagUpdates.map((u) => [u.variable, u.op, u.flags]), [['flags', 'assign', ['FAULT_FLAG_WRITE']]]);
});

test('loop forms: for (;;) with continue, while (ret & VM_FAULT_RETRY)', () => {
  const text = fixture('retry/while-loop.c');
  const facts = factsOf('retry/while-loop.c', '6.1');
  const a = fn(facts, 'fault_in_loop').retryLoops;
  assert.equal(a.length, 1);
  assert.equal(a[0]!.kind, 'for');
  assert.deepEqual(a[0]!.backEdges.map((b) => [b.kind, b.range.start.line, b.guardedByRetryTest]), [['continue', lineOf(text, 'continue;'), true]]);
  assert.deepEqual(a[0]!.lockRetakes.map((r) => [r.where, r.callee]), [['loop-head', 'mmap_read_lock']]);
  assert.deepEqual(a[0]!.signalChecks.map((s) => s.task), ['current']);
  const b = fn(facts, 'fault_in_while').retryLoops;
  assert.equal(b.length, 1);
  assert.equal(b[0]!.kind, 'while');
  assert.deepEqual(b[0]!.backEdges.map((e) => [e.kind, e.range.start.line]), [['loop-condition', lineOf(text, 'while (ret & VM_FAULT_RETRY)')]]);
  assert.deepEqual(b[0]!.retryTests.map((t) => t.text), ['(ret & VM_FAULT_RETRY)']);
  assert.deepEqual(b[0]!.flagsVariables, ['fault_flags']);
  assert.deepEqual(b[0]!.flagUpdates.map((u) => [u.variable, u.flags, u.onRetryPath]), [['fault_flags', ['FAULT_FLAG_TRIED'], true]]);
  assert.equal(b[0]!.initialFlags?.flags[0], 'FAULT_FLAG_DEFAULT');
});

test('a forward goto or a goto not under a RETRY test is not a retry loop', () => {
  const f = fn(factsOf('retry/v6.4-vma-lock.c', '6.4'), 'do_user_addr_fault');
  assert.ok(!f.retryLoops.some((l) => l.label === 'lock_mmap' || l.label === 'done'));
});
