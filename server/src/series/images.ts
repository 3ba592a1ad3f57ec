// Pre-image (context + '-') and post-image (context + '+') of a hunk, with (line, column) mapping to the document.
import { columnToDocument } from './source';
import type { DiffLine, DocPosition, Hunk, HunkImage } from './types';

/** Document position of a text column of a diff line (column 0 is the char after the ' '/'+'/'-' prefix). */
export function diffLineColumnToDocument(dl: DiffLine, column: number): DocPosition {
  return columnToDocument(dl.position, dl.segments, dl.approximate, column, 1);
}

/** Text column of a diff line at a document position, or null when the position is not in the line's text. */
export function documentToDiffLineColumn(dl: DiffLine, pos: DocPosition): number | null {
  if (dl.approximate) return null;
  const segs = dl.segments;
  if (!segs || segs.length === 0) {
    if (pos.line !== dl.position.line) return null;
    const c = pos.column - dl.position.column - 1;
    return c >= 0 && c <= dl.text.length ? c : null;
  }
  for (let k = 0; k < segs.length; k++) {
    const s = segs[k];
    const segEnd = k + 1 < segs.length ? segs[k + 1].fromColumn : dl.text.length + 1;
    if (s.position.line !== pos.line) continue;
    const c = s.fromColumn + (pos.column - s.position.column);
    if (pos.column >= s.position.column && c < segEnd) return c;
  }
  return null;
}

export function hunkImage(hunk: Hunk, side: 'pre' | 'post'): HunkImage {
  const skip = side === 'pre' ? 'add' : 'del';
  const sources: DiffLine[] = [];
  for (const dl of hunk.lines) if (dl.kind !== skip) sources.push(dl);
  const lines = sources.map((dl) => dl.text);
  const last = sources[sources.length - 1];
  const text = lines.length === 0 ? '' : lines.join('\n') + (last.noNewlineAtEnd ? '' : '\n');
  const count = side === 'pre' ? hunk.oldCount : hunk.newCount;
  const start = side === 'pre' ? hunk.oldStart : hunk.newStart;
  // A zero-count side ('-0,0' / '+12,0') starts after the given line.
  const startLine = count === 0 ? start + 1 : start;
  // Index from document line to image lines (several with QP soft breaks are not possible: one diff line per doc line start).
  const byDocLine = new Map<number, number[]>();
  sources.forEach((dl, idx) => {
    const l = dl.position.line;
    const arr = byDocLine.get(l);
    if (arr) arr.push(idx);
    else byDocLine.set(l, [idx]);
    for (const s of dl.segments ?? []) {
      if (s.position.line === l) continue;
      const a2 = byDocLine.get(s.position.line);
      if (a2) {
        if (!a2.includes(idx)) a2.push(idx);
      } else byDocLine.set(s.position.line, [idx]);
    }
  });
  return {
    side,
    lines,
    text,
    startLine,
    sources,
    toDocument(line: number, column: number): DocPosition | null {
      if (!Number.isInteger(line) || line < 0 || line >= sources.length) return null;
      const dl = sources[line];
      if (!Number.isInteger(column) || column < 0 || column > dl.text.length) return null;
      return diffLineColumnToDocument(dl, column);
    },
    fromDocument(pos: DocPosition): { line: number; column: number } | null {
      const cands = byDocLine.get(pos.line);
      if (!cands) return null;
      for (const idx of cands) {
        const c = documentToDiffLineColumn(sources[idx], pos);
        if (c !== null) return { line: idx, column: c };
      }
      return null;
    },
    fileLine(line: number): number {
      return startLine + line;
    },
  };
}
