/**
 * Kernel C facts extracted from a file or a hunk fragment (see kernel-semantics.md, rules.md).
 * Everything here is plain JSON-serialisable data: no tree-sitter nodes escape the extractor.
 * Positions are 0-based lines/columns (UTF-16 code units, like JS strings and LSP) in the caller's text:
 * for a fragment, lines are fragment lines (+ fragment.firstLine when given).
 */
import type { Era } from '../../../common/era';

export interface Pos {
  line: number;
  column: number;
}

export interface Range {
  start: Pos;
  end: Pos;
}

/** An era range as in the spec table ("4.9–6.4"); an omitted bound is open. Strings are "major.minor". */
export interface EraRange {
  from?: string;
  to?: string;
}

export type ArgRole =
  | 'tsk'
  | 'mm'
  | 'start'
  | 'nr_pages'
  | 'write'
  | 'force'
  | 'gup_flags'
  | 'pages'
  | 'vmas'
  | 'vma'
  | 'locked'
  | 'nonblocking'
  | 'address'
  | 'fault_flags'
  | 'unlocked';

export interface ArgFact {
  index: number;
  text: string;
  range: Range;
  /** Role according to the era's signature (or, on an arity mismatch, a signature of another era with this arity). */
  role?: ArgRole;
  /** The argument is the literal NULL (or 0 for pointer roles, or `(void *)0`). */
  isNull: boolean;
  /** `&x` → "x". */
  addressOf?: string;
  /** FOLL_* / FAULT_FLAG_* identifiers appearing in the argument expression itself. */
  flagNames: string[];
}

export type GupFunction =
  | 'get_user_pages'
  | 'get_user_pages_locked'
  | 'get_user_pages_unlocked'
  | 'get_user_pages_remote'
  | 'get_user_pages_fast'
  | '__get_user_pages_fast'
  | 'get_user_pages_fast_only'
  | 'get_user_pages_longterm'
  | 'get_user_page_vma_remote'
  | '__get_user_pages'
  | 'pin_user_pages'
  | 'pin_user_pages_fast'
  | 'pin_user_pages_remote'
  | 'pin_user_pages_unlocked'
  | 'pin_user_pages_locked'
  | 'pin_user_pages_fast_only'
  | 'fixup_user_fault';

export interface ArityMismatch {
  actual: number;
  /** Arity of the era's signature; null when the function does not exist in the era. */
  expected: number | null;
  /** Era ranges whose signature has the actual arity. */
  matchingEras: EraRange[];
}

/** Common to every fact tied to a statement. */
export interface StatementRef {
  /** Id of the CFG node of the enclosing statement (FunctionFacts.cfg.nodes[i].id), -1 when outside any function. */
  node: number;
  /** Inside (or overlapping) an unparseable region: rules should degrade to "no finding". */
  unreliable: boolean;
}

export interface GupCallFact extends StatementRef {
  callee: GupFunction;
  range: Range;
  calleeRange: Range;
  args: ArgFact[];
  /** The function exists in the era. */
  existsInEra: boolean;
  /** The era's signature (roles), when the function exists in the era. */
  signature?: ArgRole[];
  /** Era range of the signature used for the roles. */
  signatureEras?: EraRange;
  arityMismatch?: ArityMismatch;
  /** Flag names in the gup_flags / fault_flags argument, also through a simple local variable. */
  flagNames: string[];
  /** Local variables the flag names were collected through (e.g. ["gup_flags"]). */
  flagsVia: string[];
  /** undefined when the call has no vmas argument (role absent). */
  vmasNull?: boolean;
  /** locked / nonblocking / unlocked argument is NULL; undefined when absent. */
  lockedNull?: boolean;
  /** `&locked` → "locked" (also for nonblocking / unlocked). */
  lockedVar?: string;
  /** mm expression text: the mm argument, or "current->mm" when the era's signature implies it. */
  mm?: string;
  /** The mm is implied by the signature (current->mm), not an argument. */
  mmImplied: boolean;
  /** tsk argument text when present. */
  tsk?: string;
  /** Variable (lhs text) the result is assigned to. */
  assignedTo?: string;
}

