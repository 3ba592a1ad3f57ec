// removed-gup-api: GUP calls, arities, internal flags and the mmap_sem field that do not exist in the era.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c';
import { gupSignatureFor } from '../../server/src/c/gup-signatures';
import type { GupFunction } from '../../server/src/c/types';
import type { Finding } from '../../server/src/rules/types';
import { applyEdits, check, fixture } from './helpers';

const ID = 'removed-gup-api';
const F = (name: string): string => fixture(`${ID}/${name}`);
const DRV = 'drivers/foo/demo.c';
const at = (fs: Finding[]): number[] => fs.map((f) => f.range.start.line + 1);
const find = (fs: Finding[], line: number): Finding => fs.find((f) => f.range.start.line + 1 === line)!;

/** Applies the finding's preferred fix; the finding is gone, no new parse errors; the call at `line` has the era's roles. */
function applyFix(text: string, era: string, line: number, callee?: GupFunction, args?: [string, string][]): string {
  const f = find(check(text, ID, era, DRV), line);
  assert.ok(f, `finding at ${line}`);
  const fix = f.fixes?.find((x) => x.isPreferred);
  assert.ok(fix, `a fix at ${line}`);
  const out = applyEdits(text, fix.edits);
  const e = parseEra(era);
  assert.ok(extractCFacts(out, { era: e }).parseErrors <= extractCFacts(text, { era: e }).parseErrors);
  assert.ok(!check(out, ID, era, DRV).some((x) => x.range.start.line + 1 === line), `finding at ${line} removed`);
  if (callee) {
    const g = extractCFacts(out, { era: e }).functions.flatMap((fn) => fn.gupCalls).find((c) => c.range.start.line + 1 === line)!;
    assert.equal(g.callee, callee);
    assert.equal(g.arityMismatch, undefined);
    assert.deepEqual(g.signature, gupSignatureFor(callee, e)!.roles);
    if (args) assert.deepEqual(g.args.map((a) => [a.role, a.text]), args);
  }
  return out;
}

