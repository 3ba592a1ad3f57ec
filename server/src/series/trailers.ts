// Commit message trailers: the last paragraph of 'Key: value' lines (Signed-off-by, Fixes, Link, …).
import { parsePerson } from './mail';
import { type BLine, positionInLine } from './source';
import type { Trailer } from './types';

const KNOWN_KEYS = [
  'Signed-off-by', 'Reviewed-by', 'Acked-by', 'Tested-by', 'Reported-by', 'Suggested-by', 'Co-developed-by',
  'Link', 'Fixes', 'Cc', 'Closes', 'Reported-and-tested-by', 'Requested-by', 'Originally-by', 'Debugged-by',
  'Analyzed-by', 'Bisected-by', 'Based-on-patch-by', 'Message-Id', 'Message-ID', 'Change-Id', 'Helped-by',
];
const CANONICAL = new Map(KNOWN_KEYS.map((k) => [k.toLowerCase(), k]));
const PERSON_KEYS = new Set(
  ['signed-off-by', 'reviewed-by', 'acked-by', 'tested-by', 'reported-by', 'suggested-by', 'co-developed-by', 'cc',
    'reported-and-tested-by', 'requested-by', 'originally-by', 'debugged-by', 'analyzed-by', 'bisected-by',
    'based-on-patch-by', 'helped-by'],
);

const TRAILER_RE = /^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;

function isKnownish(key: string): boolean {
  const k = key.toLowerCase();
  return CANONICAL.has(k) || k.endsWith('-by');
}

/**
 * Finds the trailer block of a message (lines [from, to)). Returns the trailers and the index of the first
 * line of the block (== to when there is none).
 */
export function parseTrailers(lines: BLine[], from: number, to: number): { trailers: Trailer[]; blockStart: number } {
  let end = to;
  while (end > from && lines[end - 1].text.trim() === '') end--;
  let start = end;
  while (start > from && lines[start - 1].text.trim() !== '') start--;
  if (start >= end) return { trailers: [], blockStart: to };
  // Validate: every line is a trailer, a continuation, or a kernel '[name: note]' line; one key is known.
  let known = false;
  let keyed = 0;
  for (let i = start; i < end; i++) {
    const t = lines[i].text;
    const m = TRAILER_RE.exec(t);
    if (m) {
      keyed++;
      if (isKnownish(m[1])) known = true;
      continue;
    }
    if ((t.startsWith(' ') || t.startsWith('\t')) && keyed > 0) continue;
    if (/^\[.*\]$/.test(t.trim())) continue;
    return { trailers: [], blockStart: to };
  }
  if (!known) return { trailers: [], blockStart: to };
  const trailers: Trailer[] = [];
  for (let i = start; i < end; i++) {
    const t = lines[i].text;
    const m = TRAILER_RE.exec(t);
    if (!m) {
      const last = trailers[trailers.length - 1];
      if (last && (t.startsWith(' ') || t.startsWith('\t'))) {
        last.value = `${last.value} ${t.trim()}`.trim();
        finish(last);
      }
      continue;
    }
    const rawKey = m[1];
    const key = CANONICAL.get(rawKey.toLowerCase()) ?? rawKey;
    const tr: Trailer = { key, rawKey, value: m[2].trim(), position: positionInLine(lines[i], 0) };
    finish(tr);
    trailers.push(tr);
  }
  return { trailers, blockStart: start };
}

function finish(tr: Trailer): void {
  const k = tr.key.toLowerCase();
  if (PERSON_KEYS.has(k)) {
    // Strip a trailing comment like '# v5.10+' or '[jane: …]'.
    const v = tr.value.replace(/\s+#.*$/, '');
    tr.person = parsePerson(v);
  } else if (k === 'fixes') {
    const m = /^([0-9a-fA-F]{6,40})\b\s*(?:\(\s*"(.*)"\s*\)|\((.*)\))?/.exec(tr.value);
    if (m) tr.fixes = { sha: m[1].toLowerCase(), title: m[2] ?? m[3] ?? '' };
  }
}
