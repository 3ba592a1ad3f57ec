// Structure of single patches, plain/git diffs, series, prefixes, file headers and validation issues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hunkImage, parsePatchDocument, parseSubject } from '../../server/src/series/index';
import { codes, fixture, issue, rawLine } from './helpers';

test('format-patch: subject, author, trailers, diffstat, hunk with context and line positions', () => {
  const text = fixture('format-patch.patch');
  const doc = parsePatchDocument(text);
  assert.equal(doc.kind, 'format-patch');
  assert.deepEqual(doc.issues, []);
  assert.equal(doc.series, undefined);
  const [p] = doc.patches;
  assert.equal(p.subject?.cleaned, 'mm/gup: document the locked argument');
  assert.deepEqual(p.subject?.position, { line: 3, column: 0 });
  assert.equal(p.description, 'Spell out what happens to *locked when the lock is dropped.');
  assert.deepEqual(p.trailers.map((t) => [t.key, t.value, t.position]), [
    ['Signed-off-by', 'Jane Developer <jane@example.org>', { line: 7, column: 0 }],
  ]);
  assert.deepEqual(p.diffstat?.entries.map((e) => [e.path, e.changes, e.graph, e.position]), [['mm/gup.c', 4, '+++-', { line: 9, column: 1 }]]);
  assert.deepEqual(p.diffstat?.summary, { filesChanged: 1, insertions: 3, deletions: 1, position: { line: 10, column: 1 } });
  const [f] = p.files;
  assert.deepEqual([f.oldPath, f.newPath, f.status, f.index], ['mm/gup.c', 'mm/gup.c', 'modified', { oldSha: '1a2b3c4', newSha: '5d6e7f8', mode: '100644' }]);
  assert.deepEqual(f.position, { line: 12, column: 0 });
  const [h] = f.hunks;
  assert.deepEqual([h.oldStart, h.oldCount, h.newStart, h.newCount], [120, 7, 120, 9]);
  assert.equal(h.context, 'static long fake_gup_helper(struct mm_struct *mm,');
  assert.deepEqual(h.position, { line: 16, column: 0 });
  const adds = h.lines.filter((l) => l.kind === 'add');
  assert.deepEqual(adds.map((l) => [l.position.line, l.newLine]), [[21, 123], [22, 124], [23, 125]]);
  for (const l of h.lines) assert.equal(rawLine(text, l.position.line).slice(1), l.text);
  const del = h.lines.find((l) => l.kind === 'del');
  assert.deepEqual([del?.position.line, del?.oldLine, del?.text], [20, 123, '\t * Caller holds the lock.']);
  assert.equal(hunkImage(h, 'pre').lines.length, 7);
  assert.equal(hunkImage(h, 'post').lines.length, 9);
  assert.equal(hunkImage(h, 'pre').text, '\tlong ret;\n\n\t/*\n\t * Caller holds the lock.\n\t */\n\tret = fake_fault_in(mm, start, locked);\n\tif (ret < 0)\n');
});

test('CRLF twin parses to an identical structure with identical positions', () => {
  const lf = parsePatchDocument(fixture('format-patch.patch'));
  const crlf = parsePatchDocument(fixture('format-patch-crlf.patch'));
  assert.ok(fixture('format-patch-crlf.patch').includes('\r\n'));
  assert.deepEqual(crlf, lf);
});

test('plain diff with timestamps: -p1 paths, two hunks, zero-context end', () => {
  const doc = parsePatchDocument(fixture('plain.diff'));
  assert.equal(doc.kind, 'plain-diff');
  assert.deepEqual(doc.issues, []);
  const [f] = doc.patches[0].files;
  assert.deepEqual([f.oldPath, f.newPath], ['mm/memory.c', 'mm/memory.c']);
  assert.deepEqual(f.hunks.map((h) => [h.oldStart, h.oldCount, h.newStart, h.newCount, h.context]), [
    [40, 6, 40, 7, 'vm_fault_t fake_handle_fault(struct vm_fault *vmf)'],
    [80, 4, 81, 3, 'static void fake_unused(void)'],
  ]);
  assert.deepEqual(f.hunks[0].lines.find((l) => l.kind === 'add'), { kind: 'add', text: '\tmight_sleep();', position: { line: 6, column: 0 }, newLine: 43 });
});

