// The shipped sample series: structure, exact positions, and that every patch applies on samples/tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hunkImage, parsePatchDocument } from '../../server/src/series/index';
import { rawLine, root, textAt } from './helpers';

const mboxPath = join(root, 'samples', 'series', 'gup-unlocked-v2.mbox');
const text = readFileSync(mboxPath, 'utf8');
const doc = parsePatchDocument(text, { uri: 'samples/series/gup-unlocked-v2.mbox' });

test('sample: series with cover letter, 3 patches, no issues', () => {
  assert.equal(doc.kind, 'mbox-series');
  assert.equal(doc.uri, 'samples/series/gup-unlocked-v2.mbox');
  assert.deepEqual(doc.issues, []);
  assert.equal(doc.patches.length, 3);
  assert.deepEqual(doc.series, { version: 2, total: 3, missing: [], duplicates: [], rfc: false, resend: false });
  assert.ok(doc.cover);
  assert.equal(doc.cover.subject?.cleaned, 'mm: let GUP callers and foo faults drop mmap_lock');
  assert.equal(doc.cover.subject?.prefix?.index, 0);
  assert.deepEqual(doc.cover.shortlog.map((s) => [s.author, s.subjects.map((x) => x.text)]), [
    ['Jane Developer', [
      'misc/foo_dma: use get_user_pages_unlocked()',
      'foo/mm: retry a page fault at most once',
      'misc/bar_remote: let get_user_pages_remote() drop mmap_lock',
    ]],
  ]);
  assert.deepEqual(doc.cover.diffstat?.summary && { ...doc.cover.diffstat.summary, position: undefined }, {
    filesChanged: 3, insertions: 11, deletions: 7, position: undefined,
  });
  assert.deepEqual(doc.cover.diffstat?.entries.map((e) => [e.path, e.changes]), [
    ['arch/foo/mm/fault.c', 5], ['drivers/misc/bar_remote.c', 6], ['drivers/misc/foo_dma.c', 7],
  ]);
  assert.equal(doc.cover.baseCommit?.sha, 'd209cf277490d2a39b9a8b7c1b013f33f8994cdc');
  assert.equal(doc.cover.baseCommit?.position.line, 30);
  assert.match(doc.cover.body, /^This series converts two GUP callers/);
});

test('sample: patch 2 subject, prefix, trailers with document lines', () => {
  const p = doc.patches[1];
  assert.equal(p.subject?.cleaned, 'foo/mm: retry a page fault at most once');
  assert.deepEqual(p.subject?.prefix, { raw: '[PATCH v2 2/3]', isPatch: true, version: 2, index: 2, total: 3, rfc: false, resend: false, tags: [] });
  assert.deepEqual(p.author, { name: 'Jane Developer', email: 'jane@example.org', raw: 'Jane Developer <jane@example.org>' });
  assert.equal(p.date, 'Tue, 5 Mar 2024 10:00:01 +0100');
  const at = (s: string): number => text.split('\n').indexOf(s, p.range.start.line);
  assert.deepEqual(
    p.trailers.map((t) => [t.key, t.position.line]),
    [
      ['Fixes', at('Fixes: 0123456789ab ("foo/mm: add page fault retry support")')],
      ['Reported-by', at('Reported-by: Sam Tester <sam@example.net>')],
      ['Closes', at('Closes: https://lore.example.org/r/20240301-foo-fault-loop@example.net/')],
      ['Reviewed-by', at('Reviewed-by: Alex Reviewer <alex@example.com>')],
      ['Signed-off-by', at('Signed-off-by: Jane Developer <jane@example.org>')],
    ],
  );
  assert.deepEqual(p.trailers[0].fixes, { sha: '0123456789ab', title: 'foo/mm: add page fault retry support' });
  assert.deepEqual(p.trailers[1].person, { name: 'Sam Tester', email: 'sam@example.net', raw: 'Sam Tester <sam@example.net>' });
  assert.equal(p.description.split('\n')[0], 'do_page_fault() keeps going back to the retry label for as long as');
  assert.ok(!p.description.includes('Signed-off-by'));
});

