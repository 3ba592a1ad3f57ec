// longterm-without-pin: FOLL_LONGTERM where the era rejects it; fix: the pin_user_pages* counterpart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c';
import type { Finding } from '../../server/src/rules/types';
import { applyEdits, check, fixture } from './helpers';

const ID = 'longterm-without-pin';
const F = (name: string): string => fixture(`${ID}/${name}`);
const lines = (fs: Finding[]): number[] => fs.map((f) => f.range.start.line + 1);

function applyFix(text: string, era: string, line: number, to: string): void {
  const f = check(text, ID, era).find((x) => x.range.start.line + 1 === line)!;
  assert.equal(f.fixes!.length, 1);
  assert.equal(f.fixes![0]!.isPreferred, true);
  const out = applyEdits(text, f.fixes![0]!.edits);
  const e = parseEra(era);
  assert.ok(extractCFacts(out, { era: e }).parseErrors <= extractCFacts(text, { era: e }).parseErrors);
  assert.ok(!check(out, ID, era).some((x) => x.range.start.line + 1 === line));
  const g = extractCFacts(out, { era: e }).functions.flatMap((fn) => fn.gupCalls).find((c) => c.range.start.line + 1 === line)!;
  assert.equal(g.callee, to);
  assert.equal(g.arityMismatch, undefined);
  assert.ok(g.flagNames.includes('FOLL_LONGTERM'));
}

describe(ID, () => {
  it('get_user_pages_remote: 5.2–5.5 whatever locked is; from 5.6 only with locked', () => {
    const t = F('remote-5.4.c');
    const a = check(t, ID, '5.4');
    assert.deepEqual(lines(a), [7, 18]);
    assert.match(a[0]!.message, /in 5\.2–5\.5 get_user_pages_remote rejects FOLL_LONGTERM whatever `locked` is.*-EINVAL/);
    assert.ok(!/Pass NULL for `locked`/.test(a[1]!.message));
    const b = check(t, ID, '5.6');
    assert.deepEqual(lines(b), [18]);
    assert.match(b[0]!.message, /may drop the mmap lock.*Pass NULL for `locked`/);
    assert.equal(b[0]!.fixes, undefined); // pin_user_pages_remote rejects it with locked too before 6.4
    // Hints: FOLL_LONGTERM ≥5.2, mmap_sem ≤5.7 → 5.2–5.7: line 7 is rejected only up to 5.5 → silent; line 18 always.
    assert.deepEqual(lines(check(t, ID, undefined)), [18]);
    assert.deepEqual(check(t, ID, '5.1'), []);
  });

  it('get_user_pages_unlocked: rejected from 5.2; pin_user_pages_unlocked accepts it only from 6.4', () => {
    const t = F('unlocked-5.10.c');
    for (const era of ['5.2', '5.10', '6.1', '6.3']) {
      const fs = check(t, ID, era);
      assert.deepEqual(lines(fs), [4], era);
      assert.equal(fs[0]!.fixes, undefined, era);
    }
    assert.match(check(t, ID, '6.4')[0]!.message, /from 6\.4 FOLL_LONGTERM is accepted only together with FOLL_PIN/);
    applyFix(t, '6.4', 4, 'pin_user_pages_unlocked');
    applyFix(t, '6.8', 4, 'pin_user_pages_unlocked');
    // Only hint: FOLL_LONGTERM (≥5.2): rejected in every era of 5.2–6.19 → fires.
    assert.deepEqual(lines(check(t, ID, undefined)), [4]);
  });

  it('get_user_pages / _fast: accepted 5.2–5.6, rejected from 6.1; flags through a local', () => {
    const t = F('get-6.1.c');
    assert.deepEqual(check(t, ID, '5.6'), []);
    assert.deepEqual(check(t, ID, '5.10'), []); // between 5.6 and 6.1: not dated, silent
    const fs = check(t, ID, '6.1');
    assert.deepEqual(lines(fs), [7, 18]);
    assert.match(fs[1]!.message, /through `gup_flags`/);
    assert.match(fs[0]!.message, /unpin_user_pages\(\), not put_page\(\)/);
    applyFix(t, '6.1', 7, 'pin_user_pages');
    applyFix(t, '6.1', 18, 'pin_user_pages_fast');
    applyFix(t, '6.8', 18, 'pin_user_pages_fast');
  });

  it('pin_user_pages*: accepted from 6.4; pin_user_pages_remote with locked rejected in 6.1, not dated in 6.2–6.3', () => {
    const t = F('pin-ok-6.8.c');
    assert.deepEqual(check(t, ID, '6.8'), []);
    assert.deepEqual(check(t, ID, '6.4'), []);
    const old = t.replace('pages, &locked)', 'pages, NULL, &locked)');
    assert.deepEqual(lines(check(old, ID, '6.1')), [13]);
    assert.deepEqual(check(old, ID, '6.2'), []);
  });
});
