// Entry point of the patch / series model: parsePatchDocument(input) → PatchDocument.
import { ISSUE_CODES, IssueSink } from './issues';
import { contentTypeBoundary, contentTypeCharset, headerValue, parseHeaderBlock, parsePerson } from './mail';
import { splitMails, type MailSpan, unescapeFromLine } from './mbox';
import { parseCoverBody, parsePatchBody } from './patch';
import { type BLine, makeRawDocument, type RawDocument } from './source';
import { parseSubject } from './subject';
import { decodeBody, type DecodeContext, normaliseTransferEncoding, type RawLineRef } from './transfer-encoding';
import type {
  CoverLetter,
  DocPosition,
  DocumentKind,
  MailInfo,
  ParseIssue,
  ParseOptions,
  Patch,
  PatchDocument,
  SeriesInfo,
} from './types';

export * from './types';
export { hunkImage, diffLineColumnToDocument, documentToDiffLineColumn } from './images';
export { ISSUE_CODES } from './issues';
export { parseSubject } from './subject';

interface DecodedMail {
  info: MailInfo;
  lines: BLine[];
  approximate: boolean;
}

function rawRefs(raw: RawDocument, from: number, to: number, mbox: boolean): RawLineRef[] {
  const out: RawLineRef[] = new Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) {
    const t = raw.lines[i];
    const cut = mbox ? unescapeFromLine(t) : 0;
    out[i - from] = { text: cut ? t.slice(cut) : t, line: i, colOffset: cut };
  }
  return out;
}

function decodeMail(raw: RawDocument, span: MailSpan, ctx: DecodeContext): DecodedMail {
  const hb = parseHeaderBlock(raw.lines, span.headerStart, span.end, ctx);
  const headers = hb.headers;
  const bodyStart = hb.blankTerminated ? hb.end + 1 : hb.end;
  const bodyPosition: DocPosition = { line: Math.min(bodyStart, Math.max(0, span.end - 1)), column: 0 };
  const ct = headerValue(headers, 'Content-Type');
  const cteH = headerValue(headers, 'Content-Transfer-Encoding');
  const cte = normaliseTransferEncoding(cteH ? cteH.value : null, ctx, cteH ? cteH.position : bodyPosition);
  const charset = ct ? contentTypeCharset(ct.value) : null;
  const subjH = headerValue(headers, 'Subject');
  const fromH = headerValue(headers, 'From');
  const dateH = headerValue(headers, 'Date');
  const info: MailInfo = {
    headers,
    subject: subjH ? parseSubject(subjH.value, subjH.position) : null,
    author: fromH ? parsePerson(fromH.value) : null,
    date: dateH ? dateH.value.trim() : null,
    messageId: headerValue(headers, 'Message-ID')?.value.trim() ?? null,
    inReplyTo: headerValue(headers, 'In-Reply-To')?.value.trim() ?? null,
    transferEncoding: cte,
    charset,
    range: { start: { line: span.start, column: 0 }, end: { line: span.end, column: 0 } },
    bodyPosition,
  };
  if (!subjH) ctx.sink.warning(ISSUE_CODES.missingSubject, 'mail without a Subject header', { line: span.headerStart, column: 0 });
  const boundary = ct && /^\s*multipart\//i.test(ct.value) ? contentTypeBoundary(ct.value) : null;
  if (!boundary && !raw.isBytes && (cte === '7bit' || cte === '8bit' || cte === 'binary')) {
    // Fast path (most mails): text input, identity transfer encoding — one BLine per raw line, no copies.
    const lines: BLine[] = new Array(Math.max(0, span.end - bodyStart));
    for (let i = bodyStart; i < span.end; i++) {
      const t = raw.lines[i];
      const cut = span.hasFromLine && t.charCodeAt(0) === 62 ? unescapeFromLine(t) : 0;
      lines[i - bodyStart] = { text: cut ? t.slice(cut) : t, pos: { line: i, column: cut } };
    }
    return { info, lines, approximate: false };
  }
  const refs = rawRefs(raw, bodyStart, span.end, span.hasFromLine);
  if (boundary) return { info, ...decodeMultipart(raw, refs, boundary, ctx) };
  const body = decodeBody(refs, cte, charset, ctx, bodyPosition);
  return { info, lines: body.lines, approximate: body.approximate };
}

