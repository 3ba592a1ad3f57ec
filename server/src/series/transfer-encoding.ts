// Content-Transfer-Encoding (7bit/8bit, quoted-printable, base64) and charset decoding of mail bodies,
import { TextDecoder } from 'node:util';
// keeping a mapping from each decoded column back to the raw document.
import { ISSUE_CODES, type IssueSink } from './issues';
import { type BLine, splitRawLines } from './source';
import type { ColumnSegment, DocPosition, TransferEncoding } from './types';

/** A raw body line: `text` is latin1 binary (byte input) or text (string input). */
export interface RawLineRef {
  text: string;
  /** Document line. */
  line: number;
  /** Document column of text column 0 (1 after '>From ' unescaping). */
  colOffset: number;
}

export interface DecodeContext {
  isBytes: boolean;
  sink: IssueSink;
}

const decoderCache = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  let d = decoderCache.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = null;
    }
    decoderCache.set(label, d);
  }
  return d;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

export function isUtf8Label(charset: string | null): boolean {
  if (charset === null) return false;
  const c = charset.toLowerCase();
  return c === 'utf-8' || c === 'utf8';
}

/**
 * Decodes bytes with a charset. No charset: UTF-8 when valid, otherwise latin1 with a warning.
 * Unknown charset: warning, then the same fallback.
 */
export function decodeBytes(bytes: Uint8Array, charset: string | null, ctx: DecodeContext, pos: DocPosition): string {
  if (charset !== null) {
    const d = decoderFor(charset);
    if (d) return d.decode(bytes);
    ctx.sink.warning(ISSUE_CODES.unknownCharset, `unknown charset "${charset}"; decoding as UTF-8 (latin1 if invalid)`, pos);
  }
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    ctx.sink.warning(ISSUE_CODES.invalidUtf8, 'text is not valid UTF-8 and declares no charset; decoded as latin1', pos);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

function binaryToBytes(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/** Decodes a block of raw lines whose transfer encoding is the identity (7bit/8bit/binary). */
function decodeIdentity(raw: RawLineRef[], charset: string | null, ctx: DecodeContext): BLine[] {
  const out: BLine[] = new Array(raw.length);
  if (!ctx.isBytes || raw.length === 0) {
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i];
      out[i] = { text: r.text, pos: { line: r.line, column: r.colOffset } };
    }
    return out;
  }
  // Fast path: pure ASCII needs no decoding.
  let ascii = true;
  for (let i = 0; i < raw.length && ascii; i++) {
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(raw[i].text)) ascii = false;
  }
  let texts: string[];
  if (ascii) texts = raw.map((r) => r.text);
  else {
    const joined = raw.map((r) => r.text).join('\n');
    const decoded = decodeBytes(binaryToBytes(joined), charset, ctx, { line: raw[0].line, column: 0 });
    texts = decoded.split('\n');
    if (texts.length !== raw.length) {
      // A charset where '\n' is not a single byte (e.g. UTF-16): decode line by line.
      texts = raw.map((r) => decodeBytes(binaryToBytes(r.text), charset, ctx, { line: r.line, column: 0 }));
    }
  }
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    out[i] = { text: texts[i], pos: { line: r.line, column: r.colOffset } };
  }
  return out;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Pushes the bytes of one char of a text (string input): latin1 range as one byte, else UTF-8. */
function pushCharBytes(code: number, bytes: number[]): number {
  if (code < 256) {
    bytes.push(code);
    return 1;
  }
  const enc = Buffer.from(String.fromCharCode(code), 'utf8');
  for (const b of enc) bytes.push(b);
  return enc.length;
}

/** Column of each decoded char → byte index, for the charsets where this can be computed. */
function charToByteIndex(text: string, byteLen: number, charset: string | null): number[] | null {
  if (text.length === byteLen) {
    const m = new Array<number>(text.length);
    for (let i = 0; i < text.length; i++) m[i] = i;
    return m;
  }
  if (charset === null || isUtf8Label(charset)) {
    const m = new Array<number>(text.length);
    let b = 0;
    for (let i = 0; i < text.length; i++) {
      m[i] = b;
      const c = text.charCodeAt(i);
      if (c < 0x80) b += 1;
      else if (c < 0x800) b += 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        // Surrogate pair: 4 bytes for the pair.
        b += 4;
        if (i + 1 < text.length) m[++i] = m[i - 1];
      } else b += 3;
    }
    if (b !== byteLen) return null; // replacement chars: not reliable
    return m;
  }
  return null;
}

