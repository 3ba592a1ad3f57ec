import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { extractHunkFacts } from '../../server/src/c/fragments';
import type { FunctionFacts } from '../../server/src/c/types';
import { factsForPatchInput, type FactsOptions } from '../../server/src/facts/compute';
import { formatFacts } from '../../server/src/facts/format';
import type { SideFacts } from '../../server/src/facts/types';

const ROOT = join(__dirname, '..', '..');
const NO_TREE: FactsOptions = { readTreeFile: () => undefined };

function side(path: string, patch: number, which: 'pre' | 'post', opts: FactsOptions = NO_TREE): SideFacts {
  const f = factsForPatchInput(readFileSync(join(ROOT, path)), path, opts);
  const s = f.patches[patch]!.files[0]![which]!;
  assert.ok(s, `${path} ${which}`);
  return s;
}
const fns = (s: SideFacts): FunctionFacts[] => s.units.flatMap((u) => u.facts.functions);
const loopShape = (f: FunctionFacts) =>
  f.retryLoops.map((l) => ({
    label: l.label,
    head: l.headRange.start.line,
    headInGap: l.headInGap ?? false,
    fault: l.faultCall ? [l.faultCall.callee, l.faultCall.range.start.line] : undefined,
    initial: l.initialFlags?.text,
    flags: l.flagUpdates.map((u) => [u.op, u.flags.join('|'), u.range.start.line, u.onRetryPath]),
    signals: l.signalChecks.map((s) => [s.callee, s.range.start.line]),
    backEdges: l.backEdges.map((b) => b.range.start.line),
    retakes: l.lockRetakes.map((k) => [k.where, k.callee, k.range.start.line]),
    gaps: l.gaps?.map((g) => [g.start.line, g.end.line]),
  }));
const gap = (a: number, b: number) => ({ start: { line: a, column: 0 }, end: { line: b, column: 0 } });

test('sample series patch 2/3 without the tree: the two hunks are one do_page_fault with its retry loop and flag changes', () => {
  const post = side('samples/series/gup-unlocked-v2.mbox', 1, 'post');
  assert.deepEqual(post.units.map((u) => u.hunks), [[0, 1]]);
  const [f] = fns(post);
  assert.equal(f!.name, 'do_page_fault');
  assert.deepEqual(f!.partial, { gaps: [gap(40, 55)], headerKnown: false, startKnown: false, endKnown: false });
  assert.deepEqual(loopShape(f!), [
    {
      label: 'retry', head: 37, headInGap: false, fault: undefined, initial: undefined,
      flags: [['clear', 'FAULT_FLAG_ALLOW_RETRY', 58, true], ['set', 'FAULT_FLAG_TRIED', 59, true]],
      signals: [], backEdges: [60], retakes: [['label', 'mmap_read_lock', 38]], gaps: [[40, 55]],
    },
  ]);
  // The gap is a CFG node saying which lines it stands for; nothing internal shows.
  const g = f!.cfg.nodes.filter((n) => n.gap);
  assert.deepEqual([...new Set(g.map((n) => n.text))], ['/* lines 41–55 not in the patch */']);
  assert.deepEqual(g.flatMap((n) => n.calls), []);
  // Hunk by hunk (the old reading), the loop and the flag changes were lost.
  const old = fns(side('samples/series/gup-unlocked-v2.mbox', 1, 'post', { ...NO_TREE, joinHunks: false }));
  assert.deepEqual(old.map((x) => [x.name, x.retryLoops.length]), [['do_page_fault', 0], ['(hunk at line 56)', 0]]);
});

test('the same patch with the tree finds the same loop, flags and back-edge lines', () => {
  const [f] = fns(side('samples/series/gup-unlocked-v2.mbox', 1, 'post', { tree: join(ROOT, 'samples/tree') }));
  const [l] = loopShape(f!);
  assert.deepEqual([l!.head, l!.flags, l!.backEdges], [37, [['clear', 'FAULT_FLAG_ALLOW_RETRY', 58, true], ['set', 'FAULT_FLAG_TRIED', 59, true]], [60]]);
  assert.equal(f!.partial, undefined);
});