export type LockKind = 'acquire' | 'release' | 'try' | 'killable' | 'downgrade';
export type LockMode = 'read' | 'write' | 'vma' | 'read-or-vma';
export type LockSpelling = 'mmap_sem' | 'mmap_lock' | 'vma';

export interface LockOpFact extends StatementRef {
  callee: string;
  range: Range;
  kind: LockKind;
  mode: LockMode;
  /** mm expression ("mm", "current->mm", "tsk->mm"); for vma ops the vma expression is in `vma`. */
  mm?: string;
  vma?: string;
  /** mmap_sem: rwsem calls on ->mmap_sem; mmap_lock: rwsem calls on ->mmap_lock or the mmap_* API; vma: per-VMA lock. */
  spelling: LockSpelling;
  /** rwsem: down_read(&mm->mmap_sem); api: mmap_read_lock(mm) & co; vma: lock_vma_under_rcu/vma_end_read;
   *  find-vma: lock_mm_and_find_vma; fault-lock: release_fault_lock. */
  api: 'rwsem' | 'api' | 'vma' | 'find-vma' | 'fault-lock';
  /** lock_mm_and_find_vma: returns NULL with the lock dropped. lock_vma_under_rcu: NULL means not locked. */
  nullMeansUnlocked: boolean;
  assignedTo?: string;
  /** The call is (part of) an if/while condition. */
  inCondition: boolean;
}

export interface FaultCallFact extends StatementRef {
  callee: 'handle_mm_fault' | 'fixup_user_fault';
  range: Range;
  args: ArgFact[];
  /** The call is to a local static helper (name) that passes these flags to handle_mm_fault and returns its
   *  result (arm/arm64 `__do_page_fault`, unicore32 `__do_pf`); `callee` is then 'handle_mm_fault'. */
  via?: string;
  /** Text of the flags argument (handle_mm_fault: 3rd, ≤4.7 4th; fixup_user_fault: fault_flags of the era; a helper:
   *  the argument at its flags parameter). */
  flagsExpr?: string;
  /** FAULT_FLAG_* names in the flags argument (and through a simple local variable). */
  flagNames: string[];
  /** Non-flag identifiers in the flags argument (e.g. ["flags"], ["vmf", "flags"] for vmf->flags). */
  flagVars: string[];
  /** flags argument contains FAULT_FLAG_VMA_LOCK (per-VMA lock attempt). */
  vmaLock: boolean;
  assignedTo?: string;
  /** vma argument text (handle_mm_fault) / mm (fixup_user_fault). */
  target?: string;
}

export interface FlagUpdateFact extends StatementRef {
  /** lhs text: "flags", "fault_flags", "vmf->flags", "mm_flags", … */
  variable: string;
  /** set: `|=`; clear: `&= ~`; assign: `=` (or a declaration initialiser). */
  op: 'set' | 'clear' | 'assign';
  flags: string[];
  range: Range;
  text: string;
}

export interface SignalCheckFact extends StatementRef {
  callee: string;
  range: Range;
  args: string[];
  /** fatal_signal_pending(task) / signal_pending(task): the task expression. */
  task?: string;
  /** The check is part of the condition that also tests VM_FAULT_RETRY / the loop condition. */
  inRetryCondition: boolean;
  /** A helper (e.g. sh's mm_fault_error) called under a RETRY test, whose true result returns; its name. */
  viaHelper?: string;
  /** The helper's body is in the same text and contains a signal check. */
  helperVerified?: boolean;
}

export interface TestFact extends StatementRef {
  range: Range;
  /** Condition text. */
  text: string;
  /** The test is negated at the top (`!(fault & VM_FAULT_RETRY)`). */
  negated: boolean;
}

