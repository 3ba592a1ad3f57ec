// The parts of one patch body: commit message, trailers, notes, diffstat, diff, base-commit; and cover letters.
import { findDiffstat, parseShortlog } from './diffstat';
import { isDiffStart, parseDiff } from './diff';
import { ISSUE_CODES, type IssueSink } from './issues';
import { parsePerson } from './mail';
import { type BLine, positionInLine } from './source';
import type { Diffstat, DocPosition, FileDiff, Patch, Person, ShortlogEntry } from './types';
import { parseTrailers } from './trailers';

export interface InBodyHeaders {
  author?: Person;
  date?: string;
  subject?: { text: string; position: DocPosition };
}

/** What the body of a patch mail yields: the Patch fields it fills, the in-body headers, and whether it has a diff. */
export interface PatchBody
  extends Pick<Patch, 'message' | 'description' | 'messagePosition' | 'trailers' | 'notes' | 'baseCommit' | 'diffstat' | 'files'> {
  inBody: InBodyHeaders;
  hasDiff: boolean;
}

function joinText(lines: BLine[], from: number, to: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(lines[i].text);
  return parts.join('\n');
}

function trimBlankEdges(lines: BLine[], from: number, to: number): [number, number] {
  while (from < to && lines[from].text.trim() === '') from++;
  while (to > from && lines[to - 1].text.trim() === '') to--;
  return [from, to];
}

const BASE_COMMIT_RE = /^base-commit: ([0-9a-fA-F]{7,64})\s*$/;

function isSignature(lines: BLine[], i: number): boolean {
  return lines[i].text === '-- ';
}

/** Tail after the diff: base-commit, prerequisite-patch-id, signature; anything else is reported. */
function parseTail(lines: BLine[], from: number, sink: IssueSink, mail: boolean): { sha: string; position: DocPosition } | null {
  let base: { sha: string; position: DocPosition } | null = null;
  let reported = false;
  let i = from;
  const n = lines.length;
  for (; i < n; i++) {
    const t = lines[i].text;
    if (mail && isSignature(lines, i)) break;
    const m = BASE_COMMIT_RE.exec(t);
    if (m) {
      base = { sha: m[1].toLowerCase(), position: positionInLine(lines[i], 0) };
      continue;
    }
    if (t.trim() === '' || t.startsWith('prerequisite-patch-id: ')) continue;
    if (!reported) {
      sink.warning(ISSUE_CODES.textAfterDiff, `unexpected text after the diff: "${t.slice(0, 60)}"`, positionInLine(lines[i], 0));
      reported = true;
    }
  }
  if (mail && i < n) skipSignature(lines, i, sink);
  return base;
}

/** Signature block: '-- ' then lines up to a blank line; non-blank text after that is garbage between mails. */
function skipSignature(lines: BLine[], sig: number, sink: IssueSink): void {
  let i = sig + 1;
  const n = lines.length;
  while (i < n && lines[i].text.trim() !== '') i++;
  for (; i < n; i++) {
    if (lines[i].text.trim() !== '') {
      sink.warning(ISSUE_CODES.garbageBetweenMails, `text after the mail signature: "${lines[i].text.slice(0, 60)}"`, positionInLine(lines[i], 0));
      return;
    }
  }
}