test('sample: patch 2 hunks, the added flag line position, images', () => {
  const f = doc.patches[1].files[0];
  assert.equal(f.oldPath, 'arch/foo/mm/fault.c');
  assert.equal(f.newPath, 'arch/foo/mm/fault.c');
  assert.equal(f.status, 'modified');
  assert.equal(f.hunks.length, 2);
  const [h1, h2] = f.hunks;
  assert.deepEqual([h1.oldStart, h1.oldCount, h1.newStart, h1.newCount], [31, 6, 31, 10]);
  assert.equal(h1.context, 'asmlinkage void do_page_fault(struct pt_regs *regs, unsigned long address,');
  assert.deepEqual([h2.oldStart, h2.oldCount, h2.newStart, h2.newCount, h2.context], [52, 6, 56, 7, 'retry:']);
  const added = h2.lines.find((l) => l.kind === 'add');
  assert.ok(added);
  assert.equal(added.text, '\t\tflags &= ~FAULT_FLAG_ALLOW_RETRY;');
  assert.equal(rawLine(text, added.position.line), '+\t\tflags &= ~FAULT_FLAG_ALLOW_RETRY;');
  assert.equal(added.position.column, 0);
  assert.equal(added.newLine, 59);
  const post = hunkImage(h2, 'post');
  const pre = hunkImage(h2, 'pre');
  assert.equal(pre.text, '\t\treturn;\n\n\tif (unlikely(fault & VM_FAULT_RETRY)) {\n\t\tflags |= FAULT_FLAG_TRIED;\n\t\tgoto retry;\n\t}\n');
  assert.equal(post.text, '\t\treturn;\n\n\tif (unlikely(fault & VM_FAULT_RETRY)) {\n\t\tflags &= ~FAULT_FLAG_ALLOW_RETRY;\n\t\tflags |= FAULT_FLAG_TRIED;\n\t\tgoto retry;\n\t}\n');
  assert.equal(post.startLine, 56);
  assert.equal(post.fileLine(3), 59);
  // 'FAULT_FLAG_ALLOW_RETRY' at column 11 of post line 3 → the raw document column 12 of the '+' line.
  const col = post.lines[3].indexOf('FAULT_FLAG_ALLOW_RETRY');
  const dp = post.toDocument(3, col);
  assert.deepEqual(dp, { line: added.position.line, column: col + 1 });
  assert.ok(dp && textAt(text, dp).startsWith('FAULT_FLAG_ALLOW_RETRY;'));
  assert.deepEqual(post.fromDocument(dp!), { line: 3, column: col });
  assert.equal(pre.fromDocument(dp!), null);
});

test('sample: folded subject of patch 3 and the patch 1 notes', () => {
  assert.equal(doc.patches[2].subject?.cleaned, 'misc/bar_remote: let get_user_pages_remote() drop mmap_lock');
  assert.equal(doc.patches[0].notes, 'v2: pages before gup_flags in the get_user_pages_unlocked() call.');
  assert.equal(doc.patches[0].diffstat?.entries[0].path, 'drivers/misc/foo_dma.c');
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Re-serialises one patch's diff from the parsed model (proves the model holds all lines). */
function diffOf(k: number): string {
  const p = doc.patches[k];
  const out: string[] = [];
  for (const f of p.files) {
    for (const h of f.headerLines) out.push(h.text);
    for (const h of f.hunks) {
      out.push(h.header);
      for (const l of h.lines) out.push((l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' ') + l.text);
    }
  }
  return out.join('\n') + '\n';
}

test('sample: every patch applies on a copy of samples/tree (git apply --check, then git am)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-series-'));
  try {
    cpSync(join(root, 'samples', 'tree'), dir, { recursive: true });
    git(dir, 'init', '-q');
    git(dir, '-c', 'user.name=T', '-c', 'user.email=t@example.org', 'add', '-A');
    git(dir, '-c', 'user.name=T', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', 'base');
    // 1. Each patch, rebuilt from the parsed model, applies in order.
    for (let k = 0; k < 3; k++) {
      const file = join(dir, `p${k}.diff`);
      writeFileSync(file, diffOf(k));
      git(dir, 'apply', '--check', file);
      git(dir, 'apply', file);
      rmSync(file);
    }
    const fault = readFileSync(join(dir, 'arch/foo/mm/fault.c'), 'utf8');
    assert.match(fault, /flags &= ~FAULT_FLAG_ALLOW_RETRY;\n\t\tflags \|= FAULT_FLAG_TRIED;/);
    // 2. The patch mails, cut out of the mbox at the parsed mail ranges, go through git am (the cover is skipped).
    git(dir, 'checkout', '-q', '--', '.');
    const all = text.split('\n');
    const mails = doc.patches.map((p, k) => {
      const file = join(dir, `m${k}.patch`);
      writeFileSync(file, all.slice(p.mail!.range.start.line, p.mail!.range.end.line).join('\n') + '\n');
      return file;
    });
    git(dir, '-c', 'user.name=T', '-c', 'user.email=t@example.org', 'am', '-q', ...mails);
    const log = git(dir, 'log', '--format=%s', '-3');
    assert.deepEqual(log.trim().split('\n'), [
      'misc/bar_remote: let get_user_pages_remote() drop mmap_lock',
      'foo/mm: retry a page fault at most once',
      'misc/foo_dma: use get_user_pages_unlocked()',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