describe(ID, () => {
  it('≤4.5 calls in 4.7: tsk/mm dropped for current->mm, get_user_pages_remote for another mm', () => {
    const t = F('old-forms.c');
    const fs = check(t, ID, '4.7', DRV);
    assert.deepEqual(at(fs), [7, 17, 37]);
    assert.match(fs[0]!.message, /takes 6 arguments in 4\.7 \(start, nr_pages, write, force, pages, vmas\), this call passes 8 \(the ≤4\.5 form\)/);
    assert.match(fs[2]!.message, /get_user_pages_longterm does not exist in 4\.7 \(it was added in 4\.15\)/);
    applyFix(t, '4.7', 7, 'get_user_pages', [['start', 'addr'], ['nr_pages', '4'], ['write', '1'], ['force', '0'], ['pages', 'pages'], ['vmas', 'NULL']]);
    applyFix(t, '4.7', 17, 'get_user_pages_remote');
  });

  it('4.9+: write/force → gup_flags; 5.9: tsk dropped from fixup_user_fault; __get_user_pages_fast → _fast_only (5.8)', () => {
    const t = F('old-forms.c');
    applyFix(t, '4.19', 24, 'get_user_pages_unlocked', [['start', 'addr'], ['nr_pages', '2'], ['pages', 'pages'], ['gup_flags', 'write ? FOLL_WRITE : 0']]);
    applyFix(t, '4.19', 7, 'get_user_pages', [['start', 'addr'], ['nr_pages', '4'], ['gup_flags', 'FOLL_WRITE'], ['pages', 'pages'], ['vmas', 'NULL']]);
    applyFix(t, '5.10', 17, 'get_user_pages_remote', [
      ['mm', 'mm'], ['start', 'addr'], ['nr_pages', '1'], ['gup_flags', 'FOLL_FORCE'], ['pages', 'page'], ['vmas', 'NULL'], ['locked', 'NULL'],
    ]);
    applyFix(t, '5.10', 46, 'fixup_user_fault', [['mm', 'mm'], ['address', 'addr'], ['fault_flags', 'FAULT_FLAG_WRITE'], ['unlocked', '&unlocked']]);
    assert.deepEqual(at(check(t, ID, '5.7', DRV)).includes(29), false);
    applyFix(t, '5.8', 29, 'get_user_pages_fast_only', [['start', 'addr'], ['nr_pages', '1'], ['gup_flags', 'FOLL_WRITE'], ['pages', 'page']]);
    // get_user_pages_longterm: gone in 5.2; mechanical (FOLL_LONGTERM into get_user_pages) only while get_user_pages takes it.
    assert.match(find(check(t, ID, '5.10', DRV), 37).message, /removed in 5\.2.*pin_user_pages/);
    assert.equal(find(check(t, ID, '5.10', DRV), 37).fixes, undefined);
    applyFix(t, '5.3', 37, 'get_user_pages');
  });

  it('mmap_sem from 5.8: rwsem calls → mmap_*_lock API; other uses without a fix', () => {
    const t = F('old-forms.c');
    assert.ok(!check(t, ID, '5.7', DRV).some((f) => /mmap_sem was renamed/.test(f.message)));
    const fs = check(t, ID, '5.8', DRV);
    assert.match(find(fs, 6).message, /renamed mmap_lock in 5\.8/);
    let out = applyFix(t, '5.8', 6);
    out = applyFix(out, '5.8', 8);
    assert.match(out, /\tmmap_read_lock\(current->mm\);\n\tn = get_user_pages\(current.*\n\tmmap_read_unlock\(current->mm\);/);
    const i = F('internal-6.4.c');
    const f9 = find(check(i, ID, '6.8', DRV), 9);
    assert.match(f9.message, /mmap_sem was renamed/);
    assert.equal(f9.fixes, undefined);
  });

  it('newer calls in older eras: 6.5 _remote in 4.19 (tsk NULL and vmas NULL added), pin_* before 5.6, FOLL_ flags in fast\'s int write ≤5.1', () => {
    const t = F('new-forms.c');
    const fs = check(t, ID, '4.19', DRV);
    assert.deepEqual(at(fs), [8, 16, 21]);
    applyFix(t, '4.19', 8, 'get_user_pages_remote', [
      ['tsk', 'NULL'], ['mm', 'mm'], ['start', 'addr'], ['nr_pages', '1'], ['gup_flags', 'FOLL_WRITE'], ['pages', 'page'], ['vmas', 'NULL'], ['locked', '&locked'],
    ]);
    assert.match(fs[1]!.message, /int write until 5\.2.*FOLL_FORCE is lost/);
    assert.equal(fs[1]!.fixes, undefined); // FOLL_WRITE | FOLL_FORCE has no int write equivalent
    assert.match(fs[2]!.message, /pin_user_pages_fast does not exist in 4\.19 \(it was added in 5\.6\)/);
    assert.deepEqual(at(check(t, ID, '5.2', DRV)), [8, 21]);
    assert.deepEqual(check(t, ID, '6.8', DRV), []);
  });

  it('boundaries: get_user_pages_locked 5.17/5.18, pin_user_pages_fast_only 6.2/6.3, vmas 6.4/6.5, __get_user_pages_unlocked 4.9/4.10', () => {
    const t = F('boundaries.c');
    // Line 43: __get_user_pages_unlocked, gone from the API in every one of these eras.
    assert.deepEqual(at(check(t, ID, '5.17', DRV)), [43]);
    assert.deepEqual(at(check(t, ID, '5.18', DRV)), [8, 43]);
    assert.deepEqual(at(check(t, ID, '6.2', DRV)), [8, 43]);
    assert.deepEqual(at(check(t, ID, '6.3', DRV)), [8, 16, 43]);
    assert.deepEqual(at(check(t, ID, '6.4', DRV)), [8, 16, 43]);
    const six5 = check(t, ID, '6.5', DRV);
    assert.deepEqual(at(six5), [8, 16, 24, 34, 43]);
    applyFix(t, '6.5', 24, 'get_user_pages', [['start', 'addr'], ['nr_pages', '1'], ['gup_flags', 'FOLL_WRITE'], ['pages', 'pages']]);
    assert.equal(find(six5, 34).fixes, undefined); // non-NULL vmas: not mechanical
    assert.match(find(six5, 34).message, /get_user_page_vma_remote/);
    const old = t.replace(/mmap_read_lock\(current->mm\)/g, 'down_read(&current->mm->mmap_sem)').replace(/mmap_read_unlock\(current->mm\)/g, 'up_read(&current->mm->mmap_sem)');
    // 4.9's mm/gup.c still exports it (virt/kvm calls it); 4.10 unexported it.
    assert.ok(!check(old, ID, '4.4', DRV).some((f) => /__get_user_pages_unlocked/.test(f.message)));
    assert.ok(!check(old, ID, '4.9', DRV).some((f) => /__get_user_pages_unlocked/.test(f.message)));
    assert.match(find(check(old, ID, '4.10', DRV), 43).message, /__get_user_pages_unlocked is not part of the API after 4\.9 \(unexported in 4\.10\)/);
    assert.ok(!check(old, ID, '4.10', 'mm/nommu.c').some((f) => /__get_user_pages_unlocked/.test(f.message)));
  });

  it('FOLL_PIN/FOLL_TRIED outside mm/ from 6.4; __get_user_pages outside mm/ after 4.4', () => {
    const t = F('internal-6.4.c');
    const fs = check(t, ID, '6.8', DRV);
    assert.deepEqual(at(fs), [4, 7, 8, 9, 10, 18, 19]);
    assert.match(find(fs, 4).message, /FOLL_PIN is internal to mm\/ from 6\.4/);
    assert.match(find(fs, 8).message, /FOLL_TRIED/);
    assert.match(find(fs, 19).message, /__get_user_pages is not exported after 4\.4/);
    const t63 = check(t.replace(', pages);', ', pages, NULL);'), ID, '6.3', DRV);
    assert.ok(!t63.some((f) => /FOLL_/.test(f.message)));
    assert.ok(!check(t, ID, '6.8', 'mm/gup.c').some((f) => /FOLL_|__get_user_pages/.test(f.message)));
    assert.ok(!check(t, ID, '4.4', DRV).some((f) => /__get_user_pages is/.test(f.message)));
  });

  it('a file whose own calls are the hints is not flagged for them', () => {
    assert.deepEqual(check(F('hint-only-4.4.c'), ID, undefined, DRV), []);
    assert.deepEqual(check(F('new-forms.c'), ID, undefined, DRV), []);
    assert.deepEqual(check(F('hint-only-4.4.c'), ID, '4.4', DRV), []);
    // The same file analysed as 4.19 code: both calls are the wrong arity.
    assert.deepEqual(at(check(F('hint-only-4.4.c'), ID, '4.19', DRV)), [7, 14]);
  });
});
