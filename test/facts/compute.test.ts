import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { factsForCFile, factsForPatchDocument, factsForPatchInput, forgetFragmentFacts } from '../../server/src/facts/compute';
import { parsePatchDocument } from '../../server/src/series';
import { formatFacts } from '../../server/src/facts/format';

const ROOT = join(__dirname, '..', '..');
const FIX = join(__dirname, '..', 'fixtures', 'facts');
const SAMPLE = join(ROOT, 'samples', 'series', 'gup-unlocked-v2.mbox');

test('patch with a tree: whole-file facts before and after, era from the tree Makefile', () => {
  const f = factsForPatchInput(readFileSync(join(FIX, 'qux-unlocked.patch')), 'qux-unlocked.patch', { tree: join(FIX, 'tree') });
  assert.equal(f.era.era, '5.6');
  assert.equal(f.era.sourceKind, 'makefile');
  const file = f.patches[0].files[0];
  assert.equal(file.pre?.mode, 'whole-file');
  const pre = file.pre!.units[0].facts.functions;
  assert.deepEqual(pre.map((fn) => fn.name), ['qux_pin'], 'only the touched function is kept');
  assert.deepEqual(pre[0].lockOps.map((l) => [l.callee, l.kind, l.spelling, l.range.start.line]), [
    ['down_read', 'acquire', 'mmap_sem', 9],
    ['up_read', 'release', 'mmap_sem', 11],
  ]);
  assert.equal(pre[0].gupCalls[0].callee, 'get_user_pages');
  assert.deepEqual(pre[0].gupCalls[0].args.map((a) => a.role), ['start', 'nr_pages', 'gup_flags', 'pages', 'vmas']);
  const post = file.post!.units[0].facts.functions[0];
  assert.equal(post.gupCalls[0].callee, 'get_user_pages_unlocked');
  assert.deepEqual(post.gupCalls[0].args.map((a) => a.role), ['start', 'nr_pages', 'pages', 'gup_flags']);
  assert.equal(post.lockOps.length, 0);
  // The + line (file line 9, 0-based 8) maps to document line 27 (0-based 26).
  assert.deepEqual(file.post!.lines.find(([fl]) => fl === 8), [8, 26, 'added']);
});

test('patch without a tree: hunk fragments, era from hints in the post-image (4-argument _unlocked: ≥4.9)', () => {
  const f = factsForPatchInput(readFileSync(join(FIX, 'qux-unlocked.patch')), '/nonexistent/qux-unlocked.patch');
  assert.equal(f.era.sourceKind, 'patch-hints');
  assert.equal(f.era.source, 'hints in the code: get_user_pages_unlocked/4 args (≥4.9)');
  assert.equal(f.era.era, '6.19');
  const file = f.patches[0].files[0];
  assert.equal(file.pre?.mode, 'fragments');
  assert.equal(file.pre?.note, 'no kernel tree to read the file from');
  const fn = file.pre!.units[0].facts.functions[0];
  assert.equal(fn.name, 'qux_pin');
  assert.equal(fn.gupCalls[0].range.start.line, 9, 'fragment facts are in file coordinates (hunk starts at line 3)');
});

test('series: patch k sees the tree as patches 1..k-1 left it', () => {
  const f = factsForPatchInput(readFileSync(SAMPLE), SAMPLE, { tree: join(ROOT, 'samples', 'tree') });
  assert.equal(f.patches.length, 3);
  assert.deepEqual(f.patches.map((p) => [p.k, p.n, p.version]), [[1, 3, 2], [2, 3, 2], [3, 3, 2]]);
  for (const p of f.patches) for (const file of p.files) if (file.isC) assert.equal(file.post?.mode, 'whole-file', `${p.subject}: ${file.newPath}`);
  const loop = f.patches[1].files[0].post!.units[0].facts.functions[0].retryLoops[0];
  assert.equal(loop.kind, 'label');
  const onRetry = loop.flagUpdates.filter((u) => u.onRetryPath).map((u) => `${u.op} ${u.flags.join('|')}`);
  assert.deepEqual(onRetry, ['clear FAULT_FLAG_ALLOW_RETRY', 'set FAULT_FLAG_TRIED']);
  const before = f.patches[1].files[0].pre!.units[0].facts.functions[0].retryLoops[0];
  assert.deepEqual(before.flagUpdates.filter((u) => u.onRetryPath).map((u) => u.op), ['set']);
});

test('C file: era from the Makefile above it; text output names the lines', () => {
  const path = join(FIX, 'tree', 'mm', 'qux.c');
  const f = factsForCFile(readFileSync(path, 'utf8'), path);
  assert.equal(f.era.era, '5.6');
  const out = formatFacts(f);
  assert.match(out, /qux_pin\(\) {2}L5-14/);
  assert.match(out, /L10 {2}lock {2}down_read\(mm\) acquire read, mmap_sem/);
  assert.match(out, /L11 {2}gup {3}get_user_pages\(start=uaddr, nr_pages=nr, gup_flags=FOLL_WRITE, pages=pages, vmas=NULL\)/);
});

