// Public types of the patch / patch-series model (server/src/series).
// Stable API: later changes are additive only.
//
// Positions: every DocPosition is 0-based {line, column} in the ORIGINAL document text:
//  - lines are split on '\n'; a trailing '\r' (CRLF) is not part of the line, so a CRLF file and its LF twin have
//    identical positions;
//  - columns count UTF-16 code units of the line as decoded (for byte input: decoded with the mail's charset,
//    or UTF-8 / latin1 outside mail bodies).
//  - Inside quoted-printable bodies positions point at the raw (encoded) characters; inside base64 bodies there is
//    no per-line position: positions point at the start of the encoded body and the patch has positionsApproximate.

export interface DocPosition {
  line: number;
  column: number;
}

export interface DocRange {
  start: DocPosition;
  /** Exclusive end. */
  end: DocPosition;
}

export type IssueSeverity = 'error' | 'warning';

export interface ParseIssue {
  severity: IssueSeverity;
  /** kebab-case, stable (see issues.ts for the list). */
  code: string;
  message: string;
  position: DocPosition;
  /** Index into PatchDocument.patches when the issue belongs to one patch (after ordering). */
  patchIndex?: number;
}

export type DocumentKind = 'mbox-series' | 'format-patch' | 'git-diff' | 'plain-diff';

export interface Person {
  /** Display name, '' when the address has none. */
  name: string;
  /** Address without angle brackets, '' when none could be found. */
  email: string;
  /** The text the person was parsed from (decoded). */
  raw: string;
}

export interface MailHeader {
  /** Header name as written (e.g. 'Subject'). */
  name: string;
  /** Unfolded, RFC 2047-decoded value. */
  value: string;
  /** Value before RFC 2047 decoding (unfolded). */
  rawValue: string;
  /** Position of the header name (first physical line). */
  position: DocPosition;
}

export interface SubjectPrefix {
  /** The bracketed groups as written, e.g. '[PATCH v3 2/5]' or '[RFC][PATCH 1/2]'. */
  raw: string;
  /** True when a PATCH token was present. */
  isPatch: boolean;
  /** Version from a vN token; 1 when absent. */
  version: number;
  /** k of k/n, undefined when absent. */
  index?: number;
  /** n of k/n, undefined when absent. */
  total?: number;
  rfc: boolean;
  resend: boolean;
  /** Other tokens (e.g. 'net-next', 'mm-hotfixes'). */
  tags: string[];
}

export interface ParsedSubject {
  /** Unfolded decoded header value. */
  raw: string;
  /** Subject without reply markers and bracket prefix, e.g. 'mm/gup: use get_user_pages_unlocked'. */
  cleaned: string;
  /** True when the subject starts with Re:/Aw:/Fwd:. */
  isReply: boolean;
  prefix: SubjectPrefix | null;
  position: DocPosition;
}

export interface Trailer {
  /** Canonical spelling for known keys ('Signed-off-by'), otherwise as written. */
  key: string;
  /** Key as written. */
  rawKey: string;
  /** Value, continuation lines joined with a single space. */
  value: string;
  /** For person-valued trailers (Signed-off-by, Reviewed-by, Cc, …). */
  person?: Person;
  /** For Fixes: the abbreviated sha and the title in ("…"). */
  fixes?: { sha: string; title: string };
  /** Position of the first character of the key. */
  position: DocPosition;
}

export interface DiffstatEntry {
  /** Path as printed (may be 'a => b' or '.../x' shortened). */
  path: string;
  /** Number of changed lines; 0 for binary. */
  changes: number;
  /** The +/- graph as printed. */
  graph: string;
  /** Set for 'Bin 10 -> 20 bytes' entries. */
  binary?: { oldSize: number; newSize: number };
  position: DocPosition;
}

export interface DiffstatSummary {
  filesChanged: number;
  insertions: number;
  deletions: number;
  position: DocPosition;
}

export interface Diffstat {
  entries: DiffstatEntry[];
  summary: DiffstatSummary | null;
  /** ' create mode 100644 x', ' rename a => b (90%)', … lines as written (trimmed). */
  modeLines: { text: string; position: DocPosition }[];
  range: DocRange;
}

export type DiffLineKind = 'context' | 'add' | 'del';

/** Maps columns of a decoded line to document positions when the mapping is not the identity (QP, >From). */
export interface ColumnSegment {
  /** First decoded column covered by this segment. */
  fromColumn: number;
  /** Document position of that column; following columns of the segment advance the document column 1:1. */
  position: DocPosition;
}

export interface DiffLine {
  kind: DiffLineKind;
  /** Text without the leading ' ', '+' or '-'. */
  text: string;
  /** Document position of the prefix character (where the line starts in the raw file). */
  position: DocPosition;
  /** Document position of text column 0 is positionOfColumn(line, 0); see images.ts. */
  segments?: ColumnSegment[];
  /** 1-based line number in the old file (context and del lines). */
  oldLine?: number;
  /** 1-based line number in the new file (context and add lines). */
  newLine?: number;
  /** A '\ No newline at end of file' marker follows this line. */
  noNewlineAtEnd?: boolean;
  /** Base64 body: position is the body start, columns are not mapped. */
  approximate?: boolean;
}

