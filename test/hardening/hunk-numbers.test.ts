// Issue #11, item 1: hunk line numbers at or past 2^53 (or merely absurd) are refused where the header is parsed,
// and the per-line loops over fact ranges terminate whatever the line numbers are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { runFactsCommand } from '../../cli/commands/facts';
import { extractCFacts } from '../../server/src/c/index';
import { factsForPatchInput } from '../../server/src/facts/compute';
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

// Found by the bulk fuzz target (seed 3, index 565; test/fixtures/hardening/fuzz-found/hunk-zero-start-removed-line.patch):
// "@@ -0 +1 @@" with a removed line numbered that line 0, so the facts held file line -1.
for (const [h, side, count] of [['@@ -0 +1 @@', 'old', 1], ['@@ -0,2 +1,2 @@', 'old', 2], ['@@ -1,2 +0,1 @@', 'new', 1]] as const) {
  test(`hunk header ${h}: a side starting at line 0 with lines is a malformed-hunk-header error, no hunk`, () => {
    const doc = parsePatchDocument(header(h), { uri: 'x.patch' });
    const errors = doc.issues.filter((i) => i.severity === 'error');
    assert.deepEqual(errors.map((e) => [e.code, e.position.line, e.position.column]), [['malformed-hunk-header', 3, 0]]);
    assert.equal(errors[0]!.message, `malformed hunk header "${h}": the ${side} side starts at line 0 but has ${count} line${count === 1 ? '' : 's'} (lines are numbered from 1)`);
    assert.equal(doc.patches[0]!.files[0]!.hunks.length, 0);
  });
}

test('an empty side may start at line 0 (new and deleted files)', () => {
  const added = parsePatchDocument('--- /dev/null\n+++ b/mm/x.c\n@@ -0,0 +1,2 @@\n+a;\n+b;\n', { uri: 'x.patch' });
  assert.deepEqual(added.issues, []);
  assert.deepEqual(added.patches[0]!.files[0]!.hunks[0]!.lines.map((l) => [l.kind, l.oldLine, l.newLine]), [['add', undefined, 1], ['add', undefined, 2]]);
  const deleted = parsePatchDocument('--- a/mm/x.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-a;\n', { uri: 'x.patch' });
  assert.deepEqual(deleted.issues, []);
  assert.deepEqual(deleted.patches[0]!.files[0]!.hunks[0]!.lines.map((l) => [l.kind, l.oldLine, l.newLine]), [['del', 1, undefined]]);
});

test('the fuzz-found patch: the hunk at line 0 is refused and no fact has a negative line', () => {
  const bytes = readFileSync(join(HARDENING, 'fuzz-found', 'hunk-zero-start-removed-line.patch'));
  const doc = parsePatchDocument(bytes, { uri: 'x.patch' });
  assert.ok(doc.issues.some((i) => i.code === 'malformed-hunk-header' && i.position.line === 5 && /old side starts at line 0/.test(i.message)));
  const f = factsForPatchInput(bytes, '/nonexistent/x.patch');
  const lines = f.patches.flatMap((p) => p.files.flatMap((x) => [...(x.pre?.lines ?? []), ...(x.post?.lines ?? [])]));
  assert.ok(lines.every(([fileLine]) => fileLine >= 0), JSON.stringify(lines));
});
