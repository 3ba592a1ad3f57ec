// Fuzzing the rule catalogue: C mutations of the rule fixtures (line deletions and duplications, truncation, brace
// flips, fault-flag / lock / GUP statements inserted at random lines) and of the rules-patches fixtures. For every
// input, every rule terminates (the test finishes), never throws (no internal error), and every range it returns
// (finding, related locations, fix edits; in a patch also the document positions and carried fixes) lies inside the
// text it was computed on.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkCText } from '../../server/src/rules/check-c';
import { checkPatchText } from '../../server/src/rules/check-patch';
import type { Range } from '../../server/src/c/types';
import type { Finding } from '../../server/src/rules/types';

const FIX = join(__dirname, '..', 'fixtures');
const RULES_DIR = join(FIX, 'rules');
const C_FIXTURES = readdirSync(RULES_DIR).flatMap((d) =>
  readdirSync(join(RULES_DIR, d))
    .filter((f) => f.endsWith('.c'))
    .map((f) => ({ name: `${d}/${f}`, text: readFileSync(join(RULES_DIR, d, f), 'utf8') })),
);
const RP = join(FIX, 'rules-patches');
const PATCHES = readdirSync(RP).flatMap((d) =>
  readdirSync(join(RP, d))
    .filter((f) => /\.(patch|mbox)$/.test(f))
    .map((f) => ({ name: `${d}/${f}`, tree: join(RP, d, 'tree'), text: readFileSync(join(RP, d, f), 'utf8') })),
);

/** Statements the rules look at, inserted at random lines. */
const INSERTS = [
  'flags |= FAULT_FLAG_TRIED;',
  'flags &= ~FAULT_FLAG_ALLOW_RETRY;',
  'fault_flags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT;',
  'vmf->flags = FAULT_FLAG_TRIED;',
  'goto retry;',
  'retry:',
  'if (fault & VM_FAULT_RETRY) {',
  'if (!(fault & VM_FAULT_COMPLETED))',
  '}',
  'mmap_read_lock(mm);',
  'mmap_read_unlock(mm);',
  'up_read(&mm->mmap_sem);',
  'ret = get_user_pages(addr, 1, FOLL_WRITE, &page, NULL);',
  'ret = get_user_pages_remote(mm, addr, 1, 0, &page, NULL, &locked);',
  'if (locked)',
  'fault = handle_mm_fault(vma, address, flags, regs);',
  'if (fatal_signal_pending(current)) return;',
  '#ifdef CONFIG_FOO',
  '#endif',
  'for (;;) {',
  'do {',
  '} while (fault & VM_FAULT_RETRY);',
  '@@ -1,3 +1,4 @@',
];

type Op =
  | { kind: 'delete'; at: number }
  | { kind: 'dup'; at: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'brace'; at: number }
  | { kind: 'insert'; at: number; what: number; prefix: string };

const genOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('brace' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), what: fc.nat(INSERTS.length - 1), prefix: fc.constantFrom('', '\t', '\t\t', '+\t', '-\t', ' \t') }),
);

/** Applies mutations to text (positions taken modulo the current size, so every op applies). */
export function mutate(text: string, ops: Op[]): string {
  let lines = text.split('\n');
  for (const op of ops) {
    if (lines.length === 0) lines = [''];
    const i = op.at % lines.length;
    if (op.kind === 'delete') lines.splice(i, 1);
    else if (op.kind === 'dup') lines.splice(i, 0, lines[i]!);
    else if (op.kind === 'insert') lines.splice(i, 0, op.prefix + INSERTS[op.what]!);
    else if (op.kind === 'truncate') {
      const all = lines.join('\n');
      lines = all.slice(0, op.at % (all.length + 1)).split('\n');
    } else {
      // Flip one brace of the line (the first `{` becomes `}`, or the first `}` becomes `{`).
      const l = lines[i]!;
      const b = l.search(/[{}]/);
      if (b >= 0) lines[i] = l.slice(0, b) + (l[b] === '{' ? '}' : '{') + l.slice(b + 1);
    }
  }
  return lines.join('\n');
}

function assertInside(r: Range, lines: string[], what: string): void {
  const ok = (p: Range['start']): boolean =>
    Number.isInteger(p.line) && Number.isInteger(p.column) && p.line >= 0 && p.column >= 0 && (p.line < lines.length ? p.column <= lines[p.line]!.replace(/\r$/, '').length + 1 : p.line === lines.length && p.column === 0);
  assert.ok(ok(r.start) && ok(r.end), `${what}: ${JSON.stringify(r)} outside the text (${lines.length} lines)`);
  assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.column <= r.end.column), `${what}: ${JSON.stringify(r)} ends before it starts`);
}

function assertFinding(f: Finding, lines: string[]): void {
  assertInside(f.range, lines, `${f.rule} range`);
  for (const r of f.related) assertInside(r.range, lines, `${f.rule} related`);
  for (const fx of f.fixes ?? []) for (const e of fx.edits) assertInside(e.range, lines, `${f.rule} fix`);
  assert.ok(f.message.length > 0);
}

const ERAS = [undefined, '3.18', '4.4', '4.9', '4.19', '5.6', '5.7', '5.8', '6.1', '6.4', '6.8'];

describe('rules fuzz', () => {
  it('mutated C fixtures: every rule terminates, never throws, ranges inside the text', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(fc.nat(C_FIXTURES.length - 1), fc.array(genOp, { minLength: 1, maxLength: 8 }), fc.constantFrom(...ERAS), (which, ops, era) => {
        const text = mutate(C_FIXTURES[which]!.text, ops);
        const r = checkCText(text, 'arch/foo/mm/fault.c', era ? { era } : {});
        assert.deepEqual(r.internalErrors, []);
        const lines = text.split('\n');
        for (const f of r.findings) assertFinding(f, lines);
      }),
      { numRuns: 300, seed: 0x7a11 },
    );
  });

  it('mutated rules-patches: with and without the tree, ranges inside the file and the patch', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(fc.nat(PATCHES.length - 1), fc.array(genOp, { minLength: 1, maxLength: 6 }), fc.boolean(), (which, ops, withTree) => {
        const p = PATCHES[which]!;
        const text = mutate(p.text, ops);
        const r = checkPatchText(text, p.name, withTree ? { tree: p.tree } : {});
        assert.deepEqual(r.internalErrors, []);
        const doc = text.split('\n');
        for (const f of r.findings) {
          assertInside(f.documentRange, doc, `${f.rule} document range`);
          for (const d of f.documentRelated) assertInside(d.range, doc, `${f.rule} document related`);
          for (const fx of f.documentFixes ?? []) for (const e of fx.edits) assertInside(e.range, doc, `${f.rule} document fix`);
        }
      }),
      { numRuns: 150, seed: 0x7a12 },
    );
  });
});
