// Issue #11, items 4–6: the directory walk (symbolic links, loops, each real file once), the documented
// `file:line:col: code: message` form of every exit-1 message, and exit 2 for a --tree that is not a directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFactsCommand } from '../../cli/commands/facts';
import { main } from '../../cli/mmlens';
import { collectInputs } from '../../cli/walk';
import { capture } from './helpers';

const GUP = 'int f(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\tmmap_read_unlock(mm);\n\treturn 0;\n}\n';

/** tree/{mm/a.c, mm/b.h, build/source -> .., loop1 -> ., loop2 -> ., hard.c (hard link of mm/a.c), alias.c -> mm/a.c} */
function linkedTree(): string {
  const d = mkdtempSync(join(tmpdir(), 'mmlens-links-'));
  mkdirSync(join(d, 'mm'));
  mkdirSync(join(d, 'build'));
  writeFileSync(join(d, 'mm', 'a.c'), GUP);
  writeFileSync(join(d, 'mm', 'b.h'), 'int b;\n');
  symlinkSync('..', join(d, 'build', 'source'));
  symlinkSync('.', join(d, 'loop1'));
  symlinkSync('.', join(d, 'loop2'));
  linkSync(join(d, 'mm', 'a.c'), join(d, 'hard.c'));
  symlinkSync(join(d, 'mm', 'a.c'), join(d, 'alias.c'));
  symlinkSync(join(d, 'nowhere'), join(d, 'dangling.c'));
  return d;
}

test('walk: directory links are not followed by default; each real file once (hard and symbolic file links)', () => {
  const d = linkedTree();
  const r = collectInputs([d], { maxBytes: 1e6 });
  assert.deepEqual(r.files.map((f) => f.path.slice(d.length + 1)).sort(), ['alias.c', 'mm/b.h']);
  assert.deepEqual(r.skipped, []);
});

test('walk --follow: links descended, loops skipped and reported, still each real file once', () => {
  const d = linkedTree();
  const r = collectInputs([d], { maxBytes: 1e6, followLinks: true });
  assert.equal(r.files.length, 2);
  assert.deepEqual(r.skipped.map((s) => [s.path.slice(d.length + 1), s.reason]), [
    ['build/source', 'directory already walked (symbolic link loop or second name)'],
    ['loop1', 'directory already walked (symbolic link loop or second name)'],
    ['loop2', 'directory already walked (symbolic link loop or second name)'],
  ]);
});

test('mmlens facts on a tree with `build/source -> ..`: totals count each file once; -L reports the loops', async () => {
  const d = linkedTree();
  const io = capture();
  assert.equal(await runFactsCommand([d, '--no-progress'], io), 0);
  assert.match(io.out, /^2 file\(s\), 0\.0 MB in [\d.]+ s: 0 GUP call\(s\), 2 lock operation\(s\)/m);
  assert.equal(io.err, '');
  const io2 = capture();
  assert.equal(await runFactsCommand([d, '-L', '--no-progress'], io2), 0);
  assert.match(io2.out, /^2 file\(s\).*2 lock operation\(s\)/m);
  assert.equal(io2.err.split('\n').filter((l) => l.includes(': skipped (directory already walked')).length, 3);
});

test('exit-1 messages have the documented file:line:col: code: message form', async () => {
  const d = mkdtempSync(join(tmpdir(), 'mmlens-forms-'));
  const bin = join(d, 'blob.c');
  writeFileSync(bin, Buffer.concat([Buffer.from('int a;\nint b\0c;\n')]));
  const io = capture();
  assert.equal(await runFactsCommand([bin], io), 1);
  assert.equal(io.err, `mmlens: ${bin}:2:6: binary-file: binary file (NUL byte), not C source\n`);
  const none = join(d, 'notes.patch');
  writeFileSync(none, 'just some words, no diff here\n');
  const io2 = capture();
  assert.equal(await runFactsCommand([none], io2), 1);
  assert.equal(io2.err, `mmlens: ${none}:1:1: no-patch: no patch found in this file\n`);
  // Every exit-1 line of stderr has the form.
  for (const line of (io.err + io2.err).trimEnd().split('\n')) assert.match(line, /^mmlens: [^:]+:\d+:\d+: [a-z-]+: \S/);
});

test('--tree naming a missing path or a file: exit 2 with a message, nothing analysed', async () => {
  const d = mkdtempSync(join(tmpdir(), 'mmlens-tree-'));
  const patch = join(d, 'x.patch');
  writeFileSync(patch, 'diff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,1 +1,1 @@\n-int a;\n+int b;\n');
  for (const [tree, msg] of [
    [join(d, 'missing'), `mmlens: --tree ${join(d, 'missing')}: no such directory\n`],
    [patch, `mmlens: --tree ${patch}: not a directory (name the root of a kernel tree)\n`],
  ] as const) {
    const io = capture();
    assert.equal(await main(['facts', patch, '--tree', tree], io), 2);
    assert.equal(io.err, msg);
    assert.equal(io.out, '');
  }
  const io = capture();
  assert.equal(await main(['facts', patch, '--tree', d, '--no-progress'], io), 0);
});
