// Unified diff parsing (git and plain): files, extended headers, binary diffs, hunks, every line with its
// document position. Own parser (not parse-diff) so that positions are exact and a truncated hunk never swallows
// the next file header.
import { ISSUE_CODES, IssueSink } from './issues';
import { type BLine, positionInLine, shiftSegments } from './source';
import type { DiffLine, DocPosition, FileDiff, Hunk } from './types';

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;

/**
 * Largest line number or count a hunk header may carry. git stores them in (32-bit) ints on most builds and no
 * source file comes near; beyond it the numbers are hostile (2^53 and up no longer even count: n + 1 === n).
 */
export const MAX_HUNK_NUMBER = 2 ** 31 - 1;

/**
 * The header's four numbers when each is a whole number within MAX_HUNK_NUMBER and a side starting at line 0 is
 * empty (diff writes 0 only for an empty side, e.g. "-0,0" of a new file: lines are numbered from 1, so "-0 +1" with a
 * removed line would number it 0); else why not.
 */
function hunkNumbers(m: RegExpExecArray): { ok: true; n: [number, number, number, number] } | { ok: false; why: string } {
  const raw = [m[1]!, m[2] ?? '1', m[3]!, m[4] ?? '1'];
  const n = raw.map((r) => (r.length > 10 ? Infinity : Number(r)));
  const i = n.findIndex((x) => !(x <= MAX_HUNK_NUMBER));
  if (i >= 0) return { ok: false, why: `${raw[i]!.slice(0, 30) + (raw[i]!.length > 30 ? '…' : '')} is over the largest line number or count (${MAX_HUNK_NUMBER})` };
  for (const [start, count, side] of [[n[0]!, n[1]!, 'old'], [n[2]!, n[3]!, 'new']] as const)
    if (start === 0 && count > 0) return { ok: false, why: `the ${side} side starts at line 0 but has ${count} line${count === 1 ? '' : 's'} (lines are numbered from 1)` };
  return { ok: true, n: n as [number, number, number, number] };
}

export interface DiffParseResult {
  files: FileDiff[];
  /** Index of the first line after the diff (signature '-- ', base-commit, or end). */
  end: number;
}

export interface DiffParseOptions {
  /** Inside a mail: 'base-commit:' and '-- ' end the diff. */
  mail: boolean;
}

/** True when lines[i] starts a diff (file header). */
export function isDiffStart(lines: BLine[], i: number): boolean {
  const t = lines[i].text;
  if (t.startsWith('diff --git ')) return true;
  if (t.startsWith('--- ') && i + 1 < lines.length && lines[i + 1].text.startsWith('+++ ')) {
    return i + 2 < lines.length && lines[i + 2].text.startsWith('@@ -');
  }
  return false;
}

/** Path from a '---'/'+++' line: drops a timestamp after a tab, unquotes, maps /dev/null to null. */
function pathFromMarker(text: string): { path: string | null; prefixed: boolean } {
  let p = text.slice(4);
  const tab = p.indexOf('\t');
  if (tab >= 0) p = p.slice(0, tab);
  p = unquote(p.trimEnd());
  if (p === '/dev/null') return { path: null, prefixed: false };
  // Like git apply -p1: drop the first path component ('a/', 'b/', 'linux-orig/', …).
  const slash = p.indexOf('/');
  if (slash > 0) return { path: p.slice(slash + 1), prefixed: true };
  return { path: p, prefixed: false };
}

function unquote(p: string): string {
  if (p.length >= 2 && p.startsWith('"') && p.endsWith('"')) {
    return p.slice(1, -1).replace(/\\(["\\tn]|[0-7]{3})/g, (_m, e: string) => {
      if (e === 't') return '\t';
      if (e === 'n') return '\n';
      if (e.length === 3) return String.fromCharCode(parseInt(e, 8));
      return e;
    });
  }
  return p;
}

/** Paths from 'diff --git a/x b/y' (best effort; ---/+++ and rename lines override). */
function gitHeaderPaths(text: string): { oldPath: string; newPath: string } {
  const rest = text.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*")\s+(.*)$/.exec(rest);
    if (m) return { oldPath: strip(unquote(m[1])), newPath: strip(unquote(m[2])) };
  }
  // Same path on both sides: 'a/P b/P'.
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (a.startsWith('a/') && b.startsWith('b/') && a.slice(2) === b.slice(2)) return { oldPath: a.slice(2), newPath: b.slice(2) };
  }
  const sep = rest.indexOf(' b/');
  if (sep >= 0) return { oldPath: strip(rest.slice(0, sep)), newPath: strip(rest.slice(sep + 1)) };
  const sp = rest.indexOf(' ');
  if (sp >= 0) return { oldPath: strip(rest.slice(0, sp)), newPath: strip(rest.slice(sp + 1)) };
  return { oldPath: strip(rest), newPath: strip(rest) };
}

