// The CI slice of the standing fuzz campaign (bench/fuzz/campaign.ts; the full run is in the README, "Fuzzing"):
// a fixed seed, a few hundred mutants through the in-process parsers, a few through the real CLI and a rapid-edit
// session with malformed JSON-RPC against the real server. No crash, no hang; the mutations are deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatReport, runCampaign } from '../../bench/fuzz/campaign';
import { runBulk } from '../../bench/fuzz/bulk';
import { factsForCFile, factsForPatchInput } from '../../server/src/facts/compute';
import { loadCorpus, mutant, rng, smallMutant } from '../../bench/fuzz/mutate';
import { checkDocument, checkFacts, checkFindings, lineLengths } from '../../bench/fuzz/contract';
import { parsePatchDocument } from '../../server/src/series';
import { checkCText } from '../../server/src/rules/check-c';
import { checkPatchText } from '../../server/src/rules/check-patch';

test('mutants are a pure function of (seed, index)', () => {
  const corpus = loadCorpus();
  assert.ok(corpus.length >= 30);
  for (const i of [0, 5, 77]) assert.deepEqual(mutant(corpus, 3, i), mutant(corpus, 3, i));
  assert.notDeepEqual(mutant(corpus, 3, 1).bytes, mutant(corpus, 4, 1).bytes);
  const r = rng(42);
  assert.deepEqual([r(), r()], [rng(42)(), (() => { const q = rng(42); q(); return q(); })()]);
});

test('small mutants (the bulk target) are a pure function of (seed, index), a few KB at most', () => {
  const corpus = loadCorpus();
  assert.deepEqual(smallMutant(corpus, 3, 9), smallMutant(corpus, 3, 9));
  assert.notDeepEqual(smallMutant(corpus, 3, 9).bytes, smallMutant(corpus, 3, 10).bytes);
  const sizes = Array.from({ length: 400 }, (_, i) => smallMutant(corpus, 1, i).bytes.length);
  // The largest seed is 6 KB; two slices, a 4,000-character line, 200 levels of nesting: well under 40 KB.
  assert.ok(Math.max(...sizes) < 40_000, String(Math.max(...sizes)));
  assert.ok(sizes.reduce((a, b) => a + b, 0) / sizes.length < 4000);
});

test('the contract checks catch positions outside the text, negative or unsafe line numbers, and rule internal errors', () => {
  const text = '--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,2 +1,2 @@\n a;\n-b;\n+c;\n';
  const doc = parsePatchDocument(text, { uri: 'x.patch' });
  assert.deepEqual(checkDocument(doc, lineLengths(text)), []);
  // The same document against a text of 3 lines (its end, 3:0, is still inside), and a column past its line's end.
  assert.match(checkDocument(doc, lineLengths('a\nb\nc'))[0]!, /^document position 4:0 outside the text \(3 lines\) at \.patches\.files\.hunks\.lines\.position$/);
  doc.patches[0]!.files[0]!.hunks[0]!.position.column = 16;
  assert.deepEqual(checkDocument(doc, lineLengths(text)), ['document position 2:16 outside the text (7 lines) at .patches.files.hunks.position']);
  doc.patches[0]!.files[0]!.hunks[0]!.position.column = 0;
  doc.patches[0]!.files[0]!.hunks[0]!.oldStart = 2 ** 53;
  assert.deepEqual(checkDocument(doc, lineLengths(text)), ['hunk number 9007199254740992 is not a safe non-negative integer (@@ -1,2 +1,2 @@)']);
  const c = 'int f(void)\n{\n\tmmap_read_lock(mm);\n}\n';
  const f = factsForCFile(c, '/nonexistent/x.c');
  assert.deepEqual(checkFacts(f, lineLengths(c)), []);
  assert.ok(checkFacts(f, lineLengths('int f(void)')).some((v) => /^C facts position 3:1 outside the file \(1 lines\) at \.functions\.range\.end$/.test(v)));
  const pf = factsForPatchInput(Buffer.from(text), '/nonexistent/x.patch');
  assert.deepEqual(checkFacts(pf, lineLengths(text)), []);
  pf.patches[0]!.files[0]!.post!.lines[0]![0] = -1;
  assert.deepEqual(checkFacts(pf, lineLengths(text)), ['line origin: file line -1 is not a safe non-negative integer']);
  assert.deepEqual(checkFindings({ internalErrors: [{ rule: 'x' }], findings: [] }, [1], 'c'), ['rule internal error: {"rule":"x"}']);
  const at = { start: { line: 0, column: 0 }, end: { line: 5, column: 0 } };
  assert.deepEqual(checkFindings({ internalErrors: [], findings: [{ range: at, documentRange: at }] }, [1, 1], 'patch'), ['finding position 5:0 outside the document (2 lines) at .end']);
});

