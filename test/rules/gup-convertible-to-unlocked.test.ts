// gup-convertible-to-unlocked: `lock; n = get_user_pages(…, NULL); unlock;` on current->mm, every era's form, and
// the rewrite to get_user_pages_unlocked / get_user_pages_fast with the era's argument order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractCFacts } from '../../server/src/c';
import { gupSignatureFor } from '../../server/src/c/gup-signatures';
import type { Finding } from '../../server/src/rules/types';
import { applyEdits, check, fixture } from './helpers';

const ID = 'gup-convertible-to-unlocked';
const F = (name: string): string => fixture(`${ID}/${name}`);
const lines = (fs: Finding[]): number[] => fs.map((f) => f.range.start.line + 1);

/** Applies fix `title prefix` of the finding at `line`; checks the finding is gone, no new parse errors, and the
 *  new call's argument roles/texts. */
function applyAndCheck(text: string, era: string, line: number, which: 'fast' | 'unlocked', expectArgs: [string, string][]): string {
  const f = check(text, ID, era).find((x) => x.range.start.line + 1 === line);
  assert.ok(f, `finding at line ${line}`);
  const callee = which === 'fast' ? 'get_user_pages_fast' : 'get_user_pages_unlocked';
  const fix = f.fixes?.find((x) => x.title.includes(callee) && x.kind === 'quickfix');
  assert.ok(fix, `fix ${callee}`);
  const out = applyEdits(text, fix.edits);
  const before = extractCFacts(text, { era: parseEraLoose(era) }).parseErrors;
  const facts = extractCFacts(out, { era: parseEraLoose(era) });
  assert.ok(facts.parseErrors <= before, 'no new parse errors');
  assert.ok(!check(out, ID, era).some((x) => x.range.start.line + 1 === line), 'finding removed');
  const calls = facts.functions.flatMap((fn) => fn.gupCalls).filter((g) => g.callee === callee);
  const call = calls.find((g) => g.range.start.line + 1 === line - 1);
  assert.ok(call, `new ${callee} call on line ${line - 1}`);
  assert.equal(call.arityMismatch, undefined);
  assert.deepEqual(call.signature, gupSignatureFor(callee, parseEraLoose(era))!.roles);
  assert.deepEqual(call.args.map((a) => [a.role, a.text]), expectArgs);
  return out;
}

function parseEraLoose(e: string): { major: number; minor: number } {
  const [a, b] = e.split('.').map(Number);
  return { major: a!, minor: b! };
}