function strip(p: string): string {
  return p.startsWith('a/') || p.startsWith('b/') ? p.slice(2) : p;
}

function newFile(pos: DocPosition): FileDiff {
  return { oldPath: null, newPath: null, status: 'modified', binary: false, hunks: [], position: pos, headerLines: [] };
}

function finishFile(f: FileDiff): void {
  if (f.status === 'renamed' || f.status === 'copied') return;
  if (f.newFileMode !== undefined || (f.oldPath === null && f.newPath !== null)) {
    f.status = 'added';
    f.oldPath = null;
  } else if (f.deletedFileMode !== undefined || (f.newPath === null && f.oldPath !== null)) {
    f.status = 'deleted';
    f.newPath = null;
  }
}

/** True when line i is a hunk body line (' ', '+', '-', '\\' or an empty line taken as blank context). */
function isHunkBodyChar(t: string): boolean {
  if (t === '') return true;
  const c = t.charCodeAt(0);
  return c === 32 || c === 43 || c === 45 || c === 92;
}

/** '--- x' / '+++ y' / '@@ -' triple: a file header even when a hunk would still accept '-' lines. */
function isPlainHeaderAt(lines: BLine[], i: number): boolean {
  return (
    lines[i].text.startsWith('--- ') &&
    i + 2 < lines.length &&
    lines[i + 1].text.startsWith('+++ ') &&
    lines[i + 2].text.startsWith('@@ -')
  );
}

/** '-- ' followed by a line that cannot be a hunk line (e.g. '2.43.0') or the end: a mail signature. */
function isSignatureAt(lines: BLine[], i: number): boolean {
  if (lines[i].text !== '-- ') return false;
  if (i + 1 >= lines.length) return true;
  const next = lines[i + 1].text;
  return next === '' || !isHunkBodyChar(next) || /^\d+(\.\d+)+/.test(next);
}

function makeDiffLine(b: BLine, kind: DiffLine['kind']): DiffLine {
  const dl: DiffLine = { kind, text: b.text.slice(1), position: positionInLine(b, 0) };
  if (b.approximate) dl.approximate = true;
  const segs = shiftSegments(b, 1);
  if (segs) dl.segments = segs;
  return dl;
}