export function parsePatchBody(lines: BLine[], sink: IssueSink, mail: boolean): PatchBody {
  const n = lines.length;
  const inBody: InBodyHeaders = {};
  let i0 = 0;
  if (mail) {
    let k = 0;
    while (k < n && lines[k].text.trim() === '') k++;
    let j = k;
    const found: InBodyHeaders = {};
    while (j < n) {
      const m = /^(From|Date|Subject): ?(.*)$/.exec(lines[j].text);
      if (!m) break;
      if (m[1] === 'From') found.author = parsePerson(m[2]);
      else if (m[1] === 'Date') found.date = m[2].trim();
      else found.subject = { text: m[2].trim(), position: positionInLine(lines[j], 0) };
      j++;
    }
    if (j > k && (j >= n || lines[j].text.trim() === '')) {
      Object.assign(inBody, found);
      i0 = Math.min(n, j + 1);
    }
  }
  let d = -1;
  for (let i = i0; i < n; i++) {
    const c = lines[i].text.charCodeAt(0);
    if ((c === 100 /* d */ || c === 45 /* - */) && isDiffStart(lines, i)) {
      d = i;
      break;
    }
    if (mail && isSignature(lines, i) && i + 1 < n && /^\d+(\.\d+)+/.test(lines[i + 1].text)) break;
  }
  if (d < 0 && !mail) {
    // A hunk without any file header: let the diff parser report it.
    for (let i = i0; i < n; i++) if (lines[i].text.startsWith('@@ -')) { d = i; break; }
  }
  let sep = -1;
  const sepLimit = d >= 0 ? d : n;
  for (let i = i0; i < sepLimit; i++) {
    if (lines[i].text === '---') {
      sep = i;
      break;
    }
  }
  let msgEnd = sep >= 0 ? sep : d >= 0 ? d : n;
  if (mail && sep < 0 && d < 0) {
    for (let i = i0; i < n; i++) if (isSignature(lines, i)) { msgEnd = i; break; }
  }
  const [mFrom, mTo] = trimBlankEdges(lines, i0, msgEnd);
  const message = mail ? joinText(lines, mFrom, mTo) : '';
  const { trailers, blockStart } = mail ? parseTrailers(lines, mFrom, mTo) : { trailers: [], blockStart: mTo };
  const [dFrom, dTo] = trimBlankEdges(lines, mFrom, Math.min(blockStart, mTo));
  const description = mail ? joinText(lines, dFrom, dTo) : '';
  const messagePosition = mFrom < n ? positionInLine(lines[mFrom], 0) : n > 0 ? positionInLine(lines[n - 1], 0) : { line: 0, column: 0 };

  let diffstat: Diffstat | null = null;
  const noteParts: string[] = [];
  if (sep >= 0) {
    const regionEnd = d >= 0 ? d : n;
    const ds = findDiffstat(lines, sep + 1, regionEnd);
    const pushNotes = (a: number, b: number): void => {
      const [x, y] = trimBlankEdges(lines, a, b);
      if (y > x) noteParts.push(joinText(lines, x, y));
    };
    if (ds) {
      diffstat = ds.diffstat;
      pushNotes(sep + 1, ds.start);
      pushNotes(ds.end, regionEnd);
    } else if (d >= 0) pushNotes(sep + 1, regionEnd);
  }
  let files: FileDiff[] = [];
  let baseCommit: { sha: string; position: DocPosition } | null = null;
  if (d >= 0) {
    const r = parseDiff(lines, d, sink, { mail });
    files = r.files;
    baseCommit = parseTail(lines, r.end, sink, mail);
  } else if (mail) {
    for (let i = msgEnd; i < n; i++) {
      const m = BASE_COMMIT_RE.exec(lines[i].text);
      if (m) baseCommit = { sha: m[1].toLowerCase(), position: positionInLine(lines[i], 0) };
      if (isSignature(lines, i)) {
        skipSignature(lines, i, sink);
        break;
      }
    }
  }
  return {
    inBody,
    message,
    description,
    messagePosition,
    trailers,
    notes: noteParts.join('\n\n'),
    baseCommit,
    diffstat,
    files,
    hasDiff: d >= 0,
  };
}

export interface CoverBody {
  body: string;
  bodyPosition: DocPosition;
  shortlog: ShortlogEntry[];
  diffstat: Diffstat | null;
  baseCommit: { sha: string; position: DocPosition } | null;
}

export function parseCoverBody(lines: BLine[], sink: IssueSink, fallback: DocPosition): CoverBody {
  const n = lines.length;
  let end = n;
  for (let i = 0; i < n; i++) {
    if (isSignature(lines, i)) {
      end = i;
      skipSignature(lines, i, sink);
      break;
    }
  }
  const [from, to] = trimBlankEdges(lines, 0, end);
  let baseCommit: { sha: string; position: DocPosition } | null = null;
  for (let i = from; i < to; i++) {
    const m = BASE_COMMIT_RE.exec(lines[i].text);
    if (m) baseCommit = { sha: m[1].toLowerCase(), position: positionInLine(lines[i], 0) };
  }
  const ds = findDiffstat(lines, from, to);
  return {
    body: joinText(lines, from, to),
    bodyPosition: from < to ? positionInLine(lines[from], 0) : fallback,
    shortlog: parseShortlog(lines, from, to),
    diffstat: ds ? ds.diffstat : null,
    baseCommit,
  };
}
