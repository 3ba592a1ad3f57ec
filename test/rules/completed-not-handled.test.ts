// completed-not-handled: unlock after handle_mm_fault without testing VM_FAULT_COMPLETED (6.0+).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractCFacts } from '../../server/src/c/index';
import { parseEra } from '../../common/era';
import { applyEdits, check, fixture } from './helpers';

const ID = 'completed-not-handled';
const lines = (text: string, era: string): [number, string][] =>
  check(text, ID, era).map((f) => [f.range.start.line + 1, f.message]);

describe(ID, () => {
  it('era boundary: the same RETRY-only code is silent in 5.19 and flagged from 6.0', () => {
    const src = fixture(`${ID}/retry-only.c`);
    assert.deepEqual(lines(src, '5.19'), []);
    for (const era of ['6.0', '6.4', '6.19']) {
      const got = lines(src, era);
      assert.deepEqual(got.map((g) => g[0]), [25, 43], era);
      assert.match(got[0]![1], /^from 6\.0 handle_mm_fault\(\) can return VM_FAULT_COMPLETED .* only VM_FAULT_RETRY is tested before this unlock/);
    }
  });

  it('related: the fault call and the lock taken', () => {
    const f = check(fixture(`${ID}/retry-only.c`), ID, '6.1')[0]!;
    assert.deepEqual(f.related.map((r) => [r.range.start.line + 1, r.message]), [
      [17, 'handle_mm_fault() may return VM_FAULT_COMPLETED here, with mmap_lock already released'],
      [10, 'mmap_lock taken here'],
    ]);
  });

  it('the fix (void function only) returns on COMPLETED before the unlock; the finding goes away', () => {
    const src = fixture(`${ID}/retry-only.c`);
    const [voidFn, intFn] = check(src, ID, '6.1');
    assert.equal(intFn!.fixes, undefined);
    const fixed = applyEdits(src, voidFn!.fixes![0]!.edits);
    assert.deepEqual(fixed.split('\n').slice(24, 27), ['\tif (fault & VM_FAULT_COMPLETED)', '\t\treturn;', '\tmmap_read_unlock(mm);']);
    assert.deepEqual(lines(fixed, '6.1').map((g) => g[0]), [45]);
    const era = { era: parseEra('6.1') };
    assert.ok(extractCFacts(fixed, era).parseErrors <= extractCFacts(src, era).parseErrors);
  });

  it('COMPLETED tested (alone or in a mask), no ALLOW_RETRY, RETRY_NOWAIT: silent', () => {
    const src = fixture(`${ID}/handled.c`);
    for (const era of ['6.0', '6.6', '6.19']) assert.deepEqual(lines(src, era), [], era);
  });
});