test('git diff: renames with similarity, new/deleted files, mode change, both binary forms, no-newline markers', () => {
  const doc = parsePatchDocument(fixture('git-files.diff'));
  assert.equal(doc.kind, 'git-diff');
  const files = doc.patches[0].files;
  assert.deepEqual(
    files.map((f) => [f.status, f.oldPath, f.newPath, f.similarity ?? null, f.binaryKind ?? null, f.hunks.length]),
    [
      ['renamed', 'drivers/foo/old_name.c', 'drivers/foo/new_name.c', 92, null, 1],
      ['renamed', 'drivers/foo/pure_rename.h', 'drivers/foo/moved/pure_rename.h', 100, null, 0],
      ['added', null, 'drivers/foo/added.c', null, null, 1],
      ['deleted', 'drivers/foo/gone.c', null, null, null, 1],
      ['modified', 'scripts/fake.sh', 'scripts/fake.sh', null, null, 0],
      ['modified', 'firmware/blob.bin', 'firmware/blob.bin', null, 'differ', 0],
      ['added', null, 'firmware/logo.bin', null, 'git-binary-patch', 0],
      ['modified', 'mm/last.c', 'mm/last.c', null, null, 1],
    ],
  );
  assert.equal(files[2].newFileMode, '100644');
  assert.equal(files[3].deletedFileMode, '100644');
  assert.deepEqual([files[4].oldMode, files[4].newMode], ['100644', '100755']);
  assert.ok(files[5].binary && files[6].binary && !files[7].binary);
  assert.deepEqual(
    doc.issues.map((i) => [i.severity, i.code, i.position.line]),
    [['warning', 'binary-diff', 36], ['warning', 'binary-diff', 40], ['warning', 'no-newline-at-eof', 54], ['warning', 'no-newline-at-eof', 56]],
  );
  const added = files[2].hunks[0];
  assert.deepEqual([added.oldStart, added.oldCount, added.newStart, added.newCount], [0, 0, 1, 2]);
  assert.equal(hunkImage(added, 'pre').text, '');
  assert.equal(hunkImage(added, 'post').startLine, 1);
  const last = files[7].hunks[0];
  assert.deepEqual(last.lines.map((l) => [l.kind, l.noNewlineAtEnd ?? false]), [['context', false], ['del', true], ['add', true]]);
  assert.equal(hunkImage(last, 'pre').text, '\tint x = 1;\n\tint y = 2;');
  assert.equal(hunkImage(last, 'post').text, '\tint x = 1;\n\tint y = 3;');
});

test('mbox without cover letter is ordered by k', () => {
  const doc = parsePatchDocument(fixture('series-no-cover.mbox'));
  assert.equal(doc.kind, 'mbox-series');
  assert.equal(doc.cover, undefined);
  assert.deepEqual(doc.issues, []);
  assert.deepEqual(doc.patches.map((p) => [p.subject?.prefix?.index, p.subject?.cleaned, p.range.start.line]), [
    [1, 'mm/fake: first change', 24],
    [2, 'mm/fake: second change', 0],
  ]);
  assert.deepEqual(doc.series, { version: 1, total: 2, missing: [], duplicates: [], rfc: false, resend: false });
});

test('RFC v3 series: cover, reply ignored, duplicate and missing patches reported', () => {
  const doc = parsePatchDocument(fixture('rfc-missing-duplicate.mbox'));
  assert.equal(doc.cover?.subject?.cleaned, 'mm: an RFC series');
  assert.equal(doc.cover?.body, 'Cover text.');
  assert.deepEqual(doc.series, { version: 3, total: 4, missing: [3, 4], duplicates: [2], rfc: true, resend: false });
  assert.deepEqual(doc.patches.map((p) => p.subject?.cleaned), ['mm: one', 'mm: two', 'mm: two again']);
  assert.equal(doc.otherMails.length, 1);
  assert.equal(doc.otherMails[0].subject?.isReply, true);
  assert.deepEqual(codes(doc), ['non-patch-mail', 'series-duplicate-patch', 'series-missing-patch', 'series-missing-patch']);
  const dup = issue(doc, 'series-duplicate-patch');
  assert.equal(dup?.patchIndex, 2);
  assert.equal(dup?.position.line, 51);
});

