/**
 * Maps parser positions to LSP positions.
 *
 * The patch parser splits lines on '\n' only (a trailing '\r' is not part of the line); LSP also ends a line at a
 * lone '\r'. For the usual LF / CRLF text the two agree and the mapping is the identity (clamped to the document);
 * when the text holds a lone '\r' (binary junk, old Mac files) positions go through document offsets.
 * Columns are UTF-16 code units on both sides.
 */
import type { Position, Range } from 'vscode-languageserver';
import type { DocPosition } from '../series/types';
import { lineStarts } from '../../../common/lines';

export class PositionMapper {
  /** Offset of the first character of each '\n'-separated line. */
  private readonly lineStarts: Int32Array;
  /** Offsets of LSP line starts, only when the text holds a lone '\r'. */
  private readonly lspLineStarts: number[] | undefined;

  constructor(private readonly text: string) {
    this.lineStarts = lineStarts(text);
    this.lspLineStarts = /\r(?!\n)/.test(text) ? lspLineStarts(text) : undefined;
  }

  /** Offset of a parser position, clamped into the document (and into its line). */
  offsetOf(p: DocPosition): number {
    const line = Math.min(Math.max(0, p.line), this.lineStarts.length - 1);
    const start = this.lineStarts[line]!;
    const end = this.parserLineEnd(line);
    return Math.min(start + Math.max(0, p.column), end);
  }

  /** LSP position of a document offset. */
  positionAt(offset: number): Position {
    const starts = this.lspLineStarts ?? this.lineStarts;
    const o = Math.min(Math.max(0, offset), this.text.length);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - starts[lo]! };
  }

  /** From a parser position to the end of its (LSP) line: what a parse issue underlines. */
  restOfLine(p: DocPosition): Range {
    const from = this.offsetOf(p);
    let to = from;
    const n = this.text.length;
    while (to < n) {
      const c = this.text.charCodeAt(to);
      if (c === 10 || c === 13) break;
      to++;
    }
    return { start: this.positionAt(from), end: this.positionAt(to) };
  }

  /** Range of the first line, trimmed to `max` characters (for document-wide notes). */
  firstLine(max = 200): Range {
    return this.restOfLine({ line: 0, column: 0 }).end.character > max
      ? { start: { line: 0, character: 0 }, end: { line: 0, character: max } }
      : this.restOfLine({ line: 0, column: 0 });
  }

  private parserLineEnd(line: number): number {
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1]! - 1 : this.text.length;
    return next > this.lineStarts[line]! && this.text.charCodeAt(next - 1) === 13 ? next - 1 : next;
  }
}

function lspLineStarts(text: string): number[] {
  const starts = [0];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      if (i + 1 < n && text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10) {
      starts.push(i + 1);
    }
  }
  return starts;
}