function finishQpLine(
  bytes: number[],
  rawLine: number[],
  rawCol: number[],
  charset: string | null,
  ctx: DecodeContext,
  fallback: DocPosition,
  out: BLine[],
): void {
  const first: DocPosition = bytes.length > 0 ? { line: rawLine[0], column: rawCol[0] } : fallback;
  let text: string;
  let ascii = true;
  for (const b of bytes) if (b >= 0x80) { ascii = false; break; }
  if (ascii) text = Buffer.from(bytes).toString('latin1');
  else text = decodeBytes(Uint8Array.from(bytes), charset, ctx, first);
  const map = charToByteIndex(text, bytes.length, charset);
  const segments: ColumnSegment[] = [];
  if (map === null) {
    segments.push({ fromColumn: 0, position: first });
  } else {
    let prevLine = -1;
    let prevCol = -2;
    let prevChar = -2;
    for (let c = 0; c < text.length; c++) {
      const bi = map[c];
      const l = rawLine[bi];
      const col = rawCol[bi];
      if (!(l === prevLine && col === prevCol + (c - prevChar))) {
        segments.push({ fromColumn: c, position: { line: l, column: col } });
        prevLine = l;
        prevCol = col;
        prevChar = c;
      }
    }
    if (segments.length === 0) segments.push({ fromColumn: 0, position: first });
  }
  const pos = segments[0].position;
  const isIdentity = segments.length === 1 && segments[0].fromColumn === 0;
  out.push(isIdentity ? { text, pos: { ...pos } } : { text, pos: { ...pos }, segments });
}

/** Quoted-printable: '=XX' escapes, '=' soft line breaks join raw lines; positions stay on raw characters. */
function decodeQuotedPrintable(raw: RawLineRef[], charset: string | null, ctx: DecodeContext): BLine[] {
  const out: BLine[] = [];
  let bytes: number[] = [];
  let rawLine: number[] = [];
  let rawCol: number[] = [];
  let lineStart: DocPosition = raw.length > 0 ? { line: raw[0].line, column: raw[0].colOffset } : { line: 0, column: 0 };
  for (let r = 0; r < raw.length; r++) {
    const { text, line, colOffset } = raw[r];
    if (bytes.length === 0) lineStart = { line, column: colOffset };
    let end = text.length;
    let soft = false;
    if (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
      soft = true;
      end--;
    }
    for (let i = 0; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 61 && i + 2 < end) {
        const h = hexVal(text.charCodeAt(i + 1));
        const l = hexVal(text.charCodeAt(i + 2));
        if (h >= 0 && l >= 0) {
          const b = h * 16 + l;
          if (b === 10) {
            finishQpLine(bytes, rawLine, rawCol, charset, ctx, lineStart, out);
            bytes = [];
            rawLine = [];
            rawCol = [];
            lineStart = { line, column: colOffset + i + 3 };
          } else if (b !== 13) {
            bytes.push(b);
            rawLine.push(line);
            rawCol.push(colOffset + i);
          }
          i += 2;
          continue;
        }
      }
      if (ctx.isBytes || c < 128) {
        bytes.push(c & 0xff);
        rawLine.push(line);
        rawCol.push(colOffset + i);
      } else {
        const n = pushCharBytes(c, bytes);
        for (let k = 0; k < n; k++) {
          rawLine.push(line);
          rawCol.push(colOffset + i);
        }
      }
    }
    if (!soft) {
      finishQpLine(bytes, rawLine, rawCol, charset, ctx, lineStart, out);
      bytes = [];
      rawLine = [];
      rawCol = [];
    }
  }
  if (bytes.length > 0) finishQpLine(bytes, rawLine, rawCol, charset, ctx, lineStart, out);
  return out;
}

function decodeBase64(raw: RawLineRef[], charset: string | null, ctx: DecodeContext, bodyPos: DocPosition): BLine[] {
  const parts: string[] = [];
  let bad = false;
  for (const r of raw) {
    const t = r.text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) bad = true;
    parts.push(t);
  }
  if (bad) ctx.sink.warning(ISSUE_CODES.invalidBase64, 'base64 body contains characters outside the base64 alphabet', bodyPos);
  const bytes = Buffer.from(parts.join(''), 'base64');
  const text = decodeBytes(bytes, charset, ctx, bodyPos);
  const lines = splitRawLines(text);
  if (lines.length === 1 && lines[0] === '') return [];
  return lines.map((t) => ({ text: t, pos: { ...bodyPos }, approximate: true }));
}

export function normaliseTransferEncoding(value: string | null, ctx: DecodeContext, pos: DocPosition): TransferEncoding {
  if (value === null) return '7bit';
  const v = value.trim().toLowerCase();
  if (v === '7bit' || v === '8bit' || v === 'binary' || v === 'quoted-printable' || v === 'base64') return v;
  ctx.sink.warning(ISSUE_CODES.unknownTransferEncoding, `unknown Content-Transfer-Encoding "${value.trim()}"; treated as 8bit`, pos);
  return '8bit';
}

/** Decodes a mail body. approximate is true when positions are not per line (base64). */
export function decodeBody(
  raw: RawLineRef[],
  cte: TransferEncoding,
  charset: string | null,
  ctx: DecodeContext,
  bodyPos: DocPosition,
): { lines: BLine[]; approximate: boolean } {
  if (cte === 'quoted-printable') return { lines: decodeQuotedPrintable(raw, charset, ctx), approximate: false };
  if (cte === 'base64') return { lines: decodeBase64(raw, charset, ctx, bodyPos), approximate: true };
  return { lines: decodeIdentity(raw, charset, ctx), approximate: false };
}