test('subject prefixes: RESEND, v3 k/n, tags, RFC, reply, none', () => {
  const pos = { line: 0, column: 0 };
  assert.deepEqual(parseSubject('[PATCH v3 2/5] mm/gup: fix', pos).prefix, { raw: '[PATCH v3 2/5]', isPatch: true, version: 3, index: 2, total: 5, rfc: false, resend: false, tags: [] });
  assert.deepEqual(parseSubject('[RFC PATCH] x', pos).prefix, { raw: '[RFC PATCH]', isPatch: true, version: 1, rfc: true, resend: false, tags: [] });
  const re = parseSubject('Re: [PATCH RESEND v2 1/3] mm: y', pos);
  assert.deepEqual([re.isReply, re.cleaned, re.prefix?.resend, re.prefix?.version, re.prefix?.index], [true, 'mm: y', true, 2, 1]);
  const multi = parseSubject('[RFC][PATCH 1/2] a: b', pos);
  assert.deepEqual([multi.prefix?.raw, multi.prefix?.rfc, multi.prefix?.index, multi.cleaned], ['[RFC][PATCH 1/2]', true, 1, 'a: b']);
  assert.deepEqual(parseSubject('mm: no prefix', pos), { raw: 'mm: no prefix', cleaned: 'mm: no prefix', isReply: false, prefix: null, position: pos });
  const resend = parsePatchDocument(fixture('resend.patch')).patches[0].subject;
  assert.deepEqual([resend?.cleaned, resend?.prefix?.resend, resend?.prefix?.index], ['mm: resent', true, undefined]);
  const v3 = parsePatchDocument(fixture('v3.patch')).patches[0].subject?.prefix;
  assert.deepEqual([v3?.version, v3?.index, v3?.total], [3, 2, 5]);
  const nn = parsePatchDocument(fixture('netnext.patch')).patches[0].subject?.prefix;
  assert.deepEqual([nn?.tags, nn?.version, nn?.index, nn?.total], [['net-next'], 2, 1, 1]);
});

test('truncated hunk: error at the hunk header, next git file header still recognised', () => {
  const doc = parsePatchDocument(fixture('truncated-hunk.diff'));
  assert.deepEqual(doc.issues.map((i) => [i.severity, i.code, i.position]), [['error', 'truncated-hunk', { line: 4, column: 0 }]]);
  const files = doc.patches[0].files;
  assert.deepEqual(files.map((f) => f.newPath), ['mm/t1.c', 'mm/t2.c']);
  assert.equal(files[0].hunks[0].complete, false);
  assert.deepEqual([files[0].hunks[0].actualOldCount, files[0].hunks[0].actualNewCount], [2, 2]);
  assert.equal(files[1].hunks[0].complete, true);
  assert.deepEqual(files[1].position, { line: 8, column: 0 });
});

test('truncated hunk in a plain diff does not swallow the next ---/+++ header', () => {
  const doc = parsePatchDocument(fixture('truncated-plain.diff'));
  assert.deepEqual(doc.issues.map((i) => [i.code, i.position.line]), [['truncated-hunk', 2]]);
  const files = doc.patches[0].files;
  assert.deepEqual(files.map((f) => [f.newPath, f.hunks[0].lines.length]), [['mm/p1.c', 3], ['mm/p2.c', 2]]);
});

test('hunk count mismatch: error at the first extra line; extra lines kept; next file intact', () => {
  const doc = parsePatchDocument(fixture('count-mismatch.diff'));
  assert.deepEqual(doc.issues.map((i) => [i.severity, i.code, i.position]), [['error', 'hunk-count-mismatch', { line: 8, column: 0 }]]);
  const [a, b] = doc.patches[0].files;
  assert.deepEqual([a.hunks[0].actualOldCount, a.hunks[0].actualNewCount, a.hunks[0].lines.length], [3, 4, 5]);
  assert.equal(b.newPath, 'mm/d.c');
});

test('empty input, random text and a lone hunk give issues, not exceptions', () => {
  assert.deepEqual(codes(parsePatchDocument('')), ['empty-document']);
  assert.deepEqual(codes(parsePatchDocument('hello\nworld\n')), ['no-diff']);
  const lone = parsePatchDocument('@@ -1 +1 @@\n-a\n+b\n');
  assert.deepEqual(codes(lone), ['hunk-without-file', 'no-diff']);
  assert.equal(lone.patches.length, 0);
  assert.deepEqual(codes(parsePatchDocument('--- a/x\n+++ b/x\n@@ -1 +1 @@ junk\n-a\n+b\n@@ bad @@\n+c\n')), ['malformed-hunk-header']);
});

