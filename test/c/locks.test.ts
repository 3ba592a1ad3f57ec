import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factsOf, fixture, fn, lineOf } from './helpers';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c/index';

test('every mmap lock spelling is classified (kind, mode, mm, spelling, api)', () => {
  const text = fixture('locks/spellings.c');
  const f = fn(factsOf('locks/spellings.c', '6.5'), 'lock_spellings');
  assert.deepEqual(
    f.lockOps.map((l) => [l.callee, l.kind, l.mode, l.mm ?? l.vma, l.spelling, l.api, l.range.start.line]),
    [
      ['down_read', 'acquire', 'read', 'mm', 'mmap_sem', 'rwsem', lineOf(text, 'down_read(&mm->mmap_sem)')],
      ['up_read', 'release', 'read', 'mm', 'mmap_sem', 'rwsem', lineOf(text, 'up_read(&mm->mmap_sem)')],
      ['down_write', 'acquire', 'write', 'tsk->mm', 'mmap_sem', 'rwsem', lineOf(text, 'down_write(')],
      ['up_write', 'release', 'write', 'tsk->mm', 'mmap_sem', 'rwsem', lineOf(text, 'up_write(')],
      ['down_read_killable', 'killable', 'read', 'current->mm', 'mmap_sem', 'rwsem', lineOf(text, 'down_read_killable')],
      ['down_read_trylock', 'try', 'read', 'mm', 'mmap_lock', 'rwsem', lineOf(text, 'down_read_trylock')],
      ['mmap_read_lock', 'acquire', 'read', 'mm', 'mmap_lock', 'api', lineOf(text, 'mmap_read_lock(mm)')],
      ['mmap_read_unlock', 'release', 'read', 'mm', 'mmap_lock', 'api', lineOf(text, 'mmap_read_unlock(mm)')],
      ['mmap_read_lock_killable', 'killable', 'read', 'mm', 'mmap_lock', 'api', lineOf(text, 'mmap_read_lock_killable')],
      ['mmap_read_trylock', 'try', 'read', 'mm', 'mmap_lock', 'api', lineOf(text, 'mmap_read_trylock')],
      ['mmap_write_lock', 'acquire', 'write', 'mm', 'mmap_lock', 'api', lineOf(text, 'mmap_write_lock(mm)')],
      ['mmap_write_downgrade', 'downgrade', 'write', 'mm', 'mmap_lock', 'api', lineOf(text, 'mmap_write_downgrade')],
      ['mmap_write_lock_killable', 'killable', 'write', 'mm', 'mmap_lock', 'api', lineOf(text, 'mmap_write_lock_killable')],
      ['mmap_write_unlock', 'release', 'write', 'mm', 'mmap_lock', 'api', lineOf(text, 'mmap_write_unlock')],
      ['lock_mm_and_find_vma', 'acquire', 'read', 'mm', 'mmap_lock', 'find-vma', lineOf(text, 'lock_mm_and_find_vma')],
      ['lock_vma_under_rcu', 'try', 'vma', 'mm', 'vma', 'vma', lineOf(text, 'lock_vma_under_rcu')],
      ['vma_end_read', 'release', 'vma', 'vma', 'vma', 'vma', lineOf(text, 'vma_end_read')],
      ['release_fault_lock', 'release', 'read-or-vma', 'vmf->vma', 'mmap_lock', 'fault-lock', lineOf(text, 'release_fault_lock')],
    ],
  );
  // down_read on another rwsem is not an mmap lock op.
  assert.ok(!f.lockOps.some((l) => l.range.start.line === lineOf(text, 'other->sem')));
  const byCallee = new Map(f.lockOps.map((l) => [l.callee, l]));
  assert.deepEqual([byCallee.get('lock_mm_and_find_vma')!.nullMeansUnlocked, byCallee.get('lock_mm_and_find_vma')!.assignedTo], [true, 'vma']);
  assert.equal(byCallee.get('lock_vma_under_rcu')!.nullMeansUnlocked, true);
  assert.equal(byCallee.get('down_read_trylock')!.inCondition, true);
  assert.equal(byCallee.get('mmap_read_lock')!.inCondition, false);
});

test('handle_mm_fault flags argument by era: (mm, vma, address, flags) up to 4.5, (vma, address, flags, regs) from 5.8', () => {
  const text = `int f(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long a, struct pt_regs *regs)
{
	return handle_mm_fault(mm, vma, a, FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT);
}
int g(struct vm_area_struct *vma, unsigned long a, struct pt_regs *regs)
{
	return handle_mm_fault(vma, a, FAULT_FLAG_DEFAULT, regs);
}
`;
  const at = (era: string, name: string) => {
    const f = extractCFacts(text, { era: parseEra(era) }).functions.find((x) => x.name === name)!.faultCalls[0]!;
    return [f.flagsExpr, f.target];
  };
  assert.deepEqual(at('4.4', 'f'), ['FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT', 'vma']);
  assert.deepEqual(at('5.8', 'g'), ['FAULT_FLAG_DEFAULT', 'vma']);
});
