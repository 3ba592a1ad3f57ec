import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c/index';
import { fixture, lineOf } from './helpers';

const CONTEXT = 'static vm_fault_t do_user_fault(struct pt_regs *regs, unsigned long addr)';

/** Lines [from, end) of a fixture, as a hunk post-image would carry them. */
function slice(rel: string, fromNeedle: string): { frag: string; first: number; whole: string } {
  const whole = fixture(rel);
  const first = lineOf(whole, fromNeedle);
  return { frag: whole.split('\n').slice(first).join('\n'), first, whole };
}

test('a post-image starting mid-function gives the same retry loop facts at fragment lines', () => {
  const { frag, first, whole } = slice('retry/v5.7-default.c', 'if (user_mode(regs))');
  const facts = extractCFacts(frag, { era: parseEra('5.7'), fragment: { contextLine: CONTEXT } });
  assert.equal(facts.functions.length, 1);
  const f = facts.functions[0]!;
  assert.equal(f.name, 'do_user_fault');
  assert.equal(f.synthetic, false);
  assert.equal(facts.parseErrors, 0);
  const l = f.retryLoops[0]!;
  assert.equal(l.headRange.start.line, lineOf(whole, 'retry:') - first);
  assert.equal(l.backEdges[0]!.range.start.line, lineOf(whole, 'goto retry') - first);
  assert.equal(l.backEdges[0]!.range.start.column, 2);
  assert.equal(l.faultCall!.range.start.line, lineOf(whole, 'handle_mm_fault') - first);
  assert.deepEqual(l.flagUpdates.map((u) => [u.flags, u.range.start.line]), [[['FAULT_FLAG_TRIED'], lineOf(whole, '|= FAULT_FLAG_TRIED') - first]]);
  assert.deepEqual(l.signalChecks.map((s) => s.range.start.line), [lineOf(whole, 'if (fault_signal_pending(') - first]);
  // The whole-file facts agree modulo the line shift.
  const full = extractCFacts(whole, { era: parseEra('5.7') }).functions[0]!.retryLoops[0]!;
  assert.equal(full.backEdges[0]!.range.start.line - first, l.backEdges[0]!.range.start.line);
  assert.equal(full.faultCall!.range.end.column, l.faultCall!.range.end.column);
});

test('firstLine shifts every output line', () => {
  const { frag, first, whole } = slice('retry/v5.7-default.c', 'if (user_mode(regs))');
  const facts = extractCFacts(frag, { era: parseEra('5.7'), fragment: { contextLine: CONTEXT, firstLine: first } });
  const l = facts.functions[0]!.retryLoops[0]!;
  assert.equal(l.backEdges[0]!.range.start.line, lineOf(whole, 'goto retry'));
  assert.equal(l.headRange.start.line, lineOf(whole, 'retry:'));
});

test('a fragment starting inside a nested block (more closing braces) still parses', () => {
  const { frag, first, whole } = slice('retry/v5.6-allow-retry.c', 'flags &= ~FAULT_FLAG_ALLOW_RETRY');
  const facts = extractCFacts(frag, {
    era: parseEra('5.6'),
    fragment: { contextLine: 'static int __kprobes do_page_fault(struct pt_regs *regs, unsigned long address,' },
  });
  assert.equal(facts.parseErrors, 0);
  const f = facts.functions[0]!;
  assert.equal(f.name, 'do_page_fault');
  assert.deepEqual(f.flagUpdates.map((u) => [u.op, u.range.start.line]), [
    ['clear', lineOf(whole, '&= ~FAULT_FLAG_ALLOW_RETRY') - first],
    ['set', lineOf(whole, '|= FAULT_FLAG_TRIED') - first],
  ]);
  assert.deepEqual(f.lockOps.map((o) => [o.callee, o.range.start.line]), [
    ['up_read', lineOf(whole, 'up_read') - first],
    ['up_read', lineOf(whole, 'up_read', 1) - first],
  ]);
  // `goto retry` targets a label outside the fragment: it is not a retry loop, and its CFG edge goes to exit.
  assert.deepEqual(f.retryLoops, []);
  const g = f.cfg.nodes.find((n) => n.kind === 'goto')!;
  assert.ok(f.cfg.edges.some((e) => e.from === g.id && e.to === f.cfg.exit && e.label === 'goto'));
});

test('a non-function context wraps the fragment in a synthetic function', () => {
  const frag = '\tret = get_user_pages(addr, 1, FOLL_WRITE, pages, NULL);\n\tmmap_read_unlock(mm);\n';
  for (const contextLine of ['struct gup_ops {', '', '#define FOO 1']) {
    const facts = extractCFacts(frag, { era: parseEra('5.10'), fragment: { contextLine } });
    assert.equal(facts.functions.length, 1, contextLine);
    const f = facts.functions[0]!;
    assert.equal(f.synthetic, true);
    assert.deepEqual(f.gupCalls.map((g) => [g.callee, g.range.start.line, g.range.start.column]), [['get_user_pages', 0, 7]]);
    assert.deepEqual(f.lockOps.map((o) => [o.callee, o.range.start.line]), [['mmap_read_unlock', 1]]);
  }
});