function parseHunk(lines: BLine[], i: number, sink: IssueSink): { hunk: Hunk | null; next: number } {
  const b = lines[i];
  const m = HUNK_RE.exec(b.text);
  const pos = positionInLine(b, 0);
  const nums = m ? hunkNumbers(m) : undefined;
  if (!m || !nums?.ok) {
    if (nums && !nums.ok) sink.error(ISSUE_CODES.malformedHunkHeader, `malformed hunk header "${b.text.slice(0, 80)}": ${nums.why}`, pos);
    else if (b.text.startsWith('@@@')) sink.warning(ISSUE_CODES.combinedDiff, 'combined (merge) diff hunks are not supported; skipped', pos);
    else sink.error(ISSUE_CODES.malformedHunkHeader, `malformed hunk header "${b.text.slice(0, 80)}"`, pos);
    let j = i + 1;
    while (j < lines.length && lines[j].text !== '' && isHunkBodyChar(lines[j].text) && !isPlainHeaderAt(lines, j) && !isSignatureAt(lines, j)) j++;
    return { hunk: null, next: j };
  }
  let ctx = m[5];
  if (ctx.startsWith(' ')) ctx = ctx.slice(1);
  const hunk: Hunk = {
    header: b.text,
    oldStart: nums.n[0],
    oldCount: nums.n[1],
    newStart: nums.n[2],
    newCount: nums.n[3],
    context: ctx,
    position: pos,
    lines: [],
    actualOldCount: 0,
    actualNewCount: 0,
    complete: true,
  };
  let oldRem = hunk.oldCount;
  let newRem = hunk.newCount;
  let oldNo = hunk.oldCount === 0 ? hunk.oldStart + 1 : hunk.oldStart;
  let newNo = hunk.newCount === 0 ? hunk.newStart + 1 : hunk.newStart;
  let mismatchReported = false;
  const mismatch = (at: BLine, what: string): void => {
    if (mismatchReported) return;
    mismatchReported = true;
    sink.error(
      ISSUE_CODES.hunkCountMismatch,
      `hunk ${hunk.header.slice(0, hunk.header.indexOf('@@', 2) + 2)} declares ${hunk.oldCount} old / ${hunk.newCount} new lines but the body has more ${what} lines`,
      positionInLine(at, 0),
    );
  };
  let j = i + 1;
  const n = lines.length;
  for (; j < n; j++) {
    const bl = lines[j];
    const t = bl.text;
    const done = oldRem <= 0 && newRem <= 0;
    if (t === '') {
      // A blank context line whose leading space was stripped (only while both sides expect lines).
      if (oldRem > 0 && newRem > 0) {
        const dl: DiffLine = { kind: 'context', text: '', position: positionInLine(bl, 0), oldLine: oldNo++, newLine: newNo++ };
        if (bl.approximate) dl.approximate = true;
        hunk.lines.push(dl);
        oldRem--;
        newRem--;
        continue;
      }
      break;
    }
    const c = t.charCodeAt(0);
    if (c === 92 /* \ */) {
      const prev = hunk.lines[hunk.lines.length - 1];
      if (prev) prev.noNewlineAtEnd = true;
      const side = prev?.kind === 'add' ? 'new file' : prev?.kind === 'del' ? 'old file' : 'file';
      sink.warning(ISSUE_CODES.noNewlineAtEof, `"${t.slice(0, 40)}": the ${side} has no newline at its end`, positionInLine(bl, 0));
      continue;
    }
    if (c === 32 /* ' ' */) {
      if (oldRem <= 0 || newRem <= 0) {
        if (done && !looksLikeContinuation(lines, j)) break;
        mismatch(bl, 'context');
      }
      const dl = makeDiffLine(bl, 'context');
      dl.oldLine = oldNo++;
      dl.newLine = newNo++;
      hunk.lines.push(dl);
      oldRem--;
      newRem--;
      continue;
    }
    if (c === 45 /* - */) {
      // '-- ' that is the one removed line the hunk still expects is that line (git apply reads hunks by their
      // counts), whatever follows; elsewhere '-- ' before a line that is no hunk line is the mail's signature.
      const lastRemoved = oldRem === 1 && newRem === 0;
      if (isPlainHeaderAt(lines, j) || (!lastRemoved && isSignatureAt(lines, j))) break;
      if (oldRem <= 0) {
        if (done && !looksLikeContinuation(lines, j)) break;
        mismatch(bl, 'removed');
      }
      const dl = makeDiffLine(bl, 'del');
      dl.oldLine = oldNo++;
      hunk.lines.push(dl);
      oldRem--;
      continue;
    }
    if (c === 43 /* + */) {
      if (newRem <= 0) {
        if (done && !looksLikeContinuation(lines, j)) break;
        mismatch(bl, 'added');
      }
      const dl = makeDiffLine(bl, 'add');
      dl.newLine = newNo++;
      hunk.lines.push(dl);
      newRem--;
      continue;
    }
    break;
  }
  for (const dl of hunk.lines) {
    if (dl.kind !== 'add') hunk.actualOldCount++;
    if (dl.kind !== 'del') hunk.actualNewCount++;
  }
  if (oldRem > 0 || newRem > 0) {
    hunk.complete = false;
    const where = j >= n ? 'the end of the input' : `line ${positionInLine(lines[j], 0).line + 1} ("${lines[j].text.slice(0, 40)}")`;
    sink.error(
      ISSUE_CODES.truncatedHunk,
      `truncated hunk: header declares ${hunk.oldCount} old / ${hunk.newCount} new lines, body has ${hunk.actualOldCount} / ${hunk.actualNewCount} before ${where}`,
      pos,
    );
  }
  return { hunk, next: j };
}

/**
 * After a complete hunk, a further ' ', '+' or '-' line is an over-long body (count mismatch) unless it starts
 * something else. We only treat it as a continuation when it is followed by more hunk-like lines or the end,
 * i.e. not by a new file or hunk header.
 */
