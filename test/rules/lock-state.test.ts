// The shared mmap-lock state analysis: held / released / tie per node, the VMA lock, vma pointer validity.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c/index';
import { nodeAtLine } from '../../server/src/c/cfg';
import type { FunctionFacts } from '../../server/src/c/types';
import { filterWorlds } from '../../server/src/rules/analysis/cond-worlds';
import { lockStates, lockStatus, usesVma, vmaLookupIn, vmaStatus, type LockState } from '../../server/src/rules/analysis/lock-state';

const FIX = join(__dirname, '..', 'fixtures', 'lock-state');
const read = (f: string): string => readFileSync(join(FIX, f), 'utf8');

function fnOf(text: string, era: string, name: string): FunctionFacts {
  const f = extractCFacts(text, { era: parseEra(era) }).functions.find((x) => x.name === name);
  if (!f) throw new Error(`no ${name}`);
  return f;
}

/** State on entry to the statement on 1-based line `line`. */
function at(fn: FunctionFacts, era: string, line: number): LockState {
  const n = nodeAtLine(fn.cfg, line - 1);
  assert.ok(n, `no node at line ${line}`);
  const s = lockStates(fn, parseEra(era)).in[n.id];
  assert.ok(s, `line ${line} unreachable`);
  return s;
}
const mm = (fn: FunctionFacts, era: string, line: number): string => {
  const st = lockStatus(at(fn, era, line).mmap);
  return st.s === 'released' ? `released:${st.cause}` : st.s;
};
const vl = (fn: FunctionFacts, era: string, line: number): string => {
  const st = lockStatus(at(fn, era, line).vma);
  return st.s === 'released' ? `released:${st.cause}` : st.s;
};
const vm = (fn: FunctionFacts, era: string, line: number, v = 'vma'): string => {
  const st = vmaStatus(at(fn, era, line).vmas[v]);
  return st.s === 'stale' ? `stale:${st.cause}` : st.s;
};

describe('lock-state: condition worlds', () => {
  const leaf = (l: string) => (l === 'a' ? { whenTrue: 0b10, whenFalse: 0b01 } : l === 'b' ? { whenTrue: 0b1100, whenFalse: 0b0011 } : undefined);
  it('splits ||, &&, ! exactly and keeps every world for unknown leaves', () => {
    assert.equal(filterWorlds('(a)', true, 0b11, leaf), 0b10);
    assert.equal(filterWorlds('(!a)', true, 0b11, leaf), 0b01);
    assert.equal(filterWorlds('(unlikely(!a))', false, 0b11, leaf), 0b10);
    assert.equal(filterWorlds('(x && a)', true, 0b11, leaf), 0b10);
    assert.equal(filterWorlds('(x && a)', false, 0b11, leaf), 0b11);
    assert.equal(filterWorlds('(x || a)', false, 0b11, leaf), 0b01);
    assert.equal(filterWorlds('(a == 0)', true, 0b11, leaf), 0b01);
    assert.equal(filterWorlds('(NULL != a)', true, 0b11, leaf), 0b10);
    assert.equal(filterWorlds('(foo(x))', true, 0b11, leaf), 0b11);
  });
});

describe('lock-state: x86 6.x handler', () => {
  const src = read('x86-6x.c');
  const fn = fnOf(src, '6.8', 'do_user_addr_fault');
  it('per-VMA lock: tie after lock_vma_under_rcu, held past the NULL test, released by vma_end_read', () => {
    assert.equal(vl(fn, '6.8', 13), 'maybe');
    assert.equal(vl(fn, '6.8', 16), 'held');
    assert.equal(vl(fn, '6.8', 18), 'released:vma-end');
    assert.equal(vl(fn, '6.8', 14), 'released:not-acquired');
  });
  it('VMA-lock fault: from 6.6 a tie (the callee may release it); in 6.4–6.5 still held', () => {
    assert.equal(vl(fn, '6.8', 21), 'maybe');
    assert.equal(vl(fn, '6.8', 22), 'held');
    const f64 = fnOf(src, '6.4', 'do_user_addr_fault');
    assert.equal(vl(f64, '6.4', 21), 'held');
    assert.equal(vl(fnOf(src, '6.5', 'do_user_addr_fault'), '6.5', 21), 'held');
    assert.equal(vl(fnOf(src, '6.6', 'do_user_addr_fault'), '6.6', 21), 'maybe');
  });
  it('lock_mm_and_find_vma: NULL → released with the lock dropped, non-NULL → held', () => {
    assert.equal(mm(fn, '6.8', 32), 'maybe');
    assert.equal(mm(fn, '6.8', 33), 'released:find-vma-null');
    assert.equal(mm(fn, '6.8', 37), 'held');
  });
  it('handle_mm_fault: released on the RETRY / COMPLETED / fault_signal_pending edges, held when neither', () => {
    assert.equal(mm(fn, '6.8', 44), 'maybe');
    assert.equal(mm(fn, '6.8', 45), 'released:fault');
    assert.equal(mm(fn, '6.8', 51), 'released:fault');
    assert.equal(mm(fn, '6.8', 54), 'released:fault');
    assert.equal(mm(fn, '6.8', 58), 'held');
    assert.equal(vm(fn, '6.8', 54), 'stale:fault');
    assert.equal(vm(fn, '6.8', 58), 'valid');
  });
  it('records the statement that produced a state', () => {
    const st = lockStatus(at(fn, '6.8', 54).mmap);
    assert.equal(st.s, 'released');
    if (st.s === 'released') {
      assert.equal(st.origin.callee, 'handle_mm_fault');
      assert.equal(st.origin.range.start.line + 1, 42);
    }
  });
});

