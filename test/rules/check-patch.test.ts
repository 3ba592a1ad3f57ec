// Patches and series through the rules: classification (introduced / fixed / pre-existing), document positions,
// series links, and fixes carried into the patch so that it still applies (git apply --check on the sample tree).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkPatchText } from '../../server/src/rules/check-patch';
import type { Rule } from '../../server/src/rules/types';
import { applyEdits } from './helpers';

const ROOT = join(__dirname, '..', '..');
const SERIES = join(ROOT, 'samples', 'series', 'gup-unlocked-v2.mbox');
const TREE = join(ROOT, 'samples', 'tree');

/** Test rule (not the catalogue's): fires on every `&= ~FAULT_FLAG_ALLOW_RETRY`; its fix deletes the statement. */
const clearRule: Rule = {
  id: 'test-clear',
  tier: 1,
  severity: 'warning',
  eras: {},
  erasText: 'all',
  title: 'test',
  check: (fn) =>
    fn.flagUpdates
      .filter((u) => u.op === 'clear')
      .map((u) => ({
        range: u.range,
        message: 'clears ALLOW_RETRY',
        related: [],
        fixes: [{ title: 'remove it', edits: [{ range: { start: { line: u.range.start.line, column: 0 }, end: { line: u.range.start.line + 1, column: 0 } }, newText: '' }] }],
      })),
};

/** Test rule: fires on every mmap lock release; its fix inserts a comment line above. */
const unlockRule: Rule = {
  ...clearRule,
  id: 'test-unlock',
  check: (fn, ctx) =>
    fn.lockOps
      .filter((o) => o.kind === 'release')
      .map((o) => {
        const indent = /^\s*/.exec(ctx.line(o.range.start.line) ?? '')![0];
        return {
          range: o.range,
          message: 'unlock',
          related: [],
          fixes: [{ title: 'comment', edits: [{ range: { start: { line: o.range.start.line, column: 0 }, end: { line: o.range.start.line, column: 0 } }, newText: `${indent}/* unlocked here */\n` }] }],
        };
      }),
};

