// Analyzer on fixtures: exact diagnostics (code, range, severity, message), size cap, encodings, failures, facts, era.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE } from '../../common/protocol';
import { kernelCFile } from '../../bench/gen/kernel-c';
import { resolveSettings } from '../../common/settings';
import { parsePatchDocument as realParse } from '../../server/src/series';
import { RULES } from '../../server/src/rules/registry';
import { Analyzer, lensKind, type AnalyzerDocument, type Logger } from '../../server/src/lsp/analyzer';
import {
  FIXTURES,
  SAMPLE_SERIES,
  SAMPLE_TREE,
  TRUNCATED_HUNK_LINE,
  bigSeries,
  fileUri,
  fixturePath,
  fixtureText,
  fixtureUri,
  lineOf,
  randomJunkText,
} from './fixtures';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

function doc(name: string, languageId: string, version = 1): AnalyzerDocument {
  return { uri: fixtureUri(name), languageId, text: fixtureText(name), version };
}

function messageOf(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

const RULE_IDS = new Set(RULES.map((r) => r.id));

/** Diagnostics other than rule findings (parse problems, size cap, …). */
function parseDiags(diags: Diagnostic[]): Diagnostic[] {
  return diags.filter((d) => !RULE_IDS.has(String(d.code)));
}

/** Rule findings as [code, 0-based line, status]. */
function ruleDiags(diags: Diagnostic[]): [string, number, string][] {
  return diags.filter((d) => RULE_IDS.has(String(d.code))).map((d) => [String(d.code), d.range.start.line, (d.data as { status?: string } | undefined)?.status ?? '']);
}

/** The one non-rule diagnostic (these tests are about parse problems; rule findings are asserted apart). */
function only(diags: Diagnostic[]): Diagnostic {
  const p = parseDiags(diags);
  assert.equal(p.length, 1, `expected one diagnostic, got ${JSON.stringify(p, null, 1)}`);
  return p[0]!;
}

/** Every range lies inside the document, start before end. */
function assertRangesInside(text: string, diags: Diagnostic[]): void {
  const td = TextDocument.create('x:y', 'diff', 1, text);
  for (const d of diags) {
    const { start, end } = d.range;
    assert.ok(start.line < td.lineCount && end.line < td.lineCount, `range outside the document: ${JSON.stringify(d.range)}`);
    assert.ok(td.offsetAt(start) <= td.offsetAt(end), `inverted range ${JSON.stringify(d.range)}`);
    assert.deepEqual(td.positionAt(td.offsetAt(start)), start, `start not a real position: ${JSON.stringify(start)}`);
  }
}

test('truncated hunk: one error on the @@ line, from column 0 to the end of the line', () => {
  const a = new Analyzer();
  const d = only(a.analyze(doc(FIXTURES.truncated, 'diff')));
  const header = lineOf(fixtureText(FIXTURES.truncated), TRUNCATED_HUNK_LINE);
  assert.ok(header.startsWith('@@ -10,7 +10,5 @@'));
  assert.deepEqual(d, {
    range: { start: { line: TRUNCATED_HUNK_LINE, character: 0 }, end: { line: TRUNCATED_HUNK_LINE, character: header.length } },
    severity: DiagnosticSeverity.Error,
    code: 'truncated-hunk',
    source: DIAGNOSTIC_SOURCE,
    message: 'truncated hunk: header declares 7 old / 5 new lines, body has 5 / 3 before the end of the input',
  });
});

test('complete patch: no diagnostics', () => {
  const diags = new Analyzer().analyze(doc(FIXTURES.truncatedFixed, 'diff'));
  assert.deepEqual(parseDiags(diags), []);
  // The patch converts get_user_pages under the lock: the rule finding it fixes is listed as information.
  assert.deepEqual(ruleDiags(diags), [['gup-convertible-to-unlocked', 19, 'fixed']]);
});

test('CRLF twin: same range as the LF file (the \\r is not underlined)', () => {
  const a = new Analyzer();
  const lf = only(a.analyze(doc(FIXTURES.truncated, 'diff')));
  const crlf = only(a.analyze(doc(FIXTURES.truncatedCrlf, 'diff')));
  assert.deepEqual(crlf, lf);
});

test('series with garbage between mails and a missing patch: two warnings at their lines', () => {
  const text = fixtureText(FIXTURES.garbageSeries);
  const diags = new Analyzer().analyze(doc(FIXTURES.garbageSeries, 'kernel-mbox'));
  assert.deepEqual(
    diags.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character, d.range.end.character]),
    [
      ['garbage-between-mails', DiagnosticSeverity.Warning, 19, 0, lineOf(text, 19).length],
      ['series-missing-patch', DiagnosticSeverity.Warning, 3, 0, lineOf(text, 3).length],
    ],
  );
  assert.match(messageOf(diags[0]!), /Stray text pasted between the mails/);
  assert.match(messageOf(diags[1]!), /patch 3\/3 is missing/);
  assert.ok(diags.every((d) => d.source === DIAGNOSTIC_SOURCE));
});

