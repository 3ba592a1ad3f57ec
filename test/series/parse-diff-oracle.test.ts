// parse-diff as an independent oracle for our diff layer (server/src/series/): both parse every patch fixture
// (test/fixtures/**, samples/**) and every generated patch of the property tests, and must agree on the files (old and
// new path, so additions, deletions and renames), the hunk headers (start and count of each side) and the numbers of
// added and removed lines of each hunk — wherever parse-diff is known to be right.
//
// parse-diff is not used by the product: it has no positions, and it is wrong on the inputs listed in KNOWN below.
// Each entry there is verified by a minimal example further down, so that a parse-diff that changes its behaviour makes
// this test fail instead of silently widening or narrowing what is compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import parseDiff from 'parse-diff';
import { parsePatchDocument, type FileDiff, type PatchDocument } from '../../server/src/series/index';
import { genFile, lineText, qpEncode, renderPatch } from './generators';
import { root } from './helpers';

/** What both parsers are compared on, per file. null counts: not compared (see KNOWN). */
interface HunkSummary {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  added: number | null;
  removed: number | null;
}
interface FileSummary {
  from: string | null;
  to: string | null;
  hunks: HunkSummary[];
}

/**
 * The known disagreements, each with its reason; `known:` tests below show each one on a minimal input.
 * Two adaptations are not disagreements: parse-diff is given the text with CRLF turned into LF (see crlf), and its
 * '\ No newline at end of file' entries (a copy of the previous change, see no-newline) are not counted as lines.
 */
const KNOWN = {
  crlf: 'parse-diff splits on \\n only and its header patterns end in $, so on CRLF text it misses "new file mode\\r", and the new path of a "diff --git" line (a rename without hunks has no new path at all); it is given the text with CRLF turned into LF',
  'transfer-encoding': 'parse-diff reads the raw mail: a base64 body has no diff for it, and a quoted-printable body with soft line breaks or =XX escapes splits or changes diff lines; such documents are not compared (the generated quoted-printable patches are compared with parse-diff on the plain text)',
  truncation: 'after a hunk shorter than its header says (our truncated-hunk error), parse-diff keeps reading the following lines — the next file header included — as lines of that hunk; only what precedes the truncated hunk, and its header, is compared',
  'count-mismatch': 'a hunk longer than its header says (our hunk-count-mismatch error): parse-diff stops at the declared counts and drops the rest; the header is compared, the line counts of that hunk are not',
  'plain-diff-prefix': 'a diff without "diff --git" whose ---/+++ paths start with a directory other than a/ b/ (linux-orig/, linux/): we strip the first component like git apply -p1, parse-diff strips only a/ b/ (and i/ w/ c/ o/ 1/ 2/); its path must be the first component plus ours',
  'unnamed-git-header': 'a "diff --git" line that names no file ("diff --git " and nothing after, as at the end of a cut mail) and that no ---/+++ or rename lines name: parse-diff keeps a file without paths, we report diff-header-without-paths and keep no file (git apply: "git diff header lacks filename information"); such files are left out of its side',
  'huge-line-number': 'a hunk header whose line number or count is over 2^31−1 (our malformed-hunk-header error: the hunk is dropped, a header like -9007199254740993 cannot be a real file); parse-diff keeps it with the number rounded to the nearest double; such hunks are left out of its side',
} as const;
type Known = keyof typeof KNOWN;

function lineCounts(f: FileDiff): { added: number; removed: number }[] {
  return f.hunks.map((h) => ({ added: h.lines.filter((l) => l.kind === 'add').length, removed: h.lines.filter((l) => l.kind === 'del').length }));
}

/** Our files in document order (a series' patches are ordered by k/n; parse-diff reads the text top to bottom). */
function ourFiles(doc: PatchDocument): FileDiff[] {
  return [...doc.patches].sort((a, b) => a.range.start.line - b.range.start.line).flatMap((p) => p.files);
}