test('x86ish 5.6→5.7: flag initialisation and retry block far apart, the retry: label in the gap', () => {
  const path = 'test/fixtures/fragments/x86ish-5.7/0001.patch';
  const post = side(path, 0, 'post');
  assert.deepEqual(post.units.map((u) => u.hunks), [[0, 1]]);
  const [f] = fns(post);
  assert.equal(f!.name, 'do_user_addr_fault');
  assert.deepEqual(f!.partial, { gaps: [gap(41, 92)], headerKnown: false, startKnown: false, endKnown: false });
  assert.deepEqual(loopShape(f!), [
    {
      label: 'retry', head: 41, headInGap: true, fault: ['handle_mm_fault', 92], initial: 'flags = FAULT_FLAG_DEFAULT',
      flags: [['set', 'FAULT_FLAG_TRIED', 108, true]], signals: [['fault_signal_pending', 96]], backEdges: [109],
      retakes: [], gaps: [[41, 92]],
    },
  ]);
  const [pre] = fns(side(path, 0, 'pre'));
  assert.deepEqual(loopShape(pre!)[0]!.flags, [['clear', 'FAULT_FLAG_ALLOW_RETRY', 102, true], ['set', 'FAULT_FLAG_TRIED', 103, true]]);
  assert.deepEqual(loopShape(pre!)[0]!.signals, [['fatal_signal_pending', 104]]);
  assert.equal(loopShape(pre!)[0]!.initial, 'flags = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE');
  // With the tree: the same fault call, flags and signal check lines; the head is the real label.
  const [whole] = fns(side(path, 0, 'post', { tree: join(ROOT, 'test/fixtures/fragments/x86ish-5.7/tree') }));
  const w = loopShape(whole!)[0]!;
  assert.deepEqual([w.head, w.fault, w.initial, w.flags, w.signals, w.backEdges], [64, ['handle_mm_fault', 92], 'flags = FAULT_FLAG_DEFAULT', [['set', 'FAULT_FLAG_TRIED', 108, true]], [['fault_signal_pending', 96]], [109]]);
});

test('arm64ish: the helper and the handler are two functions; the handler\'s hunks joined under a label context', () => {
  const path = 'test/fixtures/fragments/arm64ish-5.7/0001.patch';
  const post = side(path, 0, 'post');
  assert.deepEqual(post.units.map((u) => u.hunks), [[0], [1, 2]]);
  const [helper, handler] = fns(post);
  assert.deepEqual([helper!.name, helper!.faultCalls.map((c) => c.range.start.line), helper!.partial], [
    '__do_page_fault', [33], { gaps: [], headerKnown: false, startKnown: false, endKnown: true },
  ]);
  assert.equal(handler!.name, 'do_page_fault');
  assert.deepEqual(loopShape(handler!), [
    {
      label: 'retry', head: 47, headInGap: true, fault: undefined, initial: undefined,
      flags: [['set', 'FAULT_FLAG_TRIED', 82, true]], signals: [['fault_signal_pending', 74]], backEdges: [83],
      retakes: [], gaps: [[47, 70]],
    },
  ]);
  // Before: `goto no_context` (an exit) does not get a label in the gap: one loop only.
  const pre = fns(side(path, 0, 'pre'))[1]!;
  assert.deepEqual(pre.retryLoops.map((l) => l.label), ['retry']);
  assert.deepEqual(loopShape(pre)[0]!.flags, [['clear', 'FAULT_FLAG_ALLOW_RETRY', 85, true], ['set', 'FAULT_FLAG_TRIED', 86, true]]);
});

test('a GUP conversion: the definition in the first hunk names the function, the call in the second joins it', () => {
  const path = 'test/fixtures/fragments/baz-pin-fast/0001.patch';
  const pre = fns(side(path, 0, 'pre'));
  assert.deepEqual(pre.map((f) => [f.name, f.partial?.gaps.length ?? null, f.partial?.headerKnown ?? null]), [['baz_unpin', null, null], ['baz_pin_user', 1, true]]);
  const f = pre[1]!;
  assert.deepEqual(f.gupCalls.map((g) => [g.callee, g.range.start.line, g.flagNames]), [['get_user_pages', 32, ['FOLL_WRITE', 'FOLL_LONGTERM']]]);
  assert.deepEqual(f.lockOps.map((o) => [o.callee, o.range.start.line]), [['mmap_read_lock', 31], ['mmap_read_unlock', 34]]);
  assert.deepEqual(f.partial, { gaps: [gap(25, 28)], headerKnown: true, startKnown: true, endKnown: false });
  const post = fns(side(path, 0, 'post'))[1]!;
  assert.deepEqual(post.gupCalls.map((g) => [g.callee, g.range.start.line]), [['pin_user_pages_fast', 30]]);
  assert.deepEqual(post.lockOps, []);
});