test('hunk count mismatch: error on the first line past the declared count', () => {
  const text = ['--- a/mm/x.c', '+++ b/mm/x.c', '@@ -1,1 +1,1 @@', '-a', '+b', '+c', ''].join('\n');
  const d = only(new Analyzer().analyze({ uri: 'untitled:x.diff', languageId: 'diff', text, version: 1 }));
  assert.equal(d.code, 'hunk-count-mismatch');
  assert.equal(d.severity, DiagnosticSeverity.Error);
  assert.deepEqual(d.range, { start: { line: 5, character: 0 }, end: { line: 5, character: 2 } });
  assert.match(messageOf(d), /declares 1 old \/ 1 new lines/);
});

test('non-UTF-8 file on disk: parsed from its bytes, the parser reports the latin1 fallback', () => {
  const bytes = readFileSync(fixturePath(FIXTURES.latin1));
  const text = bytes.toString('utf8');
  assert.ok(text.includes('\uFFFD'), 'the editor view of the file has replacement characters');
  const d = only(new Analyzer().analyze({ uri: fixtureUri(FIXTURES.latin1), languageId: 'diff', text, version: 1 }));
  assert.equal(d.code, 'invalid-utf8-assumed-latin1');
  assert.equal(d.severity, DiagnosticSeverity.Warning);
  assert.deepEqual(d.range.start, { line: 0, character: 0 });
});

test('U+FFFD in an unsaved buffer: one information note at the first replacement character', () => {
  const text = readFileSync(fixturePath(FIXTURES.latin1)).toString('utf8');
  const d = only(new Analyzer().analyze({ uri: 'untitled:Untitled-1', languageId: 'diff', text, version: 1 }));
  assert.equal(d.code, 'replacement-characters');
  assert.equal(d.severity, DiagnosticSeverity.Information);
  const td = TextDocument.create('x:y', 'diff', 1, text);
  assert.equal(td.getText(d.range), '\uFFFD');
});

test('lone CR: parser lines map to editor lines (the @@ diagnostic still points at "@@")', () => {
  const text = 'junk\rmore junk\n' + fixtureText(FIXTURES.truncated);
  const diags = new Analyzer().analyze({ uri: 'untitled:cr.patch', languageId: 'diff', text, version: 1 });
  const td = TextDocument.create('x:y', 'diff', 1, text);
  const hunk = diags.find((d) => d.code === 'truncated-hunk');
  assert.ok(hunk, JSON.stringify(diags));
  assert.ok(td.getText(hunk.range).startsWith('@@ -10,7 +10,5 @@'), td.getText(hunk.range));
  assert.equal(hunk.range.start.line, TRUNCATED_HUNK_LINE + 2);
  assertRangesInside(text, diags);
});

test('C file: the rule findings of its tree\'s era (a ≥6.5 get_user_pages call in a 5.10 tree)', () => {
  const diags = new Analyzer().analyze(doc(FIXTURES.treePin, 'c'));
  assert.deepEqual(parseDiags(diags), []);
  assert.deepEqual(ruleDiags(diags), [['removed-gup-api', 6, '']]);
});

test('C file over maxFileSize: one information diagnostic saying it was not analysed', () => {
  const a = new Analyzer({ settings: resolveSettings({ maxFileSize: 100 }) });
  const d = only(a.analyze(doc(FIXTURES.treePin, 'c')));
  assert.equal(d.code, 'not-analysed-too-large');
  assert.equal(d.severity, DiagnosticSeverity.Information);
  const bytes = Buffer.byteLength(fixtureText(FIXTURES.treePin));
  assert.match(messageOf(d), new RegExp(`${bytes} bytes, over the 100-byte limit \\(kernelMmLens\\.maxFileSize\\)`));
  assert.deepEqual(d.range.start, { line: 0, character: 0 });
});

