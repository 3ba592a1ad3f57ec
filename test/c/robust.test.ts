import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseEra } from '../../common/era';
import { extractCFacts, type CFacts, type Range } from '../../server/src/c/index';
import { factsOf, fixture, fn, lineOf } from './helpers';

const inside = (r: Range, line: number) => r.start.line <= line && line <= r.end.line;

test('macro-heavy file: facts outside ERROR regions, unreliable regions marked, SYSCALL_DEFINE as a function', () => {
  const text = fixture('macros/macro-heavy.c');
  const facts = factsOf('macros/macro-heavy.c', '6.5');
  assert.ok(facts.parseErrors > 0);
  assert.ok(facts.unreliable.length > 0);
  const walk = fn(facts, 'walk_pool');
  assert.equal(walk.unreliable, false);
  assert.deepEqual(walk.lockOps.map((o) => [o.callee, o.range.start.line, o.unreliable]), [
    ['mmap_read_lock', lineOf(text, 'mmap_read_lock'), false],
    ['mmap_read_unlock', lineOf(text, 'mmap_read_unlock'), false],
  ]);
  // for_each_vma_range(…) { … } is parsed as a loop.
  assert.equal(walk.gupCalls[0]!.unreliable, false);
  assert.ok(walk.cfg.nodes.some((n) => n.kind === 'cond' && n.syntax === 'parenthesized_expression' && n.range.start.line === lineOf(text, 'for_each_vma_range')));
  const broken = fn(facts, 'broken');
  const brokenLine = lineOf(text, 'WEIRD_MACRO');
  assert.ok(facts.unreliable.some((r) => inside(r, brokenLine)));
  assert.ok(!facts.unreliable.some((r) => inside(r, lineOf(text, 'up_read'))));
  const g = broken.gupCalls.find((c) => c.range.start.line === brokenLine);
  assert.ok(g, 'the call inside the ERROR region is still found');
  assert.equal(g.unreliable, true);
  assert.deepEqual(broken.lockOps.map((o) => [o.callee, o.unreliable]), [['down_read', false], ['up_read', false]]);
  const sys = fn(facts, 'sys_pool_touch');
  assert.deepEqual(sys.gupCalls.map((c) => [c.callee, c.mm, c.lockedNull]), [['fixup_user_fault', 'current->mm', true]]);
  assert.equal(sys.range.start.line, lineOf(text, 'SYSCALL_DEFINE2'));
});

test('calls in a top-level ERROR region are reported as unreliable orphans', () => {
  const src = 'int x = ;;; }}} foo( get_user_pages(a, b, FOLL_WRITE, p) mmap_read_lock(mm) (((\n';
  const facts = extractCFacts(src, { era: parseEra('6.5') });
  assert.ok(facts.parseErrors > 0);
  const all = [...facts.orphans.gupCalls, ...facts.orphans.lockOps];
  assert.ok(all.length >= 1);
  assert.ok(all.every((x) => x.unreliable && x.node === -1));
});

function checkShape(f: CFacts): void {
  assert.ok(Array.isArray(f.functions));
  for (const fnf of f.functions) {
    for (const e of fnf.cfg.edges) {
      assert.ok(e.from >= 0 && e.from < fnf.cfg.nodes.length && e.to >= 0 && e.to < fnf.cfg.nodes.length);
    }
    for (const g of fnf.gupCalls) assert.ok(g.range.start.line >= 0);
  }
  JSON.stringify(f);
}

const SNIPPETS = [
  'retry:', 'goto retry;', 'if (fault & VM_FAULT_RETRY) {', '}', '{', 'flags |= FAULT_FLAG_TRIED;', 'mmap_read_lock(mm);',
  'fault = handle_mm_fault(vma, addr, flags, regs);', 'get_user_pages(a, 1, FOLL_WRITE, p, NULL);', 'for (;;) {',
  'while (1)', 'do {', '} while (0);', 'switch (x) {', 'case 1:', 'default:', 'break;', 'continue;', 'return;', '#ifdef X',
  '#endif', 'else', '(', ')', ';', 'list_for_each_entry(a, b, c) {', '"', "'", '/*', '*/', '\\', '\u0000', 'é', '𝄞',
];

