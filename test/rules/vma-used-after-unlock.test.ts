// vma-used-after-unlock: a vma found under the mmap lock used after the lock was released.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, fixture } from './helpers';

const ID = 'vma-used-after-unlock';
const lines = (text: string, era: string): [number, string][] =>
  check(text, ID, era).map((f) => [f.range.start.line + 1, f.message]);

describe(ID, () => {
  it('fires after an explicit unlock (both spellings), a GUP that reported locked == 0, fixup_user_fault that reported unlocked', () => {
    const src = fixture(`${ID}/positive.c`);
    for (const era of ['5.9', '6.1', '6.4']) {
      const got = lines(src, era);
      assert.deepEqual(got.map((g) => g[0]), [14, 26, 45, 68], era);
      assert.match(got[0]![1], /^`vma` is used after mmap_lock was released: .*use-after-free/);
      assert.match(got[1]![1], /^`vmas` is used after mmap_sem was released/);
      assert.match(got[2]![1], /^`vma` is used after get_user_pages_remote\(\) dropped mmap_lock \(it reported locked == 0 on this path\)/);
      assert.match(got[3]![1], /^`vma` is used after fixup_user_fault\(\) dropped and re-took mmap_lock \(it reported unlocked == true on this path\)/);
    }
  });

  it('related: the release point and the lookup; no fix', () => {
    const fs = check(fixture(`${ID}/positive.c`), ID, '6.1');
    assert.deepEqual(fs[0]!.related.map((r) => [r.range.start.line + 1, r.message]), [
      [13, 'mmap_lock released here'],
      [8, '`vma` found here, under mmap_lock'],
    ]);
    assert.deepEqual(fs[2]!.related.map((r) => r.range.start.line + 1), [41, 38]);
    assert.ok(fs.every((f) => f.fixes === undefined));
  });

  it('looked up again under the re-taken lock, NULL tests and comparisons after the unlock, a vma parameter, an arch handler: silent', () => {
    const src = fixture(`${ID}/negative.c`);
    for (const era of ['4.19', '5.9', '6.1', '6.19']) assert.deepEqual(lines(src, era), [], era);
  });

  it('lock_mm_and_find_vma returning NULL: a vma found before is stale on that path', () => {
    const text = `void f(struct mm_struct *mm, unsigned long a, struct pt_regs *regs)
{
	struct vm_area_struct *vma, *prev;

	mmap_read_lock(mm);
	prev = find_vma(mm, a - PAGE_SIZE);
	mmap_read_unlock(mm);
	vma = lock_mm_and_find_vma(mm, a, regs);
	if (!vma) {
		report(prev);
		return;
	}
	mmap_read_unlock(mm);
}
`;
    assert.deepEqual(lines(text, '6.6').map((g) => g[0]), [10]);
  });
});
