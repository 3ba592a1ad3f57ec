// vmas-with-unlockable-gup: a vmas array with a GUP call that may drop the mmap lock, by era.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c';
import type { Finding } from '../../server/src/rules/types';
import { applyEdits, check, fixture } from './helpers';

const ID = 'vmas-with-unlockable-gup';
const F = (name: string): string => fixture(`${ID}/${name}`);
const lines = (fs: Finding[]): number[] => fs.map((f) => f.range.start.line + 1);

function fixRemoves(text: string, era: string, path?: string): void {
  const fs = check(text, ID, era, path);
  assert.ok(fs.length > 0);
  for (const f of fs) {
    assert.equal(f.fixes!.length, 1);
    const out = applyEdits(text, f.fixes![0]!.edits);
    assert.ok(extractCFacts(out, { era: parseEra(era) }).parseErrors <= extractCFacts(text, { era: parseEra(era) }).parseErrors);
    const after = check(out, ID, era, path);
    assert.equal(after.length, fs.length - 1, 'that finding is gone');
    const g = extractCFacts(out, { era: parseEra(era) }).functions.flatMap((fn) => fn.gupCalls).find((c) => c.range.start.line === f.related[0]!.range.start.line);
    assert.equal(g?.lockedNull, true, 'locked is NULL after the fix');
  }
}

describe(ID, () => {
  it('4.10–5.8 get_user_pages_remote(tsk, mm, …, vmas, &locked): BUG_ON', () => {
    const t = F('remote-tsk-4.19.c');
    const fs = check(t, ID, '4.19');
    assert.deepEqual(lines(fs), [9, 22]);
    assert.match(fs[0]!.message, /BUG_ON\(vmas\) whenever `locked` is passed.*oopses/);
    assert.match(fs[0]!.message, /may drop mmap_sem/);
    assert.deepEqual(fs[0]!.related.map((r) => r.range.start.line + 1), [9, 9]);
    assert.equal(fs[0]!.range.start.column, t.split('\n')[8]!.indexOf('&vma,'));
    fixRemoves(t, '4.19');
  });

  it('5.9–6.4 (mm, …, vmas, &locked): BUG_ON ≤6.2, WARN + -EINVAL 6.3–6.4, off from 6.5', () => {
    const t = F('remote-mm-6.1.c');
    assert.match(check(t, ID, '6.1')[0]!.message, /pin_user_pages_remote reaches __get_user_pages_locked, which has BUG_ON/);
    assert.match(check(t, ID, '6.3')[0]!.message, /warns \(WARN_ON_ONCE\) and returns -EINVAL/);
    assert.match(check(t, ID, '6.1')[0]!.message, /vma_lookup.*get_user_page_vma_remote/);
    assert.deepEqual(check(t, ID, '6.5'), []);
    // Hints (mmap_read_lock, pin_user_pages_remote/7 args): 5.9–6.4, every era agrees.
    assert.deepEqual(lines(check(t, ID, undefined)), [13]);
    fixRemoves(t, '6.1');
  });

  it('__get_user_pages with &nonblocking: exported until 4.4, outside mm/ only', () => {
    const t = F('nonblocking-4.4.c');
    for (const era of ['3.19', '4.4']) {
      const fs = check(t, ID, era, 'drivers/foo/bar.c');
      assert.deepEqual(lines(fs), [10]);
      assert.match(fs[0]!.message, /\*nonblocking = 0.*freed/);
    }
    assert.deepEqual(check(t, ID, '4.19', 'drivers/foo/bar.c'), []);
    assert.deepEqual(check(t, ID, '4.4', 'mm/gup.c'), []);
    fixRemoves(t, '4.4', 'drivers/foo/bar.c');
  });

  it('silent: locked NULL, vmas NULL, forwarded pointers, plain get_user_pages, vmas maybe NULL', () => {
    assert.deepEqual(check(F('negative-4.19.c'), ID, '4.19'), []);
  });
});
