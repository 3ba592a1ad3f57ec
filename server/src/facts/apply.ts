/**
 * Applies a file's hunks to its text in memory, the way `git apply` does without fuzz: each hunk's pre-image must
 * match exactly, at the recorded line or (if the file moved under it) at the nearest line where it does match.
 * Used to reconstruct whole post-image files (and so whole functions) when the patched file is in the tree.
 */
import type { FileDiff, Hunk } from '../series/types';

export interface AppliedHunk {
  hunk: number;
  /** 0-based line in the old text where the hunk's pre-image was found. */
  oldAt: number;
  /** 0-based line in the new text where the hunk's post-image starts. */
  newAt: number;
  /** Lines the hunk had to move from where its header says (git's "Hunk #n succeeded at … (offset k lines)"). */
  offset: number;
}

export type ApplyResult =
  | {
      ok: true;
      text: string;
      hunks: AppliedHunk[];
      /**
       * For every 0-based line of the new text: the (hunk index, index into hunk.lines) it came from, or -1 for an
       * untouched line. Lets callers tell added lines from context and map them to the patch document.
       */
      newLineSource: Int32Array;
      /** Same for the old text (removed and context lines). */
      oldLineSource: Int32Array;
    }
  | { ok: false; hunk: number; reason: string };

/** Packs (hunk, line) into one int: hunk * 2^20 + line. Hunks over 2^20 lines are refused by the parser's size cap. */
export const SOURCE_SHIFT = 1 << 20;

function splitText(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const body = finalNewline ? text.slice(0, -1) : text;
  return { lines: body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)), finalNewline };
}

function matchesAt(lines: string[], at: number, pre: string[]): boolean {
  if (at < 0 || at + pre.length > lines.length) return false;
  for (let i = 0; i < pre.length; i++) if (lines[at + i] !== pre[i]) return false;
  return true;
}

/** Nearest line ≥ minAt where pre matches, searching outward from want (clamped into the file: a hunk header can claim any line). */
function findPreImage(lines: string[], pre: string[], wantRaw: number, minAt: number): number {
  const want = Math.min(Math.max(wantRaw, minAt), lines.length);
  if (pre.length === 0) return want;
  const limit = lines.length + 1;
  for (let d = 0; d <= limit; d++) {
    const down = want + d;
    if (down >= minAt && matchesAt(lines, down, pre)) return down;
    const up = want - d;
    if (d > 0 && up >= minAt && matchesAt(lines, up, pre)) return up;
    if (down > lines.length && up < minAt) break;
  }
  return -1;
}

export function applyFileDiff(oldText: string, file: FileDiff): ApplyResult {
  if (file.binary) return { ok: false, hunk: -1, reason: 'binary patch' };
  const { lines: old, finalNewline } = splitText(oldText);
  const out: string[] = [];
  const newSrc: number[] = [];
  const oldSrc = new Int32Array(old.length).fill(-1);
  const applied: AppliedHunk[] = [];
  let cursor = 0;
  let delta = 0;
  let endsWithoutNewline = !finalNewline;
  for (let h = 0; h < file.hunks.length; h++) {
    const hunk: Hunk = file.hunks[h];
    if (!hunk.complete) return { ok: false, hunk: h, reason: 'truncated hunk' };
    const pre: string[] = [];
    for (const dl of hunk.lines) if (dl.kind !== 'add') pre.push(dl.text);
    const want = (hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1) + delta;
    const at = findPreImage(old, pre, Math.max(0, want), cursor);
    if (at < 0) return { ok: false, hunk: h, reason: `hunk #${h + 1} (${hunk.header.trim()}) does not apply: its pre-image is not in the file` };
    for (let i = cursor; i < at; i++) {
      out.push(old[i]);
      newSrc.push(-1);
    }
    const newAt = out.length;
    let oi = at;
    hunk.lines.forEach((dl, li) => {
      const src = h * SOURCE_SHIFT + li;
      if (dl.kind !== 'add') oldSrc[oi++] = src;
      if (dl.kind !== 'del') {
        out.push(dl.text);
        newSrc.push(src);
      }
    });
    applied.push({ hunk: h, oldAt: at, newAt, offset: at - (hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1) });
    cursor = at + pre.length;
    delta = at - (hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1);
    if (cursor >= old.length) {
      const last = [...hunk.lines].reverse().find((dl) => dl.kind !== 'del');
      endsWithoutNewline = last?.noNewlineAtEnd === true;
    }
  }
  for (let i = cursor; i < old.length; i++) {
    out.push(old[i]);
    newSrc.push(-1);
  }
  const text = out.length === 0 ? '' : out.join('\n') + (endsWithoutNewline ? '' : '\n');
  return { ok: true, text, hunks: applied, newLineSource: Int32Array.from(newSrc), oldLineSource: oldSrc };
}