function looksLikeContinuation(lines: BLine[], j: number): boolean {
  const t = lines[j].text;
  if (t.startsWith('--- ') || t.startsWith('+++ ')) return false;
  return true;
}

/** Parses a diff region starting at `start` (a line for which isDiffStart, or any line of a plain diff). */
export function parseDiff(lines: BLine[], start: number, sink: IssueSink, opts: DiffParseOptions): DiffParseResult {
  const files: FileDiff[] = [];
  let cur: FileDiff | null = null;
  let inHeader = false;
  let sawMarkers = false;
  let garbageRun = false;
  const n = lines.length;
  /** Files opened by a 'diff --git' line that names no file ('diff --git ' and nothing after, 'diff --git a/ b/'):
   * kept only when ---/+++ or rename/copy lines name them, like git apply ("git diff header lacks filename information"). */
  const unnamed = new Set<FileDiff>();
  const close = (): void => {
    if (cur) finishFile(cur);
    if (cur && unnamed.has(cur) && cur.oldPath === null && cur.newPath === null) {
      const hunks = cur.hunks.length;
      files.splice(files.indexOf(cur), 1);
      sink.error(
        ISSUE_CODES.diffHeaderWithoutPaths,
        `"diff --git" line without file names, and no ---/+++ or rename lines name the file; skipped${hunks > 0 ? ` with its ${hunks} hunk(s)` : ''}`,
        cur.position,
      );
    }
    cur = null;
    inHeader = false;
    sawMarkers = false;
  };
  let i = start;
  while (i < n) {
    const b = lines[i];
    const t = b.text;
    const pos = positionInLine(b, 0);
    if (t.startsWith('diff --git ')) {
      close();
      const f = newFile(pos);
      const p = gitHeaderPaths(t);
      if (p.oldPath === '' || p.newPath === '') unnamed.add(f);
      else {
        f.oldPath = p.oldPath;
        f.newPath = p.newPath;
      }
      f.headerLines.push({ text: t, position: pos });
      files.push(f);
      cur = f;
      inHeader = true;
      garbageRun = false;
      i++;
      continue;
    }
    if (opts.mail && (isSignatureAt(lines, i) || t.startsWith('base-commit: '))) break;
    if (cur !== null && inHeader && parseExtendedHeader(cur, t, pos)) {
      i++;
      continue;
    }
    if (t.startsWith('--- ') && i + 1 < n && lines[i + 1].text.startsWith('+++ ')) {
      const f: FileDiff = cur !== null && inHeader && !sawMarkers ? cur : newFile(pos);
      if (f !== cur) {
        close();
        files.push(f);
        cur = f;
      }
      const o = pathFromMarker(t);
      const nw = pathFromMarker(lines[i + 1].text);
      if (f.status !== 'renamed' && f.status !== 'copied') {
        f.oldPath = o.path;
        f.newPath = nw.path;
      }
      f.headerLines.push({ text: t, position: pos }, { text: lines[i + 1].text, position: positionInLine(lines[i + 1], 0) });
      inHeader = true;
      sawMarkers = true;
      garbageRun = false;
      i += 2;
      continue;
    }
    if (t.startsWith('@@')) {
      garbageRun = false;
      if (cur === null) {
        sink.error(ISSUE_CODES.hunkWithoutFile, 'hunk without a file header; skipped', pos);
        const r = parseHunk(lines, i, new IssueSink());
        i = Math.max(r.next, i + 1);
        continue;
      }
      const r = parseHunk(lines, i, sink);
      if (r.hunk) (cur as FileDiff).hunks.push(r.hunk);
      inHeader = false;
      i = Math.max(r.next, i + 1);
      continue;
    }
    if (cur !== null && t === 'GIT binary patch') {
      const f: FileDiff = cur;
      f.binary = true;
      f.binaryKind = 'git-binary-patch';
      f.headerLines.push({ text: t, position: pos });
      sink.warning(ISSUE_CODES.binaryDiff, `binary diff for ${f.newPath ?? f.oldPath ?? '?'} (GIT binary patch): not analysed`, pos);
      i = skipBinaryPatch(lines, i + 1, sink);
      inHeader = false;
      continue;
    }
    if (t.startsWith('Binary files ') && t.endsWith(' differ')) {
      const f: FileDiff = cur !== null && inHeader ? cur : newFile(pos);
      if (f !== cur) {
        close();
        files.push(f);
        cur = f;
        const m = /^Binary files (.+) and (.+) differ$/.exec(t);
        if (m) {
          f.oldPath = m[1] === '/dev/null' ? null : strip(unquote(m[1]));
          f.newPath = m[2] === '/dev/null' ? null : strip(unquote(m[2]));
        }
      }
      f.binary = true;
      f.binaryKind = 'differ';
      f.headerLines.push({ text: t, position: pos });
      sink.warning(ISSUE_CODES.binaryDiff, `binary diff for ${f.newPath ?? f.oldPath ?? '?'} ("Binary files … differ"): no content`, pos);
      inHeader = false;
      i++;
      continue;
    }
    if (t === '' || t.startsWith('Index: ') || /^={3,}$/.test(t) || (t.startsWith('diff ') && !opts.mail) || t.startsWith('Only in ')) {
      i++;
      continue;
    }
    if (opts.mail && t.startsWith('diff ')) {
      i++;
      continue;
    }
    if (!garbageRun) {
      sink.warning(ISSUE_CODES.unexpectedLine, `unexpected line in diff: "${t.slice(0, 60)}"`, pos);
      garbageRun = true;
    }
    if (cur !== null) inHeader = false;
    i++;
  }
  close();
  return { files, end: i };
}