test('C file: --era overrides the Makefile and changes the signature used for roles', () => {
  const path = join(FIX, 'tree', 'mm', 'qux.c');
  const f = factsForCFile(readFileSync(path, 'utf8'), path, { era: '6.5' });
  assert.equal(f.era.sourceKind, 'setting');
  const g = f.facts.functions[0].gupCalls[0];
  assert.equal(g.arityMismatch?.actual, 5);
  assert.equal(g.arityMismatch?.expected, 4);
});

test('C file without any mm identifier is not parsed (a kernel tree is mostly such files)', () => {
  const f = factsForCFile('static int add(int a, int b)\n{\n\treturn a + b;\n}\n', '/nonexistent/add.c');
  assert.equal(f.parsed, false);
  assert.equal(f.facts.functions.length, 0);
  const g = factsForCFile('static void f(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\tmmap_read_unlock(mm);\n}\n', '/nonexistent/f.c');
  assert.equal(g.parsed, true);
  assert.equal(g.facts.functions[0].lockOps.length, 2);
});

test('series: after a patch that does not apply, later patches to that file fall back to fragments with the reason', () => {
  const hunk = (from: string, to: string): string =>
    `diff --git a/mm/qux.c b/mm/qux.c\n--- a/mm/qux.c\n+++ b/mm/qux.c\n@@ -10,3 +10,3 @@ static int qux_pin(unsigned long uaddr, int nr, struct page **pages)\n \tdown_read(&mm->mmap_sem);\n-\t${from}\n+\t${to}\n \tup_read(&mm->mmap_sem);\n`;
  const mail = (k: number, body: string): string =>
    `From 000000000000000000000000000000000000000${k} Mon Sep 17 00:00:00 2001\nFrom: Test Author <test@example.org>\nDate: Mon, 2 Mar 2020 10:00:00 +0000\nSubject: [PATCH ${k}/2] mm/qux: step ${k}\n\nStep ${k}.\n\nSigned-off-by: Test Author <test@example.org>\n---\n${body}-- \n2.43.0\n\n`;
  // Patch 1 expects FOLL_FORCE where the tree has FOLL_WRITE: it does not apply. Patch 2 applies on top of patch 1's
  // post-image, which the tree never had; it must not be applied to the stale original text.
  const series =
    mail(1, hunk('ret = get_user_pages(uaddr, nr, FOLL_FORCE, pages, NULL);', 'ret = get_user_pages(uaddr, nr, FOLL_WRITE, pages, NULL);')) +
    mail(2, hunk('ret = get_user_pages(uaddr, nr, FOLL_WRITE, pages, NULL);', 'ret = get_user_pages(uaddr, nr, FOLL_WRITE | FOLL_FORCE, pages, NULL);'));
  const f = factsForPatchInput(series, '/nonexistent/s.mbox', { tree: join(FIX, 'tree') });
  const [p1, p2] = f.patches.map((p) => p.files[0].post!);
  assert.equal(p1.mode, 'fragments');
  assert.match(p1.note ?? '', /^does not apply to the tree: hunk #1/);
  assert.equal(p2.mode, 'fragments');
  assert.match(p2.note ?? '', /^an earlier patch of the series did not apply to it \(does not apply to the tree: hunk #1/);
});

test('tree paths: ../ in a patch path never reads outside the tree, not even a sibling with the same prefix', () => {
  const read: string[] = [];
  const patch = 'diff --git a/../tree2/x.c b/../tree2/x.c\n--- a/../tree2/x.c\n+++ b/../tree2/x.c\n@@ -1,1 +1,1 @@\n-int a;\n+int b;\n';
  factsForPatchInput(patch, '/nonexistent/p.patch', {
    tree: '/srv/tree',
    readTreeFile: (p) => {
      read.push(p);
      return 'int a;\n';
    },
  });
  assert.deepEqual(read, []);
});

test('functions rebuilt from hunks are kept per side: an edit in one patch of a series re-reads that patch only', () => {
  const text = readFileSync(join(__dirname, '..', '..', 'samples', 'series', 'gup-unlocked-v2.mbox'), 'utf8');
  const facts = (t: string) => factsForPatchDocument(parsePatchDocument(t), t, '/nonexistent/series.mbox', {});
  const units = (f: ReturnType<typeof facts>) => f.patches.map((p) => p.files.map((x) => x.post?.units));
  forgetFragmentFacts();
  const first = facts(text);
  assert.ok(first.patches.length >= 2);
  // An edit in the last patch's added lines.
  const at = text.lastIndexOf('\n+\t');
  const edited = text.slice(0, at + 3) + '/* x */ ' + text.slice(at + 3);
  const second = facts(edited);
  const [u1, u2] = [units(first), units(second)];
  for (let p = 0; p < u1.length - 1; p++) assert.equal(u2[p]![0], u1[p]![0], `patch ${p + 1}: same kept units`);
  assert.notEqual(u2[u2.length - 1]![0], u1[u1.length - 1]![0]);
  // Kept or fresh, the same facts.
  forgetFragmentFacts();
  assert.equal(JSON.stringify(facts(edited)), JSON.stringify(second));
});
