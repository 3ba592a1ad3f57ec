// The real rules on patches without a tree (functions rebuilt from hunks) against the same patches with their tree:
// the exact table per fixture, and the invariant that a finding without the tree is also found with it (a rule on a
// fragment is silent where the code the patch does not show could change its verdict, and never contradicts the tree).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkPatchText, type PatchFinding } from '../../server/src/rules/check-patch';

const ROOT = join(__dirname, '..', '..');
const RP = join(ROOT, 'test', 'fixtures', 'rules-patches');
const FR = join(ROOT, 'test', 'fixtures', 'fragments');

/** [patch, tree, expected rows: [patch index, rule, status, 1-based file line, with tree, without tree]]. */
const TABLE: [string, string, [number, string, string, number, boolean, boolean][]][] = [
  [
    'samples/series/gup-unlocked-v2.mbox',
    'samples/tree',
    [
      [1, 'gup-convertible-to-unlocked', 'fixed', 40, true, true],
      // The hunks show the RETRY test, the clear, the TRIED and the goto; the hints (mmap_read_lock) put it ≥5.8.
      [2, 'forbidden-flag-combination', 'introduced', 59, true, true],
    ],
  ],
  [join(RP, 'allow-retry-clear-5.10/0001.patch'), join(RP, 'allow-retry-clear-5.10/tree'), [[1, 'forbidden-flag-combination', 'introduced', 47, true, true]]],
  // The clear and the TRIED are in two hunks: the code between them is not in the patch (it could set ALLOW_RETRY).
  [join(RP, 'clear-across-gap-5.10/0001.patch'), join(RP, 'clear-across-gap-5.10/tree'), [[1, 'forbidden-flag-combination', 'introduced', 45, true, false]]],
  [join(RP, 'gup-locked-5.10/0001.patch'), join(RP, 'gup-locked-5.10/tree'), [[1, 'gup-convertible-to-unlocked', 'introduced', 32, true, true]]],
  [join(RP, 'remote-locked-5.10/0001.patch'), join(RP, 'remote-locked-5.10/tree'), [[1, 'unconditional-unlock-after-locked-gup', 'introduced', 17, true, true]]],
  // retry-without-tried says nothing on fragments: the code the patch does not show could set TRIED.
  [join(RP, 'retry-drops-tried-5.10/0001.patch'), join(RP, 'retry-drops-tried-5.10/tree'), [[1, 'retry-without-tried', 'introduced', 47, true, false]]],
  [
    join(RP, 'series-remote-5.10/series.mbox'),
    join(RP, 'series-remote-5.10/tree'),
    [
      [2, 'unconditional-unlock-after-locked-gup', 'introduced', 20, true, true],
      [3, 'unconditional-unlock-after-locked-gup', 'fixed', 20, true, true],
    ],
  ],
  [join(FR, 'arm64ish-5.7/0001.patch'), join(FR, 'arm64ish-5.7/tree'), []],
  [
    join(FR, 'baz-pin-fast/0001.patch'),
    join(FR, 'baz-pin-fast/tree'),
    [
      // Without the tree the era is the hints' 5.6–6.19 (the tree says 6.1): from 6.5 this five-argument call does not
      // exist, so no era of the range agrees on these two (and removed-gup-api, which used to say "fixed" here with a
      // self-contradicting message, judges the arity in each era of the range).
      [1, 'gup-convertible-to-unlocked', 'fixed', 33, true, false],
      [1, 'longterm-without-pin', 'fixed', 33, true, false],
    ],
  ],
  // The 5.7 conversion itself: the pre-image is right in its own era (the tree's 5.6); without the tree the hints of the
  // added lines (FAULT_FLAG_DEFAULT) must not make it "fix" a ≥5.7 finding.
  [join(FR, 'x86ish-5.7/0001.patch'), join(FR, 'x86ish-5.7/tree'), []],
];

const key = (f: PatchFinding): string => `${f.patchIndex} ${f.rule} ${f.status} ${f.range.start.line + 1}`;

describe('rules on patches with and without the tree', () => {
  for (const [patch, tree, rows] of TABLE)
    it(patch.replace(ROOT + '/', ''), () => {
      const p = join(ROOT, patch.replace(ROOT + '/', ''));
      const t = join(ROOT, tree.replace(ROOT + '/', ''));
      const withTree = checkPatchText(readFileSync(p), p, { tree: t });
      const without = checkPatchText(readFileSync(p), p, {});
      assert.deepEqual([withTree.internalErrors, without.internalErrors], [[], []]);
      assert.ok(without.findings.every((f) => f.fragment), 'without a tree every function is rebuilt from hunks');
      const w = new Set(withTree.findings.map(key));
      const wo = new Set(without.findings.map(key));
      const got = [...new Set([...w, ...wo])].map((k) => {
        const [i, rule, status, line] = k.split(' ');
        return [Number(i), rule, status, Number(line), w.has(k), wo.has(k)];
      });
      assert.deepEqual(got, rows);
      // Never a finding without the tree that the tree does not confirm.
      for (const k of wo) assert.ok(w.has(k), `${k} without the tree only`);
    });
});
