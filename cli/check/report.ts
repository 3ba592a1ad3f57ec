/**
 * What `mmlens check` reports for one input: plain, structured-cloneable data (it crosses worker threads), in the
 * coordinates of the file the user named (a .c file, or the .patch/.mbox itself for patch findings).
 */
import type { Range } from '../../server/src/c/types';
import type { EraInfo } from '../../server/src/facts/types';
import type { FindingStatus } from '../../server/src/rules/check-patch';
import type { Severity } from '../../server/src/rules/types';

export interface ReportedEdit {
  range: Range;
  newText: string;
}

export interface ReportedFix {
  title: string;
  kind?: 'quickfix' | 'refactor.rewrite';
  isPreferred?: boolean;
  /** Edits of the reported file (the .c file, or the patch document for patch findings). */
  edits: ReportedEdit[];
}

export interface ReportedFinding {
  rule: string;
  severity: Severity;
  message: string;
  function: string;
  statement: string;
  fingerprint: string;
  /** Range in the reported file (the patch document for patch findings). */
  range: Range;
  related: { range: Range; message: string }[];
  fixes: ReportedFix[];
  /** Patch findings: where in the tree, which patch, and how the patch changes it. */
  patch?: {
    status: FindingStatus;
    /** Tree path of the file (new path, or old path for fixed findings) and the range there. */
    file: string;
    fileRange: Range;
    index: number;
    total: number;
    subject: string;
    /** The finding's own line is in the patch (else the range is the nearest changed line of the function). */
    exact: boolean;
    fragment: boolean;
    fixedBy?: number;
    introducedBy?: number;
    /** `check --git`: the commit (full id) the finding belongs to, and the commits that fix / introduced it. */
    commit?: { id: string; fixedBy?: string; introducedBy?: string };
  };
}

export interface InputError {
  line: number;
  column: number;
  code: string;
  message: string;
}

export interface FileReport {
  path: string;
  kind: 'c' | 'patch';
  /** Undefined when the input could not be analysed at all. */
  era?: EraInfo;
  findings: ReportedFinding[];
  /** Inputs that could not be (fully) analysed: `file:line:col: code: message`. */
  errors: InputError[];
  /** Rules that failed on this input (a bug of ours; reported, never fatal). */
  internalErrors: { rule: string; function: string; message: string }[];
  bytes: number;
  /** The file names no mm identifier: not parsed. */
  skippedNoMm?: boolean;
}
