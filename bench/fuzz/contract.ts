/**
 * The contract every in-process parser result must keep on any input (issue #11), checked by the bulk fuzz target
 * (bench/fuzz/bulk-worker.ts) on each mutant:
 *  - every position of a PatchDocument (issues, mails, patches, files, hunks, diff lines, segments) is inside the
 *    document: a 0-based line of it and a column within that line (an exclusive end may sit just past the last line);
 *  - hunk numbers and diff line numbers are safe non-negative integers;
 *  - C facts of a C file are inside the file's text, and start <= end for every range;
 *  - C facts of a patch (file coordinates) are safe non-negative integers with start <= end, and every line origin
 *    points at a line of the document;
 *  - the rules report no internal error, and every finding (and its related locations and fixes) is inside the
 *    text it is reported on.
 * Each check returns the violations as short strings ('' entries never); an empty list is a pass.
 */
import type { PatchDocument } from '../../server/src/series/types';
import type { InputFacts } from '../../server/src/facts/types';

/** Lengths of the lines of a text split on '\n' (a '\r' before it counts: an allowance, columns never exceed it). */
export function lineLengths(text: string): number[] {
  const out: number[] = [];
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) {
      out.push(text.length - at);
      return out;
    }
    out.push(nl - at);
    at = nl + 1;
  }
}

interface Pos {
  line: number;
  column: number;
}
const isPos = (o: Record<string, unknown>): boolean => typeof o.line === 'number' && typeof o.column === 'number';

/**
 * Visits every plain object reachable from `root` through plain objects and arrays (class instances, such as syntax
 * trees, and the keys in `skip` are not entered), with the key path that led to it.
 */
function visitPlainObjects(root: unknown, visit: (o: Record<string, unknown>, path: string) => void, skip: ReadonlySet<string>): void {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], path);
      return;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return;
    const o = v as Record<string, unknown>;
    visit(o, path);
    for (const k of Object.keys(o)) if (!skip.has(k)) walk(o[k], `${path}.${k}`);
  };
  walk(root, '');
}

/** Visits every {line, column} object reachable from `root` (see visitPlainObjects). */
function visitPositions(root: unknown, visit: (p: Pos, path: string) => void, skip: ReadonlySet<string> = new Set()): void {
  visitPlainObjects(root, (o, path) => {
    if (isPos(o)) visit(o as unknown as Pos, path);
  }, skip);
}

/** Visits every {start, end} range reachable from `root`. */
function visitRanges(root: unknown, visit: (start: Pos, end: Pos, path: string) => void, skip: ReadonlySet<string> = new Set()): void {
  visitPlainObjects(root, (o, path) => {
    const s = o.start as Record<string, unknown> | undefined;
    const e = o.end as Record<string, unknown> | undefined;
    if (s && e && typeof s === 'object' && typeof e === 'object' && isPos(s) && isPos(e)) visit(s as unknown as Pos, e as unknown as Pos, path);
  }, skip);
}

const safe = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
const before = (a: Pos, b: Pos): boolean => a.line < b.line || (a.line === b.line && a.column <= b.column);

/** Is `p` inside a text whose line lengths are `lens` (the end of the last line included)? */
function inside(p: Pos, lens: readonly number[]): boolean {
  if (!safe(p.line) || !safe(p.column)) return false;
  if (p.line < lens.length) return p.column <= lens[p.line]!;
  return p.line === lens.length && p.column === 0;
}

const MAX_REPORTED = 3;
function collect(): { out: string[]; add: (s: string) => void } {
  const out: string[] = [];
  return { out, add: (s) => void (out.length < MAX_REPORTED && out.push(s)) };
}
const fmt = (p: Pos): string => `${p.line}:${p.column}`;

/** The PatchDocument contract. `lens`: line lengths of the text as parsed (latin1 for bytes: the longest decoding). */
export function checkDocument(doc: PatchDocument, lens: readonly number[]): string[] {
  const { out, add } = collect();
  visitPositions(doc, (p, path) => {
    if (!inside(p, lens)) add(`document position ${fmt(p)} outside the text (${lens.length} lines) at ${path}`);
  });
  visitRanges(doc, (s, e, path) => {
    if (!before(s, e)) add(`document range ${fmt(s)}-${fmt(e)} ends before it starts at ${path}`);
  });
  for (const p of doc.patches)
    for (const f of p.files)
      for (const h of f.hunks) {
        for (const n of [h.oldStart, h.oldCount, h.newStart, h.newCount, h.actualOldCount, h.actualNewCount])
          if (!safe(n)) add(`hunk number ${n} is not a safe non-negative integer (${h.header.slice(0, 60)})`);
        for (const l of h.lines)
          for (const n of [l.oldLine, l.newLine]) if (n !== undefined && !safe(n)) add(`diff line number ${n} is not a safe non-negative integer`);
      }
  return out;
}

/** The facts contract (see the file comment). `lens`: line lengths of the text the facts are of. */
export function checkFacts(f: InputFacts, lens: readonly number[]): string[] {
  const { out, add } = collect();
  if (f.kind === 'c') {
    visitPositions(f.facts, (p, path) => {
      if (!inside(p, lens)) add(`C facts position ${fmt(p)} outside the file (${lens.length} lines) at ${path}`);
    });
    visitRanges(f.facts, (s, e, path) => {
      if (!before(s, e)) add(`C facts range ${fmt(s)}-${fmt(e)} ends before it starts at ${path}`);
    });
    return out;
  }
  for (const p of f.patches)
    for (const file of p.files)
      for (const side of [file.pre, file.post]) {
        if (!side) continue;
        for (const [fileLine, docLine] of side.lines) {
          if (!safe(fileLine)) add(`line origin: file line ${fileLine} is not a safe non-negative integer`);
          if (!safe(docLine) || docLine >= lens.length) add(`line origin: document line ${docLine} outside the document (${lens.length} lines)`);
        }
        for (const u of side.units) {
          visitPositions(u.facts, (q, path) => {
            if (!safe(q.line) || !safe(q.column)) add(`patch C facts position ${fmt(q)} is not safe non-negative integers at ${path}`);
          });
          visitRanges(u.facts, (s, e, path) => {
            if (!before(s, e)) add(`patch C facts range ${fmt(s)}-${fmt(e)} ends before it starts at ${path}`);
          });
        }
      }
  return out;
}

interface Located {
  range: { start: Pos; end: Pos };
}
/** The rules contract: no internal error; findings, related locations and fixes inside the text they are on. */
export function checkFindings(
  r: { internalErrors: readonly unknown[]; findings: readonly (Located & { documentRange?: Located['range']; documentRelated?: readonly Located[]; documentFixes?: readonly unknown[] })[] },
  lens: readonly number[],
  kind: 'c' | 'patch',
): string[] {
  const { out, add } = collect();
  for (const e of r.internalErrors) add(`rule internal error: ${JSON.stringify(e).slice(0, 300)}`);
  for (const f of r.findings) {
    const located: unknown[] = kind === 'c' ? [f] : [f.documentRange, f.documentRelated, f.documentFixes];
    for (const x of located)
      visitPositions(x, (p, path) => {
        if (!inside(p, lens)) add(`finding position ${fmt(p)} outside the ${kind === 'c' ? 'file' : 'document'} (${lens.length} lines) at ${path}`);
      });
  }
  return out;
}
