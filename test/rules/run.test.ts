// The rule runner: era consensus over a range, fingerprints, internal errors contained.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareEra, formatEra } from '../../common/era';
import { checkCText } from '../../server/src/rules/check-c';
import { isUnderMm } from '../../server/src/rules/run';
import { erasBetween } from '../../server/src/rules/eras';
import type { Rule } from '../../server/src/rules/types';

const SRC = `void do_page_fault(struct pt_regs *regs, unsigned long address)
{
	struct mm_struct *mm = current->mm;
	unsigned int flags = FAULT_FLAG_ALLOW_RETRY;
	int fault;

	down_read(&mm->mmap_sem);
	fault = handle_mm_fault(find_vma(mm, address), address, flags);
	up_read(&mm->mmap_sem);
}
`;

/** A rule that fires on every fault call for eras ≥ `from` (to test the runner, not the catalogue). */
function fakeRule(from: string, eras: { from?: string; to?: string } = {}): Rule {
  return {
    id: 'fake',
    tier: 1,
    severity: 'warning',
    eras,
    erasText: 'test',
    title: 'fake',
    check: (fn, ctx) =>
      compareEra(ctx.era, from) >= 0 ? fn.faultCalls.map((c) => ({ range: c.range, message: `fault call in ${formatEra(ctx.era)}`, related: [] })) : [],
  };
}

describe('rule runner', () => {
  it('lists every released era of a range', () => {
    assert.deepEqual(erasBetween({ major: 3, minor: 18 }, { major: 4, minor: 1 }).map(formatEra), ['3.18', '3.19', '4.0', '4.1']);
    assert.equal(erasBetween({ major: 3, minor: 18 }, { major: 6, minor: 19 }).length, 2 + 21 + 20 + 20);
  });

  it('a single era (setting) runs the rule once and keeps its finding', () => {
    const r = checkCText(SRC, 'arch/foo/mm/fault.c', { era: '5.4', rules: [fakeRule('4.0')] });
    assert.deepEqual(r.findings.map((f) => [f.rule, f.range.start.line + 1, f.message]), [['fake', 8, 'fault call in 5.4']]);
  });

  it('an era range from hints (mmap_sem: ≤5.7) fires only when every era of it agrees', () => {
    // Hints give 3.18–5.7; the rule holds from 4.0 only: the verdict differs inside the range → silent.
    assert.deepEqual(checkCText(SRC, 'f.c', { rules: [fakeRule('4.0')] }).findings, []);
    // Holds from 3.18: every era agrees → fires, and says the range.
    const r = checkCText(SRC, 'f.c', { rules: [fakeRule('3.18')] });
    assert.equal(r.facts.era.range.from, '3.18');
    assert.equal(r.facts.era.range.to, '5.7');
    assert.deepEqual(r.findings.map((f) => f.message), ['fault call in 5.7 (holds for every era 3.18–5.7 the code\'s hints allow)']);
  });

  it('a rule whose eras do not cover the whole range stays silent', () => {
    assert.deepEqual(checkCText(SRC, 'f.c', { rules: [fakeRule('3.18', { from: '5.7' })] }).findings, []);
    assert.equal(checkCText(SRC, 'f.c', { era: '5.7', rules: [fakeRule('3.18', { from: '5.7' })] }).findings.length, 1);
  });

  it('a throwing rule is an internal error, not a crash', () => {
    const bad: Rule = { ...fakeRule('3.18'), id: 'bad', check: () => { throw new Error('boom'); } };
    const r = checkCText(SRC, 'f.c', { era: '5.4', rules: [bad, fakeRule('3.18')] });
    assert.deepEqual(r.internalErrors, [{ rule: 'bad', function: 'do_page_fault', message: 'boom' }]);
    assert.equal(r.findings.length, 1);
  });

  it('fingerprints survive lines inserted above', () => {
    const a = checkCText(SRC, 'f.c', { era: '5.4', rules: [fakeRule('3.18')] }).findings[0]!;
    const shifted = SRC.replace('{\n', '{\n\t/* a comment */\n\n');
    const b = checkCText(shifted, 'f.c', { era: '5.4', rules: [fakeRule('3.18')] }).findings[0]!;
    assert.notEqual(a.range.start.line, b.range.start.line);
    assert.equal(a.fingerprint, b.fingerprint);
  });
});

describe('inMm', () => {
  it('is true for the core mm/ directory only, not for arch/<x>/mm/', () => {
    assert.deepEqual(
      ['mm/gup.c', '/src/linux/mm/gup.c', 'mm/damon/vaddr.c', 'arch/x86/mm/fault.c', '/src/linux/arch/arm64/mm/fault.c', 'drivers/gpu/drm/ttm/ttm_bo_vm.c'].map(isUnderMm),
      [true, true, true, false, false, false],
    );
  });
});