export interface BackEdgeFact extends StatementRef {
  kind: 'goto' | 'continue' | 'loop-condition';
  range: Range;
  /** Taken under a test of VM_FAULT_RETRY (an enclosing if, or the loop condition). */
  guardedByRetryTest: boolean;
  /** Nested under `if (… & FAULT_FLAG_ALLOW_RETRY)` (the ≤5.6 cap). */
  guardedByAllowRetry: boolean;
}

export interface LockRetakeFact {
  where: 'label' | 'loop-head' | 'before-back-edge';
  callee: string;
  range: Range;
  node: number;
}

export interface RetryLoopFact {
  /** label: `retry:` + goto; for/while/do: loop with continue / condition; vma-fallback: the one-shot
   *  per-VMA-lock attempt that falls through to the mmap path (NOT a loop: no back-edges). */
  kind: 'label' | 'for' | 'while' | 'do' | 'vma-fallback';
  label?: string;
  /** Label statement / loop header / vma fallback start. */
  headRange: Range;
  headNode: number;
  /** Whole region (head to last back-edge / loop end). */
  range: Range;
  faultCall?: { callee: string; range: Range; node: number; assignedTo?: string; flagsExpr?: string };
  retryTests: TestFact[];
  completedTests: TestFact[];
  backEdges: BackEdgeFact[];
  /** Flag updates inside the region on the flags variable(s) of the fault call or any FAULT_FLAG_* update. */
  flagUpdates: (FlagUpdateFact & { onRetryPath: boolean })[];
  signalChecks: SignalCheckFact[];
  lockRetakes: LockRetakeFact[];
  oneShotVmaFallback: boolean;
  /** For vma-fallback: where the mmap path starts (next lock acquisition). */
  fallthroughTo?: Range;
  /** Last assignment of the flags variable before the head (e.g. flags = FAULT_FLAG_DEFAULT). */
  initialFlags?: FlagUpdateFact;
  /** Variables holding the fault flags passed in the loop's fault call. */
  flagsVariables: string[];
  unreliable: boolean;
  /** Rebuilt function (FunctionFacts.partial): gaps inside the loop's region. Code the patch does not show may
   *  hold the fault call, signal checks, flag updates or exits. Without a fault call in the text, flag updates and
   *  lock re-takes on the retry path are those on a path from a gap to a back-edge. */
  gaps?: Range[];
  /** The head (a label) is not in the patch: a goto targets it, and it was placed in the gap before the goto. */
  headInGap?: boolean;
}

export type CfgNodeKind =
  | 'entry'
  | 'exit'
  | 'stmt'
  | 'decl'
  | 'cond'
  | 'switch'
  | 'case'
  | 'label'
  | 'goto'
  | 'return'
  | 'break'
  | 'continue'
  | 'loop'
  | 'terminator'
  | 'error';

export interface CfgNode {
  id: number;
  kind: CfgNodeKind;
  range: Range;
  /** Statement (or condition) text, truncated to 200 characters. */
  text: string;
  /** tree-sitter node type of the statement/condition. */
  syntax: string;
  /** Label name (label nodes, goto nodes). */
  label?: string;
  /** Callee names of the calls in this statement (not in nested statements). */
  calls: string[];
  unreliable: boolean;
  /** The node stands for code the patch does not show (a gap between two hunks of a reconstructed function):
   *  the file lines it replaces. Anything may happen there (locks taken or dropped, flags changed, returns). */
  gap?: Range;
}

export type CfgEdgeLabel =
  | 'fallthrough'
  | 'true'
  | 'false'
  | 'goto'
  | 'back-edge'
  | 'case'
  | 'default'
  | 'break'
  | 'continue'
  | 'return';

export interface CfgEdge {
  from: number;
  to: number;
  label: CfgEdgeLabel;
  /** Retreating edge (loop back-edge, backward goto, continue). */
  back: boolean;
}

export interface Cfg {
  entry: number;
  exit: number;
  nodes: CfgNode[];
  edges: CfgEdge[];
}

