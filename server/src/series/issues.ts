// Structured parse issues. Codes are kebab-case and stable.
import type { DocPosition, IssueSeverity, ParseIssue } from './types';

export const ISSUE_CODES = {
  truncatedHunk: 'truncated-hunk',
  hunkCountMismatch: 'hunk-count-mismatch',
  malformedHunkHeader: 'malformed-hunk-header',
  hunkWithoutFile: 'hunk-without-file',
  diffHeaderWithoutPaths: 'diff-header-without-paths',
  combinedDiff: 'combined-diff-unsupported',
  noNewlineAtEof: 'no-newline-at-eof',
  binaryDiff: 'binary-diff',
  malformedBinaryPatch: 'malformed-binary-patch',
  unexpectedLine: 'unexpected-line',
  textAfterDiff: 'text-after-diff',
  garbageBeforeFirstMail: 'garbage-before-first-mail',
  garbageBetweenMails: 'garbage-between-mails',
  malformedHeader: 'malformed-header',
  missingSubject: 'missing-subject',
  unknownCharset: 'unknown-charset',
  invalidUtf8: 'invalid-utf8-assumed-latin1',
  undecodableEncodedWord: 'undecodable-encoded-word',
  invalidBase64: 'invalid-base64',
  approximatePositions: 'approximate-positions',
  unknownTransferEncoding: 'unknown-transfer-encoding',
  multipartBody: 'multipart-body',
  noDiff: 'no-diff',
  nonPatchMail: 'non-patch-mail',
  seriesMissingPatch: 'series-missing-patch',
  seriesDuplicatePatch: 'series-duplicate-patch',
  seriesTotalMismatch: 'series-total-mismatch',
  seriesVersionMismatch: 'series-version-mismatch',
  seriesWithoutNumbering: 'series-without-numbering',
  emptyDocument: 'empty-document',
  internalError: 'internal-error',
} as const;

export type IssueCode = (typeof ISSUE_CODES)[keyof typeof ISSUE_CODES];

/** Collects issues; patchIndex is attached by the caller after ordering. */
export class IssueSink {
  readonly issues: ParseIssue[] = [];
  /** Issues are tagged with this key while a mail is being parsed (remapped to patchIndex later). */
  currentMail = -1;
  readonly mailOf = new Map<ParseIssue, number>();

  add(severity: IssueSeverity, code: IssueCode, message: string, position: DocPosition): ParseIssue {
    const issue: ParseIssue = { severity, code, message, position: { line: position.line, column: position.column } };
    this.issues.push(issue);
    if (this.currentMail >= 0) this.mailOf.set(issue, this.currentMail);
    return issue;
  }
  error(code: IssueCode, message: string, position: DocPosition): ParseIssue {
    return this.add('error', code, message, position);
  }
  warning(code: IssueCode, message: string, position: DocPosition): ParseIssue {
    return this.add('warning', code, message, position);
  }
}
