// nowait-without-allow-retry: RETRY_NOWAIT without ALLOW_RETRY in the flags reaching handle_mm_fault / fixup_user_fault.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c/index';
import { applyEdits, brief, check, fixture } from './helpers';

const ID = 'nowait-without-allow-retry';

describe(ID, () => {
  const pos = fixture(`${ID}/positive.c`);
  const lineOf = (s: string): number => pos.split('\n').findIndex((l) => l.includes(s)) + 1;
  const constLine = lineOf('return fixup_user_fault(mm, addr, FAULT_FLAG_WRITE');
  const varLine = lineOf('return handle_mm_fault(vma, addr, fault_flags, regs);');
  const loopLine = lineOf('fault = handle_mm_fault(vma, address, flags, regs);');

  it('fires on a constant argument, a variable built without ALLOW_RETRY, and a retry that clears only ALLOW_RETRY', () => {
    const got = brief(check(pos, ID, '6.8'));
    assert.deepEqual(got.map(([r, l]) => [r, l]), [[ID, constLine], [ID, varLine], [ID, loopLine]]);
    assert.match(got[0]![2], /^fixup_user_fault can be passed FAULT_FLAG_RETRY_NOWAIT without FAULT_FLAG_ALLOW_RETRY: /);
    assert.match(got[1]![2], /hits BUG_ON\(vmf->flags & FAULT_FLAG_RETRY_NOWAIT\) in handle_userfault\(\)/);
    assert.match(got[2]![2], /\(a retry clears ALLOW_RETRY and keeps RETRY_NOWAIT\)/);
  });

  it('every era: 4.4 (fixup_user_fault has no `unlocked`: its 4th argument is the flags, here NULL) and 3.19 (no userfaultfd)', () => {
    assert.deepEqual(brief(check(pos, ID, '4.4')).map(([, l]) => l), [varLine, loopLine]);
    const old = brief(check(pos, ID, '3.19'));
    assert.deepEqual(old.map(([, l]) => l), [varLine, loopLine]);
    assert.doesNotMatch(old[0]![2], /userfault/);
  });

  it('related locations: where RETRY_NOWAIT is set, where ALLOW_RETRY is cleared', () => {
    const f = check(pos, ID, '6.8')[2]!;
    assert.deepEqual(f.related.map((r) => [r.range.start.line + 1, r.message]), [
      [lineOf('\t\tflags |= FAULT_FLAG_RETRY_NOWAIT;'), 'FAULT_FLAG_RETRY_NOWAIT set here'],
      [lineOf('flags &= ~FAULT_FLAG_ALLOW_RETRY;'), 'FAULT_FLAG_ALLOW_RETRY cleared here, RETRY_NOWAIT kept'],
    ]);
  });

  it('silent: both bits cleared on retry, ALLOW_RETRY kept, unlocked passed, flags of unknown origin, GUP, an #ifdef', () => {
    const neg = fixture(`${ID}/negative.c`);
    for (const era of ['4.19', '5.6', '6.8']) assert.deepEqual(check(neg, ID, era), [], era);
  });

  it('fixes: ALLOW_RETRY added where RETRY_NOWAIT is set, or RETRY_NOWAIT cleared with ALLOW_RETRY; findings go, C stays clean', () => {
    const fs = check(pos, ID, '6.8');
    assert.ok(fs.every((f) => f.fixes?.length === 1 && f.fixes[0]!.isPreferred));
    const out = applyEdits(pos, fs.flatMap((f) => f.fixes![0]!.edits));
    assert.ok(out.includes('FAULT_FLAG_WRITE | FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT, NULL)'));
    assert.ok(out.includes('\t\tfault_flags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT;'));
    assert.ok(out.includes('\t\tflags &= ~(FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT);'));
    assert.deepEqual(check(out, ID, '6.8'), []);
    const era = parseEra('6.8');
    assert.ok(extractCFacts(out, { era }).parseErrors <= extractCFacts(pos, { era }).parseErrors);
  });
});
