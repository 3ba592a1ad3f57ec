// Issue #11, item 3: every parse and analysis has a time budget; past it the file is skipped with a clear problem
// and the run goes on (CLI and server). The budgets below are 1 ms against multi-MB inputs whose parse alone takes
// hundreds of ms: the outcome does not depend on the machine's speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { runFactsCommand } from '../../cli/commands/facts';
import { extractCFacts } from '../../server/src/c/index';
import { Analyzer } from '../../server/src/lsp/analyzer';
import { budgetFromArgv } from '../../server/src/server';
import { capture } from './helpers';

const SMALL = 'int f(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\tmmap_read_unlock(mm);\n\treturn 0;\n}\n';
/** ~1.8 MB (under the server's 2 MB limit) of functions that take the mmap lock: far more than 1 ms to parse. */
const BIG = Array.from({ length: 18_000 }, (_, i) => SMALL.replace('int f(', `int f${i}(`)).join('\n');

test('extractCFacts over its budget: budgetExceeded (parse), no facts; the parser works normally afterwards', () => {
  const over = extractCFacts(BIG, { era: parseEra('6.8'), budgetMs: 1 });
  assert.deepEqual(over.budgetExceeded, { phase: 'parse', budgetMs: 1 });
  assert.equal(over.functions.length, 0);
  const after = extractCFacts(SMALL, { era: parseEra('6.8') });
  assert.equal(after.budgetExceeded, undefined);
  assert.equal(after.functions[0]!.lockOps.length, 2);
  const within = extractCFacts(SMALL, { era: parseEra('6.8'), budgetMs: 60_000 });
  assert.equal(within.budgetExceeded, undefined);
  assert.equal(within.functions[0]!.lockOps.length, 2);
});

test('an already passed deadline skips a fragment too (patch units share one deadline)', () => {
  const f = extractCFacts(SMALL, { era: parseEra('6.8'), budgetMs: 5, deadline: performance.now() - 1, fragment: { contextLine: 'int g(void)' } });
  assert.deepEqual(f.budgetExceeded, { phase: 'parse', budgetMs: 5 });
});

test('mmlens facts --budget-ms 100: the big file is skipped with a parse-budget-exceeded problem, the run goes on, exit 1', async () => {
  const d = mkdtempSync(join(tmpdir(), 'mmlens-budget-'));
  writeFileSync(join(d, 'a-big.c'), BIG);
  writeFileSync(join(d, 'b-small.c'), SMALL);
  const patch = join(d, 'c-big.patch');
  writeFileSync(patch, `diff --git a/mm/big.c b/mm/big.c\n--- a/mm/big.c\n+++ b/mm/big.c\n@@ -1,1 +1,${BIG.split('\n').length + 1} @@\n x;\n${BIG.split('\n').map((l) => `+${l}`).join('\n')}\n`);
  const io = capture();
  // 100 ms: the big inputs' parse alone takes far longer; the small file's whole analysis far less.
  assert.equal(await runFactsCommand([d, '--budget-ms', '100', '--no-progress'], io), 1);
  assert.equal(
    io.err,
    `mmlens: ${join(d, 'a-big.c')}:1:1: parse-budget-exceeded: skipped: parse budget exceeded (the parse took over the 100 ms budget of a file; --budget-ms)\n` +
      `mmlens: ${patch}:1:1: parse-budget-exceeded: skipped: parse budget exceeded (the parse took over the 100 ms budget of a file; --budget-ms)\n`,
  );
  // The small file is analysed: its two lock operations are the only ones counted.
  assert.match(io.out, /^3 file\(s\), [\d.]+ MB in [\d.]+ s: 0 GUP call\(s\), 2 lock operation\(s\)/m);
  const io2 = capture();
  assert.equal(await runFactsCommand([join(d, 'b-small.c'), '--budget-ms', '0'], io2), 0);
  assert.match(io2.out, /mmap_read_lock/);
  await assert.rejects(runFactsCommand([d, '--budget-ms', '-3'], capture()), /--budget-ms takes a whole number/);
});

test('server analyzer: facts of a document over the budget say "skipped: parse budget exceeded"', () => {
  const tight = new Analyzer({ budgetMs: 1 });
  tight.update({ uri: 'file:///tmp/mmlens-budget/big.c', languageId: 'c', text: BIG, version: 1 });
  assert.match(tight.factsText('file:///tmp/mmlens-budget/big.c'), /\(skipped: parse budget exceeded: the parse took over the 1 ms budget of a file\)/);
  const a = new Analyzer();
  a.update({ uri: 'file:///tmp/mmlens-budget/small.c', languageId: 'c', text: SMALL, version: 1 });
  assert.doesNotMatch(a.factsText('file:///tmp/mmlens-budget/small.c'), /skipped/);
  assert.deepEqual([budgetFromArgv(['--stdio', '--budget-ms=250']), budgetFromArgv(['--budget-ms', '7']), budgetFromArgv(['--budget-ms=x']), budgetFromArgv([])], [250, 7, undefined, undefined]);
});