describe('lock-state: GUP, fixup_user_fault, trylock / killable', () => {
  const src = read('gup-callers.c');
  it('GUP with &locked: tie on `locked`, held on `if (locked)`', () => {
    const fn = fnOf(src, '6.1', 'kvm_style_pin');
    assert.equal(mm(fn, '6.1', 9), 'maybe');
    assert.equal(mm(fn, '6.1', 10), 'held');
    assert.equal(mm(fn, '6.1', 11), 'unknown'); // join of released (unlock) and released-by-callee: different causes
  });
  it('fixup_user_fault with &unlocked: the lock stays held; the vma is stale when unlocked is true, valid once looked up again', () => {
    const fn = fnOf(src, '6.1', 'futex_style_fixup');
    assert.equal(mm(fn, '6.1', 23), 'held');
    assert.equal(vm(fn, '6.1', 23), 'maybe');
    assert.equal(vm(fn, '6.1', 24), 'stale:fixup-unlocked');
    assert.equal(vm(fn, '6.1', 25), 'valid');
  });
  it('trylock in a condition and killable: the edge decides (killable: 0 is success)', () => {
    const fn = fnOf(src, '6.1', 'trylock_style');
    assert.equal(mm(fn, '6.1', 33), 'outer');
    assert.equal(mm(fn, '6.1', 34), 'released:not-acquired');
    assert.equal(mm(fn, '6.1', 35), 'held');
    assert.equal(mm(fn, '6.1', 37), 'released:not-acquired');
    assert.equal(mm(fn, '6.1', 38), 'held');
  });
  it('fault result assigned and tested later, and the mmap_sem spelling', () => {
    const text = `void f(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long a)
{
	unsigned int flags = FAULT_FLAG_ALLOW_RETRY;
	int fault;

	down_read(&mm->mmap_sem);
	fault = handle_mm_fault(vma, a, flags);
	count_event(fault);
	if (fault & VM_FAULT_RETRY)
		return;
	up_read(&mm->mmap_sem);
	fault = 0;
	if (fault & VM_FAULT_RETRY)
		return;
}
`;
    const fn = fnOf(text, '4.19', 'f');
    assert.equal(mm(fn, '4.19', 8), 'maybe');
    assert.equal(mm(fn, '4.19', 10), 'released:fault');
    assert.equal(mm(fn, '4.19', 11), 'held');
    assert.equal(mm(fn, '4.19', 12), 'released:unlock');
  });
  it('RETRY_NOWAIT in the flags: the lock is still held on RETRY', () => {
    const text = `int f(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long a)
{
	int fault;

	mmap_read_lock(mm);
	fault = handle_mm_fault(vma, a, FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT, NULL);
	if (fault & VM_FAULT_RETRY)
		return 1;
	return 0;
}
`;
    const fn = fnOf(text, '6.1', 'f');
    assert.equal(mm(fn, '6.1', 8), 'held');
  });
});

describe('lock-state: text helpers', () => {
  it('vma lookups and uses (not comparisons, NULL tests or the assignment itself)', () => {
    assert.deepEqual(vmaLookupIn('vma = find_vma(mm, addr);'), { v: 'vma', callee: 'find_vma' });
    assert.deepEqual(vmaLookupIn('struct vm_area_struct *v = vma_lookup(mm, a);'), { v: 'v', callee: 'vma_lookup' });
    assert.equal(usesVma('if (vma->vm_flags & VM_WRITE)', 'vma'), true);
    assert.equal(usesVma('x = vmas[i]->vm_start;', 'vmas'), true);
    assert.equal(usesVma('foo(regs, vma);', 'vma'), true);
    assert.equal(usesVma('(!vma)', 'vma'), false);
    assert.equal(usesVma('(vma == prev)', 'vma'), false);
    assert.equal(usesVma('(unlikely(!vma))', 'vma'), false);
    assert.equal(usesVma('vma = find_vma(mm, addr);', 'vma'), false);
    assert.equal(usesVma('vma_end_read(vma);', 'vma'), false);
    assert.equal(usesVma('(WARN_ON(vma))', 'vma'), false);
  });
});

describe('lock-state: size', () => {
  it('a long function (2,000 statements, 200 fault calls) converges', () => {
    let body = '\tmmap_read_lock(mm);\n';
    for (let i = 0; i < 200; i++)
      body += `\tfault = handle_mm_fault(vma, a + ${i}, flags, NULL);\n\tif (fault & VM_FAULT_RETRY)\n\t\tgoto retry;\n` + '\tx++;\n'.repeat(7);
    const text = `void f(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long a)\n{\n\tunsigned int flags = FAULT_FLAG_DEFAULT;\n\tint fault, x = 0;\nretry:\n${body}\tmmap_read_unlock(mm);\n}\n`;
    // 5.19: no VM_FAULT_COMPLETED, so the RETRY tests alone leave the lock held; 6.1: COMPLETED is never tested.
    const fn = fnOf(text, '5.19', 'f');
    assert.equal(lockStates(fn, parseEra('5.19')).converged, true);
    assert.equal(mm(fn, '5.19', text.split('\n').length - 2), 'held');
    const f61 = fnOf(text, '6.1', 'f');
    assert.equal(mm(f61, '6.1', text.split('\n').length - 2), 'maybe');
  });
});