test('property: random snippet soup never crashes and yields well-formed facts', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...SNIPPETS), { maxLength: 60 }), fc.boolean(), (parts, asFragment) => {
      const text = parts.join('\n');
      const f = extractCFacts(text, {
        era: parseEra('5.7'),
        ...(asFragment ? { fragment: { contextLine: 'static void h(struct pt_regs *regs)' } } : {}),
      });
      checkShape(f);
    }),
    { numRuns: 300 },
  );
});

test('property: mutated fixtures (deleted / duplicated ranges, random bytes) never crash', () => {
  const base = fixture('retry/v6.4-vma-lock.c');
  fc.assert(
    fc.property(
      fc.nat(base.length),
      fc.nat(200),
      fc.constantFrom('delete', 'dup', 'junk'),
      fc.string({ maxLength: 40 }),
      (at, len, op, junk) => {
        const text =
          op === 'delete' ? base.slice(0, at) + base.slice(at + len)
          : op === 'dup' ? base.slice(0, at) + base.slice(at, at + len) + base.slice(at)
          : base.slice(0, at) + junk + base.slice(at);
        checkShape(extractCFacts(text, { era: parseEra('6.4') }));
        checkShape(extractCFacts(text, { era: parseEra('6.4'), fragment: { contextLine: junk } }));
      },
    ),
    { numRuns: 200 },
  );
});

test('binary junk and odd inputs never crash', () => {
  const bytes = Buffer.alloc(64 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  checkShape(extractCFacts(bytes.toString('latin1'), { era: parseEra('6.1') }));
  checkShape(extractCFacts(bytes.toString('utf8'), { era: parseEra('6.1') }));
  checkShape(extractCFacts('', { era: parseEra('6.1') }));
  checkShape(extractCFacts('', { era: parseEra('6.1'), fragment: { contextLine: '' } }));
  checkShape(extractCFacts('}}}}', { era: parseEra('6.1'), fragment: { contextLine: 'int f(void)' } }));
  const tooBig = extractCFacts('x'.repeat(100), { era: parseEra('6.1'), maxChars: 10 });
  assert.equal(tooBig.truncated, true);
  assert.deepEqual(tooBig.functions, []);
});

test('a 10 MB generated file (register header + functions) is parsed without crashing', { timeout: 240_000 }, () => {
  const header = Array.from({ length: 300_000 }, (_, i) => `#define mmREG_${i.toString(16)}_BASE_IDX\t0x${(i * 4).toString(16)}`).join('\n');
  const unit = fixture('retry/v5.7-default.c').replace(/do_user_fault/g, 'f');
  const body = Array.from({ length: 200 }, (_, i) => unit.replace(/\bf\(/, `f${i}(`)).join('\n');
  let text = header + '\n' + body;
  while (text.length < 10 * 1024 * 1024) text = header + '\n' + text;
  const facts = extractCFacts(text, { era: parseEra('5.7') });
  assert.equal(facts.truncated, false);
  assert.equal(facts.functions.length, 200);
  assert.equal(facts.functions[199]!.retryLoops.length, 1);
});

test('1 MB of dense fault handlers: every function analysed', { timeout: 120_000 }, () => {
  const unit = fixture('retry/v5.7-default.c').replace(/do_user_fault/g, 'f');
  const copies = Math.ceil((1024 * 1024) / unit.length);
  const text = Array.from({ length: copies }, (_, i) => unit.replace(/\bf\(/, `f${i}(`)).join('\n');
  const facts = extractCFacts(text, { era: parseEra('5.7') });
  assert.equal(facts.functions.length, copies);
  assert.ok(facts.functions.every((f) => f.retryLoops.length === 1 && f.retryLoops[0]!.backEdges.length === 1));
});
