// The diffstat block after '---' (' path | 12 ++--', summary, mode lines) and the cover letter shortlog.
import { type BLine, positionInLine } from './source';
import type { Diffstat, DiffstatEntry, ShortlogEntry } from './types';

const SUMMARY_RE = /^\s*(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?\s*$/;
const MODE_RE = /^ (?:create mode|delete mode|mode change|rename|copy) /;

export function parseDiffstatEntry(b: BLine): DiffstatEntry | null {
  const t = b.text;
  if (!t.startsWith(' ')) return null;
  const bar = t.lastIndexOf('|');
  if (bar < 2) return null;
  const path = t.slice(1, bar).trim();
  const right = t.slice(bar + 1).trim();
  if (path === '') return null;
  let m = /^(\d+)(?: ([+-]*))?$/.exec(right);
  if (m) return { path, changes: Number(m[1]), graph: m[2] ?? '', position: positionInLine(b, 1) };
  m = /^Bin(?: (\d+) -> (\d+) bytes)?$/.exec(right);
  if (m) {
    const e: DiffstatEntry = { path, changes: 0, graph: '', position: positionInLine(b, 1) };
    e.binary = { oldSize: Number(m[1] ?? 0), newSize: Number(m[2] ?? 0) };
    return e;
  }
  return null;
}

/** Finds a diffstat in lines [from, to): a run of entries followed by a summary line. */
export function findDiffstat(lines: BLine[], from: number, to: number): { diffstat: Diffstat; start: number; end: number } | null {
  for (let i = from; i < to; i++) {
    const first = parseDiffstatEntry(lines[i]);
    if (!first) continue;
    const entries: DiffstatEntry[] = [first];
    let j = i + 1;
    for (; j < to; j++) {
      const e = parseDiffstatEntry(lines[j]);
      if (!e) break;
      entries.push(e);
    }
    const ds: Diffstat = {
      entries,
      summary: null,
      modeLines: [],
      range: { start: positionInLine(lines[i], 0), end: positionInLine(lines[j - 1], lines[j - 1].text.length) },
    };
    if (j < to) {
      const m = SUMMARY_RE.exec(lines[j].text);
      if (m) {
        ds.summary = {
          filesChanged: Number(m[1]),
          insertions: Number(m[2] ?? 0),
          deletions: Number(m[3] ?? 0),
          position: positionInLine(lines[j], lines[j].text.length - lines[j].text.trimStart().length),
        };
        j++;
        for (; j < to && MODE_RE.test(lines[j].text); j++) {
          ds.modeLines.push({ text: lines[j].text.trim(), position: positionInLine(lines[j], 1) });
        }
        ds.range.end = positionInLine(lines[j - 1], lines[j - 1].text.length);
      }
    }
    return { diffstat: ds, start: i, end: j };
  }
  return null;
}

/** Cover letter shortlog: 'Author Name (3):' then indented subjects. */
export function parseShortlog(lines: BLine[], from: number, to: number): ShortlogEntry[] {
  const out: ShortlogEntry[] = [];
  for (let i = from; i < to; i++) {
    const m = /^(\S.*?) \((\d+)\):$/.exec(lines[i].text);
    if (!m) continue;
    const entry: ShortlogEntry = { author: m[1], subjects: [], position: positionInLine(lines[i], 0) };
    let j = i + 1;
    for (; j < to; j++) {
      const t = lines[j].text;
      if (!/^[ \t]+\S/.test(t)) break;
      const indent = t.length - t.trimStart().length;
      entry.subjects.push({ text: t.trim(), position: positionInLine(lines[j], indent) });
    }
    if (entry.subjects.length > 0) {
      out.push(entry);
      i = j - 1;
    }
  }
  return out;
}
