// unconditional-unlock-after-locked-gup: unlock after a GUP call given &locked without testing locked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractCFacts } from '../../server/src/c/index';
import { parseEra } from '../../common/era';
import { applyEdits, check, fixture } from './helpers';

const ID = 'unconditional-unlock-after-locked-gup';
const lines = (text: string, era: string): [number, string][] =>
  check(text, ID, era).map((f) => [f.range.start.line + 1, f.message]);

describe(ID, () => {
  it('fires on the unconditional unlocks (remote, pin_remote after a goto, a `goto out` joining a path that never called GUP) and on an inverted `if (!locked)` test', () => {
    const src = fixture(`${ID}/positive.c`);
    for (const era of ['5.10', '5.17']) {
      const got = lines(src, era);
      assert.deepEqual(got.map((g) => g[0]), [8, 23, 35, 58], era);
      assert.match(got[3]![1], /^get_user_pages_locked\(\) may drop mmap_sem/);
      assert.match(got[0]![1], /get_user_pages_remote\(\) may drop mmap_lock .* returns with `locked` == 0; this unlock runs without testing `locked`/);
      assert.match(got[1]![1], /^pin_user_pages_remote\(\) may drop mmap_lock/);
      assert.match(got[2]![1], /on this path `locked` is 0: get_user_pages_locked\(\) already released mmap_sem/);
    }
  });

  it('related: the GUP call and the lock taken', () => {
    const f = check(fixture(`${ID}/positive.c`), ID, '6.1')[0]!;
    assert.deepEqual(f.related.map((r) => [r.range.start.line + 1, r.message]), [
      [7, 'get_user_pages_remote() may release mmap_lock here and report it in `locked`'],
      [6, 'mmap_lock taken here'],
    ]);
  });

  it('the fix wraps the unlock in `if (locked)`; the finding goes away and the C parses no worse', () => {
    const src = fixture(`${ID}/positive.c`);
    for (const line of [8, 23]) {
      const f = check(src, ID, '6.1').find((x) => x.range.start.line + 1 === line)!;
      assert.equal(f.fixes?.length, 1);
      const fixed = applyEdits(src, f.fixes![0]!.edits);
      assert.deepEqual(fixed.split('\n').slice(line - 1, line + 1), ['\tif (locked)', '\t\tmmap_read_unlock(mm);']);
      assert.ok(!lines(fixed, '6.1').some((g) => g[0] === line));
      const era = { era: parseEra('6.1') };
      assert.ok(extractCFacts(fixed, era).parseErrors <= extractCFacts(src, era).parseErrors);
    }
    // The inverted test has no mechanical fix.
    assert.equal(check(src, ID, '5.10').find((x) => x.range.start.line + 1 === 35)!.fixes, undefined);
  });

  it('correct callers (if (locked), re-lock in a loop, NULL locked): silent', () => {
    const src = fixture(`${ID}/negative.c`);
    for (const era of ['4.10', '5.10', '6.1', '6.19']) assert.deepEqual(lines(src, era), [], era);
  });

  it('outside its eras (3.19) it says nothing', () => {
    assert.deepEqual(lines(fixture(`${ID}/positive.c`), '3.19'), []);
  });
});
