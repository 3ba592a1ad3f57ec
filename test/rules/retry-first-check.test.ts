// retry-first-check: a vm_fault handler gives up the mmap lock (or returns RETRY) on the bare ALLOW_RETRY bit, from 5.7.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c/index';
import { applyEdits, brief, check, fixture } from './helpers';

const ID = 'retry-first-check';
const DRIVER = 'drivers/gpu/drm/gizmo/gizmo_vm.c';

describe(ID, () => {
  const pos = fixture(`${ID}/positive.c`);
  const lineOf = (s: string): number => pos.split('\n').findIndex((l) => l.includes(s)) + 1;
  const expected = [
    [ID, lineOf('if (vmf->flags & FAULT_FLAG_ALLOW_RETRY) {')],
    [ID, lineOf('err == -EBUSY && (vmf->flags')],
    [ID, lineOf('(fault_flags & (FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT)) == FAULT_FLAG_ALLOW_RETRY')],
    [ID, lineOf('if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY))')],
  ];

  it('fires on every shape from 5.7 (bit, &&, mask on a local copy, negated guard), silent at 5.6', () => {
    assert.deepEqual(check(pos, ID, '5.6', DRIVER), []);
    for (const era of ['5.7', '6.1', '6.8']) {
      const got = brief(check(pos, ID, era, DRIVER));
      assert.deepEqual(got.map(([r, l]) => [r, l]), expected, era);
      assert.match(got[0]![2], /drops the mmap lock and returns VM_FAULT_RETRY whenever vmf->flags has FAULT_FLAG_ALLOW_RETRY, and from 5\.7 a retried fault keeps ALLOW_RETRY/);
      assert.match(got[2]![2], /whenever fault_flags has .*\(and RETRY_NOWAIT\)$/);
    }
  });

  it('names the lock drop and the RETRY result as related locations', () => {
    const f = check(pos, ID, '6.1', DRIVER)[1]!;
    assert.deepEqual(f.related.map((r) => [r.range.start.line + 1, r.message]), [
      [lineOf('mmap_read_unlock(vma->vm_mm);'), 'the mmap lock given up here (mmap_read_unlock)'],
      [lineOf('mmap_read_unlock(vma->vm_mm);') + 2, 'VM_FAULT_RETRY returned: the caller takes the lock as released'],
    ]);
  });

  it('silent on first-attempt checks, a drop-and-return that waits for nothing (SGX-like), nested TRIED tests, waits that keep the lock, arch handlers, handle_userfault, rewritten copies, ERROR regions', () => {
    const neg = fixture(`${ID}/negative.c`);
    assert.ok(extractCFacts(neg, { era: parseEra('6.1') }).parseErrors > 0, 'the fixture has an unparseable region');
    assert.deepEqual(check(neg, ID, '6.1', DRIVER), []);
  });

  it('silent in mm/ at any depth (the core keeps its own contract), fires in arch/*/mm/ and drivers', () => {
    const core = ['mm/gizmo.c', 'mm/damon/gizmo.c', '/src/linux/mm/gizmo.c', '/src/linux/mm/damon/gizmo.c', 'mm\\damon\\gizmo.c'];
    const outside = ['arch/x86/mm/gizmo.c', '/src/linux/arch/arm64/mm/gizmo.c', 'arch/x86/mm/sub/gizmo.c', DRIVER, 'drivers/gizmo/mmx/gizmo.c'];
    assert.deepEqual(
      [...core, ...outside].map((p) => [p, check(pos, ID, '6.1', p).length]),
      [...core.map((p) => [p, 0]), ...outside.map((p) => [p, 4])],
    );
  });

  it('fix: the test becomes fault_flag_allow_retry_first() with the same flags spelling; findings go, C stays clean', () => {
    const fs = check(pos, ID, '6.1', DRIVER);
    assert.equal(fs.length, 4);
    for (const f of fs) {
      assert.equal(f.fixes?.length, 1);
      assert.equal(f.fixes![0]!.isPreferred, true);
    }
    const out = applyEdits(pos, fs.flatMap((f) => f.fixes![0]!.edits));
    assert.ok(out.includes('if (fault_flag_allow_retry_first(vmf->flags)) {'));
    assert.ok(out.includes('err == -EBUSY && (fault_flag_allow_retry_first(vmf->flags))'));
    assert.ok(out.includes('if ((fault_flag_allow_retry_first(fault_flags) && !(fault_flags & FAULT_FLAG_RETRY_NOWAIT))) {'));
    assert.ok(out.includes('if (!(fault_flag_allow_retry_first(vmf->flags)))'));
    assert.deepEqual(check(out, ID, '6.1', DRIVER), []);
    const era = parseEra('6.1');
    assert.ok(extractCFacts(out, { era }).parseErrors <= extractCFacts(pos, { era }).parseErrors);
  });

  it('the ≤5.6 ttm-style wait analysed as 5.8 code fires (the seed 001 hunk), as 5.6 code does not', () => {
    const ttm = [
      'static vm_fault_t gizmo_bo_reserve(struct gizmo_bo *bo, struct vm_fault *vmf)',
      '{',
      '\tif (unlikely(!gizmo_trylock(bo))) {',
      '\t\tif (vmf->flags & FAULT_FLAG_ALLOW_RETRY) {',
      '\t\t\tif (!(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)) {',
      '\t\t\t\tup_read(&vmf->vma->vm_mm->mmap_sem);',
      '\t\t\t\tgizmo_wait_unlocked(bo);',
      '\t\t\t}',
      '\t\t\treturn VM_FAULT_RETRY;',
      '\t\t}',
      '\t\tgizmo_lock(bo);',
      '\t}',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    assert.deepEqual(brief(check(ttm, ID, '5.8', DRIVER)).map(([r, l]) => [r, l]), [[ID, 4]]);
    assert.deepEqual(check(ttm, ID, '5.6', DRIVER), []);
  });
});
