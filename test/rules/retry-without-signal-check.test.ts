// retry-without-signal-check: an uncapped retry reaching its back-edge with no signal check after the fault.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEra } from '../../common/era';
import { extractCFacts } from '../../server/src/c/index';
import { applyEdits, brief, check, fixture } from './helpers';

const ID = 'retry-without-signal-check';

describe(ID, () => {
  const pos = fixture(`${ID}/positive.c`);
  const lines = pos.split('\n');
  const gotoLine = lines.indexOf('\t\tgoto retry;') + 1;
  const whileLine = lines.findIndex((l) => l.includes('} while (ret & VM_FAULT_RETRY);')) + 1;

  for (const era of ['4.19', '5.6', '5.8', '6.8']) {
    it(`fires on the label loop and the do … while (${era})`, () => {
      const got = brief(check(pos, ID, era));
      assert.deepEqual(got.map(([r, l]) => [r, l]), [[ID, gotoLine], [ID, whileLine]]);
      assert.match(got[0]![2], /the task cannot be killed/);
      assert.equal(/from 5\.7 retries are not capped/.test(got[0]![2]), era !== '4.19' && era !== '5.6');
    });
    it(`silent with fault_signal_pending, the ≤5.6 cap, a check on the back-edge, in a helper, at the loop head (${era})`, () => {
      assert.deepEqual(brief(check(fixture(`${ID}/negative.c`), ID, era)), []);
    });
  }

  it('fix: the era\'s check with the kernel-mode exit; applying it removes the finding, C stays clean', () => {
    for (const [era, test] of [['5.8', 'if (fault_signal_pending(fault, regs)) {'], ['4.19', 'if (fatal_signal_pending(current)) {']] as const) {
      const f = check(pos, ID, era)[0]!;
      const out = applyEdits(pos, f.fixes![0]!.edits);
      assert.ok(out.includes(`\t\t${test}\n\t\t\tif (!user_mode(regs))\n\t\t\t\tgoto no_context;\n\t\t\treturn;\n\t\t}\n\t\tgoto retry;`));
      assert.deepEqual(check(out, ID, era).filter((x) => x.function === 'do_page_fault'), []);
      assert.ok(extractCFacts(out, { era: parseEra(era) }).parseErrors <= extractCFacts(pos, { era: parseEra(era) }).parseErrors);
    }
  });

  it('no fix where the return value is unknown (non-void function) or on a loop condition', () => {
    assert.equal(check(pos, ID, '5.8')[1]!.fixes, undefined);
  });
});
