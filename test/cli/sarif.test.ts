// SARIF 2.1.0 output validated against the SARIF 2.1.0 JSON schema (the schema shipped in @microsoft/jest-sarif,
// checked with the draft-04 validator it depends on), with locations, related locations, fixes and fingerprints.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyseFile } from '../../cli/check/analyse';
import { toSarif } from '../../cli/check/sarif';
import type { Rule } from '../../server/src/rules/types';
import { isValid, validateSarif as validate } from './sarif-schema';

const ROOT = join(__dirname, '..', '..');
const SERIES = join(ROOT, 'samples', 'series', 'gup-unlocked-v2.mbox');

/** Test rule (not the catalogue's): every ALLOW_RETRY clear, with a fix deleting it. */
const rule: Rule = {
  id: 'test-clear',
  tier: 1,
  severity: 'error',
  eras: {},
  erasText: 'all',
  title: 'clears ALLOW_RETRY',
  fixText: 'remove it',
  check: (fn) =>
    fn.flagUpdates
      .filter((u) => u.op === 'clear')
      .map((u) => ({
        range: u.range,
        message: 'clears ALLOW_RETRY',
        related: fn.lockOps.slice(0, 1).map((o) => ({ range: o.range, message: 'mmap_lock taken here' })),
        fixes: [{ title: 'remove it', isPreferred: true, edits: [{ range: { start: { line: u.range.start.line, column: 0 }, end: { line: u.range.start.line + 1, column: 0 } }, newText: '' }] }],
      })),
};

describe('SARIF output', () => {
  it('validates against the SARIF 2.1.0 schema, with results, related locations, fixes, fingerprints', () => {
    const rep = analyseFile(SERIES, 'patch', { tree: join(ROOT, 'samples', 'tree'), rules: [rule] });
    const log = toSarif([rep], [rule], { version: '0.1.0', baseDir: ROOT, docsRoot: ROOT, docsUrl: 'https://example.org/docs/rules/' });
    validate(log);
    const run = log.runs[0]!;
    assert.equal(run.tool.driver.rules![0]!.id, 'test-clear');
    assert.equal(run.tool.driver.rules![0]!.helpUri, 'https://example.org/docs/rules/test-clear.md');
    assert.equal(run.results!.length, 1);
    const res = run.results![0]!;
    assert.equal(res.level, 'error');
    assert.equal(res.locations![0]!.physicalLocation!.artifactLocation!.uri, 'samples/series/gup-unlocked-v2.mbox');
    assert.equal(res.locations![0]!.physicalLocation!.region!.startLine, 126);
    assert.match(res.message.text ?? '', /patch 2\/3 "foo\/mm: retry a page fault at most once": introduced in arch\/foo\/mm\/fault\.c:59/);
    assert.ok(res.partialFingerprints!['mmlensFinding/v1']);
    assert.equal(res.fixes![0]!.artifactChanges[0]!.replacements.length >= 1, true);
  });

  it('an empty run (no findings, no rules) is valid too; the validator rejects a broken log', () => {
    const log = toSarif([], [], { version: '0.1.0', baseDir: ROOT });
    validate(log);
    const broken = JSON.parse(JSON.stringify(log)) as { runs: { results: unknown[] }[] };
    broken.runs[0]!.results.push({ ruleId: 'x', level: 'fatal', message: {} });
    assert.equal(isValid(broken).ok, false);
  });
});