test('patch over maxFileSize: only the not-analysed note (the parser does not run)', () => {
  let parsed = 0;
  const a = new Analyzer({
    settings: resolveSettings({ maxFileSize: 100 }),
    parsePatch: () => {
      parsed++;
      throw new Error('must not be called');
    },
  });
  assert.equal(only(a.analyze(doc(FIXTURES.truncated, 'diff'))).code, 'not-analysed-too-large');
  assert.equal(parsed, 0);
});

test('internal failure: one error diagnostic and one log line, no exception', () => {
  const log = recordingLogger();
  const a = new Analyzer({ log, parsePatch: () => { throw new Error('boom'); } });
  const d = only(a.analyze(doc(FIXTURES.truncated, 'diff')));
  assert.equal(d.code, 'internal-error');
  assert.equal(d.severity, DiagnosticSeverity.Error);
  assert.match(messageOf(d), /internal error: boom/);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0]!, /^error Analysis of file:.*truncated\.patch \(version 1\) failed: Error: boom/);
});

test('other languages: nothing', () => {
  assert.deepEqual(new Analyzer().analyze({ uri: 'file:///x/README', languageId: 'markdown', text: '@@ -1 +1 @@', version: 1 }), []);
  assert.equal(lensKind('plaintext', 'file:///x/a.patch'), 'patch');
  assert.equal(lensKind('plaintext', 'file:///x/a.h'), 'c');
  assert.equal(lensKind('kernel-mbox', 'file:///x/a.txt'), 'patch');
  assert.equal(lensKind('markdown', 'file:///x/a.md'), 'other');
  assert.equal(lensKind('gitsendemail', 'file:///x/0001-mm-fix'), 'patch', "neovim's filetype for format-patch files");
});

test('cache: same version is not re-analysed; a new version or new settings are', () => {
  let parsed = 0;
  const a = new Analyzer({
    parsePatch: (input, opts) => {
      parsed++;
      return realParse(input, opts);
    },
  });
  const d1 = doc(FIXTURES.truncated, 'diff', 1);
  const first = a.analyze(d1);
  assert.equal(a.analyze(d1), first, 'same array for the same version');
  assert.equal(parsed, 1);
  a.analyze({ ...d1, version: 2, text: fixtureText(FIXTURES.truncatedFixed) });
  assert.equal(parsed, 2);
  a.setSettings(resolveSettings({ era: '6.1' }));
  a.analyze({ ...d1, version: 2, text: fixtureText(FIXTURES.truncatedFixed) });
  assert.equal(parsed, 3);
  assert.equal(a.versionOf(d1.uri), 2);
  a.forget(d1.uri);
  assert.equal(a.versionOf(d1.uri), undefined);
});
test('2 MB of random bytes decoded as text: diagnostics inside the document, no exception', () => {
  const text = randomJunkText(2 * 1024 * 1024);
  const log = recordingLogger();
  const a = new Analyzer({ log, settings: resolveSettings({ maxFileSize: 64 * 1024 * 1024 }) });
  const diags = a.analyze({ uri: 'untitled:junk.diff', languageId: 'diff', text, version: 1 });
  assert.ok(!diags.some((d) => d.code === 'internal-error'), JSON.stringify(diags.slice(0, 3)));
  assert.deepEqual(log.lines, []);
  assertRangesInside(text, diags);
  assert.match(a.factsText('untitled:junk.diff'), /junk\.diff/);
});

test('10 MB series: parsed; only series-missing-patch warnings, all inside the document', () => {
  const { text, count } = bigSeries(10 * 1024 * 1024);
  const a = new Analyzer({ settings: resolveSettings({ maxFileSize: 64 * 1024 * 1024 }) });
  const diags = a.analyze({ uri: 'untitled:big.mbox', languageId: 'kernel-mbox', text, version: 1 });
  assert.equal(diags.length, 1200 - count);
  assert.ok(diags.every((d) => d.code === 'series-missing-patch'));
  assertRangesInside(text, diags);
  assert.equal(a.patchDocument('untitled:big.mbox')?.patches.length, count);
});

test('10 MB series under the default 2 MB cap: not analysed, facts say so', () => {
  const { text } = bigSeries(10 * 1024 * 1024);
  const a = new Analyzer();
  assert.equal(only(a.analyze({ uri: 'untitled:big.mbox', languageId: 'kernel-mbox', text, version: 1 })).code, 'not-analysed-too-large');
  assert.match(a.factsText('untitled:big.mbox'), /not analysed: \d+ bytes, over the 2097152-byte limit/);
});

