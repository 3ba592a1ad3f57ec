// retry-clears-allow-retry: a retry path clears ALLOW_RETRY without setting TRIED (with TRIED it is
// forbidden-flag-combination's), from 5.7.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c/index';
import { applyEdits, brief, check, fixture } from './helpers';

const ID = 'retry-clears-allow-retry';

describe(ID, () => {
  const pos = fixture(`${ID}/positive-capped.c`);
  const line = pos.split('\n').indexOf('\t\tflags &= ~FAULT_FLAG_ALLOW_RETRY;') + 1;

  it('fires on the capped retry from 5.7, silent at 5.6', () => {
    assert.deepEqual(check(pos, ID, '5.6'), []);
    for (const era of ['5.7', '6.1']) {
      const got = brief(check(pos, ID, era));
      assert.deepEqual(got.map(([r, l]) => [r, l]), [[ID, line]]);
      assert.match(got[0]![2], /capping the fault at one retry: from 5\.7 a fault may need several/);
    }
  });

  it('silent where the clearing goes with TRIED (forbidden-flag-combination reports it)', () => {
    assert.deepEqual(check(fixture(`${ID}/negative-with-tried.c`), ID, '5.8'), []);
  });

  it('fix removes the clearing; the finding goes and the C stays clean', () => {
    const f = check(pos, ID, '5.8')[0]!;
    const out = applyEdits(pos, f.fixes![0]!.edits);
    assert.deepEqual(check(out, ID, '5.8'), []);
    assert.ok(extractCFacts(out, { era: parseEra('5.8') }).parseErrors <= extractCFacts(pos, { era: parseEra('5.8') }).parseErrors);
  });
});
