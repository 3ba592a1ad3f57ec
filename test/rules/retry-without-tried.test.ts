// retry-without-tried: RETRY-guarded back-edges reached without FAULT_FLAG_TRIED on the path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { extractCFacts } from '../../server/src/c/index';
import { parseEra } from '../../common/era';
import { bitPolarity } from '../../server/src/rules/analysis/conditions';
import { applyEdits, brief, check, fixture } from './helpers';

const ID = 'retry-without-tried';
const lineOf = (text: string, needle: string, nth = 0): number => {
  const ls = text.split('\n');
  let seen = 0;
  for (let i = 0; i < ls.length; i++) if (ls[i]!.includes(needle) && seen++ === nth) return i + 1;
  throw new Error(`no ${needle}`);
};

describe(ID, () => {
  const pos = fixture(`${ID}/positive.c`);

  it('fires on the capped-without-TRIED goto, the for (;;) round and the path that skips TRIED (4.19)', () => {
    const got = brief(check(pos, ID, '4.19'));
    assert.deepEqual(got.map(([r, l]) => [r, l]), [
      [ID, lineOf(pos, 'goto retry;')],
      [ID, lineOf(pos, 'return -EINTR;') + 1],
      [ID, lineOf(pos, 'goto retry;', 1)],
    ]);
    assert.match(got[0]![2], /FAULT_FLAG_ALLOW_RETRY is cleared instead/);
    assert.doesNotMatch(got[0]![2], /from 5\.7/);
    assert.match(got[2]![2], /^the fault is repeated with mm_flags lacking FAULT_FLAG_TRIED/);
  });

  it('from 5.7 the message says the next attempt looks like a first one', () => {
    const got = brief(check(pos, ID, '5.8'));
    assert.equal(got.length, 3);
    assert.match(got[2]![2], /from 5\.7 the next attempt looks like a first one/);
    assert.match(got[0]![2], /from 5\.7 a retry keeps ALLOW_RETRY and sets TRIED/);
  });

  it('is silent before 3.8 (no TRIED flag)', () => {
    assert.deepEqual(check(pos, ID, '3.7'), []);
  });

  for (const era of ['4.19', '5.6', '5.8', '6.4']) {
    it(`silent on correct loops, the VMA-lock fallthrough, the stack-expansion goto, #ifdef, macro (${era})`, () => {
      assert.deepEqual(brief(check(fixture(`${ID}/negative.c`), ID, era)), []);
    });
  }

  it('silent on the arm-style handler whose fault call is a local helper (mm_flags through __do_page_fault)', () => {
    // The C layer's fixture (test/c/fault-helpers.test.ts: the helper is the loop's fault call, TRIED on the retry path).
    const armHelper = readFileSync(join(__dirname, '..', 'fixtures', 'c', 'retry', 'helper-arm-4.19.c'), 'utf8');
    assert.deepEqual(check(armHelper, ID, '4.19'), []);
    assert.deepEqual(check(armHelper, ID, '5.6'), []);
  });

  it('silent inside an unparseable region', () => {
    assert.deepEqual(check(fixture(`${ID}/negative-error.c`), ID, '5.8'), []);
  });

  it('fix ≤5.6: inserts TRIED before the goto; ≥5.7 also drops the clearing; the result is clean', () => {
    for (const era of ['4.19', '5.8']) {
      const f = check(pos, ID, era)[0]!;
      const fix = f.fixes![0]!;
      assert.equal(fix.isPreferred, true);
      const out = applyEdits(pos, fix.edits);
      assert.match(out, /\t\t\tflags \|= FAULT_FLAG_TRIED;\n\t\t\tgoto retry;/);
      assert.equal(out.includes('flags &= ~FAULT_FLAG_ALLOW_RETRY;'), era === '4.19');
      assert.deepEqual(check(out, ID, era).filter((x) => x.function === 'do_page_fault'), []);
      const before = extractCFacts(pos, { era: parseEra(era) }).parseErrors;
      assert.ok(extractCFacts(out, { era: parseEra(era) }).parseErrors <= before);
    }
  });

  it('no fix on a loop-condition back-edge', () => {
    assert.equal(check(pos, ID, '5.8')[1]!.fixes, undefined);
  });

  it('conditions: `!(fault & VM_FAULT_RETRY)` has the bit on its false edge', () => {
    assert.equal(bitPolarity('(!(ret & VM_FAULT_RETRY))', ['VM_FAULT_RETRY']), 'false');
    assert.equal(bitPolarity('(ret & VM_FAULT_RETRY)', ['VM_FAULT_RETRY']), 'true');
  });
});