describe(ID, () => {
  it('≤4.5: passes tsk/mm on to _unlocked; _fast preferred unless force', () => {
    const t = F('tsk-mm-4.4.c');
    const fs = check(t, ID, '4.4');
    assert.deepEqual(lines(fs), [7, 17, 27]);
    assert.match(fs[0]!.message, /holds mmap_sem for the whole call.*userfaultfd.*-EFAULT/);
    assert.deepEqual(fs[0]!.fixes!.map((x) => [x.kind, !!x.isPreferred, x.title.split('(')[0]]), [
      ['quickfix', true, 'Replace the locked get_user_pages with get_user_pages_fast'],
      ['quickfix', false, 'Replace the locked get_user_pages with get_user_pages_unlocked'],
      ['refactor.rewrite', false, 'Replace the locked get_user_pages with get_user_pages_unlocked'],
    ]);
    // force = 1: only _unlocked.
    assert.ok(fs[1]!.fixes!.every((x) => x.title.includes('get_user_pages_unlocked')));
    assert.match(fs[1]!.message, /FOLL_FORCE: get_user_pages_fast does not apply/);
    // Another mm up to 4.5: get_user_pages_unlocked(tsk, mm, …) passes them on (the kernel's own 4.0 conversion of
    // process_vm_rw_single_vec); no get_user_pages_fast (current->mm only).
    assert.deepEqual(fs[2]!.fixes!.map((x) => x.title.split('(')[0]), [
      'Replace the locked get_user_pages with get_user_pages_unlocked',
      'Replace the locked get_user_pages with get_user_pages_unlocked',
    ]);
    assert.match(fs[2]!.message, /up to 4\.5 get_user_pages_unlocked\(tsk, mm, …\) takes the lock of `mm` itself/);
    applyAndCheck(t, '4.4', 27, 'unlocked', [
      ['tsk', 'tsk'], ['mm', 'mm'], ['start', 'uaddr'], ['nr_pages', '1'], ['write', '1'], ['force', '0'], ['pages', 'page'],
    ]);
    applyAndCheck(t, '4.4', 7, 'unlocked', [
      ['tsk', 'current'], ['mm', 'current->mm'], ['start', 'uaddr'], ['nr_pages', 'npages'], ['write', '1'], ['force', '0'], ['pages', 'pages'],
    ]);
    applyAndCheck(t, '4.4', 7, 'fast', [['start', 'uaddr'], ['nr_pages', 'npages'], ['write', '1'], ['pages', 'pages']]);
    applyAndCheck(t, '4.4', 17, 'unlocked', [
      ['tsk', 'current'], ['mm', 'current->mm'], ['start', 'uaddr'], ['nr_pages', '1'], ['write', '0'], ['force', '1'], ['pages', 'page'],
    ]);
  });

  it('4.6–4.8: no tsk/mm; a local mm = current->mm counts as current->mm', () => {
    const t = F('no-tsk-4.7.c');
    assert.deepEqual(lines(check(t, ID, '4.7')), [8]);
    applyAndCheck(t, '4.7', 8, 'unlocked', [['start', 'uaddr'], ['nr_pages', 'npages'], ['write', 'write'], ['force', '0'], ['pages', 'pages']]);
    applyAndCheck(t, '4.7', 8, 'fast', [['start', 'uaddr'], ['nr_pages', 'npages'], ['write', 'write'], ['pages', 'pages']]);
    // Same text analysed as 4.19 code: the 6-argument call is another era's form → not this rule's business.
    assert.deepEqual(check(t, ID, '4.19'), []);
  });

  it('4.9–5.1: pages before gup_flags for _unlocked; _fast takes an int write until 5.2', () => {
    const t = F('flags-4.19.c');
    assert.deepEqual(lines(check(t, ID, '4.19')), [7]);
    const out = applyAndCheck(t, '4.19', 7, 'unlocked', [['start', 'uaddr'], ['nr_pages', 'npages'], ['pages', 'pages'], ['gup_flags', 'write ? FOLL_WRITE : 0']]);
    assert.ok(!/down_read|up_read/.test(out), 'both lock lines removed');
    assert.match(out, /\n\tpinned = get_user_pages_unlocked\(uaddr, npages, pages, write \? FOLL_WRITE : 0\);\n\treturn pinned;/);
    applyAndCheck(t, '4.19', 7, 'fast', [['start', 'uaddr'], ['nr_pages', 'npages'], ['write', 'write'], ['pages', 'pages']]);
    // 5.2+: _fast takes gup_flags.
    applyAndCheck(t, '5.4', 7, 'fast', [['start', 'uaddr'], ['nr_pages', 'npages'], ['gup_flags', 'write ? FOLL_WRITE : 0'], ['pages', 'pages']]);
    // Hints alone (mmap_sem ≤5.7, 5 args ≥4.9): every era 4.9–5.7 agrees.
    assert.deepEqual(lines(check(t, ID, undefined)), [7]);
  });

  it('5.8+ mmap_lock spelling; FOLL_FORCE → _unlocked only; FOLL_LONGTERM / unknown flags → no rewrite', () => {
    const t = F('mmap-lock-5.10.c');
    const fs = check(t, ID, '5.10');
    assert.deepEqual(lines(fs), [7, 17, 27]);
    assert.match(fs[0]!.message, /holds mmap_lock/);
    assert.deepEqual(fs[0]!.fixes!.map((x) => x.kind), ['quickfix', 'refactor.rewrite']);
    const out = applyAndCheck(t, '5.10', 7, 'unlocked', [['start', 'uaddr'], ['nr_pages', '1'], ['pages', 'page'], ['gup_flags', 'FOLL_FORCE']]);
    assert.ok(!/mmap_read_(un)?lock\(current->mm\);\n\tret = get_user_pages_unlocked/.test(out));
    assert.equal(fs[1]!.fixes, undefined);
    assert.match(fs[1]!.message, /No rewrite: get_user_pages_unlocked rejects FOLL_LONGTERM/);
    assert.equal(fs[2]!.fixes, undefined);
    assert.match(fs[2]!.message, /flags \(`gup_flags`\) are not known/);
    // FOLL_LONGTERM does not exist before 5.2: in 4.19 the same call would be rewritable — but the flag name pins ≥5.2.
  });

  it('≥6.5: four-argument get_user_pages', () => {
    const t = F('no-vmas-6.8.c');
    assert.deepEqual(lines(check(t, ID, '6.8')), [8]);
    applyAndCheck(t, '6.8', 8, 'fast', [['start', 'start'], ['nr_pages', 'nr'], ['gup_flags', 'FOLL_WRITE'], ['pages', 'pages']]);
    applyAndCheck(t, '6.8', 8, 'unlocked', [['start', 'start'], ['nr_pages', 'nr'], ['pages', 'pages'], ['gup_flags', 'FOLL_WRITE']]);
  });

  it('not convertible: vmas, other mm, other statements, branches, loops, killable, write lock, FOLL_NOWAIT, ERROR', () => {
    const t = F('not-convertible-4.19.c');
    const fs = check(t, ID, '4.19');
    assert.deepEqual(lines(fs), [17, 29, 84]);
    assert.ok(fs.every((f) => f.fixes === undefined));
    assert.match(fs[0]!.message, /the lock is on `mm`, which this function does not show to be current->mm/);
    assert.match(fs[1]!.message, /also runs other statements \(line 28\).*get_user_pages_locked/);
    assert.match(fs[2]!.message, /FOLL_NOWAIT/);
    // From 5.18 get_user_pages_locked is gone: the message names get_user_pages_remote instead.
    const t2 = t.replace(/down_read\(&current->mm->mmap_sem\)/g, 'mmap_read_lock(current->mm)').replace(/up_read\(&current->mm->mmap_sem\)/g, 'mmap_read_unlock(current->mm)');
    const m = check(t2, ID, '6.1').find((f) => f.range.start.line + 1 === 29);
    assert.match(m!.message, /get_user_pages_remote\(mm, …, &locked\)/);
  });

  it('before 4.0 the rule is off; before 4.3 the message does not mention userfaultfd', () => {
    const t = F('tsk-mm-4.4.c');
    assert.deepEqual(check(t, ID, '3.19'), []);
    const fs = check(t, ID, '4.1');
    assert.equal(fs.length, 3);
    assert.ok(!/userfaultfd/.test(fs[0]!.message));
    assert.match(fs[0]!.message, /waits behind the I\/O/);
  });
});
