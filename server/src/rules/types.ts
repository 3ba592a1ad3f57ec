/**
 * The rule catalogue's contract (../shared/spec/rules.md): what a rule declares, what it is given, what it returns.
 *
 * A rule is one file under server/src/rules/rules/<id>.ts exporting a `Rule`; registry.ts lists them. A rule sees
 * one function's facts (server/src/c/types.ts) for ONE era at a time: the runner (run.ts) evaluates it for every era
 * of the document's era range and keeps a finding only when every era agrees (an era from hints is a range).
 * Positions are 0-based file lines/columns, as in the facts.
 */
import type { Era } from '../../../common/era';
import type { CFacts, EraRange, FunctionFacts, Range } from '../c/types';

export type Severity = 'error' | 'warning' | 'information';
export type Tier = 1 | 2 | 3;

/** A text edit in file coordinates (of the image the facts were computed on). */
export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  /** Shown to the user: "Insert `flags |= FAULT_FLAG_TRIED;` before `goto retry`". */
  title: string;
  /** LSP code action kind: quickfix (default) or refactor.rewrite (also offered as a refactoring). */
  kind?: 'quickfix' | 'refactor.rewrite';
  /** One preferred fix per finding at most. */
  isPreferred?: boolean;
  edits: TextEdit[];
}

export interface RelatedLocation {
  range: Range;
  /** "mmap_lock taken here", "retry label", "the fault call that reported VM_FAULT_RETRY", … */
  message: string;
}

/** What a rule returns; the runner adds the rule id, severity, file and era. */
export interface RuleFinding {
  /** Primary range (the statement that is wrong, or the back-edge that repeats the fault). */
  range: Range;
  /** What happens at run time in this era (not "flag missing"). */
  message: string;
  related: RelatedLocation[];
  fixes?: Fix[];
}

export interface RuleMeta {
  /** Stable kebab-case id (the diagnostic code). */
  id: string;
  tier: Tier;
  severity: Severity;
  /** Eras the rule applies to (inclusive, "major.minor"); outside them it never fires. */
  eras: EraRange;
  /** Human text of the eras as the catalogue writes them ("≥5.7", "all", "≤6.4"). */
  erasText: string;
  /** One line: what the rule finds. */
  title: string;
  /** What the quick fix does, when there is one. */
  fixText?: string;
}

export interface Rule extends RuleMeta {
  check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[];
}

/** What a rule knows besides the function's facts. */
export interface RuleContext {
  /** The era this evaluation is for (one era of the document's range). */
  era: Era;
  /** Path of the file (repository-relative for patches, as given for files): `mm/gup.c`, `arch/x86/mm/fault.c`. */
  path: string;
  /** The file lies in the core mm/ directory at any depth (mm/gup.c, mm/damon/vaddr.c), not arch/<x>/mm/: the GUP
   * internals (FOLL_TRIED, __get_user_pages, …) are legal there, and its fault helpers keep their own contract. */
  inMm: boolean;
  /**
   * All facts of the file (other functions: helpers a rule may follow). No rule reads it today, and the editor keeps
   * each function's findings while its own text is unchanged (rules/check-c.ts IncrementalCCheck): a rule that starts
   * following other functions must make that cache key on them too.
   */
  file: CFacts;
  /** Text of a 0-based file line, without its newline; undefined when the line is not known (outside a hunk). */
  line(n: number): string | undefined;
  /** The function was rebuilt from hunks (no tree): code between hunks is unknown. */
  fragment: boolean;
}

/** A finding as the runner reports it. */
export interface Finding extends RuleFinding {
  rule: string;
  severity: Severity;
  /** Function the finding is in ("" outside functions). */
  function: string;
  /** The primary line's statement text, whitespace collapsed ('' when the line is unknown). */
  statement: string;
  /** Stable across unrelated edits: rule, function, normalised statement text, occurrence. */
  fingerprint: string;
}