test('every hostile input kept as a regression fixture (hardening/, and what campaigns saved in fuzz-found/) is analysed and checked by every rule without a throw', () => {
  const base = join(__dirname, '..', 'fixtures', 'hardening');
  const found = join(base, 'fuzz-found');
  const files = [
    ...readdirSync(base).filter((n) => /\.(?:patch|diff|mbox|c|h)$/.test(n)).map((n) => join(base, n)),
    ...(existsSync(found) ? readdirSync(found).sort().map((n) => join(found, n)) : []),
  ];
  assert.ok(files.length >= 2, 'the hunk-2p53 regression fixtures are there');
  for (const p of files) {
    const bytes = readFileSync(p);
    const isC = /\.[ch]$/.test(p);
    const f = isC ? factsForCFile(bytes.toString('utf8'), p, { budgetMs: 5000 }) : factsForPatchInput(bytes, p, { budgetMs: 5000 });
    assert.ok(f.kind === 'c' || f.kind === 'patch', p);
    const r = isC ? checkCText(bytes.toString('utf8'), p) : checkPatchText(bytes, p);
    assert.deepEqual(r.internalErrors, [], p);
    // The parser contract the bulk target checks (bench/fuzz/contract.ts).
    const text = bytes.toString('utf8');
    const latin = lineLengths(bytes.toString('latin1'));
    assert.deepEqual([...checkDocument(parsePatchDocument(bytes), latin), ...checkDocument(parsePatchDocument(text), lineLengths(text))], [], p);
    assert.deepEqual(checkFacts(f, isC ? lineLengths(text) : latin), [], p);
    assert.deepEqual(checkFindings(r, isC ? lineLengths(text) : latin, isC ? 'c' : 'patch'), [], p);
  }
});

test('bulk watchdog: an input still running past the limit is a hang, named and saved; a new worker goes on after it', { timeout: 120_000 }, async () => {
  const save = mkdtempSync(join(tmpdir(), 'mmlens-fuzz-watchdog-'));
  try {
    const r = await runBulk({ seed: 1, count: 60, workers: 2, limitMs: 4000, deepEvery: 0, save, stallAt: 21 }, loadCorpus());
    assert.deepEqual(r.hangs.map((h) => h.input), [join(save, `seed1-bulk-21.${smallMutant(loadCorpus(), 1, 21).kind === 'c' ? 'c' : 'patch'}`)]);
    assert.match(r.hangs[0]!.detail, /: still running after \d+ ms \(worker terminated\)$/);
    assert.deepEqual(readFileSync(r.hangs[0]!.input), smallMutant(loadCorpus(), 1, 21).bytes);
    // Every input counted: 59 with an outcome or done before the hang (odd indices 1..19 on the stalled worker), and the hang.
    assert.equal(r.inputs, 60);
    assert.equal(r.histogram.hang, 1);
    assert.equal(r.histogram['done before a hang or a worker death (outcome not reported)'], 10);
    assert.deepEqual(r.crashes, []);
  } finally {
    rmSync(save, { recursive: true, force: true });
  }
});

test('fuzz slice (seed 7): no crash and no hang in-process (bulk and large inputs), through the CLI and through the server', { timeout: 600_000 }, async () => {
  const reports = await runCampaign({ seed: 7, bulk: 1500, workers: 1, deepEvery: 10, inprocess: 40, cli: 16, cliSingle: 4, cliBatch: 6, server: 120, serverSession: 60, limitMs: 30_000 });
  const text = reports.map(formatReport).join('\n');
  assert.deepEqual(reports.map((r) => [r.target, r.inputs]), [['in-process-bulk', 1500], ['in-process', 40], ['cli', 16], ['server', 120]], text);
  // The bulk target's time histogram counts every input; 150 of them went through the rules.
  assert.equal(Object.values(reports[0]!.times!).reduce((a, b) => a + b, 0), 1500, text);
  assert.match(reports[0]!.note!, /^150 through the rules too;/, text);
  // 12 CLI inputs in two batches (one per command in turn), 4 single runs.
  assert.match(reports[2]!.note!, /^12 inputs in batches of 6 \(.*\), 4 single-input runs; 6 processes$/, text);
  for (const r of reports) {
    assert.deepEqual(r.crashes, [], text);
    assert.deepEqual(r.hangs, [], text);
  }
  // Every CLI exit is a documented one; the server answered every facts request and exited with 0.
  assert.ok(Object.keys(reports[2]!.histogram).every((k) => /^(?:batch|single) [a-z -]+: exit [012]$/.test(k)), text);
  assert.equal(reports[3]!.histogram['server exit 0'], 2, text);
  // Inputs 5–9 of every 10 (30 per 60-input session), and the 25th-input liveness request that falls outside them (24, 74).
  assert.equal(reports[3]!.histogram['facts answered'], 62, text);
});