/** multipart/*: concatenates the text parts (text/plain, text/x-patch, text/x-diff, untyped). */
function decodeMultipart(raw: RawDocument, refs: RawLineRef[], boundary: string, ctx: DecodeContext): { lines: BLine[]; approximate: boolean } {
  const delim = `--${boundary}`;
  const lines: BLine[] = [];
  let approximate = false;
  const partStarts: number[] = [];
  let closeAt = refs.length;
  for (let i = 0; i < refs.length; i++) {
    const t = refs[i].text;
    if (t.startsWith(delim)) {
      if (t.startsWith(`${delim}--`)) {
        closeAt = i;
        break;
      }
      partStarts.push(i);
    }
  }
  if (partStarts.length === 0 && refs.length > 0) {
    ctx.sink.warning(ISSUE_CODES.multipartBody, `multipart body without its boundary "${boundary}"`, { line: refs[0].line, column: 0 });
  }
  for (let k = 0; k < partStarts.length; k++) {
    const from = partStarts[k] + 1;
    const to = k + 1 < partStarts.length ? partStarts[k + 1] : closeAt;
    if (from >= to) continue;
    const texts = refs.slice(from, to).map((r) => r.text);
    const hb = parseHeaderBlock(texts, 0, texts.length, ctx);
    const get = (name: string): string | null => headerValue(hb.headers, name)?.value ?? null;
    const type = get('Content-Type');
    if (type !== null && !/^\s*text\//i.test(type)) continue;
    const pos: DocPosition = { line: refs[from].line, column: 0 };
    const cte = normaliseTransferEncoding(get('Content-Transfer-Encoding'), ctx, pos);
    const bodyFrom = from + (hb.blankTerminated ? hb.end + 1 : hb.end);
    const partRefs = refs.slice(bodyFrom, to);
    const bodyPos: DocPosition = partRefs.length > 0 ? { line: partRefs[0].line, column: 0 } : pos;
    const body = decodeBody(partRefs, cte, type ? contentTypeCharset(type) : null, ctx, bodyPos);
    approximate ||= body.approximate;
    for (const b of body.lines) lines.push(b);
  }
  void raw;
  return { lines, approximate };
}

function emptyDoc(kind: DocumentKind, uri: string | undefined, issues: ParseIssue[], lineCount: number): PatchDocument {
  const d: PatchDocument = { kind, patches: [], otherMails: [], issues, lineCount };
  if (uri !== undefined) d.uri = uri;
  return d;
}

function endOf(lines: BLine[], fallback: DocPosition): DocPosition {
  if (lines.length === 0) return fallback;
  const last = lines[lines.length - 1];
  return { line: last.pos.line + 1, column: 0 };
}

function parseNonMail(raw: RawDocument, ctx: DecodeContext, uri: string | undefined): PatchDocument {
  const refs = rawRefs(raw, 0, raw.lines.length, false);
  const { lines } = decodeBody(refs, '8bit', null, ctx, { line: 0, column: 0 });
  let gitDiff = false;
  for (const b of lines) if (b.text.startsWith('diff --git ')) { gitDiff = true; break; }
  const doc = emptyDoc(gitDiff ? 'git-diff' : 'plain-diff', uri, ctx.sink.issues, raw.lines.length);
  const body = parsePatchBody(lines, ctx.sink, false);
  if (body.files.length === 0) {
    const empty = lines.every((b) => b.text.trim() === '');
    ctx.sink.warning(empty ? ISSUE_CODES.emptyDocument : ISSUE_CODES.noDiff, empty ? 'empty document' : 'no diff found in the document', { line: 0, column: 0 });
    return doc;
  }
  doc.patches.push({
    mail: null,
    subject: null,
    author: null,
    date: null,
    message: '',
    description: '',
    messagePosition: { line: 0, column: 0 },
    trailers: [],
    notes: '',
    baseCommit: body.baseCommit,
    diffstat: body.diffstat,
    files: body.files,
    positionsApproximate: false,
    range: { start: { line: 0, column: 0 }, end: { line: raw.lines.length, column: 0 } },
  });
  return doc;
}

function seriesInfo(patches: Patch[], cover: CoverLetter | undefined, sink: IssueSink, patchIdx: Map<Patch, number>): SeriesInfo {
  const prefixes = patches.map((p) => p.subject?.prefix ?? null);
  const coverPrefix = cover?.subject?.prefix ?? null;
  const all = coverPrefix ? [coverPrefix, ...prefixes] : prefixes;
  let version = 1;
  const totals = new Map<number, number>();
  let rfc = false;
  let resend = false;
  for (const p of all) {
    if (!p) continue;
    version = Math.max(version, p.version);
    if (p.total !== undefined) totals.set(p.total, (totals.get(p.total) ?? 0) + 1);
    rfc ||= p.rfc;
    resend ||= p.resend;
  }
  let total: number | null = null;
  let best = 0;
  for (const [t, c] of totals) if (c > best || (c === best && total !== null && t > total)) { total = t; best = c; }
  const info: SeriesInfo = { version, total, missing: [], duplicates: [], rfc, resend };
  const anchor = (p: Patch | undefined): DocPosition => p?.subject?.position ?? cover?.subject?.position ?? { line: 0, column: 0 };
  const tag = (issue: ParseIssue, p: Patch): void => {
    const idx = patchIdx.get(p);
    if (idx !== undefined) issue.patchIndex = idx;
  };
  if (totals.size > 1) {
    sink.warning(ISSUE_CODES.seriesTotalMismatch, `series mails disagree on the number of patches (${[...totals.keys()].join(', ')})`, anchor(patches[0]));
  }
  const versions = new Set(all.filter((p) => p && p.isPatch).map((p) => p!.version));
  if (versions.size > 1) {
    sink.warning(ISSUE_CODES.seriesVersionMismatch, `series mails carry different versions (${[...versions].map((v) => `v${v}`).join(', ')})`, anchor(patches[0]));
  }
  const seen = new Map<number, Patch[]>();
  for (const p of patches) {
    const k = p.subject?.prefix?.index;
    if (k === undefined) continue;
    const arr = seen.get(k);
    if (arr) arr.push(p);
    else seen.set(k, [p]);
  }
  for (const [k, arr] of [...seen].sort((a, b) => a[0] - b[0])) {
    if (arr.length > 1) {
      info.duplicates.push(k);
      const issue = sink.warning(ISSUE_CODES.seriesDuplicatePatch, `patch ${k}/${total ?? '?'} occurs ${arr.length} times`, anchor(arr[1]));
      tag(issue, arr[1]);
    }
  }
  if (total !== null) {
    for (let k = 1; k <= total && k <= 10000; k++) {
      if (!seen.has(k)) {
        info.missing.push(k);
        sink.warning(ISSUE_CODES.seriesMissingPatch, `patch ${k}/${total} is missing from the series`, anchor(patches[0]));
      }
    }
  } else if (patches.length > 1) {
    sink.warning(ISSUE_CODES.seriesWithoutNumbering, 'several patches without k/n numbering: kept in mailbox order', anchor(patches[0]));
  }
  return info;
}

function parseMails(raw: RawDocument, mails: MailSpan[], firstMailLine: number, ctx: DecodeContext, uri: string | undefined): PatchDocument {
  const sink = ctx.sink;
  for (let i = 0; i < firstMailLine; i++) {
    if (raw.lines[i].trim() !== '') {
      sink.warning(ISSUE_CODES.garbageBeforeFirstMail, `text before the first mail: "${raw.lines[i].slice(0, 60)}"`, { line: i, column: 0 });
      break;
    }
  }
  const doc = emptyDoc(mails.length > 1 ? 'mbox-series' : 'format-patch', uri, sink.issues, raw.lines.length);
  const patches: Patch[] = [];
  const mailOfPatch = new Map<Patch, number>();
  for (let m = 0; m < mails.length; m++) {
    sink.currentMail = m;
    const span = mails[m];
    const { info, lines, approximate } = decodeMail(raw, span, ctx);
    if (approximate) {
      sink.warning(ISSUE_CODES.approximatePositions, 'base64 body: positions inside it point at the start of the body', info.bodyPosition);
    }
    const subject = info.subject;
    if (subject?.prefix?.index === 0 && !subject.isReply && doc.cover === undefined) {
      const cb = parseCoverBody(lines, sink, info.bodyPosition);
      doc.cover = {
        mail: info,
        subject,
        author: info.author,
        date: info.date,
        body: cb.body,
        bodyPosition: cb.bodyPosition,
        shortlog: cb.shortlog,
        diffstat: cb.diffstat,
        baseCommit: cb.baseCommit,
        positionsApproximate: approximate,
      };
      continue;
    }
    const body = parsePatchBody(lines, sink, true);
    if (subject?.isReply || (!body.hasDiff && mails.length > 1)) {
      sink.warning(ISSUE_CODES.nonPatchMail, `mail "${(subject?.raw ?? '').slice(0, 60)}" is not a patch of the series (${subject?.isReply ? 'a reply' : 'no diff'}); ignored`, subject?.position ?? info.range.start);
      doc.otherMails.push(info);
      continue;
    }
    if (!body.hasDiff) sink.warning(ISSUE_CODES.noDiff, 'mail contains no diff', info.bodyPosition);
    let patchSubject = subject;
    if (body.inBody.subject) patchSubject = parseSubject(body.inBody.subject.text, body.inBody.subject.position);
    const patch: Patch = {
      mail: info,
      subject: patchSubject,
      author: body.inBody.author ?? info.author,
      date: body.inBody.date ?? info.date,
      message: body.message,
      description: body.description,
      messagePosition: body.messagePosition,
      trailers: body.trailers,
      notes: body.notes,
      baseCommit: body.baseCommit,
      diffstat: body.diffstat,
      files: body.files,
      positionsApproximate: approximate,
      range: { start: info.range.start, end: lines.length > 0 ? info.range.end : endOf(lines, info.range.end) },
    };
    patches.push(patch);
    mailOfPatch.set(patch, m);
  }
  sink.currentMail = -1;
  // Order by k (stable; patches without k keep their mailbox position relative to each other, after numbered ones).
  const ordered = patches
    .map((p, i) => ({ p, i, k: p.subject?.prefix?.index ?? Number.MAX_SAFE_INTEGER }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.p);
  doc.patches = ordered;
  const patchIdx = new Map<Patch, number>();
  ordered.forEach((p, i) => patchIdx.set(p, i));
  const idxOfMail = new Map<number, number>();
  for (const [p, m] of mailOfPatch) idxOfMail.set(m, patchIdx.get(p)!);
  for (const [issue, m] of sink.mailOf) {
    const pi = idxOfMail.get(m);
    if (pi !== undefined) issue.patchIndex = pi;
  }
  // A single format-patch file of a larger series is not a series: no missing-patch reports.
  if (mails.length > 1 || doc.cover) doc.series = seriesInfo(ordered, doc.cover, sink, patchIdx);
  return doc;
}

/**
 * Parses a single patch, a git format-patch file, a git diff / plain unified diff, or an mbox series.
 * Never throws: problems are reported in `issues`.
 */
export function parsePatchDocument(input: string | Uint8Array, opts: ParseOptions = {}): PatchDocument {
  const sink = new IssueSink();
  let lineCount = 0;
  try {
    const raw = makeRawDocument(input);
    lineCount = raw.lines.length;
    const ctx: DecodeContext = { isBytes: raw.isBytes, sink };
    const { mails, firstMailLine } = splitMails(raw.lines);
    if (mails.length === 0) return parseNonMail(raw, ctx, opts.uri);
    return parseMails(raw, mails, firstMailLine, ctx, opts.uri);
  } catch (e) {
    sink.error(ISSUE_CODES.internalError, `internal parser error: ${e instanceof Error ? e.message : String(e)}`, { line: 0, column: 0 });
    return emptyDoc('plain-diff', opts.uri, sink.issues, lineCount);
  }
}
