/**
 * A fix computed on a post-image file (TextEdits in file coordinates) carried into the patch that produces that
 * file, so that the edited patch still applies and reads like a hand-written one: the hunk's post-image is edited,
 * its body is re-derived from the (unchanged) pre-image and the new post-image by a line diff, its header is
 * recounted and the new start of every later hunk of the file shifted. A hunk left without changes is dropped
 * (git rejects a hunk with no '+'/'-' line). Refuses (undefined) when a touched line is not in the patch, spans two
 * hunks, is encoded (quoted-printable / base64 mail bodies), ends without a newline, or when the fix would leave the
 * file's diff empty.
 */
import type { Range } from '../c/types';
import type { FileDiff, Hunk } from '../series/types';
import type { TextEdit } from './types';

/** Hunks larger than this are not re-diffed (the LCS table is quadratic). */
const MAX_HUNK_LINES = 3000;

/** Index of the hunk whose post-image holds 0-based new-file line `n`, and the line's index in that post-image. */
function locate(file: FileDiff, n: number): { hunk: number; post: number } | undefined {
  for (let h = 0; h < file.hunks.length; h++) {
    let k = 0;
    for (const dl of file.hunks[h]!.lines) {
      if (dl.kind === 'del') continue;
      if (dl.newLine === n + 1) return { hunk: h, post: k };
      k++;
    }
  }
  return undefined;
}

/** Applies edits (non-overlapping, in coordinates relative to `lines`' first line) to whole lines. */
function applyToLines(lines: string[], first: number, edits: TextEdit[]): string[] {
  const offs: number[] = [];
  let o = 0;
  for (const l of lines) {
    offs.push(o);
    o += l.length + 1;
  }
  offs.push(o);
  const at = (p: Range['start']): number => {
    const base = offs[p.line - first];
    if (base === undefined) throw new RangeError('edit outside the hunk');
    return base + p.column;
  };
  let text = lines.map((l) => l + '\n').join('');
  for (const e of [...edits].sort((a, b) => at(b.range.start) - at(a.range.start)))
    text = text.slice(0, at(e.range.start)) + e.newText + text.slice(at(e.range.end));
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/** A minimal line diff (LCS) of a → b as unified-diff body lines. */
export function diffLines(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(' ' + a[i]);
      i++;
      j++;
    } else if (i < n && (j >= m || t[(i + 1) * w + j]! >= t[i * w + j + 1]!)) out.push('-' + a[i++]);
    else out.push('+' + b[j++]);
  }
  return out;
}

function header(h: Hunk, newStart: number, newCount: number): string {
  const old = h.oldCount === 1 ? `-${h.oldStart}` : `-${h.oldStart},${h.oldCount}`;
  const nw = newCount === 1 ? `+${newStart}` : `+${newStart},${newCount}`;
  return `@@ ${old} ${nw} @@${h.context ? ' ' + h.context : ''}`;
}

const HEADER_RE = /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/;

/**
 * Document edits (0-based document lines/columns) that make the patch produce the edited post-image, or undefined
 * when the fix cannot be carried into this patch. `docLines` are the document's lines (to keep CRLF endings).
 */
export function patchEditsFor(file: FileDiff, edits: TextEdit[], docLines: readonly string[]): TextEdit[] | undefined {
  if (edits.length === 0) return undefined;
  let lo = Infinity;
  let hi = -1;
  for (const e of edits) {
    lo = Math.min(lo, e.range.start.line);
    hi = Math.max(hi, e.range.end.column === 0 && e.range.end.line > e.range.start.line ? e.range.end.line - 1 : e.range.end.line);
  }
  const first = locate(file, lo);
  const last = locate(file, hi);
  if (!first || !last || first.hunk !== last.hunk) return undefined;
  const hi_ = first.hunk;
  const hunk = file.hunks[hi_]!;
  if (!hunk.complete || hunk.lines.length > MAX_HUNK_LINES) return undefined;
  if (hunk.lines.some((dl) => dl.approximate || (dl.segments && dl.segments.length > 1) || dl.noNewlineAtEnd)) return undefined;
  const oldImage = hunk.lines.filter((dl) => dl.kind !== 'add').map((dl) => dl.text);
  const postImage = hunk.lines.filter((dl) => dl.kind !== 'del').map((dl) => dl.text);
  const postFirstLine = lo - first.post; // file line of the hunk's first post-image line
  let newPost: string[];
  try {
    newPost = applyToLines(postImage, postFirstLine, edits);
  } catch {
    return undefined;
  }
  if (newPost.length === 0) return undefined;
  const body = diffLines(oldImage, newPost);
  const delta = newPost.length - postImage.length;
  const firstDoc = hunk.position.line;
  const lastDoc = hunk.lines.length ? hunk.lines[hunk.lines.length - 1]!.position.line : firstDoc;
  const eol = (docLines[firstDoc] ?? '').endsWith('\r') ? '\r\n' : '\n';
  const out: TextEdit[] = [];
  const whole = { start: { line: firstDoc, column: 0 }, end: { line: lastDoc + 1, column: 0 } };
  if (!body.some((l) => l[0] !== ' ')) {
    if (file.hunks.length === 1) return undefined; // the file's diff would be empty
    out.push({ range: whole, newText: '' });
  } else {
    out.push({ range: whole, newText: [header(hunk, hunk.newStart, newPost.length), ...body].join(eol) + eol });
  }
  if (delta !== 0)
    for (let i = hi_ + 1; i < file.hunks.length; i++) {
      const h = file.hunks[i]!;
      const line = h.position.line;
      const text = (docLines[line] ?? '').replace(/\r$/, '');
      const m = HEADER_RE.exec(text);
      if (!m) return undefined;
      const nh = HEADER_RE.exec(header(h, h.newStart + delta, h.newCount))![0];
      out.push({ range: { start: { line, column: 0 }, end: { line, column: m[0].length } }, newText: nh });
    }
  return out;
}