function ourSummary(files: FileDiff[]): FileSummary[] {
  return files.map((f) => {
    const counts = lineCounts(f);
    return {
      from: f.oldPath,
      to: f.newPath,
      hunks: f.hunks.map((h, i) => ({ oldStart: h.oldStart, oldCount: h.oldCount, newStart: h.newStart, newCount: h.newCount, ...counts[i] })),
    };
  });
}

function oracleSummary(text: string): FileSummary[] {
  const path = (p: string | undefined): string | null => (p === undefined || p === '/dev/null' ? null : p);
  return parseDiff(text.replace(/\r\n/g, '\n')).map((f) => ({
    from: path(f.from),
    to: path(f.to),
    hunks: f.chunks.map((c) => ({
      oldStart: c.oldStart,
      oldCount: c.oldLines,
      newStart: c.newStart,
      newCount: c.newLines,
      added: c.changes.filter((x) => x.type === 'add' && !x.content.startsWith('\\')).length,
      removed: c.changes.filter((x) => x.type === 'del' && !x.content.startsWith('\\')).length,
    })),
  }));
}

/**
 * Compares our parse of `input` with parse-diff's where parse-diff is known to be right; returns the KNOWN entries
 * that limited the comparison (empty: compared in full).
 */
function assertAgreement(name: string, input: string | Uint8Array): Known[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const doc = parsePatchDocument(input);
  const used = new Set<Known>();
  if (/\r\n/.test(text)) used.add('crlf');
  if (doc.patches.some((p) => p.mail && (p.mail.transferEncoding === 'base64' || p.mail.transferEncoding === 'quoted-printable'))) {
    return ['transfer-encoding', ...used];
  }
  let files = ourFiles(doc);
  let ours = ourSummary(files);
  let theirs = oracleSummary(text);
  // huge-line-number: hunks we reject as malformed are dropped from parse-diff's side.
  const MAX_LINE = 2 ** 31 - 1;
  if (theirs.some((f) => f.hunks.some((h) => [h.oldStart, h.oldCount, h.newStart, h.newCount].some((n) => n > MAX_LINE)))) {
    assert.ok(doc.issues.some((i) => i.code === 'malformed-hunk-header'), `${name}: a huge hunk header without our malformed-hunk-header error`);
    used.add('huge-line-number');
    theirs = theirs.map((f) => ({ ...f, hunks: f.hunks.filter((h) => ![h.oldStart, h.oldCount, h.newStart, h.newCount].some((n) => n > MAX_LINE)) }));
  }

  // unnamed-git-header: parse-diff's files without any path are the headers we report and drop.
  const unnamed = doc.issues.filter((i) => i.code === 'diff-header-without-paths').length;
  if (unnamed > 0) {
    assert.equal(theirs.filter((f) => f.from === null && f.to === null).length, unnamed, `${name}: parse-diff's files without paths are not our diff-header-without-paths errors`);
    used.add('unnamed-git-header');
    theirs = theirs.filter((f) => f.from !== null || f.to !== null);
  }

  // truncation: cut both at the first truncated hunk (its header stays).
  const fi = files.findIndex((f) => f.hunks.some((h) => !h.complete));
  if (fi >= 0) {
    used.add('truncation');
    const hi = files[fi].hunks.findIndex((h) => !h.complete);
    const cut = (s: FileSummary[]): FileSummary[] =>
      s.slice(0, fi + 1).map((f, i) => (i < fi ? f : { ...f, hunks: f.hunks.slice(0, hi + 1).map((h, j) => (j < hi ? h : { ...h, added: null, removed: null })) }));
    files = files.slice(0, fi + 1);
    ours = cut(ours);
    theirs = cut(theirs);
  }
  // count-mismatch: a complete hunk with more lines than declared.
  files.forEach((f, i) =>
    f.hunks.forEach((h, j) => {
      if (!h.complete || (h.actualOldCount === h.oldCount && h.actualNewCount === h.newCount)) return;
      used.add('count-mismatch');
      for (const s of [ours, theirs]) {
        const sh = s[i]?.hunks[j];
        if (sh) Object.assign(sh, { added: null, removed: null });
      }
    }),
  );
  // plain-diff-prefix: parse-diff's path is '<first component>/' + ours.
  files.forEach((f, i) => {
    const t = theirs[i];
    if (!t || f.headerLines[0]?.text.startsWith('diff --git ')) return;
    for (const side of ['from', 'to'] as const) {
      const o = ours[i][side];
      const p = t[side];
      if (o === null || p === null || p === o) continue;
      assert.match(p, new RegExp(`^[^/]+/${o.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), `${name}: file ${i}: parse-diff path ${p} is not a prefix directory plus ${o}`);
      used.add('plain-diff-prefix');
      t[side] = o;
    }
  });
  assert.deepEqual(theirs, ours, `${name}: parse-diff disagrees with our diff layer`);
  return [...used];
}

// ── every patch fixture ──

const PATCH_FILE = /\.(patch|diff|mbox|mbx|eml)$/;
function patchFixtures(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    // fuzz-found/: hostile mutants the fuzz campaign saved, replayed for crashes and the parser contract by
    // test/hardening/fuzz.test.ts; they are no oracle cases (e.g. "@@ -0 +1 @@", which parse-diff keeps and we refuse).
    if (name === 'fuzz-found') continue;
    if (statSync(p).isDirectory()) patchFixtures(p, out);
    else if (PATCH_FILE.test(name)) out.push(p);
  }
  return out;
}
const FIXTURES = [...patchFixtures(join(root, 'test', 'fixtures')), ...patchFixtures(join(root, 'samples'))];

/** The fixtures whose comparison a KNOWN entry limits, and which entries: any other fixture is compared in full. */
const LIMITED: Record<string, Known[]> = {
  'test/fixtures/grammar/edge-cases.mbox': ['truncation'],
  'test/fixtures/grammar/gup-unlocked-v2.mbox': ['truncation'],
  'test/fixtures/hardening/hunk-2p53-new.patch': ['huge-line-number'],
  'test/fixtures/hardening/hunk-2p53-old.patch': ['huge-line-number'],
  'test/fixtures/series/base64.patch': ['transfer-encoding'],
  'test/fixtures/series/count-mismatch.diff': ['count-mismatch'],
  'test/fixtures/series/format-patch-crlf.patch': ['crlf'],
  'test/fixtures/series/plain.diff': ['plain-diff-prefix'],
  'test/fixtures/series/quoted-printable.patch': ['transfer-encoding'],
  'test/fixtures/series/truncated-hunk.diff': ['truncation'],
  'test/fixtures/series/truncated-plain.diff': ['truncation'],
  'test/fixtures/server/truncated-crlf.patch': ['truncation', 'crlf'],
  'test/fixtures/server/truncated.patch': ['truncation'],
};

test('parse-diff oracle: every patch fixture agrees (files, renames, hunk headers, +/- counts) outside the known disagreements', () => {
  assert.ok(FIXTURES.length >= 28, `found only ${FIXTURES.length} patch fixtures`);
  const limited: Record<string, Known[]> = {};
  let files = 0;
  let hunks = 0;
  for (const path of FIXTURES) {
    const rel = relative(root, path);
    const used = assertAgreement(rel, readFileSync(path));
    if (used.length > 0) limited[rel] = used.sort();
    for (const f of ourFiles(parsePatchDocument(readFileSync(path)))) {
      files++;
      hunks += f.hunks.length;
    }
  }
  const why = Object.entries(limited).map(([f, ks]) => `${f}: ${ks.map((k) => `${k} (${KNOWN[k]})`).join('; ')}`);
  assert.deepEqual(limited, Object.fromEntries(Object.entries(LIMITED).map(([k, v]) => [k, [...v].sort()])), `fixtures compared in part:\n${why.join('\n')}`);
  // What the fixtures exercise: renames, a pure rename, additions, deletions, mode changes, binaries, series.
  assert.ok(files >= 46 && hunks >= 46, `${files} files, ${hunks} hunks`);
});

// ── every generated patch of the property tests ──

test('parse-diff oracle: generated patches (LF and CRLF) agree', () => {
  fc.assert(
    fc.property(fc.array(genFile, { minLength: 1, maxLength: 4 }), fc.boolean(), (gen, crlf) => {
      const lf = renderPatch(gen, 'mm: generated');
      const used = assertAgreement('generated', crlf ? lf.replace(/\n/g, '\r\n') : lf);
      assert.deepEqual(used, crlf ? ['crlf'] : []);
    }),
    { numRuns: 300 },
  );
});

test('parse-diff oracle: generated quoted-printable patches, decoded by us, agree with parse-diff on the plain text', () => {
  fc.assert(
    fc.property(fc.array(genFile, { minLength: 1, maxLength: 2 }), fc.integer({ min: 4, max: 40 }), (gen, width) => {
      const plain = renderPatch(gen, 'mm: qp');
      const [head, body] = [plain.slice(0, plain.indexOf('\n\n')), plain.slice(plain.indexOf('\n\n') + 2)];
      const text = `${head}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n${qpEncode(body, width)}`;
      const doc = parsePatchDocument(text);
      assert.deepEqual(doc.issues, []);
      assert.deepEqual(oracleSummary(plain), ourSummary(ourFiles(doc)));
    }),
    { numRuns: 150 },
  );
});

test('parse-diff oracle: a generated removed line "- " (so "-- ") ending a hunk before the next file header agrees (once read as the signature)', () => {
  const text = renderPatch([{ name: 'mm/a.c', hunks: [[{ kind: ' ', text: 'a' }, { kind: '-', text: '- ' }]] }, { name: 'mm/b.c', hunks: [[{ kind: '+', text: 'b' }]] }], 'mm: dash');
  assert.deepEqual(parsePatchDocument(text).issues, []);
  assert.deepEqual(assertAgreement('dash-space', text), []);
});

/** Whole-file changes the property generator does not make: renames (with and without hunks), additions, deletions. */
const genChange = fc.oneof(
  fc.record({ kind: fc.constant('rename' as const), from: genFile, to: fc.stringMatching(/^[a-z]{1,8}\/[a-z]{1,8}\.h$/), withHunks: fc.boolean() }),
  fc.record({ kind: fc.constant('add' as const), name: fc.stringMatching(/^[a-z]{1,8}\/[a-z]{1,8}\.c$/), lines: fc.array(lineText, { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), name: fc.stringMatching(/^[a-z]{1,8}\/[a-z]{1,8}\.c$/), lines: fc.array(lineText, { minLength: 1, maxLength: 8 }) }),
);

type Change = typeof genChange extends fc.Arbitrary<infer T> ? T : never;

function renderChanges(changes: Change[]): string {
  const out = ['From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001', 'From: J <j@example.org>', 'Subject: [PATCH] mm: files', '', 'Body.', '---'];
  for (const c of changes) {
    if (c.kind === 'rename') {
      const from = c.from.name;
      out.push(`diff --git a/${from} b/${c.to}`, `similarity index ${c.withHunks ? 90 : 100}%`, `rename from ${from}`, `rename to ${c.to}`);
      if (!c.withHunks) continue;
      out.push('index 1111111..2222222 100644', `--- a/${from}`, `+++ b/${c.to}`);
      const h = c.from.hunks[0];
      const oc = h.filter((l) => l.kind !== '+').length;
      const nc = h.filter((l) => l.kind !== '-').length;
      out.push(`@@ -1,${oc} +1,${nc} @@`, ...h.map((l) => l.kind + l.text));
    } else if (c.kind === 'add') {
      out.push(`diff --git a/${c.name} b/${c.name}`, 'new file mode 100644', 'index 0000000..1111111', '--- /dev/null', `+++ b/${c.name}`);
      out.push(`@@ -0,0 +1,${c.lines.length} @@`, ...c.lines.map((t) => '+' + t));
    } else {
      out.push(`diff --git a/${c.name} b/${c.name}`, 'deleted file mode 100644', 'index 1111111..0000000', `--- a/${c.name}`, '+++ /dev/null');
      out.push(`@@ -1,${c.lines.length} +0,0 @@`, ...c.lines.map((t) => '-' + t));
    }
  }
  out.push('-- ', '2.43.0', '');
  return out.join('\n');
}
test('parse-diff oracle: generated renames (with and without hunks), additions and deletions agree, LF and CRLF', () => {
  fc.assert(
    fc.property(fc.array(genChange, { minLength: 1, maxLength: 4 }), fc.boolean(), (changes, crlf) => {
      const lf = renderChanges(changes);
      const text = crlf ? lf.replace(/\n/g, '\r\n') : lf;
      assert.deepEqual(parsePatchDocument(text).issues.filter((i) => i.severity === 'error'), []);
      assertAgreement('generated changes', text);
    }),
    { numRuns: 200 },
  );
});

// ── the known disagreements, each on a minimal input ──

const PD = (text: string) => parseDiff(text);

test('known: crlf — on CRLF text parse-diff misses "new file mode" and a rename\'s new path; on the LF twin it gets both', () => {
  const added = ['diff --git a/n.c b/n.c', 'new file mode 100644', 'index 0000000..1111111', '--- /dev/null', '+++ b/n.c', '@@ -0,0 +1 @@', '+int n;', ''];
  const renamed = ['diff --git a/old.c b/new.c', 'similarity index 100%', 'rename from old.c', 'rename to new.c', ''];
  assert.equal(PD(added.join('\r\n'))[0].new, undefined);
  assert.equal(PD(added.join('\n'))[0].new, true);
  assert.deepEqual([PD(renamed.join('\r\n'))[0].from, PD(renamed.join('\r\n'))[0].to], ['old.c', undefined]);
  assert.deepEqual([PD(renamed.join('\n'))[0].from, PD(renamed.join('\n'))[0].to], ['old.c', 'new.c']);
  assert.deepEqual(ourSummary(ourFiles(parsePatchDocument(renamed.join('\r\n')))), [{ from: 'old.c', to: 'new.c', hunks: [] }]);
  assert.deepEqual(assertAgreement('crlf', renamed.join('\r\n')), ['crlf']);
});

test('known: transfer-encoding — parse-diff finds no diff in a base64 body and splits a soft-broken quoted-printable line', () => {
  const diff = 'diff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1 +1 @@\n-int a;\n+int a_rather_long_name;\n';
  const mail = (cte: string, body: string) => `From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nFrom: J <j@example.org>\nSubject: [PATCH] x\nContent-Transfer-Encoding: ${cte}\n\nx\n---\n${body}`;
  const b64 = mail('base64', Buffer.from(diff).toString('base64') + '\n');
  assert.deepEqual(PD(b64), []);
  assert.deepEqual(lineCounts(ourFiles(parsePatchDocument(b64))[0]), [{ added: 1, removed: 1 }]);
  const qp = mail('quoted-printable', diff.replace('a_rather_long_name', 'a_rather_=\nlong_name'));
  assert.equal(ourFiles(parsePatchDocument(qp))[0].hunks[0].lines[1].text, 'int a_rather_long_name;');
  assert.deepEqual(PD(qp)[0].chunks[0].changes.map((c) => c.content), ['-int a;', '+int a_rather_=']);
  assert.deepEqual(assertAgreement('qp', qp), ['transfer-encoding']);
});

test('known: truncation — after a truncated hunk parse-diff reads the next file as lines of that hunk', () => {
  const text = ['--- a/mm/a.c', '+++ b/mm/a.c', '@@ -1,3 +1,3 @@', '-a', '+b', '--- a/mm/b.c', '+++ b/mm/b.c', '@@ -1 +1 @@', '-c', '+d', ''].join('\n');
  const theirs = PD(text);
  assert.equal(theirs.length, 1);
  assert.deepEqual(theirs[0].chunks[0].changes.map((c) => c.content), ['-a', '+b', '--- a/mm/b.c', '+++ b/mm/b.c', '@@ -1 +1 @@']);
  const doc = parsePatchDocument(text);
  assert.deepEqual(ourFiles(doc).map((f) => [f.newPath, f.hunks[0].complete]), [['mm/a.c', false], ['mm/b.c', true]]);
  assert.ok(doc.issues.some((i) => i.code === 'truncated-hunk'));
  assert.deepEqual(assertAgreement('truncation', text), ['truncation']);
});

test('known: count-mismatch — parse-diff stops a hunk at its declared counts and drops the extra line', () => {
  const text = ['--- a/mm/a.c', '+++ b/mm/a.c', '@@ -1 +1 @@', '-a', '+b', '+c', ''].join('\n');
  assert.deepEqual(PD(text)[0].chunks[0].changes.map((c) => c.content), ['-a', '+b']);
  const doc = parsePatchDocument(text);
  assert.deepEqual(lineCounts(ourFiles(doc)[0]), [{ added: 2, removed: 1 }]);
  assert.ok(doc.issues.some((i) => i.code === 'hunk-count-mismatch'));
  assert.deepEqual(assertAgreement('count-mismatch', text), ['count-mismatch']);
});

test('known: plain-diff-prefix — parse-diff keeps linux-orig/ and linux/ and so sees a rename; we strip them like git apply -p1', () => {
  const text = ['--- linux-orig/mm/x.c', '+++ linux/mm/x.c', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
  assert.deepEqual([PD(text)[0].from, PD(text)[0].to], ['linux-orig/mm/x.c', 'linux/mm/x.c']);
  assert.deepEqual(ourSummary(ourFiles(parsePatchDocument(text))).map((f) => [f.from, f.to]), [['mm/x.c', 'mm/x.c']]);
  assert.deepEqual(assertAgreement('plain-diff-prefix', text), ['plain-diff-prefix']);
});

test('known: unnamed-git-header — a mail cut after "diff --git ": parse-diff keeps a file without paths, we report the line and keep no file', () => {
  const text = ['diff --git a/mm/x.c b/mm/x.c', '--- a/mm/x.c', '+++ b/mm/x.c', '@@ -1 +1 @@', '-a', '+b', 'diff --git '].join('\n');
  assert.deepEqual(PD(text).map((f) => [f.from, f.to, f.chunks.length]), [['mm/x.c', 'mm/x.c', 1], [undefined, undefined, 0]]);
  const doc = parsePatchDocument(text);
  assert.deepEqual(ourSummary(ourFiles(doc)).map((f) => [f.from, f.to]), [['mm/x.c', 'mm/x.c']]);
  assert.deepEqual(doc.issues.map((i) => [i.code, i.position.line]), [['diff-header-without-paths', 6]]);
  assert.deepEqual(assertAgreement('unnamed-git-header', text), ['unnamed-git-header']);
});

test('adaptation: parse-diff records "\\ No newline at end of file" as a copy of the previous change; it is not counted', () => {
  const text = ['--- a/mm/x.c', '+++ b/mm/x.c', '@@ -1 +1 @@', '-a', '+b', '\\ No newline at end of file', ''].join('\n');
  assert.deepEqual(PD(text)[0].chunks[0].changes.map((c) => c.type), ['del', 'add', 'add']);
  assert.deepEqual(PD(text)[0].additions, 1);
  assert.deepEqual(assertAgreement('no-newline', text), []);
});

test('the oracle can fail: a hunk whose +/- counts we would get wrong is caught', () => {
  const text = ['--- a/mm/x.c', '+++ b/mm/x.c', '@@ -1,2 +1,2 @@', '-a', '+b', ' c', ''].join('\n');
  const ours = ourSummary(ourFiles(parsePatchDocument(text)));
  ours[0].hunks[0].added = 2;
  assert.throws(() => assert.deepEqual(oracleSummary(text), ours), /deepStrictEqual|Expected values to be strictly deep-equal/);
});
