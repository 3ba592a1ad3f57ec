// The raw document: line splitting (LF / CRLF) and byte-faithful access for later charset decoding.
// Body lines ("BLine") are decoded lines that remember where they come from in the raw document.
import type { ColumnSegment, DocPosition } from './types';

export interface RawDocument {
  /** True when the input was bytes: `lines` then hold latin1 "binary strings" (one char per byte). */
  readonly isBytes: boolean;
  /** Raw lines without '\n' and without a trailing '\r'. */
  readonly lines: string[];
}

export function splitRawLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    lines.push(text.slice(start, end));
    start = nl + 1;
  }
  // A final '\n' does not open a new line.
  if (lines.length > 1 && text.length > 0 && text.charCodeAt(n - 1) === 10) lines.pop();
  return lines;
}

export function makeRawDocument(input: string | Uint8Array): RawDocument {
  if (typeof input === 'string') return { isBytes: false, lines: splitRawLines(input) };
  const bin = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  return { isBytes: true, lines: splitRawLines(bin) };
}

/** A decoded body line with its origin. */
export interface BLine {
  text: string;
  /** Document position of column 0. */
  pos: DocPosition;
  /** Non-identity column mapping (quoted-printable). */
  segments?: ColumnSegment[];
  /** Base64: no per-line position; every column maps to `pos`. */
  approximate?: boolean;
}

/**
 * Document position of `column` of a decoded line whose column 0 is at `pos` (plus `offset` columns when the mapping is
 * the identity, e.g. 1 for the ' '/'+'/'-' prefix of a diff line): through the segments of a non-identity mapping
 * (quoted-printable), or `pos` itself for an approximate (base64) line.
 */
export function columnToDocument(pos: DocPosition, segments: ColumnSegment[] | undefined, approximate: boolean | undefined, column: number, offset = 0): DocPosition {
  if (approximate) return { line: pos.line, column: pos.column };
  if (!segments || segments.length === 0) return { line: pos.line, column: pos.column + offset + column };
  // Binary search for the last segment starting at or before column.
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].fromColumn <= column) lo = mid;
    else hi = mid - 1;
  }
  const s = segments[lo];
  const delta = column - s.fromColumn;
  return { line: s.position.line, column: s.position.column + (delta > 0 ? delta : 0) };
}

/** Document position of a column of a body line. */
export function positionInLine(b: BLine, column: number): DocPosition {
  return columnToDocument(b.pos, b.segments, b.approximate, column);
}

/** Segments of a body line shifted so that column 0 of the result is column `shift` of the line. */
export function shiftSegments(b: BLine, shift: number): ColumnSegment[] | undefined {
  const segs = b.segments;
  if (!segs || segs.length === 0) return undefined;
  const out: ColumnSegment[] = [];
  for (const s of segs) {
    const from = s.fromColumn - shift;
    if (from <= 0) {
      const p = positionInLine(b, shift);
      if (out.length === 0) out.push({ fromColumn: 0, position: p });
      else out[0] = { fromColumn: 0, position: p };
    } else {
      if (out.length === 0) out.push({ fromColumn: 0, position: positionInLine(b, shift) });
      out.push({ fromColumn: from, position: { ...s.position } });
    }
  }
  return out;
}

/** Identity body lines for a range of raw lines (already text). */
export function identityLines(lines: string[], from: number, to: number): BLine[] {
  const out: BLine[] = new Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = { text: lines[i], pos: { line: i, column: 0 } };
  return out;
}
