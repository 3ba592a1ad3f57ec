// Splitting a document into mails: mbox 'From ' separators (mboxo/mboxrd), or a single mail starting with headers.
import { isHeaderLine } from './mail';

export interface MailSpan {
  /** First line of the mail (the 'From ' line when present). */
  start: number;
  /** First header line. */
  headerStart: number;
  /** Exclusive end line. */
  end: number;
  hasFromLine: boolean;
}

const FROM_LINE_RE = /^From \S+ .*\d{1,2}:\d\d/;

/** An mbox separator: 'From <addr|sha> <date with hh:mm>' followed by a header line. */
export function isFromSeparator(lines: string[], i: number): boolean {
  const t = lines[i];
  if (!t.startsWith('From ') || t.length > 1000) return false;
  if (!FROM_LINE_RE.test(t)) return false;
  return i + 1 < lines.length && isHeaderLine(lines[i + 1]);
}

const MAIL_HEADER_NAMES = /^(?:from|subject|date|message-id|to|cc|return-path|received|delivered-to|mime-version|content-type|x-[a-z0-9-]+|in-reply-to|references|reply-to|sender|list-id)$/i;

/** A headers-only mail (no From_ line): the first lines are headers including From or Subject. */
function startsWithHeaders(lines: string[], first: number): boolean {
  let sawKey = false;
  for (let i = first; i < lines.length && i < first + 200; i++) {
    const t = lines[i];
    if (t === '') return sawKey;
    if ((t.startsWith(' ') || t.startsWith('\t')) && i > first) continue;
    const colon = t.indexOf(':');
    if (colon <= 0 || !isHeaderLine(t)) return false;
    const name = t.slice(0, colon);
    if (!MAIL_HEADER_NAMES.test(name)) return false;
    if (/^(?:from|subject)$/i.test(name)) sawKey = true;
  }
  return sawKey;
}

export function splitMails(lines: string[]): { mails: MailSpan[]; firstMailLine: number } {
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i];
    if (t.charCodeAt(0) === 70 /* F */ && isFromSeparator(lines, i)) starts.push(i);
  }
  if (starts.length === 0) {
    let first = 0;
    while (first < lines.length && lines[first].trim() === '') first++;
    if (first < lines.length && startsWithHeaders(lines, first)) {
      return { mails: [{ start: first, headerStart: first, end: lines.length, hasFromLine: false }], firstMailLine: first };
    }
    return { mails: [], firstMailLine: lines.length };
  }
  const mails: MailSpan[] = starts.map((s, k) => ({
    start: s,
    headerStart: s + 1,
    end: k + 1 < starts.length ? starts[k + 1] : lines.length,
    hasFromLine: true,
  }));
  return { mails, firstMailLine: starts[0] };
}

/** mboxrd/mboxo unescaping: '>From ' → 'From ', '>>From ' → '>From '. Returns the removed prefix length. */
export function unescapeFromLine(t: string): number {
  if (t.charCodeAt(0) !== 62 /* > */) return 0;
  let k = 0;
  while (k < t.length && t.charCodeAt(k) === 62) k++;
  return t.startsWith('From ', k) ? 1 : 0;
}