test('a fragment that ends the function and starts another one', () => {
  const frag = '\treturn ret;\n}\n\nstatic int other(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n';
  const facts = extractCFacts(frag, { era: parseEra('6.1'), fragment: { contextLine: 'static int first(void)' } });
  assert.deepEqual(facts.functions.map((f) => f.name), ['first', 'other']);
  assert.deepEqual(facts.functions[1]!.lockOps.map((o) => o.range.start.line), [5]);
  assert.equal(facts.parseErrors, 0);
});

type Shape = [name: string, synthetic: boolean, startLine: number, startCol: number, endLine: number, endCol: number];
const shape = (facts: ReturnType<typeof extractCFacts>): Shape[] =>
  facts.functions.map((f) => [f.name, f.synthetic, f.range.start.line, f.range.start.column, f.range.end.line, f.range.end.column]);

test('a hunk without function context holding a whole definition yields it with its real name and range', () => {
  // qux-unlocked.patch: `@@ -3,11 +3,8 @@`, post-image from file line 3 (0-based 2).
  const frag =
    '\nstatic int qux_pin(unsigned long uaddr, int nr, struct page **pages)\n{\n\tint ret;\n\n' +
    '\tret = get_user_pages_unlocked(uaddr, nr, pages, FOLL_WRITE);\n\treturn ret;\n}\n';
  const facts = extractCFacts(frag, { era: parseEra('6.8'), fragment: { contextLine: '', firstLine: 2 } });
  assert.deepEqual(shape(facts), [['qux_pin', false, 3, 0, 9, 1]]);
  assert.deepEqual(facts.functions[0]!.gupCalls.map((g) => [g.callee, g.range.start.line, g.range.start.column]), [
    ['get_user_pages_unlocked', 7, 7],
  ]);
  assert.equal(facts.parseErrors, 0);
});

test('a hunk starting with the header of another function than the context names: one function, the real one', () => {
  // gup-unlocked-v2.mbox patch 1 hunk 1: the context line names the function that ended before the hunk.
  const frag = 'int foo_map(struct foo *buf, unsigned long uaddr,\n\t     size_t len)\n{\n\tunsigned int gup_flags = FOLL_WRITE;\n\tmmap_read_lock(mm);\n';
  const facts = extractCFacts(frag, {
    era: parseEra('6.1'),
    fragment: { contextLine: 'static void foo_release(struct page **pages, long nr)', firstLine: 22 },
  });
  assert.deepEqual(shape(facts), [['foo_map', false, 22, 0, 27, 0]]);
  assert.deepEqual(facts.functions[0]!.lockOps.map((o) => [o.callee, o.range.start.line]), [['mmap_read_lock', 26]]);
  assert.deepEqual(facts.functions[0]!.flagUpdates.map((u) => [u.variable, u.flags, u.range.start.line]), [['gup_flags', ['FOLL_WRITE'], 25]]);
  assert.equal(facts.parseErrors, 0);
});

test('code before a definition at the top of a fragment is wrapped alone, its range covering only its lines', () => {
  const era = parseEra('6.1');
  const top = extractCFacts('static int counter;\n\n/* pins */\nstatic int pin(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\treturn 0;\n}\n', {
    era,
    fragment: { contextLine: '' },
  });
  assert.deepEqual(shape(top), [
    ['(hunk at line 1)', true, 0, 0, 2, 10], // never the internal name
    ['pin', false, 3, 0, 7, 1],
  ]);
  assert.deepEqual(top.functions[1]!.lockOps.map((o) => o.range.start.line), [5]);
  // Statements before the definition go to the context's function.
  const tail = extractCFacts('\tmmap_read_unlock(mm);\n\nstatic int g(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\treturn 0;\n}\n', {
    era,
    fragment: { contextLine: 'static int first(struct mm_struct *mm)', firstLine: 10 },
  });
  assert.deepEqual(shape(tail), [
    ['first', false, 10, 0, 11, 0],
    ['g', false, 12, 0, 16, 1],
  ]);
  assert.deepEqual(tail.functions.map((f) => f.lockOps.map((o) => [o.callee, o.range.start.line])), [
    [['mmap_read_unlock', 10]],
    [['mmap_read_lock', 14]],
  ]);
  for (const f of [top, tail]) {
    const ranges = f.functions.map((x) => JSON.stringify(x.range));
    assert.equal(new Set(ranges).size, ranges.length, 'no two functions share a range');
    assert.equal(f.parseErrors, 0);
  }
});

test('blocks inside a function body (if / else if / guard macros) are not taken for definitions', () => {
  const frag = '\tif (a) {\n\t\tmmap_read_lock(mm);\n\t} else if (b) {\n\t\tx();\n\t}\n\tscoped_guard(rcu) {\n\t\ty();\n\t}\n';
  const facts = extractCFacts(frag, { era: parseEra('6.1'), fragment: { contextLine: 'static int first(struct mm_struct *mm)' } });
  assert.deepEqual(shape(facts), [['first', false, 0, 0, 8, 0]]);
  assert.deepEqual(facts.functions[0]!.lockOps.map((o) => o.range.start.line), [1]);
});