test('a removed line "- " ("-- " in the mail) that is the last line its hunk expects is that line, not the signature', () => {
  const head = ['From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001', 'From: J <j@example.org>', 'Subject: [PATCH] mm: x', '', 'Body.', '---'];
  const fileA = ['diff --git a/mm/a.c b/mm/a.c', '--- a/mm/a.c', '+++ b/mm/a.c', '@@ -1,2 +1 @@', ' a', '-- '];
  const fileB = ['diff --git a/mm/b.c b/mm/b.c', '--- a/mm/b.c', '+++ b/mm/b.c', '@@ -1 +1 @@', '-b', '+c'];
  // Followed by the next file, by the next hunk of the same file, and (the last hunk) by the signature.
  for (const body of [[...fileA, ...fileB, '-- ', '2.43.0', ''], [...fileA, '@@ -9 +8 @@', '-d', '+e', '-- ', '2.43.0', ''], [...fileA, '-- ', '2.43.0', '']]) {
    const doc = parsePatchDocument([...head, ...body].join('\n'));
    assert.deepEqual(doc.issues, []);
    const first = doc.patches[0].files[0];
    assert.deepEqual(first.hunks[0].lines.map((l) => [l.kind, l.text]), [['context', 'a'], ['del', '- ']]);
    assert.equal(first.hunks[0].complete, true);
  }
  // A hunk that still expects more than that line before the signature is truncated there, as before.
  const cut = parsePatchDocument([...head, ...fileA.slice(0, 3), '@@ -1,3 +1 @@', ' a', '-- ', '2.43.0', ''].join('\n'));
  assert.deepEqual(cut.issues.map((i) => [i.code, i.position.line]), [['truncated-hunk', 9]]);
  assert.deepEqual(cut.patches[0].files[0].hunks[0].lines.map((l) => l.kind), ['context']);
});

test('a "diff --git" line that names no file: an error at its line and no file with empty paths, unless ---/+++ name it', () => {
  const mail = [
    'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001',
    'From: J <j@example.org>',
    'Subject: [PATCH] mm: x',
    '',
    'Body.',
    '---',
    'diff --git a/mm/x.c b/mm/x.c',
    '--- a/mm/x.c',
    '+++ b/mm/x.c',
    '@@ -1 +1 @@',
    '-a',
    '+b',
    'diff --git ',
  ];
  const message = '"diff --git" line without file names, and no ---/+++ or rename lines name the file; skipped';
  for (const text of [mail.join('\n'), mail.join('\n') + '\n', mail.join('\r\n') + '\r\n']) {
    const doc = parsePatchDocument(text);
    assert.deepEqual(doc.issues.map((i) => [i.severity, i.code, i.message, i.position]), [['error', 'diff-header-without-paths', message, { line: 12, column: 0 }]]);
    assert.deepEqual(doc.patches[0].files.map((f) => [f.oldPath, f.newPath, f.hunks.length]), [['mm/x.c', 'mm/x.c', 1]]);
  }
  // A plain document that is only the bare line, or whose bare header has hunks and nothing naming the file.
  assert.deepEqual(codes(parsePatchDocument('diff --git ')), ['diff-header-without-paths', 'no-diff']);
  const hunkOnly = parsePatchDocument('diff --git a/ b/\n@@ -1 +1 @@\n-a\n+b\n');
  assert.deepEqual(hunkOnly.issues.map((i) => [i.code, i.message, i.position.line]), [
    ['diff-header-without-paths', `${message} with its 1 hunk(s)`, 0],
    ['no-diff', 'no diff found in the document', 0],
  ]);
  assert.equal(hunkOnly.patches.length, 0);
  // ---/+++ (or rename lines) after it name the file, as git apply takes them: no issue.
  const named = parsePatchDocument('diff --git \n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1 +1 @@\n-a\n+b\n');
  assert.deepEqual(named.issues, []);
  assert.deepEqual(named.patches[0].files.map((f) => [f.oldPath, f.newPath, f.status, f.headerLines.length]), [['mm/x.c', 'mm/x.c', 'modified', 3]]);
  const renamed = parsePatchDocument('diff --git \nsimilarity index 100%\nrename from mm/a.c\nrename to mm/b.c\n');
  assert.deepEqual(renamed.issues, []);
  assert.deepEqual(renamed.patches[0].files.map((f) => [f.oldPath, f.newPath, f.status]), [['mm/a.c', 'mm/b.c', 'renamed']]);
});
