// Mail headers: folding, RFC 2047 encoded words, addresses.
import { TextDecoder } from 'node:util';
import { ISSUE_CODES } from './issues';
import { decodeBytes, type DecodeContext } from './transfer-encoding';
import type { DocPosition, MailHeader, Person } from './types';

const HEADER_RE = /^([!-9;-~]+):[ \t]?(.*)$/;

/** True when a raw line looks like a header field ("Name: value"). */
export function isHeaderLine(line: string): boolean {
  return HEADER_RE.test(line);
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A raw header line as text: byte input is UTF-8 when valid, otherwise latin1. */
function headerText(line: string, ctx: DecodeContext): string {
  // eslint-disable-next-line no-control-regex
  if (!ctx.isBytes || !/[^\x00-\x7f]/.test(line)) return line;
  try {
    return fatalUtf8.decode(Buffer.from(line, 'latin1'));
  } catch {
    return line; // latin1 already
  }
}

const ENCODED_WORD_RE = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function decodeEncodedWord(charset: string, enc: string, data: string, ctx: DecodeContext, pos: DocPosition): string | null {
  let bytes: Uint8Array;
  if (enc === 'B' || enc === 'b') {
    bytes = Buffer.from(data, 'base64');
  } else {
    const out: number[] = [];
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c === 95 /* _ */) out.push(32);
      else if (c === 61 /* = */ && i + 2 < data.length + 0 && /^[0-9A-Fa-f]{2}$/.test(data.slice(i + 1, i + 3))) {
        out.push(parseInt(data.slice(i + 1, i + 3), 16));
        i += 2;
      } else out.push(c & 0xff);
    }
    bytes = Uint8Array.from(out);
  }
  const label = charset.split('*')[0];
  try {
    new TextDecoder(label);
  } catch {
    ctx.sink.warning(ISSUE_CODES.undecodableEncodedWord, `encoded word with unknown charset "${charset}" left as is`, pos);
    return null;
  }
  return decodeBytes(bytes, label, ctx, pos);
}

/** RFC 2047: decodes =?charset?Q|B?…?= words; whitespace between adjacent encoded words is dropped. */
export function decodeRfc2047(value: string, ctx: DecodeContext, pos: DocPosition): string {
  if (value.indexOf('=?') < 0) return value;
  let out = '';
  let last = 0;
  let prevWasWord = false;
  ENCODED_WORD_RE.lastIndex = 0;
  for (let m = ENCODED_WORD_RE.exec(value); m !== null; m = ENCODED_WORD_RE.exec(value)) {
    const between = value.slice(last, m.index);
    const decoded = decodeEncodedWord(m[1], m[2], m[3], ctx, pos);
    if (!(prevWasWord && /^[ \t]*$/.test(between))) out += between;
    out += decoded === null ? m[0] : decoded;
    prevWasWord = decoded !== null;
    last = m.index + m[0].length;
  }
  return out + value.slice(last);
}

export interface HeaderBlock {
  headers: MailHeader[];
  /** Index of the first line after the header block (the blank separator line or the first body line). */
  end: number;
  /** True when the block ended with a blank line. */
  blankTerminated: boolean;
}

/**
 * Parses a header block starting at lines[start], up to `limit`. Folded lines (leading whitespace) continue the
 * previous header. A line that is neither ends the block with a warning.
 */
export function parseHeaderBlock(lines: string[], start: number, limit: number, ctx: DecodeContext): HeaderBlock {
  const headers: MailHeader[] = [];
  let i = start;
  let name = '';
  let parts: string[] = [];
  let pos: DocPosition = { line: start, column: 0 };
  const flush = (): void => {
    if (name === '') return;
    const rawValue = parts.join(' ').trim();
    headers.push({ name, rawValue, value: decodeRfc2047(rawValue, ctx, pos), position: pos });
    name = '';
    parts = [];
  };
  for (; i < limit; i++) {
    const line = lines[i];
    if (line === '') {
      flush();
      return { headers, end: i, blankTerminated: true };
    }
    const c = line.charCodeAt(0);
    if ((c === 32 || c === 9) && name !== '') {
      parts.push(headerText(line, ctx).trim());
      continue;
    }
    const m = HEADER_RE.exec(line);
    if (!m) {
      flush();
      ctx.sink.warning(ISSUE_CODES.malformedHeader, 'header block ends without a blank line; body assumed to start here', { line: i, column: 0 });
      return { headers, end: i, blankTerminated: false };
    }
    flush();
    name = m[1];
    parts = [headerText(m[2], ctx)];
    pos = { line: i, column: 0 };
  }
  flush();
  return { headers, end: i, blankTerminated: false };
}

export function headerValue(headers: MailHeader[], name: string): MailHeader | undefined {
  const lower = name.toLowerCase();
  for (const h of headers) if (h.name.toLowerCase() === lower) return h;
  return undefined;
}

/** Parses 'Name <email>', '"Name" <email>', 'email (Name)' or a bare address. */
export function parsePerson(raw: string): Person {
  const text = raw.trim();
  const lt = text.lastIndexOf('<');
  const gt = text.lastIndexOf('>');
  if (lt >= 0 && gt > lt) {
    let name = text.slice(0, lt).trim();
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
    return { name, email: text.slice(lt + 1, gt).trim(), raw: text };
  }
  const paren = /^([^\s()]+@[^\s()]+)\s*\((.*)\)$/.exec(text);
  if (paren) return { name: paren[2].trim(), email: paren[1], raw: text };
  if (/^[^\s@]+@[^\s@]+$/.test(text)) return { name: '', email: text, raw: text };
  return { name: text, email: '', raw: text };
}

/** The charset parameter of a Content-Type value, lower-cased. */
export function contentTypeCharset(value: string): string | null {
  const m = /(?:^|;)\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(value);
  return m ? m[1].toLowerCase() : null;
}

export function contentTypeBoundary(value: string): string | null {
  const m = /(?:^|;)\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(value);
  return m ? (m[1] ?? m[2]) : null;
}