test('facts of the sample series with the sample tree as workspace: whole files read from the tree', () => {
  const a = new Analyzer({ workspaceRoots: [SAMPLE_TREE] });
  const uri = fileUri(SAMPLE_SERIES);
  a.update({ uri, languageId: 'kernel-mbox', text: readFileSync(SAMPLE_SERIES, 'utf8'), version: 3 });
  const text = a.factsText(uri);
  assert.match(text, /get_user_pages_unlocked/);
  assert.match(text, /era 6\.8 from Makefile/);
  assert.ok(text.includes(`files read from ${SAMPLE_TREE}`), text.slice(0, 400));
  assert.equal(a.factsText(uri), text, 'cached');
});

test('facts of a C file: era from the Makefile above it; an untitled copy uses the workspace tree', () => {
  const a = new Analyzer({ workspaceRoots: [fixturePath(FIXTURES.tree)] });
  const d = doc(FIXTURES.treePin, 'c');
  a.update(d);
  const text = a.factsText(d.uri);
  assert.match(text, /C, era 5\.10 from Makefile/);
  assert.match(text, /L7 {2}gup {3}get_user_pages\(/);
  a.update({ ...d, uri: 'untitled:Untitled-2' });
  assert.match(a.factsText('untitled:Untitled-2'), /^untitled:Untitled-2: C, era 5\.10 from Makefile/);
});

test('facts: explicit era setting wins; unknown documents and other languages get one explanatory line', () => {
  const a = new Analyzer({ settings: resolveSettings({ era: '6.1' }), workspaceRoots: [fixturePath(FIXTURES.tree)] });
  const d = doc(FIXTURES.treePin, 'c');
  a.update(d);
  assert.match(a.factsText(d.uri), /era 6\.1 from explicit setting/);
  assert.match(a.factsText('file:///nowhere.c'), /not open in the editor/);
  a.update({ uri: 'file:///x/notes.md', languageId: 'markdown', text: 'x', version: 1 });
  assert.match(a.factsText('file:///x/notes.md'), /C, patch\/diff and mbox files only \(languageId markdown\)/);
});

test('era: setting, Makefile above the file, workspace root for untitled documents, default', () => {
  const tree = fixturePath(FIXTURES.tree);
  const a = new Analyzer({ workspaceRoots: [tree] });
  const d = doc(FIXTURES.treePin, 'c');
  a.update(d);
  assert.deepEqual([a.era(d.uri)?.era, a.era(d.uri)?.source.kind], [{ major: 5, minor: 10 }, 'makefile']);
  a.update({ ...d, uri: 'untitled:u.c' });
  assert.equal(a.era('untitled:u.c')?.source.kind, 'makefile');
  a.setSettings(resolveSettings({ era: 'v6.4' }));
  assert.deepEqual(a.era(d.uri)?.era, { major: 6, minor: 4 });
  const b = new Analyzer();
  b.update({ uri: 'untitled:v.c', languageId: 'c', text: 'int x;', version: 1 });
  assert.equal(b.era('untitled:v.c')?.source.kind, 'default');
  assert.equal(b.era('untitled:none'), undefined);
});

test('a C document edited version after version: the same model as a fresh analysis of each version', () => {
  const settings = resolveSettings({ era: '6.8' });
  const uri = 'file:///nonexistent/mm/edited.c';
  const kept = new Analyzer({ settings });
  let text = kernelCFile(300);
  const at = (needle: string, from = 0) => text.indexOf('\n', text.indexOf(needle, from));
  const edits: ((t: string) => string)[] = [
    (t) => t.slice(0, at('pinned = get_user_pages')) + 'x' + t.slice(at('pinned = get_user_pages')),
    (t) => t.replace('pinned = get_user_pagesx', 'pinned = get_user_pages'),
    (t) => '\n\n' + t,
    (t) => t.replace('flags |= FAULT_FLAG_TRIED;', ''),
    (t) => t.replace('mmap_read_unlock(mm);\n\tif (pinned', '}\n\tif (pinned'),
  ];
  for (const [k, edit] of edits.entries()) {
    text = edit(text);
    const doc = { uri, languageId: 'c', text, version: k + 1 };
    const fresh = new Analyzer({ settings }).model(doc);
    assert.deepEqual(kept.model(doc), fresh, `version ${k + 1}`);
  }
});
