// locked-not-initialized: &locked passed to GUP while locked is not 1 on every path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractCFacts } from '../../server/src/c/index';
import { parseEra } from '../../common/era';
import { applyEdits, check, fixture } from './helpers';

const ID = 'locked-not-initialized';
const lines = (text: string, era: string): [number, string][] =>
  check(text, ID, era).map((f) => [f.range.start.line + 1, f.message]);

describe(ID, () => {
  it('fires on an uninitialised locked, a loop that never re-locks, and a path that sets it to 0', () => {
    const src = fixture(`${ID}/positive.c`);
    const got = lines(src, '5.10');
    assert.deepEqual(got.map((g) => g[0]), [8, 21, 38]);
    assert.match(got[0]![1], /^`locked` is not initialised on some path: get_user_pages_remote\(\) requires `\*locked == 1`.*BUG_ON\(\*locked != 1\) crashes the kernel$/);
    assert.match(got[1]![1], /^`locked` can be 0 here/);
    assert.match(got[2]![1], /^`locked` can be 0 here/);
  });

  it('says what the era does: BUG_ON up to 6.2, WARN and -EINVAL from 6.3', () => {
    const src = fixture(`${ID}/positive.c`);
    assert.match(lines(src, '6.2')[0]![1], /BUG_ON/);
    assert.match(lines(src, '6.3')[0]![1], /WARNs and fails with -EINVAL/);
  });

  it('the fix initialises the declaration; the finding goes away and the C parses no worse', () => {
    const src = fixture(`${ID}/positive.c`);
    const f = check(src, ID, '6.1')[0]!;
    assert.equal(f.fixes?.length, 1);
    const fixed = applyEdits(src, f.fixes![0]!.edits);
    assert.equal(fixed.split('\n')[3], '\tint locked = 1;');
    assert.deepEqual(lines(fixed, '6.1').map((g) => g[0]), [21, 38]);
    const era = { era: parseEra('6.1') };
    assert.ok(extractCFacts(fixed, era).parseErrors <= extractCFacts(src, era).parseErrors);
    // A 0 assigned on a path: no mechanical fix.
    assert.equal(check(src, ID, '6.1')[2]!.fixes, undefined);
  });

  it('initialised, re-locked in the loop (the if at the end of the loop body), a parameter, assigned before: silent', () => {
    const src = fixture(`${ID}/negative.c`);
    for (const era of ['4.10', '5.10', '6.1', '6.19']) assert.deepEqual(lines(src, era), [], era);
  });
});
