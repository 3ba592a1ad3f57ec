// unlock-after-retry: unlocking (or touching the vma) after handle_mm_fault() already released the lock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractCFacts } from '../../server/src/c/index';
import { parseEra } from '../../common/era';
import { applyEdits, check, fixture } from './helpers';

const ID = 'unlock-after-retry';
const lines = (text: string, era: string): [number, string][] =>
  check(text, ID, era).map((f) => [f.range.start.line + 1, f.message]);

describe(ID, () => {
  it('fires on an unlock inside the RETRY branch, on an unconditional unlock after an ALLOW_RETRY fault, and on the vma after RETRY (every era)', () => {
    const src = fixture(`${ID}/unlock-in-retry-branch.c`);
    for (const era of ['4.19', '5.6', '6.1', '6.19']) {
      const got = lines(src, era);
      assert.deepEqual(got.map((g) => g[0]), [32, 61, 81], era);
      assert.match(got[0]![1], /handle_mm_fault\(\) reported VM_FAULT_RETRY on this path, so it already released mmap_sem/);
      assert.match(got[1]![1], /`vma` is used after handle_mm_fault\(\) released the lock/);
      assert.match(got[2]![1], /when handle_mm_fault\(\) returns VM_FAULT_RETRY it has already released mmap_lock/);
    }
    // COMPLETED is named from 6.0 only.
    assert.match(lines(src, '5.19')[2]![1], /Test VM_FAULT_RETRY before unlocking$/);
    assert.match(lines(src, '6.0')[2]![1], /Test VM_FAULT_RETRY and VM_FAULT_COMPLETED before unlocking$/);
  });

  it('related locations: the fault call that dropped the lock and the lock taken', () => {
    const f = check(fixture(`${ID}/unlock-in-retry-branch.c`), ID, '4.19')[0]!;
    assert.deepEqual(f.related.map((r) => [r.range.start.line + 1, r.message]), [
      [17, 'mmap_sem dropped by the fault handler here'],
      [12, 'mmap_sem taken here'],
    ]);
  });

  it('the fix removes the unlock on the RETRY path, and the result parses no worse', () => {
    const src = fixture(`${ID}/unlock-in-retry-branch.c`);
    const f = check(src, ID, '4.19').find((x) => x.range.start.line + 1 === 32)!;
    assert.equal(f.fixes?.length, 1);
    const fixed = applyEdits(src, f.fixes![0]!.edits);
    assert.ok(!fixed.split('\n')[31]!.includes('up_read'));
    assert.deepEqual(lines(fixed, '4.19').map((g) => g[0]), [60, 80]);
    const era = { era: parseEra('4.19') };
    assert.ok(extractCFacts(fixed, era).parseErrors <= extractCFacts(src, era).parseErrors);
    // The unconditional unlock is needed on the other paths: no fix.
    assert.equal(check(src, ID, '4.19').find((x) => x.range.start.line + 1 === 81)!.fixes, undefined);
  });

  it('per-VMA lock, 6.4 form (vma_end_read always): silent in 6.4 and 6.5, fires from 6.6 (the era boundary)', () => {
    const src = fixture(`${ID}/vma-always-end-read.c`);
    assert.deepEqual(lines(src, '6.4'), []);
    assert.deepEqual(lines(src, '6.5'), []);
    for (const era of ['6.6', '6.8', '6.19']) {
      const got = lines(src, era);
      assert.deepEqual(got.map((g) => g[0]), [22], era);
      assert.match(got[0]![1], /from 6\.6 handle_mm_fault\(… FAULT_FLAG_VMA_LOCK\) releases the VMA read lock itself/);
    }
  });

  it('per-VMA lock, 6.6+ form (vma_end_read only without RETRY/COMPLETED): silent in every era', () => {
    const src = fixture(`${ID}/vma-conditional-end-read.c`);
    for (const era of ['6.4', '6.5', '6.6', '6.8', '6.19']) assert.deepEqual(lines(src, era), [], era);
  });

  it('correct handlers of several eras, RETRY_NOWAIT, no ALLOW_RETRY, an unresolvable #ifdef: silent', () => {
    const src = fixture(`${ID}/correct-handlers.c`);
    for (const era of ['3.19', '4.19', '5.6', '5.7', '6.1', '6.4', '6.19']) assert.deepEqual(lines(src, era), [], era);
  });

  it('the x86 6.8 shape (lock_mm_and_find_vma, COMPLETED test, retry without unlock): silent', () => {
    const src = fixture('../lock-state/x86-6x.c');
    for (const era of ['6.4', '6.6', '6.8', '6.19']) assert.deepEqual(lines(src, era), [], era);
  });

  it('an unlock inside an unparseable region says nothing', () => {
    const src = fixture(`${ID}/unlock-in-retry-branch.c`).replace('flags |= FAULT_FLAG_TRIED;\n\t\t\tup_read', 'flags |= FAULT_FLAG_TRIED @@ ]] ;\n\t\t\tup_read');
    assert.ok(!lines(src, '4.19').some((g) => g[0] === 32));
  });
});
