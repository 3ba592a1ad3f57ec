// Fixes of the real rules carried into patches (issue #7): for each fixture under test/fixtures/rules-patches/, the
// patch introduces one finding; every documentFix applied to the patch text gives a patch that `git apply --check`s
// on the fixture tree and `git am`s on a git repository of it, and re-checking the fixed patch shows the finding gone.
// A three-patch series links the finding introduced by patch 2 to patch 3, which fixes it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkPatchText, type PatchFinding } from '../../server/src/rules/check-patch';
import { applyEdits } from './helpers';

const DIR = join(__dirname, '..', 'fixtures', 'rules-patches');
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.org' };

function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });
}

/** A copy of the fixture tree: a plain directory, and the same as a git repository with one commit. */
function withTrees(name: string, fn: (plain: string, repo: string) => void): void {
  const plain = mkdtempSync(join(tmpdir(), 'mmlens-rp-plain-'));
  const repo = mkdtempSync(join(tmpdir(), 'mmlens-rp-git-'));
  try {
    cpSync(join(DIR, name, 'tree'), plain, { recursive: true });
    cpSync(join(DIR, name, 'tree'), repo, { recursive: true });
    git(repo, ['init', '-q']);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', 'base']);
    fn(plain, repo);
  } finally {
    rmSync(plain, { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  }
}

function introduced(text: string, name: string, rule: string): PatchFinding[] {
  const r = checkPatchText(text, join(DIR, name, '0001.patch'), { tree: join(DIR, name, 'tree') });
  assert.deepEqual(r.internalErrors, []);
  return r.findings.filter((f) => f.rule === rule && f.status === 'introduced');
}

interface Case {
  name: string;
  rule: string;
  /** 1-based file line of the finding, its line in the patch. */
  line: number;
  patchLine: number;
  /** `kind: title` of the fixes carried into the patch, the preferred one first. */
  fixes: string[];
  /** What the fixed file must hold after `git am` of each fix (same order as `fixes`). */
  after: RegExp[];
}

const CASES: Case[] = [
  {
    name: 'gup-locked-5.10',
    rule: 'gup-convertible-to-unlocked',
    line: 32,
    patchLine: 20,
    fixes: [
      'quickfix: Replace the locked get_user_pages with get_user_pages_fast(start, nr_pages, gup_flags, pages)',
      'quickfix: Replace the locked get_user_pages with get_user_pages_unlocked(start, nr_pages, pages, gup_flags)',
      'refactor.rewrite: Replace the locked get_user_pages with get_user_pages_unlocked(start, nr_pages, pages, gup_flags)',
    ],
    after: [
      /\n\tret = get_user_pages_fast\(uaddr, nr, FOLL_WRITE, pb->pages\);\n\tif \(ret > 0\)/,
      /\n\tret = get_user_pages_unlocked\(uaddr, nr, pb->pages, FOLL_WRITE\);\n\tif \(ret > 0\)/,
      /\n\tret = get_user_pages_unlocked\(uaddr, nr, pb->pages, FOLL_WRITE\);\n\tif \(ret > 0\)/,
    ],
  },
  {
    name: 'retry-drops-tried-5.10',
    rule: 'retry-without-tried',
    line: 47,
    patchLine: 28,
    fixes: ['quickfix: Insert `flags |= FAULT_FLAG_TRIED;` before the retry'],
    after: [/\t\tattempts\+\+;\n\t\tflags \|= FAULT_FLAG_TRIED;\n\t\tgoto retry;/],
  },
  {
    name: 'allow-retry-clear-5.10',
    rule: 'forbidden-flag-combination',
    line: 47,
    patchLine: 22,
    fixes: ['quickfix: Remove `flags &= ~FAULT_FLAG_ALLOW_RETRY` (from 5.7 a retry keeps ALLOW_RETRY)'],
    after: [/\t\tif \(flags & FAULT_FLAG_ALLOW_RETRY\) \{\n\t\t\tflags \|= FAULT_FLAG_TRIED;\n\t\t\tgoto retry;/],
  },
  {
    name: 'remote-locked-5.10',
    rule: 'unconditional-unlock-after-locked-gup',
    line: 17,
    patchLine: 23,
    fixes: ['quickfix: Unlock only `if (locked)` (the GUP call may have dropped the lock)'],
    after: [/&locked\);\n\tif \(locked\)\n\t\tmmap_read_unlock\(mm\);\n/],
  },
];

describe('rules-patches: real rules, fixes carried into the patch', () => {
  for (const c of CASES)
    it(`${c.name}: ${c.rule} is introduced, every fix applies (git apply --check, git am) and removes it`, () => {
      const text = readFileSync(join(DIR, c.name, '0001.patch'), 'utf8');
      const fs = introduced(text, c.name, c.rule);
      assert.equal(fs.length, 1, JSON.stringify(fs.map((f) => f.message)));
      const f = fs[0]!;
      assert.deepEqual([f.range.start.line + 1, f.documentRange.start.line + 1, f.documentExact, f.fragment], [c.line, c.patchLine, true, false]);
      assert.deepEqual(
        (f.documentFixes ?? []).map((x) => `${x.kind ?? 'quickfix'}: ${x.title}`),
        c.fixes,
      );
      assert.equal(f.documentFixes![0]!.isPreferred, true);
      f.documentFixes!.forEach((fx, i) => {
        const fixed = applyEdits(text, fx.edits);
        assert.notEqual(fixed, text);
        withTrees(c.name, (plain, repo) => {
          git(plain, ['apply', '--check', '-'], fixed);
          const mbox = join(repo, '..', `${c.name}-${i}.patch`);
          writeFileSync(mbox, fixed);
          try {
            git(repo, ['am', '-q', mbox]);
          } finally {
            rmSync(mbox, { force: true });
          }
          assert.match(git(repo, ['log', '-1', '--format=%s']), /\S/);
          const path = /^\+\+\+ b\/(\S+)$/m.exec(fixed)![1]!;
          assert.match(readFileSync(join(repo, path), 'utf8'), c.after[i]!);
        });
        assert.deepEqual(introduced(fixed, c.name, c.rule), [], `after "${fx.title}"`);
      });
    });

  it('series: patch 2 introduces unconditional-unlock-after-locked-gup, patch 3 fixes it (introducedBy / fixedBy)', () => {
    const path = join(DIR, 'series-remote-5.10', 'series.mbox');
    const r = checkPatchText(readFileSync(path, 'utf8'), path, { tree: join(DIR, 'series-remote-5.10', 'tree') });
    assert.deepEqual(r.internalErrors, []);
    assert.deepEqual(
      r.findings.map((f) => [f.patchIndex, f.rule, f.status, f.range.start.line + 1, f.documentRange.start.line + 1, f.fixedBy, f.introducedBy]),
      [
        [2, 'unconditional-unlock-after-locked-gup', 'introduced', 20, 55, 3, undefined],
        [3, 'unconditional-unlock-after-locked-gup', 'fixed', 20, 80, undefined, 2],
      ],
    );
    // Patch 2's fix is the one patch 3 makes: applied to the series, patch 2 alone is fixed and patch 3 no longer
    // applies on top of it (its context changed) — which is what a reviewer would see after taking the fix.
    const f = r.findings[0]!;
    const fixed = applyEdits(readFileSync(path, 'utf8'), f.documentFixes![0]!.edits);
    const patches = fixed.split(/^(?=From 0{40} )/m).filter((p) => p.includes('diff --git'));
    assert.equal(patches.length, 3);
    withTrees('series-remote-5.10', (plain) => {
      for (const p of patches.slice(0, 2)) {
        git(plain, ['apply', '--check', '-'], p);
        git(plain, ['apply', '-'], p);
      }
      assert.match(readFileSync(join(plain, 'drivers/misc/remote_peek.c'), 'utf8'), /&locked\);\n\tif \(locked\)\n\t\tmmap_read_unlock\(mm\);/);
      assert.throws(() => git(plain, ['apply', '--check', '-'], patches[2]!));
    });
  });
});
