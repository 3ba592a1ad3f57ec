// forbidden-flag-combination: !ALLOW_RETRY && TRIED on a retry path or in constant flags, from 5.7.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c/index';
import { applyEdits, brief, check, fixture } from './helpers';

const ID = 'forbidden-flag-combination';
const lineOf = (text: string, needle: string, nth = 0): number => {
  const ls = text.split('\n');
  let seen = 0;
  for (let i = 0; i < ls.length; i++) if (ls[i]!.includes(needle) && seen++ === nth) return i + 1;
  throw new Error(`no ${needle}`);
};

describe(ID, () => {
  const pos = fixture(`${ID}/second-attempt-4.19.c`);

  it('era boundary: the ≤5.6 second attempt is silent at 5.6', () => {
    assert.deepEqual(check(pos, ID, '5.6'), []);
    assert.deepEqual(check(pos, ID, '4.19'), []);
  });

  for (const era of ['5.7', '5.8', '6.4']) {
    it(`…and an error at ${era} ("4.19 handlers analysed as ${era} code"), plus constant TRIED without ALLOW_RETRY`, () => {
      const got = brief(check(pos, ID, era));
      assert.deepEqual(got.map(([r, l]) => [r, l]), [
        [ID, lineOf(pos, 'flags &= ~FAULT_FLAG_ALLOW_RETRY;')],
        [ID, lineOf(pos, 'flags &= ~(FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT);')],
        [ID, lineOf(pos, 'return fixup_user_fault')],
      ]);
      assert.match(got[0]![2], /forbidden from 5\.7 \(it was the ≤5\.6 one-retry cap\)/);
      assert.match(got[2]![2], /^fixup_user_fault is passed FAULT_FLAG_TRIED without FAULT_FLAG_ALLOW_RETRY/);
      assert.equal(check(pos, ID, era)[0]!.severity, 'error');
    });
  }

  it('fix removes the one-flag clearing (none for the two-flag clearing); the result is clean', () => {
    const fs = check(pos, ID, '5.8');
    assert.equal(fs[1]!.fixes, undefined);
    const out = applyEdits(pos, fs[0]!.fixes![0]!.edits);
    assert.ok(!out.includes('flags &= ~FAULT_FLAG_ALLOW_RETRY;'));
    assert.deepEqual(check(out, ID, '5.8').filter((f) => f.function === 'do_page_fault'), []);
    assert.ok(extractCFacts(out, { era: parseEra('5.8') }).parseErrors <= extractCFacts(pos, { era: parseEra('5.8') }).parseErrors);
  });

  it('silent on 5.7-style retries, a cap without TRIED (retry-clears-allow-retry), an error-path clear, flags of unknown origin', () => {
    assert.deepEqual(brief(check(fixture(`${ID}/negative.c`), ID, '5.8')), []);
  });

  it('does not fire together with retry-clears-allow-retry on one statement', () => {
    const both = check(pos, undefined, '5.8').filter((f) => f.rule === ID || f.rule === 'retry-clears-allow-retry');
    assert.deepEqual([...new Set(both.map((f) => f.rule))], [ID]);
  });
});
