// Local fault helpers (arm/arm64 __do_page_fault, unicore32 __do_pf) are fault calls of their callers; powerpc's
// stack-expansion goto retry is a back-edge not guarded by a RETRY test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factsOf, fixture, fn, lineOf } from './helpers';

test('arm 4.19: __do_page_fault(mm, addr, fsr, flags, tsk) is the loop fault call; TRIED is on the retry path', () => {
  const text = fixture('retry/helper-arm-4.19.c');
  const f = fn(factsOf('retry/helper-arm-4.19.c', '4.19'), 'do_page_fault');
  assert.deepEqual(
    f.faultCalls.map((c) => [c.callee, c.via, c.flagsExpr, c.flagVars, c.range.start.line, c.assignedTo]),
    [['handle_mm_fault', '__do_page_fault', 'flags', ['flags'], lineOf(text, 'fault = __do_page_fault'), 'fault']],
  );
  const l = f.retryLoops[0]!;
  assert.equal(l.faultCall?.range.start.line, lineOf(text, 'fault = __do_page_fault'));
  assert.deepEqual(l.flagsVariables, ['flags']);
  assert.deepEqual(
    l.flagUpdates.filter((u) => u.onRetryPath).map((u) => [u.op, u.flags]),
    [['clear', ['FAULT_FLAG_ALLOW_RETRY']], ['set', ['FAULT_FLAG_TRIED']]],
  );
});

test('unicore32 4.4: __do_pf with handle_mm_fault(mm, vma, addr, flags) (≤4.7 order) and `return fault`', () => {
  const text = fixture('retry/helper-unicore-4.4.c');
  const facts = factsOf('retry/helper-unicore-4.4.c', '4.4');
  assert.equal(fn(facts, '__do_pf').faultCalls[0]!.flagsExpr, 'flags');
  const f = fn(facts, 'do_pf');
  assert.deepEqual(f.faultCalls.map((c) => [c.via, c.flagsExpr]), [['__do_pf', 'flags']]);
  assert.equal(f.retryLoops[0]!.flagUpdates.find((u) => u.op === 'set' && u.flags.includes('FAULT_FLAG_TRIED'))?.onRetryPath, true);
  assert.equal(f.retryLoops[0]!.faultCall?.range.start.line, lineOf(text, 'fault = __do_pf'));
});

test('not followed: an exported function, a helper changing the flags, a helper not returning the result', () => {
  const f = fn(factsOf('retry/helper-not-followed.c', '5.10'), 'caller');
  assert.deepEqual(f.faultCalls, []);
});

test('powerpc 4.19: the stack-expansion goto retry is a back-edge without a RETRY guard', () => {
  const text = fixture('retry/powerpc-must-retry.c');
  const l = fn(factsOf('retry/powerpc-must-retry.c', '4.19'), '__do_page_fault').retryLoops[0]!;
  assert.deepEqual(
    l.backEdges.map((b) => [b.range.start.line, b.guardedByRetryTest]),
    [[lineOf(text, 'goto retry;'), false], [lineOf(text, 'goto retry;', 1), true]],
  );
});
