// The CI slice of the standing fuzz campaign (bench/fuzz/campaign.ts; the full run is in the README, "Fuzzing"):
// a fixed seed, a few hundred mutants through the in-process parsers, a few through the real CLI and a rapid-edit
// session with malformed JSON-RPC against the real server. No crash, no hang; the mutations are deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatReport, runCampaign } from '../../bench/fuzz/campaign';
import { factsForCFile, factsForPatchInput } from '../../server/src/facts/compute';
import { loadCorpus, mutant, rng } from '../../bench/fuzz/mutate';
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
  }
});

test('fuzz slice (seed 7): no crash and no hang in-process, through the CLI and through the server', { timeout: 600_000 }, async () => {
  const reports = await runCampaign({ seed: 7, inprocess: 150, cli: 6, server: 120, limitMs: 30_000 });
  const text = reports.map(formatReport).join('\n');
  assert.deepEqual(reports.map((r) => [r.target, r.inputs]), [['in-process', 150], ['cli', 6], ['server', 120]], text);
  for (const r of reports) {
    assert.deepEqual(r.crashes, [], text);
    assert.deepEqual(r.hangs, [], text);
  }
  // Every CLI exit is a documented one; the server answered every facts request and exited with 0.
  assert.ok(Object.keys(reports[1]!.histogram).every((k) => /^exit [012]$/.test(k)), text);
  assert.equal(reports[2]!.histogram['server exit 0'], 1, text);
  assert.equal(reports[2]!.histogram['facts answered'], 5, text);
});