function gitApplyCheck(tree: string, patch: string): void {
  execFileSync('git', ['apply', '--check', '-'], { cwd: tree, input: patch, stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('check-patch', () => {
  it('classifies findings of a series on whole functions, with document positions', () => {
    const r = checkPatchText(readFileSync(SERIES), SERIES, { tree: TREE, rules: [clearRule, unlockRule] });
    assert.deepEqual(r.internalErrors, []);
    const brief = r.findings.map((f) => [f.patchIndex, f.rule, f.status, f.file, f.range.start.line + 1, f.documentRange.start.line + 1, f.documentExact]);
    assert.deepEqual(brief, [
      // Patch 1: the unlock after get_user_pages is removed by the conversion → fixed (pre-image line 42, patch line 78).
      [1, 'test-unlock', 'fixed', 'drivers/misc/foo_dma.c', 42, 78, true],
      // Patch 2: the clear of ALLOW_RETRY is introduced on an added line; the two unlocks were there before.
      [2, 'test-unlock', 'pre-existing', 'arch/foo/mm/fault.c', 42, 115, false],
      [2, 'test-clear', 'introduced', 'arch/foo/mm/fault.c', 59, 126, true],
      [2, 'test-unlock', 'pre-existing', 'arch/foo/mm/fault.c', 64, 115, false],
      // Patch 3: the unconditional unlock is replaced by one under `if (locked)` (same statement text: pre-existing).
      [3, 'test-unlock', 'pre-existing', 'drivers/misc/bar_remote.c', 21, 169, true],
    ]);
  });

  it('a fix of an added line keeps the patch applicable (hunk headers recounted)', () => {
    const text = readFileSync(SERIES, 'utf8');
    const r = checkPatchText(text, SERIES, { tree: TREE, rules: [clearRule] });
    const f = r.findings.find((x) => x.rule === 'test-clear')!;
    assert.ok(f.documentFixes, 'the fix is carried into the patch');
    const fixed = applyEdits(text, f.documentFixes[0]!.edits);
    assert.ok(!fixed.includes('flags &= ~FAULT_FLAG_ALLOW_RETRY'));
    // The hunk only added that line: without it the hunk has no change left and is dropped (git rejects such hunks).
    assert.ok(!fixed.includes('@@ -52,6 +56,7 @@ retry:'));
    assert.ok(fixed.includes('@@ -31,6 +31,10 @@ asmlinkage void do_page_fault'));
    const tree = mkdtempSync(join(tmpdir(), 'mmlens-fix-'));
    try {
      cpSync(TREE, tree, { recursive: true });
      const patches = fixed.split(/^(?=From \S+ )/m).filter((p) => p.includes('diff --git'));
      assert.equal(patches.length, 3);
      for (const p of patches) {
        gitApplyCheck(tree, p);
        execFileSync('git', ['apply', '-'], { cwd: tree, input: p });
      }
      const src = readFileSync(join(tree, 'arch', 'foo', 'mm', 'fault.c'), 'utf8');
      assert.ok(src.includes('flags |= FAULT_FLAG_TRIED;') && !src.includes('&= ~FAULT_FLAG_ALLOW_RETRY'));
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it('a fix next to added lines is merged into the hunk (one + line, recounted) and still applies', () => {
    const text = readFileSync(SERIES, 'utf8');
    const r = checkPatchText(text, SERIES, { tree: TREE, rules: [unlockRule] });
    const f = r.findings.find((x) => x.patchIndex === 3)!;
    const fixed = applyEdits(text, f.documentFixes![0]!.edits);
    // One '+' line is inserted before the added unlock and the new count grows by one.
    assert.ok(fixed.includes('@@ -11,12 +11,15 @@ int bar_peek_remote'));
    assert.ok(fixed.includes('+\tif (locked)\n+\t\t/* unlocked here */\n+\t\tmmap_read_unlock(mm);'));
    const tree = mkdtempSync(join(tmpdir(), 'mmlens-fix-'));
    try {
      cpSync(TREE, tree, { recursive: true });
      const patches = fixed.split(/^(?=From \S+ )/m).filter((p) => p.includes('diff --git'));
      for (const p of patches) execFileSync('git', ['apply', '-'], { cwd: tree, input: p });
      assert.match(readFileSync(join(tree, 'drivers', 'misc', 'bar_remote.c'), 'utf8'), /\/\* unlocked here \*\/\n\t+mmap_read_unlock\(mm\);/);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it('without a tree, findings come from fragments and are still classified', () => {
    const r = checkPatchText(readFileSync(SERIES), SERIES, { rules: [clearRule] });
    const f = r.findings.filter((x) => x.rule === 'test-clear');
    assert.deepEqual(f.map((x) => [x.status, x.fragment, x.documentRange.start.line + 1]), [['introduced', true, 126]]);
  });

  it('a series: introduced by patch 1 and fixed by patch 2 are linked', () => {
    const base = `--- a/arch/x/mm/fault.c\n+++ b/arch/x/mm/fault.c\n`;
    const p1 = `From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nSubject: [PATCH 1/2] x: cap retries\n\n---\ndiff --git a/arch/x/mm/fault.c b/arch/x/mm/fault.c\n${base}@@ -1,7 +1,8 @@\n void f(void)\n {\n \tunsigned int flags = FAULT_FLAG_ALLOW_RETRY;\n \tint fault;\n retry:\n \tfault = handle_mm_fault(vma, addr, flags, regs);\n+\tflags &= ~FAULT_FLAG_ALLOW_RETRY;\n \tif (fault & VM_FAULT_RETRY) goto retry;\n-- \n2.40.0\n\n`;
    const p2 = `From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nSubject: [PATCH 2/2] x: uncap retries\n\n---\ndiff --git a/arch/x/mm/fault.c b/arch/x/mm/fault.c\n${base}@@ -5,4 +5,3 @@\n retry:\n \tfault = handle_mm_fault(vma, addr, flags, regs);\n-\tflags &= ~FAULT_FLAG_ALLOW_RETRY;\n \tif (fault & VM_FAULT_RETRY) goto retry;\n-- \n2.40.0\n\n`;
    const dir = mkdtempSync(join(tmpdir(), 'mmlens-series-'));
    try {
      const p = join(dir, 's.mbox');
      writeFileSync(p, p1 + p2);
      const r = checkPatchText(readFileSync(p), p, { era: '6.8', rules: [clearRule] });
      assert.deepEqual(r.findings.map((f) => [f.patchIndex, f.status, f.fixedBy, f.introducedBy]), [
        [1, 'introduced', 2, undefined],
        [2, 'fixed', undefined, 1],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('patch-edit', () => {
  it('an edit of a context line becomes -old/+new and the later hunk of the file is shifted', () => {
    const patch = [
      'diff --git a/mm/x.c b/mm/x.c',
      '--- a/mm/x.c',
      '+++ b/mm/x.c',
      '@@ -1,4 +1,5 @@ void f(void)',
      ' {',
      '+\tint a;',
      ' \tdown_read(&mm->mmap_sem);',
      ' \tg();',
      ' \tup_read(&mm->mmap_sem);',
      '@@ -20,3 +21,3 @@ void h(void)',
      ' {',
      '-\tx();',
      '+\ty();',
      '',
    ].join('\n');
    const edit: Rule = {
      ...clearRule,
      id: 'test-ctx',
      check: (fn) =>
        fn.lockOps
          .filter((o) => o.kind === 'acquire')
          .map((o) => ({ range: o.range, message: 'm', related: [], fixes: [{ title: 't', edits: [{ range: o.range, newText: 'mmap_read_lock(mm)' }, { range: { start: { line: o.range.start.line + 2, column: 0 }, end: { line: o.range.start.line + 3, column: 0 } }, newText: '\tmmap_read_unlock(mm);\n\th();\n' }] }] })),
    };
    const r = checkPatchText(patch, 'x.patch', { era: '6.8', rules: [edit] });
    const f = r.findings[0]!;
    assert.equal(f.documentRange.start.line, 6);
    const fixed = applyEdits(patch, f.documentFixes![0]!.edits);
    assert.equal(
      fixed,
      [
        'diff --git a/mm/x.c b/mm/x.c',
        '--- a/mm/x.c',
        '+++ b/mm/x.c',
        '@@ -1,4 +1,6 @@ void f(void)',
        ' {',
        '-\tdown_read(&mm->mmap_sem);',
        '+\tint a;',
        '+\tmmap_read_lock(mm);',
        ' \tg();',
        '-\tup_read(&mm->mmap_sem);',
        '+\tmmap_read_unlock(mm);',
        '+\th();',
        '@@ -20,3 +22,3 @@ void h(void)',
        ' {',
        '-\tx();',
        '+\ty();',
        '',
      ].join('\n'),
    );
  });
});
