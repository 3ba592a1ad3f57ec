/**
 * Facts of a whole input (what `mmlens facts` prints and the rules will consume): a C file, or a patch document
 * with, for every patch and every C file it touches, the facts of the pre-image and of the post-image.
 *
 * Coordinates: every CFacts position is a 0-based line/column of the FILE (old file for the pre-image, new file
 * for the post-image), whether it came from the whole file or from a hunk fragment. `lines` maps the file lines
 * that appear in the patch to their 0-based line in the patch document.
 */
import type { CFacts } from '../c/types';
import type { DocumentKind, ParseIssue } from '../series/types';

export interface EraInfo {
  era: string;
  /** Human-readable source: "Makefile VERSION/PATCHLEVEL (…)", "hints in the code: …", "default (…)". */
  source: string;
  sourceKind: 'setting' | 'makefile' | 'patch-hints' | 'default';
  /**
   * Every era the result may be for: from = to for a setting, a Makefile or the default; from hints, the bounds
   * they allow (e.g. "mmap_sem field" alone: 3.18–5.7). Era-gated rules fire only when every era of it agrees.
   */
  range: { from: string; to: string };
}

export interface CFileFacts {
  kind: 'c';
  path: string;
  era: EraInfo;
  facts: CFacts;
  /** False when the file mentions no mm identifier at all and was not parsed (it cannot have facts). */
  parsed: boolean;
}

export type ChangeKind = 'added' | 'removed' | 'context';

/** [0-based file line, 0-based document line, change]. */
export type LineOrigin = [number, number, ChangeKind];

export interface FactsUnit {
  /** Hunk index for fragment units (the first of `hunks`); absent for a whole file. */
  hunk?: number;
  /** Fragment units: every hunk joined into the unit's rebuilt function(s), in order. */
  hunks?: number[];
  facts: CFacts;
}

export interface SideFacts {
  side: 'pre' | 'post';
  /** whole-file: the hunks were applied to the file from the tree; fragments: functions rebuilt from the hunks
   *  (FunctionFacts.partial says what is unknown). */
  mode: 'whole-file' | 'fragments';
  /** Why fragments were used (file not in the tree, hunk does not apply). */
  note?: string;
  units: FactsUnit[];
  lines: LineOrigin[];
  /**
   * whole-file: the file text the facts were computed on (the tree file with the series applied up to this patch).
   * Not serialised (non-enumerable): the rules read it for fixes and fingerprints.
   */
  readonly image?: string;
}

export interface PatchFileFacts {
  oldPath: string | null;
  newPath: string | null;
  status: string;
  binary: boolean;
  hunks: number;
  /** C facts are extracted for .c and .h files only. */
  isC: boolean;
  pre?: SideFacts;
  post?: SideFacts;
}

export interface PatchFacts {
  /** 1-based position in the document (after ordering by k). */
  index: number;
  subject: string;
  /** '[PATCH v2 1/3]' as written, '' when none. */
  prefix: string;
  version: number;
  k?: number;
  n?: number;
  author: string;
  date: string | null;
  trailers: { key: string; value: string; line: number }[];
  files: PatchFileFacts[];
  /** 0-based document line where the patch starts. */
  line: number;
}

export interface PatchDocumentFacts {
  kind: 'patch';
  path: string;
  documentKind: DocumentKind;
  era: EraInfo;
  /** Tree the files were read from for whole-file facts, when one was found. */
  tree?: string;
  /** Where the tree's files were read from when not the directory itself (a git commit, or why not). */
  treeNote?: string;
  cover?: { subject: string; line: number };
  series?: { version: number; total: number | null; missing: number[]; duplicates: number[] };
  patches: PatchFacts[];
  issues: ParseIssue[];
}

export type InputFacts = CFileFacts | PatchDocumentFacts;