export interface Hunk {
  /** The '@@ -a,b +c,d @@ ctx' line as written. */
  header: string;
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** Function context text after the second '@@' (leading space removed), '' when none. */
  context: string;
  position: DocPosition;
  lines: DiffLine[];
  /** Lines actually found in the body (differ from oldCount/newCount on errors). */
  actualOldCount: number;
  actualNewCount: number;
  /** False when the body is shorter than the header says (truncated). */
  complete: boolean;
}

export type FileStatus = 'modified' | 'added' | 'deleted' | 'renamed' | 'copied';

export interface FileDiff {
  /** Old path without 'a/' prefix; null for /dev/null (new file). */
  oldPath: string | null;
  /** New path without 'b/' prefix; null for /dev/null (deleted file). */
  newPath: string | null;
  status: FileStatus;
  /** rename/copy 'similarity index N%'. */
  similarity?: number;
  dissimilarity?: number;
  oldMode?: string;
  newMode?: string;
  newFileMode?: string;
  deletedFileMode?: string;
  /** 'index abc..def 100644'. */
  index?: { oldSha: string; newSha: string; mode?: string };
  binary: boolean;
  /** 'differ' for "Binary files a/x and b/x differ", 'git-binary-patch' for "GIT binary patch". */
  binaryKind?: 'differ' | 'git-binary-patch';
  hunks: Hunk[];
  /** Position of the 'diff --git' line (or the '---' line of a plain diff). */
  position: DocPosition;
  /** Header lines ('diff --git', 'index', '---', '+++', …) with positions. */
  headerLines: { text: string; position: DocPosition }[];
}

export interface ShortlogEntry {
  author: string;
  subjects: { text: string; position: DocPosition }[];
  position: DocPosition;
}

export type TransferEncoding = '7bit' | '8bit' | 'binary' | 'quoted-printable' | 'base64';

export interface MailInfo {
  headers: MailHeader[];
  subject: ParsedSubject | null;
  author: Person | null;
  /** Date header value as written. */
  date: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  transferEncoding: TransferEncoding;
  /** Lower-case charset label, null when not declared. */
  charset: string | null;
  /** Document range of the whole mail (From_ line included). */
  range: DocRange;
  /** Position of the first body line. */
  bodyPosition: DocPosition;
}

export interface Patch {
  /** Mail data; null for a plain / git diff that is not a mail. */
  mail: MailInfo | null;
  subject: ParsedSubject | null;
  /** Author (in-body 'From:' overrides the header, like git am). */
  author: Person | null;
  date: string | null;
  /** Commit message body after the subject, before '---' (trailers included), decoded. */
  message: string;
  /** Message without the trailer block and trailing blank lines. */
  description: string;
  messagePosition: DocPosition;
  trailers: Trailer[];
  /** Free text between '---' and the diffstat / diff (version changelog notes), decoded. */
  notes: string;
  baseCommit: { sha: string; position: DocPosition } | null;
  diffstat: Diffstat | null;
  files: FileDiff[];
  /** True when positions are approximate (base64 body). */
  positionsApproximate: boolean;
  /** Document range covered by this patch. */
  range: DocRange;
}

export interface CoverLetter {
  mail: MailInfo;
  subject: ParsedSubject | null;
  author: Person | null;
  date: string | null;
  /** Decoded body (whole, up to the signature). */
  body: string;
  bodyPosition: DocPosition;
  shortlog: ShortlogEntry[];
  diffstat: Diffstat | null;
  baseCommit: { sha: string; position: DocPosition } | null;
  positionsApproximate: boolean;
}

export interface SeriesInfo {
  /** Highest version seen (vN), 1 when none. */
  version: number;
  /** n of k/n (the most common one), null when the patches carry no k/n. */
  total: number | null;
  /** k values absent from 1..n. */
  missing: number[];
  /** k values that occur more than once. */
  duplicates: number[];
  rfc: boolean;
  resend: boolean;
}

export interface PatchDocument {
  kind: DocumentKind;
  uri?: string;
  cover?: CoverLetter;
  /** Ordered by k for series. */
  patches: Patch[];
  series?: SeriesInfo;
  /** Mails that are neither a patch nor a cover letter (e.g. replies without a diff). */
  otherMails: MailInfo[];
  issues: ParseIssue[];
  /** Number of lines of the document. */
  lineCount: number;
}

export interface ParseOptions {
  uri?: string;
}

/** A hunk side reconstructed as text, with mapping back to the document. */
export interface HunkImage {
  side: 'pre' | 'post';
  /** Image lines (no newline characters). */
  lines: string[];
  /** lines joined with '\n', plus a final '\n' unless the last line carries '\ No newline'. */
  text: string;
  /** 1-based line number of lines[0] in the real file (oldStart / newStart). */
  startLine: number;
  /** The diff line each image line comes from. */
  sources: DiffLine[];
  /** Document position of (image line, column); null when out of range. */
  toDocument(line: number, column: number): DocPosition | null;
  /** Image (line, column) of a document position, null when the position is not inside this image. */
  fromDocument(position: DocPosition): { line: number; column: number } | null;
  /** 1-based file line number of an image line. */
  fileLine(line: number): number;
}
