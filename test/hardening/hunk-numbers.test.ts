// Issue #11, item 1: hunk line numbers at or past 2^53 (or merely absurd) are refused where the header is parsed,
// and the per-line loops over fact ranges terminate whatever the line numbers are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { runFactsCommand } from '../../cli/commands/facts';
import { extractCFacts } from '../../server/src/c/index';
import { MAX_HUNK_NUMBER } from '../../server/src/series/diff';
import { parsePatchDocument } from '../../server/src/series/index';
import { capture, HARDENING } from './helpers';

const header = (h: string): string => `diff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n${h}\n a;\n-b;\n+c;\n d;\n`;

for (const h of ['@@ -9007199254740993,3 +1,3 @@', '@@ -1,3 +9007199254740993,3 @@', '@@ -1,99999999999999999999 +1,3 @@', `@@ -${MAX_HUNK_NUMBER + 1} +1,3 @@`]) {
  test(`hunk header ${h}: one malformed-hunk-header error at the header, no hunk`, { timeout: 20_000 }, () => {
    const doc = parsePatchDocument(header(h), { uri: 'x.patch' });
    const errors = doc.issues.filter((i) => i.severity === 'error');
    assert.deepEqual(errors.map((e) => [e.code, e.position.line, e.position.column]), [['malformed-hunk-header', 3, 0]]);
    assert.match(errors[0]!.message, /is over the largest line number or count \(2147483647\)/);
    assert.equal(doc.patches[0]!.files[0]!.hunks.length, 0);
  });
}

test(`hunk header numbers up to ${MAX_HUNK_NUMBER} are accepted`, () => {
  const doc = parsePatchDocument(header(`@@ -${MAX_HUNK_NUMBER - 10},3 +${MAX_HUNK_NUMBER - 10},3 @@`), { uri: 'x.patch' });
  assert.deepEqual(doc.issues.filter((i) => i.severity === 'error'), []);
  assert.equal(doc.patches[0]!.files[0]!.hunks[0]!.oldStart, MAX_HUNK_NUMBER - 10);
});

for (const name of ['hunk-2p53-old.patch', 'hunk-2p53-new.patch']) {
  test(`mmlens facts ${name}: exit 1 with file:line:col: malformed-hunk-header`, { timeout: 20_000 }, async () => {
    const io = capture();
    const path = join(HARDENING, name);
    assert.equal(await runFactsCommand([path, '--no-progress'], io), 1);
    assert.match(io.err, new RegExp(`^mmlens: ${path.replace(/[.]/g, '\\.')}:4:1: malformed-hunk-header: malformed hunk header "@@ -[0-9,]+ \\+[0-9,]+ @@[^"]*": 9007199254740993 is over`));
    assert.equal(io.err.split('\n').length, 2);
  });
}

test('a fragment whose first line is 2^53 with an unparseable statement: extraction terminates, lines by span', { timeout: 20_000 }, () => {
  const text = 'retry:\n\tfault = handle_mm_fault(vma, addr, flags, regs);\n\tFOO BAR baz qux(\n\tif (fault & VM_FAULT_RETRY)\n\t\tgoto retry;\n';
  const facts = extractCFacts(text, { era: parseEra('6.8'), fragment: { contextLine: 'static int f(void)', firstLine: 2 ** 53 } });
  assert.ok(facts.parseErrors > 0);
  assert.equal(facts.functions.length, 1);
  assert.ok(facts.functions[0]!.range.start.line >= 2 ** 53);
});