test('no output shows an internal name', () => {
  for (const path of ['samples/series/gup-unlocked-v2.mbox', 'test/fixtures/fragments/x86ish-5.7/0001.patch', 'test/fixtures/fragments/arm64ish-5.7/0001.patch']) {
    for (const joinHunks of [true, false]) {
      const f = factsForPatchInput(readFileSync(join(ROOT, path)), path, { ...NO_TREE, joinHunks });
      assert.doesNotMatch(JSON.stringify(f), /__mmlens/, path);
      assert.doesNotMatch(formatFacts(f), /__mmlens/, path);
    }
  }
});

test('blocks across a gap: the gap closes the hunk\'s open block, and an unbraced body after it runs under an unknown condition', () => {
  const era = parseEra('6.8');
  const a = ['\tflags = FAULT_FLAG_DEFAULT;', 'retry:', '\tfault = handle_mm_fault(vma, addr, flags, regs);', '\tif (fault & VM_FAULT_ERROR) {', '\t\tfoo_error(fault);'];
  const b = ['\t\treturn;', '', '\tif (fault & VM_FAULT_RETRY) {', '\t\tflags |= FAULT_FLAG_TRIED;', '\t\tgoto retry;', '\t}', '}'];
  const units = extractHunkFacts(
    [
      { hunk: 0, lines: a, firstLine: 9, contextLine: 'static void foo_fault(struct pt_regs *regs, unsigned long addr)' },
      { hunk: 1, lines: b, firstLine: 30, contextLine: 'static void foo_fault(struct pt_regs *regs, unsigned long addr)' },
    ],
    { era },
  );
  assert.deepEqual(units.map((u) => u.hunks), [[0, 1]]);
  const f = units[0]!.facts.functions[0]!;
  assert.equal(units[0]!.facts.parseErrors, 0);
  assert.deepEqual(f.partial, { gaps: [gap(14, 30)], headerKnown: true, startKnown: false, endKnown: true });
  assert.deepEqual(loopShape(f), [
    {
      label: 'retry', head: 10, headInGap: false, fault: ['handle_mm_fault', 11], initial: 'flags = FAULT_FLAG_DEFAULT',
      flags: [['set', 'FAULT_FLAG_TRIED', 33, true]], signals: [], backEdges: [34], retakes: [], gaps: [[14, 30]],
    },
  ]);
  // The `return;` is reached only through the gap's unknown condition: the RETRY test after it is reachable.
  const ret = f.cfg.nodes.find((n) => n.kind === 'return')!;
  const cond = f.cfg.nodes.find((n) => n.kind === 'cond' && n.text.includes('VM_FAULT_RETRY'))!;
  const preds = (id: number) => f.cfg.edges.filter((e) => e.to === id).map((e) => f.cfg.nodes[e.from]!);
  assert.ok(preds(ret.id).every((n) => n.gap), 'return follows the gap');
  assert.ok(preds(cond.id).some((n) => n.gap), 'the RETRY test is reached from the gap, not only after the return');
});

test('hunks of different functions are not joined; a top-level context after a function ends a run', () => {
  const era = parseEra('6.8');
  const units = extractHunkFacts(
    [
      { hunk: 0, lines: ['\tmmap_read_lock(mm);', '\tx = 1;'], firstLine: 4, contextLine: 'static int f(struct mm_struct *mm)' },
      { hunk: 1, lines: ['\tmmap_read_unlock(mm);'], firstLine: 20, contextLine: 'static int g(struct mm_struct *mm)' },
      { hunk: 2, lines: ['\tmmap_read_unlock(mm);'], firstLine: 40, contextLine: 'EXPORT_SYMBOL(g);' },
    ],
    { era },
  );
  assert.deepEqual(units.map((u) => [u.hunks, u.facts.functions.map((f) => f.name)]), [[[0], ['f']], [[1], ['g']], [[2], ['(hunk at line 41)']]]);
});