/** Applies one git extended header line; false when the line is not one. */
function parseExtendedHeader(f: FileDiff, t: string, pos: DocPosition): boolean {
  let m: RegExpExecArray | null;
  const push = (): true => {
    f.headerLines.push({ text: t, position: pos });
    return true;
  };
  if ((m = /^old mode (\d+)$/.exec(t))) { f.oldMode = m[1]; return push(); }
  if ((m = /^new mode (\d+)$/.exec(t))) { f.newMode = m[1]; return push(); }
  if ((m = /^deleted file mode (\d+)$/.exec(t))) { f.deletedFileMode = m[1]; f.status = 'deleted'; return push(); }
  if ((m = /^new file mode (\d+)$/.exec(t))) { f.newFileMode = m[1]; f.status = 'added'; return push(); }
  if (t.startsWith('rename from ')) { f.oldPath = unquote(t.slice(12)); f.status = 'renamed'; return push(); }
  if (t.startsWith('rename to ')) { f.newPath = unquote(t.slice(10)); f.status = 'renamed'; return push(); }
  if (t.startsWith('rename old ')) { f.oldPath = unquote(t.slice(11)); f.status = 'renamed'; return push(); }
  if (t.startsWith('rename new ')) { f.newPath = unquote(t.slice(11)); f.status = 'renamed'; return push(); }
  if (t.startsWith('copy from ')) { f.oldPath = unquote(t.slice(10)); f.status = 'copied'; return push(); }
  if (t.startsWith('copy to ')) { f.newPath = unquote(t.slice(8)); f.status = 'copied'; return push(); }
  if ((m = /^similarity index (\d+)%$/.exec(t))) { f.similarity = Number(m[1]); return push(); }
  if ((m = /^dissimilarity index (\d+)%$/.exec(t))) { f.dissimilarity = Number(m[1]); return push(); }
  if ((m = /^index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)(?: (\d+))?$/.exec(t))) {
    f.index = m[3] === undefined ? { oldSha: m[1], newSha: m[2] } : { oldSha: m[1], newSha: m[2], mode: m[3] };
    return push();
  }
  return false;
}

/** Skips 'literal N' / 'delta N' blocks of a GIT binary patch; returns the next line index. */
function skipBinaryPatch(lines: BLine[], i: number, sink: IssueSink): number {
  const n = lines.length;
  let blocks = 0;
  while (i < n) {
    const t = lines[i].text;
    if (!/^(?:literal|delta) \d+$/.test(t)) break;
    blocks++;
    i++;
    while (i < n && lines[i].text !== '') {
      const d = lines[i].text;
      if (!/^[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*$/.test(d)) {
        sink.error(ISSUE_CODES.malformedBinaryPatch, 'malformed line in GIT binary patch data', positionInLine(lines[i], 0));
        return i;
      }
      i++;
    }
    if (i < n) i++; // blank line after the block
  }
  if (blocks === 0) sink.error(ISSUE_CODES.malformedBinaryPatch, "GIT binary patch without a 'literal' or 'delta' block", i < n ? positionInLine(lines[i], 0) : { line: 0, column: 0 });
  return i;
}
