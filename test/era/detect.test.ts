import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEWEST_ERA } from '../../common/era';
import { eraHints, findMakefileEra, parseMakefileVersion, resolveEra } from '../../server/src/era/detect';

const MAKEFILE = '# SPDX-License-Identifier: GPL-2.0\nVERSION = 5\nPATCHLEVEL = 4\nSUBLEVEL = 0\nEXTRAVERSION =\nNAME = Kleptomaniac Octopus\n';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'mmlens-era-'));
  writeFileSync(join(root, 'Makefile'), MAKEFILE);
  mkdirSync(join(root, 'arch', 'x86', 'mm'), { recursive: true });
  writeFileSync(join(root, 'arch', 'x86', 'Makefile'), 'obj-y += mm/\n');
  writeFileSync(join(root, 'arch', 'x86', 'mm', 'fault.c'), 'int x;\n');
  return root;
}

test('explicit setting wins (string or Era); an invalid setting is ignored', () => {
  const root = tree();
  const file = join(root, 'arch', 'x86', 'mm', 'fault.c');
  assert.deepEqual(resolveEra({ setting: 'v6.4', filePath: file }), { era: { major: 6, minor: 4 }, source: { kind: 'setting' } });
  assert.deepEqual(resolveEra({ setting: { major: 4, minor: 9 } }).era, { major: 4, minor: 9 });
  assert.equal(resolveEra({ setting: 'linux', filePath: file }).source.kind, 'makefile');
});

test('Makefile VERSION/PATCHLEVEL found upward from a file, skipping sub-Makefiles', () => {
  const root = tree();
  const file = join(root, 'arch', 'x86', 'mm', 'fault.c');
  const r = resolveEra({ filePath: file, text: 'mmap_read_lock(mm);' });
  assert.deepEqual(r.era, { major: 5, minor: 4 });
  assert.deepEqual(r.source, { kind: 'makefile', path: join(root, 'Makefile') });
  assert.deepEqual(findMakefileEra(join(root, 'arch')), { era: { major: 5, minor: 4 }, path: join(root, 'Makefile') });
  assert.deepEqual(resolveEra({ workspaceRoots: [root] }).era, { major: 5, minor: 4 });
  assert.equal(parseMakefileVersion('VERSION = 6\n'), undefined);
  assert.deepEqual(parseMakefileVersion('VERSION = 6\nPATCHLEVEL = 19\n'), { major: 6, minor: 19 });
});

test('Makefile search uses an injected reader and stops at the workspace root', () => {
  const files: Record<string, string> = { '/k/Makefile': MAKEFILE };
  const readFile = (p: string) => files[p];
  assert.equal(resolveEra({ filePath: '/k/mm/gup.c', readFile }).source.kind, 'makefile');
  assert.equal(findMakefileEra('/k/mm/gup.c', { readFile, stopAt: '/k/mm' }), undefined);
});

test('hints: lower bounds (mmap_lock API, FAULT_FLAG_DEFAULT, VM_FAULT_COMPLETED, per-VMA lock)', () => {
  const h = eraHints('mmap_read_lock(mm);\nflags = FAULT_FLAG_DEFAULT;\nif (fault & VM_FAULT_COMPLETED) return;\nvma = lock_vma_under_rcu(mm, a);\n');
  assert.deepEqual(h.lower, { major: 6, minor: 4 });
  assert.equal(h.upper, undefined);
  assert.deepEqual(h.hints.map((x) => x.name), ['mmap_read_lock/mmap_write_lock API', 'FAULT_FLAG_DEFAULT', 'VM_FAULT_COMPLETED', 'lock_vma_under_rcu']);
  const r = resolveEra({ text: 'if (fault_signal_pending(fault, regs))\n\treturn;\n' });
  assert.deepEqual(r.era, NEWEST_ERA);
  assert.deepEqual(r.source, { kind: 'patch-hints', hints: ['fault_signal_pending (≥5.7)'] });
});

test('hints: upper bounds (mmap_sem, GUP arities) pick the upper bound as the representative era', () => {
  const r = resolveEra({ text: 'down_read(&mm->mmap_sem);\nif (flags & FAULT_FLAG_DEFAULT) x();\n' });
  assert.deepEqual(r.era, { major: 5, minor: 7 });
  assert.deepEqual(r.source, { kind: 'patch-hints', hints: ['mmap_sem field (≤5.7)', 'FAULT_FLAG_DEFAULT (≥5.7)'] });
  const old = resolveEra({ text: 'ret = get_user_pages(current, current->mm, start, 1, 1, 0, pages, NULL);' });
  assert.deepEqual(old.era, { major: 4, minor: 5 });
  const mid = eraHints('ret = get_user_pages(start, 1, 1, 0, pages, NULL);');
  assert.deepEqual([mid.lower, mid.upper], [{ major: 4, minor: 6 }, { major: 4, minor: 8 }]);
  const flags = eraHints('ret = get_user_pages(start, 1, FOLL_WRITE, pages, NULL);');
  assert.deepEqual([flags.lower, flags.upper], [{ major: 4, minor: 9 }, { major: 6, minor: 4 }]);
  const noVmas = eraHints('ret = get_user_pages(start, 1, FOLL_WRITE, pages);');
  assert.deepEqual([noVmas.lower, noVmas.upper], [{ major: 6, minor: 5 }, undefined]);
  const remote = eraHints('get_user_pages_remote(mm, a, 1, 0, p, NULL, &locked);');
  assert.deepEqual([remote.lower, remote.upper], [{ major: 4, minor: 9 }, { major: 6, minor: 4 }]);
  const locked = eraHints('pin_user_pages_locked(a, 1, 0, p, &locked);');
  assert.deepEqual([locked.lower, locked.upper], [{ major: 5, minor: 8 }, { major: 5, minor: 17 }]);
});

test('hints in a diff use the post-image; contradicting upper bounds are discarded', () => {
  const patch = [
    'diff --git a/arch/x/mm/fault.c b/arch/x/mm/fault.c',
    '--- a/arch/x/mm/fault.c',
    '+++ b/arch/x/mm/fault.c',
    '@@ -10,3 +10,3 @@ static void do_fault(struct pt_regs *regs)',
    '-\tdown_read(&mm->mmap_sem);',
    '+\tmmap_read_lock(mm);',
    ' \tvma = find_vma(mm, addr);',
  ].join('\n');
  const r = resolveEra({ text: patch });
  assert.deepEqual(r.era, NEWEST_ERA);
  assert.deepEqual(r.source, { kind: 'patch-hints', hints: ['mmap_read_lock/mmap_write_lock API (≥5.8)'] });
  const both = eraHints('mmap_read_lock(mm);\nup_read(&mm->mmap_sem);\n');
  assert.deepEqual(both.lower, { major: 5, minor: 8 });
  assert.equal(both.upper, undefined);
  assert.deepEqual(both.discarded.map((d) => d.name), ['mmap_sem field']);
});

test('default: newest era when nothing is known', () => {
  assert.deepEqual(resolveEra({}), { era: NEWEST_ERA, source: { kind: 'default' } });
  assert.deepEqual(resolveEra({ text: 'int main(void) { return 0; }' }), { era: NEWEST_ERA, source: { kind: 'default' } });
});