export interface FunctionFacts {
  name: string;
  range: Range;
  /** Function built around a fragment (synthetic header). */
  synthetic: boolean;
  cfg: Cfg;
  gupCalls: GupCallFact[];
  lockOps: LockOpFact[];
  faultCalls: FaultCallFact[];
  retryLoops: RetryLoopFact[];
  flagUpdates: FlagUpdateFact[];
  signalChecks: SignalCheckFact[];
  /** Labels defined in the function. */
  labels: { name: string; range: Range; node: number }[];
  unreliable: boolean;
  /** Present when the function was rebuilt from patch hunks and parts of it are not known (see PartialFunction). */
  partial?: PartialFunction;
  /**
   * false: the body holds no mm identifier (GUP family, mmap lock / VMA lock APIs, fault calls, FOLL_* /
   * FAULT_FLAG_* / VM_FAULT_*, signal-pending checks), so it was not walked: every fact list is empty (none could
   * be found) and `cfg` / `labels` are built on first read (same values as a walked function's). Absent: analysed.
   */
  analysed?: false;
}

/**
 * What is unknown about a function rebuilt from hunks (a patch read without its tree): rules should stay silent
 * when the missing code could change their verdict.
 */
export interface PartialFunction {
  /** File lines inside the function that the patch does not show (between two hunks joined into this function);
   *  each is a CFG node with `gap` set. End positions are exclusive (line N column 0: up to the end of line N-1). */
  gaps: Range[];
  /** Name and parameters come from a definition in the hunk or a complete `@@` context line; false: the context
   *  line was truncated and repaired, or there was none (the name is then "(hunk at line N)" or the context's). */
  headerKnown: boolean;
  /** The function's opening (its definition line) is in the patch; false: code before the first line shown is missing. */
  startKnown: boolean;
  /** The function's closing brace is in the patch; false: code after the last line shown is missing. */
  endKnown: boolean;
}

export interface CFacts {
  functions: FunctionFacts[];
  /** Unparseable regions (ERROR / MISSING nodes), in caller coordinates. */
  unreliable: Range[];
  /** Number of ERROR + MISSING nodes. */
  parseErrors: number;
  /** Facts found outside any function (e.g. inside a top-level ERROR region); all unreliable. */
  orphans: { gupCalls: GupCallFact[]; lockOps: LockOpFact[]; faultCalls: FaultCallFact[] };
  /** The input was too large and was not parsed (every fact list is empty). */
  truncated: boolean;
  /**
   * The parse or the analysis ran past its time budget (ExtractOptions.budgetMs / deadline): the facts are those
   * found before (none when the parse itself timed out).
   */
  budgetExceeded?: { phase: 'parse' | 'analysis'; budgetMs: number };
}

/** A gap line of a reconstructed fragment: its placeholder statement(s) call `placeholder` and stand for `range`. */
export interface FragmentGap {
  placeholder: string;
  range: Range;
  /** Labels a goto of the text targets that are not in the text, placed on this gap line. */
  labels?: string[];
}

export interface ExtractOptions {
  era: Era;
  fragment?: {
    /** The `@@ … @@` context line (e.g. "static vm_fault_t do_user_fault(struct pt_regs *regs, unsigned long addr)"). */
    contextLine: string;
    /** Added to every output line (e.g. the 0-based file line of the fragment's first line). Default 0. */
    firstLine?: number;
    /** Output line of every text line (hunks joined with gap lines); overrides firstLine. */
    lineMap?: readonly number[];
    /** Block depth of the text's first line (1 = function body), when known from its indentation. */
    depth?: number;
    /** Text lines standing for code not in the patch: their placeholder statements become gap CFG nodes. */
    gaps?: FragmentGap[];
    /** Name for a function whose header is unknown (default "(hunk at line N)"); never the internal name. */
    displayName?: string;
  };
  /** Inputs longer than this are not parsed (default 16 MiB characters). */
  maxChars?: number;
  /** Time budget of the parse and analysis in ms (default: none); past it the result has budgetExceeded. */
  budgetMs?: number;
  /** Absolute deadline (performance.now() ms) shared by several calls, e.g. every unit of one patch file. */
  deadline?: number;
}
