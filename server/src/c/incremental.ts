/**
 * Incremental C facts for a document edited keystroke by keystroke (the language server's C files). Same result as
 * `extractCFacts(text, options)` (test/c/incremental.test.ts compares them on every edit of a random walk), at the
 * cost of what changed:
 *  - tree-sitter reparses incrementally: the previous version's tree is edited (Tree.edit, from the common prefix
 *    and suffix of the two prepared texts) and handed to the parser, which reuses its unchanged subtrees;
 *  - the top level is read on tree-sitter's own nodes (no JS mirror of the whole tree);
 *  - every top-level function's facts are kept, keyed by its text (and its column): a function whose text did not
 *    change is not mirrored nor extracted again; when lines were added or removed above it, its facts are moved by
 *    that many lines. Facts depend on the function's text, the era and the file's helper index (which functions
 *    check signals, which are local fault helpers): a change of era or index drops them all.
 * Whatever the fast path does not read exactly like the whole-file path (top-level ERROR or MISSING nodes outside
 * functions, declarations with errors, fragments) is analysed by extractPrepared on the same (incremental) tree.
 */
import type Parser from 'tree-sitter';
import { faultHelperOf, type FaultHelper } from './fault-helpers';
import { FunctionExtractor, type HelperIndex } from './extract';
import {
  CONTAINERS,
  MM_BODY_RE,
  collect,
  SIGNAL_FNS_RE,
  collectErrors,
  deadlineOf,
  extractCFacts,
  extractPrepared,
  orphanFacts,
  type FunctionReuse,
  functionName,
  lazyBodies,
  macroFunctionOf,
  mergeRanges,
  overBudget,
  statementOf,
  unanalysed,
} from './index';
import { parseWithin, preprocess, PositionMapper, SYNTHETIC_FUNCTION, type Prepared } from './parser';
import { mirrorFrom, Source, type Node } from './tree';
import type { CFacts, ExtractOptions, FunctionFacts, Range } from './types';

/**
 * Thrown when a run that parsed one function only (IncrementalCFacts.localFunctions) needs another function's nodes:
 * the whole-file tree is not in step with the text then. The run is done again on the whole file.
 */
class StaleNodes extends Error {}

/** A top-level function as tree-sitter's nodes show it (the nodes are fetched only when needed). */
class TopFunction {
  private n?: Parser.SyntaxNode;
  private h?: Parser.SyntaxNode;
  constructor(
    private readonly root: Parser.SyntaxNode,
    /** Child indexes from the root to the function_definition, or to a macro-defined function's compound_statement. */
    private readonly path: number[],
    readonly start: number,
    readonly end: number,
    /** Macro-defined functions (`SYSCALL_DEFINE3(…) { … }`): the index path of the macro call statement, and the name. */
    private readonly headerPath?: number[],
    readonly macroName?: string,
    /** Its nodes are not in step with the text (a run that parsed another function only): reading them throws. */
    private readonly stale = false,
    /**
     * Not a function: a top-level ERROR or declaration with errors, naming no mm identifier and (an ERROR) holding no
     * `{`. The whole-file path finds no function and no orphan fact in it, only its errors (IncrementalCFacts.problemsOf).
     */
    readonly inert = false,
  ) {}

  /** An inert item's unreliable ranges and error count as read at `row` (moved with the record). */
  problems?: { ranges: Range[]; count: number; row: number };

  /** Its entry in the last run (error-free definitions); `unchanged`: its text is the one that entry was read from. */
  kept?: Kept;
  unchanged = false;
  /**
   * The last whole-file parse read it without errors (set by that run, carried by moved records and the record of a
   * function parsed alone). Undefined: not known, taken as with errors.
   */
  cleanAtParse?: boolean;
  /** An error-free definition collect() does not list (no name or no body, as functionName reads it): skipped. */
  unlisted = false;
  /**
   * The item before it ends where nothing can continue it (`;`, `}`, a preprocessor line; none: the first in the file)
   * and has no error: an edit in its header, after its first token, leaves the parse of everything before it as it was
   * (localFunctions).
   */
  afterComplete = false;
  /**
   * A definition the last whole-file parse read with errors, and read exactly as it reads its own text alone: its
   * errors come from its text, not from the items around it. Kept while another function is edited, whatever that
   * function's state (IncrementalCFacts.perFunction).
   */
  ownErrors = false;

  get node(): Parser.SyntaxNode {
    if (this.stale) throw new StaleNodes();
    return (this.n ??= nodeAt(this.root, this.path));
  }

  get header(): Parser.SyntaxNode | undefined {
    if (!this.headerPath) return undefined;
    if (this.stale) throw new StaleNodes();
    return (this.h ??= nodeAt(this.root, this.headerPath));
  }

  get isMacro(): boolean {
    return this.headerPath !== undefined;
  }

  /** The same function `delta` characters further, its nodes no longer read. */
  moved(delta: number): TopFunction {
    const f = new TopFunction(this.root, this.path, this.start + delta, this.end + delta, this.headerPath, this.macroName, true, this.inert);
    f.kept = this.kept;
    f.problems = this.problems;
    f.unchanged = true;
    f.cleanAtParse = this.cleanAtParse;
    f.unlisted = this.unlisted;
    f.afterComplete = this.afterComplete;
    f.ownErrors = this.ownErrors;
    return f;
  }
}

function nodeAt(root: Parser.SyntaxNode, path: number[]): Parser.SyntaxNode {
  let n = root;
  for (const i of path) n = n.child(i)!;
  return n;
}

/** What is kept per function text. */
interface Kept {
  /** Unique per entry: what keyOf() names it by. */
  id: number;
  /** Column of the definition's first character; the prepared text when it differs from the function's own. */
  column: number;
  prepared: string | undefined;

  name: string;
  synthetic: boolean;
  /** Its body checks signals (HelperIndex.signalHelpers). */
  signal: boolean;
  fault: FaultHelper | undefined;
  /** Body without mm identifiers: facts built on demand (unanalysed); 'dirty': the definition has parse errors. */
  kind: 'lazy' | 'analysed' | 'dirty';
  /** Facts at `row` (analysed and lazy functions; dropped when their context changes): `base` as extracted at
   * `baseRow`, seen through shiftedView() once the function has moved. A lazy function's CFG is built on first read. */
  facts?: FunctionFacts;
  row: number;
  base?: FunctionFacts;
  baseRow?: number;
  /** Last run that used it. */
  run: number;
  /** Names the function calls (`name(`): the only helper-index entries its facts can depend on. */
  calls: string[];
  /** The era and the helper-index entries of `calls` its facts were extracted under, and its number. */
  context?: string;
  contextId?: number;
  /** Helper-index generation `context` was computed in. */
  generation?: number;
  /**
   * A definition with errors: its unreliable ranges, error count and orphan facts (an ERROR outside its body, e.g. an
   * unknown attribute in its header) as extracted at `row`. With its facts, reused by a run that parsed another
   * function only (its text and everything around it unchanged); read again otherwise.
   */
  problems?: { ranges: Range[]; count: number; row: number; orphans?: CFacts['orphans'] };
}

/** A call's callee name. */
const CALL_RE = /\b([A-Za-z_]\w*)\s*\(/g;

/** Runs a kept entry survives without being used (undo of the last edits finds its functions again). */
const KEEP_RUNS = 2;

/** A file position of the facts (c/types.ts Pos): `{line, column}`. */
const isFilePosition = (o: Record<string, unknown>): boolean => typeof o.column === 'number';

/**
 * `x` moved by `delta` lines, copied: the `line` of every object `isPosition` accepts (by default the facts' {line,
 * column} positions; facts hold positions only as such objects, never as bare numbers).
 */
export function shiftLines<T>(x: T, delta: number, isPosition: (o: Record<string, unknown>) => boolean = isFilePosition): T {
  if (delta === 0) return x;
  const go = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(go);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = go(o[k]);
    if (typeof o.line === 'number' && isPosition(o)) out.line = o.line + delta;
    return out;
  };
  return go(x) as T;
}

/**
 * `fn` moved by `delta` lines, computed on demand: a proxy whose fields holding positions are copied and moved on
 * their first read (the CFG, the largest, is read only when the rules run on the function again). Moving a function
 * then costs one small object until its facts are read: pressing Enter near the top of a 5,000-line file moves
 * every function below it, and the keystroke path reads only their ranges. JSON, spreads and Object.keys see the
 * same fields in the same order as on the facts themselves.
 */
export function shiftedView(fn: FunctionFacts, delta: number): FunctionFacts {
  if (delta === 0) return fn;
  const view = new Proxy<ViewTarget>({ base: fn as unknown as Record<string, unknown>, delta, moved: new Map() }, VIEW) as unknown as FunctionFacts;
  origins.set(view, { base: fn, delta });
  return view;
}

interface ViewTarget {
  base: Record<string, unknown>;
  delta: number;
  moved: Map<string, unknown>;
}

function viewGet(t: ViewTarget, key: string): unknown {
  if (t.moved.has(key)) return t.moved.get(key);
  const v = t.base[key];
  if (v === null || typeof v !== 'object') return v;
  const m = shiftLines(v, t.delta);
  t.moved.set(key, m);
  return m;
}

const VIEW: ProxyHandler<ViewTarget> = {
  get: (t, key) => (typeof key === 'string' ? viewGet(t, key) : undefined),
  set: (t, key, value: unknown) => {
    t.moved.set(String(key), value);
    return true;
  },
  has: (t, key) => key in t.base,
  ownKeys: (t) => Reflect.ownKeys(t.base),
  getOwnPropertyDescriptor: (t, key) =>
    typeof key === 'string' && Object.prototype.hasOwnProperty.call(t.base, key)
      ? { value: viewGet(t, key), enumerable: true, configurable: true, writable: true }
      : undefined,
};

/** Views made by shiftedView: the facts they show and by how many lines. */
const origins = new WeakMap<FunctionFacts, { base: FunctionFacts; delta: number }>();

/**
 * Chunk sizes the common prefix and suffix are compared in, then character by character: comparing slices (V8
 * compares their characters natively) took 0.02 ms on a 100 KB file, the character loop alone 0.6 ms.
 */
const CHUNKS = [8192, 512, 32];

/** Length of the common prefix of `a` and `b`. */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (const step of CHUNKS) while (s + step <= n && a.slice(s, s + step) === b.slice(s, s + step)) s += step;
  while (s < n && a.charCodeAt(s) === b.charCodeAt(s)) s++;
  return s;
}

/** Length of the common suffix of `a` and `b` that does not reach into their first `prefix` characters. */
function commonSuffix(a: string, b: string, prefix: number): number {
  const n = Math.min(a.length, b.length) - prefix;
  let e = 0;
  for (const step of CHUNKS) while (e + step <= n && a.slice(a.length - e - step, a.length - e) === b.slice(b.length - e - step, b.length - e)) e += step;
  while (e < n && a.charCodeAt(a.length - 1 - e) === b.charCodeAt(b.length - 1 - e)) e++;
  return e;
}

/**
 * The line starts of `b`, from those of `a` (`starts`) when `b` is `a` with [s, a.length - e) replaced: lines before
 * the edit keep theirs, lines after it move by the characters added, only the replaced text is scanned. Three scans of
 * a 100 KB text per keystroke (line count, line starts) were 7% of a keystroke's analysis.
 */
function movedLineStarts(starts: Int32Array, a: string, b: string, s: number, e: number): Int32Array {
  const oldEnd = a.length - e;
  const newEnd = b.length - e;
  // Old starts p with p <= s stay; those with p > oldEnd move by the delta; those between are replaced.
  let keep = 0;
  let hi = starts.length;
  while (keep < hi) {
    const mid = (keep + hi) >> 1;
    if (starts[mid]! <= s) keep = mid + 1;
    else hi = mid;
  }
  let tail = keep;
  while (tail < starts.length && starts[tail]! <= oldEnd) tail++;
  const inserted: number[] = [];
  for (let i = b.indexOf('\n', s); i >= 0 && i < newEnd; i = b.indexOf('\n', i + 1)) inserted.push(i + 1);
  const out = new Int32Array(keep + inserted.length + starts.length - tail);
  out.set(starts.subarray(0, keep));
  out.set(inserted, keep);
  const delta = newEnd - oldEnd;
  for (let k = tail, o = keep + inserted.length; k < starts.length; k++, o++) out[o] = starts[k]! + delta;
  return out;
}

/** The edit that turns `a` into `b` (common prefix and suffix), in tree-sitter's terms, and the line index of `b`. */
function editBetween(a: string, b: string, pa: Source): { edit: Parser.Edit | undefined; source: Source } {
  const s = commonPrefix(a, b);
  if (s === a.length && s === b.length) return { edit: undefined, source: new Source(b, 0, 0, pa.lineStartsOf()) };
  const e = commonSuffix(a, b, s);
  const pb = new Source(b, 0, 0, movedLineStarts(pa.lineStartsOf(), a, b, s, e));
  return { source: pb, edit: {
    startIndex: s,
    oldEndIndex: a.length - e,
    newEndIndex: b.length - e,
    startPosition: pb.point(s),
    oldEndPosition: pa.point(a.length - e),
    newEndPosition: pb.point(b.length - e),
  } };
}

/**
 * The top-level functions, read like collect() in index.ts reads the mirror (descending through the same
 * containers), with a tree cursor: no node object for the top level's declarations and comments. Undefined when
 * the top level holds something the fast path leaves to the whole-file path (ERROR / MISSING nodes or errors outside
 * functions).
 */
function topLevel(tree: Parser.Tree, text: string): TopFunction[] | undefined {
  const root = tree.rootNode;
  const anyError = root.hasError;
  const c = tree.walk();
  const out: TopFunction[] = [];
  const path: number[] = [];
  /** The cursor is on a container: its children, then back to it; false to give up. */
  const children = (): boolean => {
    if (!c.gotoFirstChild()) return true;
    let i = 0;
    let lastNamed: { type: string; index: number } | undefined;
    /** The item before the cursor's (comments left out): where it ends, and whether it can be continued. */
    let before: { complete: boolean } | undefined;
    do {
      const t = c.nodeType;
      if (t === 'function_definition') {
        const f = new TopFunction(root, [...path, i], c.startIndex, c.endIndex);
        f.afterComplete = before === undefined ? path.length === 0 : before.complete;
        out.push(f);
      } else {
        // (A bare token right under the root of a tree with errors, `do` or `{`, is what error recovery left: the
        // whole-file path reads the definitions it swallowed; a walk found one. A `;` ends `struct s { … };`, and
        // a container's own tokens are `#ifdef`, `#endif`, … .)
        if (t === 'ERROR' && inertItem(c.currentNode)) {
          out.push(new TopFunction(root, [...path, i], c.startIndex, c.endIndex, undefined, undefined, false, true));
          i++;
          continue;
        }
        if (t === 'ERROR' || c.nodeIsMissing || (anyError && path.length === 0 && !c.nodeIsNamed && t !== ';')) return false;
        let macro = false;
        if (t === 'compound_statement' && lastNamed?.type === 'expression_statement') {
          // `MACRO(name, …)` + body: a macro-defined function (index.ts macroFunction).
          const headerPath = [...path, lastNamed.index];
          const header = nodeAt(root, headerPath);
          const m = macroFunctionOf(header);
          if (m) out.push(new TopFunction(root, [...path, i], header.startIndex, c.endIndex, headerPath, m.name));
          macro = m !== undefined;
        }
        if (macro) {
          // Its errors are the function's (perFunction reads them): not an inert item too. A campaign found them
          // counted twice when its body had an error and no mm identifier.
        } else if (CONTAINERS.has(t)) {
          path.push(i);
          const ok = children();
          path.pop();
          if (!ok) return false;
        } else if (anyError && c.currentNode.hasError) {
          if (!inertItem(c.currentNode)) return false;
          out.push(new TopFunction(root, [...path, i], c.startIndex, c.endIndex, undefined, undefined, false, true));
        }
      }
      if (c.nodeIsNamed) lastNamed = { type: t, index: i };
      if (t !== 'comment') before = { complete: endsItem(c, text, anyError) };
      i++;
    } while (c.gotoNextSibling());
    c.gotoParent();
    return true;
  };
  if (!children()) return undefined;
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The item under the cursor ends where no token after it can continue it: at a `;` or a `}` (a declaration, a
 * definition, `struct s { … };`'s `;`), or on a preprocessor line (`#include …`, `#ifdef X`, `#else`), whose line
 * break ends it. Not an item with errors (its recovery may depend on what follows).
 */
function endsItem(c: Parser.TreeCursor, text: string, anyError: boolean): boolean {
  if (anyError && c.currentNode.hasError) return false;
  const end = c.endIndex;
  const last = text.charCodeAt(end - 1);
  if (last === 0x3b /* ; */ || last === 0x7d /* } */) return true;
  if (c.nodeType.startsWith('preproc_') && last === 0x0a) return true;
  // A token of a directive line (`#ifdef`, its name, `#else`): the line starts with `#` and does not go on.
  const lineStart = text.lastIndexOf('\n', end - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  return /^\s*#/.test(text.slice(lineStart, end)) && lineEnd >= 0 && !/\\\s*$/.test(text.slice(lineStart, lineEnd));
}

/**
 * A top-level item with errors the per-function path can read like the whole-file path does: no mm identifier (no
 * orphan fact, no helper), and for an ERROR node no `{` (no definition inside it). `int x __read_mostly =` followed
 * by an `#ifdef` inside the initializer (mm/memory.c) is one: before, such a file never took the per-function path.
 */
function inertItem(n: Parser.SyntaxNode): boolean {
  const text = n.text;
  // (A `}` in an ERROR is what a brace missing upstream leaves: its place depends on the text around it.)
  return !MM_BODY_RE.test(text) && (n.type !== 'ERROR' || !/[{}]/.test(text));
}

export interface IncrementalStats {
  /** Functions whose facts were reused / extracted in the last run. */
  reused: number;
  extracted: number;
  /** The last run read the whole file (fallback) instead of per function, and why. */
  fallback?: string;
  /** The last run reparsed incrementally (an old tree was reused). */
  incremental: boolean;
  /** The last run reparsed the whole file: why it did not parse the edited function alone (bench/keystroke.ts). */
  notLocal?: string;
  /**
   * The last run parsed the edited function alone (the edit lay inside it; see localFunctions): its range (offsets
   * in the text) and whether it has parse errors (which then stay inside it).
   */
  local?: { start: number; end: number; dirty: boolean };
}

/** Keeps one document's tree and per-function facts from one version to the next. */
export class IncrementalCFacts {
  private prep: string | undefined;
  /** The text of the last run (prep is its preprocessed form). */
  private text: string | undefined;
  private source: Source | undefined;
  /** The whole file's tree, edited with every change since; reparsed only when `stale` is false. */
  private tree: Parser.Tree | undefined;
  /** Runs since the last whole-file parse parsed the edited function only: `tree` was edited, not reparsed. */
  private stale = false;
  /** The top-level functions of the last run (its prepared text's offsets), read per function. */
  private fns: TopFunction[] | undefined;
  private readonly kept = new Map<string, Kept>();
  private run = 0;
  private ids = 0;
  /** The era and helper index of the last run, and a number that changes with them. */
  private digest = '';
  private generation = 0;
  private readonly contexts = new Interner(10_000);
  private keys = new WeakMap<FunctionFacts, string>();
  stats: IncrementalStats = { reused: 0, extracted: 0, incremental: false };
  /** Why perFunction gave up (set when it returns undefined). */
  private refusal = '';

  private refuse(why: string): undefined {
    this.refusal = why;
    return undefined;
  }

  /**
   * A key that identifies what `fn` (a function of the last result) was computed from: its text and column, the era
   * and the file's helper index. Equal keys, equal facts up to a shift of lines. Undefined for functions read with
   * parse errors, without mm identifiers, or by the whole-file path.
   */
  keyOf(fn: FunctionFacts): string | undefined {
    return this.keys.get(fn);
  }

  /** For a function of the last result that was only moved: its facts as extracted, and by how many lines it moved. */
  originOf(fn: FunctionFacts): { base: FunctionFacts; delta: number } | undefined {
    return origins.get(fn);
  }

  /**
   * A kept entry for a function read for the first time; kept under its text unless it has parse errors (a
   * definition with errors is read again each time: its tree may change with the text around it).
   */
  private newKept(own: string, prepared: string, column: number, name: string, bodyText: string, kind: Kept['kind'], fault: FaultHelper | undefined): Kept {
    // A definition with errors may have orphan facts outside its body (CFacts.orphans): those depend on the names
    // called there too.
    const callsText = kind === 'dirty' ? prepared : bodyText;
    const kept: Kept = {
      id: ++this.ids,
      column,
      prepared: prepared === own ? undefined : detach(prepared),
      name,
      synthetic: name === SYNTHETIC_FUNCTION,
      signal: SIGNAL_FNS_RE.test(bodyText),
      fault,
      kind,
      row: -1,
      run: this.run,
      // A lazy body names no mm identifier: no helper its (CFG-only) facts could depend on.
      calls: kind === 'lazy' ? [] : [...new Set(Array.from(callsText.matchAll(CALL_RE), (m) => m[1]!))],
    };
    if (kind !== 'dirty') this.kept.set(detach(own), kept);
    return kept;
  }

  /** A new context for a kept function drops its facts (they were extracted under the old one). */
  private setContext(kept: Kept, context: string): void {
    if (kept.context === context) return;
    kept.facts = kept.base = undefined;
    kept.context = context;
    kept.contextId = this.contexts.number(context);
  }

  /** Records what `facts` (a kept function's, as returned) were computed from, for keyOf(). */
  private keyed(kept: Kept, facts: FunctionFacts): FunctionFacts {
    this.keys.set(facts, `${kept.contextId}#${kept.id}`);
    return facts;
  }

  /** The line starts of `text` when it is the last run's text (preprocessing keeps every character's place). */
  lineStartsOf(text: string): Int32Array | undefined {
    return this.text === text ? this.source?.lineStartsOf() : undefined;
  }

  /** The current tree as an S-expression (tests compare it with a fresh parse's); reparses a stale tree first. */
  treeText(): string | undefined {
    if (this.tree && this.stale && this.prep !== undefined) {
      this.tree = parseWithin(this.prep, Infinity, this.tree);
      this.stale = false;
      this.fns = this.tree ? topLevel(this.tree, this.prep) : undefined;
    }
    return this.tree?.rootNode.toString();
  }

  /** Forgets the tree and everything kept (the next run reads the whole text). */
  reset(): void {
    this.prep = undefined;
    this.text = undefined;
    this.source = undefined;
    this.tree = undefined;
    this.stale = false;
    this.fns = undefined;
    this.kept.clear();
  }

  /**
   * The top-level functions after `edit` when it lies inside one plain function, before its last `}` (in its body, or
   * in its header past its first token when the item before it is complete: see below), and that function, parsed
   * alone (tree-sitter's included ranges: positions as in the whole text), is one function_definition whose body
   * spans exactly to its new end, with no `/*` left open. The other functions keep their place, moved by the
   * characters inserted or deleted; their nodes are not read (StaleNodes if a run needs them: their facts must all
   * be kept). Otherwise, why not (the whole file is reparsed: IncrementalStats.notLocal).
   *
   * Error-free, the result equals a whole-file parse's: a top-level function starts in the parser's top-level state,
   * and text that parses without error as one function_definition is reduced the same way whatever top-level items
   * surround it (the walk test in test/c/incremental.test.ts compares each such run with a fresh analysis).
   *
   * With a syntax error (a statement being typed), the error stays in this function by design, which a fresh parse
   * does not promise: tree-sitter's error recovery may run on through the functions after it (2.3% of such edits in a
   * scratch campaign). Typing `x` after a statement of a 5,000-line file made a whole-file reparse take up to 200 ms
   * and drop the analysis of the ~100 functions below, whose diagnostics then vanished until the statement was
   * complete. Here the other functions keep the facts of their unchanged text, and the edited one is read with its
   * errors (unreliable regions) as usual. The CLI reads a file once and whole.
   */
  private localFunctions(
    edit: Parser.Edit,
    oldText: string,
    text: string,
    ptext: string,
    src: Source,
    deadline: number,
  ): { fns: TopFunction[]; edited: TopFunction } | string {
    const fns = this.fns;
    if (!fns) return 'no top level read';
    // The last function starting before the edit.
    let lo = 0;
    let hi = fns.length - 1;
    let i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (fns[mid]!.start < edit.startIndex) {
        i = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const f = fns[i];
    if (!f || f.isMacro || f.inert || edit.oldEndIndex >= f.end) return 'edit outside a plain function';
    // The text itself changed there only too (not also in a blanked macro elsewhere, which the preprocessed texts
    // do not show): the other functions keep their text, and so their entries.
    const rawStart = commonPrefix(oldText, text);
    if (rawStart <= f.start || oldText.length - commonSuffix(oldText, text, rawStart) >= f.end) return 'text changed outside the function';
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const start = f.start;
    const end = f.end + delta;
    const tree = parseAlone(ptext, src, start, end, deadline);
    if (!tree) return 'over budget';
    const root = tree.rootNode;
    if (root.childCount !== 1) return 'not one definition alone';
    const n = root.firstChild!;
    if (n.type !== 'function_definition' || n.startIndex !== start || n.endIndex !== end) return 'not one definition alone';
    // The body still ends the definition (no `}` typed closed it early).
    const body = n.childForFieldName('body');
    if (!body || body.endIndex !== end) return 'the body no longer ends the definition';
    if (body.startIndex >= edit.startIndex) {
      // An edit in the header (a parameter list's continuation line): the items before the function must not read
      // further than they did. They do not when the item before ends where nothing continues it (afterComplete) and
      // the function's first token, and the character after it, are as they were: the parser then reaches the
      // function in the top-level state, with the same token ahead, as the whole-file parse did.
      if (!f.afterComplete) return 'edit in a header, after an item that may go on';
      const first = root.descendantForIndex(start, start);
      if (Math.min(edit.startIndex, rawStart) <= first.endIndex) return 'edit in the first token of a definition';
      // A header edit that leaves an error in the body moved header text into it (`)\n{` typed in a parameter
      // list): a campaign over kernel headers found the whole-file parse recover from those differently.
      if (body.hasError) return 'a header edit left an error in the body';
    }
    if (!commentsClosedWithin(root, ptext, start, end)) return 'a comment left open';
    const edited = new TopFunction(root, [0], start, end);
    edited.cleanAtParse = f.cleanAtParse;
    edited.afterComplete = f.afterComplete;
    return { fns: fns.map((g, k) => (k < i ? g.moved(0) : k === i ? edited : g.moved(delta))), edited };
  }

  extract(text: string, options: ExtractOptions): CFacts {
    this.run++;
    this.stats = { reused: 0, extracted: 0, incremental: false };
    if (typeof text !== 'string' || options.fragment || text.length > (options.maxChars ?? 16 * 1024 * 1024)) {
      this.reset();
      this.stats.fallback = 'not a whole C file';
      return extractCFacts(text, options);
    }
      const deadline = deadlineOf(options);
    const opts: ExtractOptions = { ...options, deadline };
    if (performance.now() > deadline) return overBudget('parse', opts);
    const body = preprocess(text);
    let source: Source;
    let old: Parser.Tree | undefined;
    let edit: Parser.Edit | undefined;
    if (this.tree && this.prep !== undefined && this.source) {
      // The tree follows every edit, reparsed or not (a stale tree collects the edits of the local runs).
      ({ edit, source } = editBetween(this.prep, body, this.source));
      if (edit) this.tree.edit(edit);
      old = this.tree;
    } else source = new Source(body);
    // prepare(text) for a whole file, its line count from the line index (preprocess keeps every line break).
    const prep: Prepared = { text: body, prefixLines: 0, userLines: source.lineStartsOf().length, lineOffset: 0 };
    const oldText = this.text;
    this.prep = prep.text;
    this.text = text;
    this.source = source;
    const local = edit && oldText !== undefined ? this.localFunctions(edit, oldText, text, prep.text, source, deadline) : 'no edit';
    let notLocal = typeof local === 'string' ? local : undefined;
    if (typeof local !== 'string') {
      // Other definitions with errors keep what the last whole-file parse read when the edited one had no error in that
      // parse: its errors since stayed in it (see above). An error it had there may be what made them err (a walk
      // found one healed by the edit): they are read again then, on the whole file.
      const facts = this.perFunctionOrStale(text, prep, source, local.fns, (f) => f === local.edited && f.node.hasError, opts, local.edited.cleanAtParse === true);
      if (facts) {
        this.stale = true;
        this.fns = local.fns;
        this.stats.local = { start: local.edited.start, end: local.edited.end, dirty: local.edited.node.hasError };
        this.stats.incremental = true;
        this.evict();
        return facts;
      }
      notLocal = this.refusal;
      this.stats = { reused: 0, extracted: 0, incremental: false };
    }
    const tree = parseWithin(prep.text, deadline, old);
    if (!tree) {
      this.reset();
      return overBudget('parse', opts);
    }
    this.stats.incremental = old !== undefined;
    if (notLocal) this.stats.notLocal = notLocal;
    this.tree = tree;
    this.stale = false;
    const fns = topLevel(tree, prep.text);
    this.fns = fns;
    const anyError = tree.rootNode.hasError;
    if (fns) {
      for (const f of fns) {
        f.cleanAtParse = !anyError || (!f.inert && !f.node.hasError);
        if (!f.cleanAtParse && !f.inert && !f.isMacro) f.ownErrors = readAloneAlike(f.node, prep.text, source, deadline);
      }
    }
    let facts = fns ? this.perFunction(text, prep, source, fns, (f) => anyError && f.node.hasError, opts) : undefined;
    if (!facts) {
      this.stats.fallback = fns ? 'parse errors a function does not hold' : 'parse errors outside functions';
      facts = extractPrepared(text, prep, opts, tree, this.reuseFor(text, prep.text, opts));
    }
    this.evict();
    return facts;
  }

  /** Drops kept entries no run used lately. */
  private evict(): void {
    for (const [k, v] of this.kept) if (this.run - v.run > KEEP_RUNS) this.kept.delete(k);
  }

  /** perFunction, or undefined when it needs the nodes of a function the run did not parse. */
  private perFunctionOrStale(...args: Parameters<IncrementalCFacts['perFunction']>): CFacts | undefined {
    try {
      return this.perFunction(...args);
    } catch (error) {
      if (error instanceof StaleNodes) {
        this.refusal = 'needs another function\'s nodes';
        return undefined;
      }
      throw error;
    }
  }

  /**
   * The whole-file path (parse errors outside functions: a stray `}`, a declaration being typed) still reuses the
   * facts of its error-free top-level functions, kept like the fast path's.
   */
  private reuseFor(text: string, ptext: string, opts: ExtractOptions): FunctionReuse {
    const era = JSON.stringify(opts.era);
    return {
      reuse: (f, helpers, extract) => {
        const { startIndex: start, endIndex: end } = f.node;
        const own = text.slice(start, end);
        const prepared = ptext.slice(start, end);
        const column = start - (text.lastIndexOf('\n', start - 1) + 1);
        let kept = this.kept.get(own);
        if (kept && (kept.kind !== 'analysed' || kept.column !== column || (kept.prepared ?? own) !== prepared || kept.name !== f.name)) kept = undefined;
        if (!kept) {
          const bodyText = ptext.slice(f.body.startIndex, f.body.endIndex);
          const fault = bodyText.includes('handle_mm_fault') ? faultHelperOf(f.node, bodyText) : undefined;
          kept = this.newKept(own, prepared, column, f.name, bodyText, 'analysed', fault);
        }
        kept.run = this.run;
        this.setContext(kept, contextString(kept.calls, helpers, era));
        // The fast path computes it again (its helper index may differ from this one).
        kept.generation = -1;
        const row = f.node.startPosition.row;
        if (kept.base) this.stats.reused++;
        else {
          keepFacts(kept, extract(), row);
          this.stats.extracted++;
        }
        return this.keyed(kept, movedTo(kept, row));
      },
    };
  }

  /** `hasError(f)`: the function's definition holds ERROR or MISSING nodes (read only where the tree has some). */
  /** `reuseErrors`: definitions with errors outside the function being edited keep what the last parse read. */
  private perFunction(
    text: string,
    prep: Prepared,
    src: Source,
    fns: TopFunction[],
    hasError: (f: TopFunction) => boolean,
    opts: ExtractOptions,
    reuseErrors = false,
  ): CFacts | undefined {
    const deadline = opts.deadline ?? Infinity;
    const map = new PositionMapper(prep, text);
    const ptext = prep.text;
    // 1. Who is who: names and helper roles, kept per function text.
    const entries: { f: TopFunction; kept: Kept; mirror?: Node }[] = [];
    for (const f of fns) {
      if (f.inert || (f.unchanged && f.unlisted)) continue;
      const lineStart = text.lastIndexOf('\n', f.start - 1) + 1;
      const column = f.start - lineStart;
      // A function a one-function run did not parse has the text it had: its entry, without slicing and hashing it.
      let kept = f.unchanged && f.kept?.column === column ? f.kept : undefined;
      let own: string | undefined;
      if (!kept) {
        own = text.slice(f.start, f.end);
        const prepared = ptext.slice(f.start, f.end);
        kept = this.kept.get(own);
        if (kept && (kept.column !== column || (kept.prepared ?? own) !== prepared)) kept = undefined;
        // The same text read with a parse error (the tree has one somewhere): read again, as a definition with errors.
        if (kept && hasError(f)) kept = undefined;
      }
      let mirror: Node | undefined;
      if (!kept) {
        own ??= text.slice(f.start, f.end);
        const prepared = ptext.slice(f.start, f.end);
        const body = f.header ? f.node : f.node.childForFieldName('body');
        const name = f.macroName ?? functionName(f.node);
        if (!body || !name) {
          // collect() does not list it; its parse errors are the whole-file path's business.
          if (f.node.hasError) return this.refuse('a definition with errors and no name or body');
          f.unlisted = true;
          continue;
        }
        const bodyText = ptext.slice(body.startIndex, body.endIndex);
        const dirty = f.node.hasError;
        const lazy = !f.header && !dirty && lazyBodies.enabled && !MM_BODY_RE.test(bodyText);
        let fault: FaultHelper | undefined;
        if (!lazy) {
          mirror = mirrorFrom(f.node.walk(), src, { clean: !dirty });
          if (!f.header && bodyText.includes('handle_mm_fault')) fault = faultHelperOf(mirror, bodyText);
        }
        kept = this.newKept(own, prepared, column, name, bodyText, lazy ? 'lazy' : dirty ? 'dirty' : 'analysed', fault);
      }
      kept.run = this.run;
      // Kept with the function's record for the next one-function run.
      f.kept = kept;
      entries.push({ f, kept, ...(mirror ? { mirror } : {}) });
    }
    const helpers: HelperIndex = { signalHelpers: new Map(), faultHelpers: new Map() };
    for (const { kept } of entries) {
      helpers.signalHelpers.set(kept.name, kept.signal);
      if (kept.fault) helpers.faultHelpers!.set(kept.name, kept.fault);
    }
    const era = JSON.stringify(opts.era);
    // The helper index rarely changes between keystrokes: contexts are computed again only when it did.
    const digest = JSON.stringify([era, [...helpers.signalHelpers], [...helpers.faultHelpers!]]);
    if (digest !== this.digest) {
      this.digest = digest;
      this.generation++;
    }
    const contextOf = (k: Kept): string => {
      if (k.generation === this.generation && k.context !== undefined) return k.context;
      k.generation = this.generation;
      return contextString(k.calls, helpers, era);
    };

    // 2. Facts: kept (moved to the function's line) or extracted from a mirror of the function alone.
    const functions: FunctionFacts[] = [];
    const errors: Node[] = [];
    const missing: Node[] = [];
    /** Unreliable ranges and error counts of definitions with errors whose facts were reused. */
    const reusedProblems: Range[] = [];
    let reusedCount = 0;
    const orphans: CFacts['orphans'] = { gupCalls: [], lockOps: [], faultCalls: [] };
    const addOrphans = (o: CFacts['orphans'] | undefined, d: number): void => {
      if (!o) return;
      orphans.gupCalls.push(...shiftLines(o.gupCalls, d));
      orphans.lockOps.push(...shiftLines(o.lockOps, d));
      orphans.faultCalls.push(...shiftLines(o.faultCalls, d));
    };
    let over: CFacts['budgetExceeded'];
    for (const e of entries) {
      if (performance.now() > deadline) {
        over = { phase: 'analysis', budgetMs: opts.budgetMs ?? 0 };
        break;
      }
      const { f, kept } = e;
      const start = src.point(f.start);
      const row = start.row;
      if (kept.kind === 'lazy') {
        // Its CFG and labels (built on first read) depend on its text and position only, not on the helper index.
        if (kept.context !== era) {
          const node = { text: ptext.slice(f.start, f.end), startPosition: start, endPosition: src.point(f.end) };
          keepFacts(kept, unanalysed({ name: kept.name, synthetic: kept.synthetic, node }, map, opts.era, helpers), row);
          kept.context = era;
        }
        functions.push(movedTo(kept, row));
        continue;
      }
      this.setContext(kept, contextOf(kept));
      if (kept.kind === 'analysed' && kept.base) {
        functions.push(this.keyed(kept, movedTo(kept, row)));
        this.stats.reused++;
        continue;
      }
      if (kept.kind === 'dirty' && (reuseErrors || f.ownErrors) && f.unchanged && kept.base && kept.problems) {
        // A definition with errors outside the one function this run parsed: as the last parse read it, moved.
        // (Read again, it made every keystroke elsewhere in a kernel file with one such definition reparse the file.)
        functions.push(movedTo(kept, row));
        const d = row - kept.problems.row;
        reusedProblems.push(...(d ? shiftLines(kept.problems.ranges, d) : kept.problems.ranges));
        reusedCount += kept.problems.count;
        addOrphans(kept.problems.orphans, d);
        this.stats.reused++;
        continue;
      }
      const mirror = e.mirror ?? mirrorFrom(f.node.walk(), src, { clean: kept.kind !== 'dirty' });
      const body = f.header ? mirror : mirror.childForFieldName('body');
      if (!body) continue;
      const [e0, m0] = [errors.length, missing.length];
      /** ERRORs outside the body: read as top-level code (CFacts.orphans), as the whole-file path reads them. */
      const outside: Node[] = [];
      if (kept.kind === 'dirty') {
        collectErrors(mirror, errors, missing);
        const own = errors.slice(e0);
        for (const x of own) {
          if (x.type !== 'ERROR' || (x.startIndex >= body.startIndex && x.endIndex <= body.endIndex)) continue;
          // (Not one inside another of its errors, as index.ts picks its roots.)
          if (!own.some((o) => o !== x && o.startIndex <= x.startIndex && o.endIndex >= x.endIndex)) outside.push(x);
        }
      }
      this.stats.extracted++;
      let facts: FunctionFacts;
      try {
        facts = new FunctionExtractor({ name: kept.name, node: mirror, body, synthetic: kept.synthetic }, map, opts.era, helpers).run();
      } catch {
        // As in the whole-file path: a bug in one function's extraction marks its body unreliable.
        errors.push(body);
        continue;
      }
      if (f.header) facts.range = { start: map.pos(src.point(f.header.startIndex)), end: facts.range.end };
      if (kept.kind === 'analysed') this.keyed(kept, keepFacts(kept, facts, row));
      else if (kept.kind === 'dirty') {
        keepFacts(kept, facts, row);
        const ranges = [...errors.slice(e0).map((n) => map.range(n)), ...missing.slice(m0).map((m) => map.range(statementOf(m)))];
        const own = outside.length ? orphanFacts(outside, map, opts.era, helpers) : undefined;
        kept.problems = { ranges, count: errors.length - e0 + missing.length - m0, row, ...(own ? { orphans: own } : {}) };
        addOrphans(own, 0);
      }
      functions.push(facts);
    }
    for (const f of fns) {
      if (!f.inert) continue;
      const row = src.point(f.start).row;
      if (!(f.unchanged && f.problems)) {
        // As collect() in index.ts reads it: an ERROR and what it holds, or the errors of an item with errors.
        const [e0, m0] = [errors.length, missing.length];
        const mirror = mirrorFrom(f.node.walk(), src, { clean: false });
        if (mirror.type !== 'ERROR') collectErrors(mirror, errors, missing);
        else {
          // collect()'s own walk of an ERROR (no definition in it: it holds no `{`): nested ERRORs and containers too.
          const inside = collect(mirror);
          errors.push(mirror, ...inside.errors);
          missing.push(...inside.missing);
        }
        const ranges = [...errors.slice(e0).map((n) => map.range(n)), ...missing.slice(m0).map((m) => map.range(statementOf(m)))];
        f.problems = { ranges, count: errors.length - e0 + missing.length - m0, row };
        continue;
      }
      const d = row - f.problems.row;
      reusedProblems.push(...(d ? shiftLines(f.problems.ranges, d) : f.problems.ranges));
      reusedCount += f.problems.count;
    }
    const unreliable: Range[] = mergeRanges([...reusedProblems, ...errors.map((n) => map.range(n)), ...missing.map((m) => map.range(statementOf(m)))]);
    return {
      functions,
      unreliable,
      parseErrors: reusedCount + errors.length + missing.length,
      orphans,
      truncated: false,
      ...(over ? { budgetExceeded: over } : {}),
    };
  }
}

/** text[start, end) parsed alone (tree-sitter's included ranges: positions as in the whole text). */
function parseAlone(ptext: string, src: Source, start: number, end: number, deadline: number): Parser.Tree | undefined {
  return parseWithin(ptext, deadline, undefined, { startIndex: start, endIndex: end, startPosition: src.point(start), endPosition: src.point(end) });
}

/**
 * `def` (a definition of a whole-file tree) parsed alone, from its text only, gives the same tree: every node of the
 * same type over the same characters, MISSING where it was.
 */
function readAloneAlike(def: Parser.SyntaxNode, ptext: string, src: Source, deadline: number): boolean {
  const { startIndex: start, endIndex: end } = def;
  const tree = parseAlone(ptext, src, start, end, deadline);
  const alone = tree?.rootNode;
  if (!alone || alone.childCount !== 1) return false;
  const a = alone.firstChild!.walk();
  const b = def.walk();
  for (;;) {
    if (a.nodeType !== b.nodeType || a.startIndex !== b.startIndex || a.endIndex !== b.endIndex || a.nodeIsMissing !== b.nodeIsMissing) return false;
    const down = a.gotoFirstChild();
    if (down !== b.gotoFirstChild()) return false;
    if (down) continue;
    // Next sibling, or up until there is one (a and b move alike: their shapes matched so far).
    for (;;) {
      const next = a.gotoNextSibling();
      if (next !== b.gotoNextSibling()) return false;
      if (next) break;
      // (A cursor does not leave the node it was made on: back there, the walk is done.)
      if (!a.gotoParent()) return true;
      b.gotoParent();
    }
  }
}

/** Literal tokens whose text may hold `/*`. */
const LITERALS = new Set(['string_literal', 'string_content', 'char_literal', 'system_lib_string', 'raw_string_literal', 'escape_sequence']);

/**
 * Every `/*` of text[start, end) is a comment the tree (a parse of that range alone) closes within the range, or
 * lies inside a comment or a literal. A `/*` the range never closes opens a comment that, in the whole file, runs on
 * to the next comment end past the function, while the range alone lexes it as `/` and `*` (valid C: `a / *p`).
 */
function commentsClosedWithin(root: Parser.SyntaxNode, ptext: string, start: number, end: number): boolean {
  for (let p = ptext.indexOf('/*', start); p >= 0 && p < end - 1; p = ptext.indexOf('/*', p + 2)) {
    const n = root.descendantForIndex(p, p + 2);
    if (n.type === 'comment' || LITERALS.has(n.type) || (n.parent !== null && LITERALS.has(n.parent.type))) continue;
    return false;
  }
  return true;
}

/** Keeps `facts` as a function's facts extracted at `row`. */
function keepFacts(kept: Kept, facts: FunctionFacts, row: number): FunctionFacts {
  kept.facts = kept.base = facts;
  kept.row = kept.baseRow = row;
  return facts;
}

/** A kept function's facts at `row`: as kept, or seen moved from where they were extracted. */
function movedTo(kept: Kept, row: number): FunctionFacts {
  if (kept.row !== row) {
    kept.facts = shiftedView(kept.base!, row - kept.baseRow!);
    kept.row = row;
  }
  return kept.facts!;
}

/** Numbers for strings (contexts), never reused: a kept key must not come to name another context. */
export class Interner {
  private readonly numbers = new Map<string, number>();
  private count = 0;
  constructor(private readonly max: number) {}

  number(s: string): number {
    let n = this.numbers.get(s);
    if (n === undefined) {
      if (this.numbers.size > this.max) this.numbers.clear();
      n = ++this.count;
      this.numbers.set(s, n);
    }
    return n;
  }
}

/** The era and the helper-index entries of the names a function calls: what its facts depend on besides its text. */
function contextString(calls: readonly string[], helpers: HelperIndex, era: string): string {
  let s = era;
  for (const c of calls) {
    const sig = helpers.signalHelpers.get(c);
    const fh = helpers.faultHelpers?.get(c);
    if (sig !== undefined || fh !== undefined) s += `\u0000${c}:${sig === true ? 1 : 0}:${fh ? fh.flagsParam : ''}`;
  }
  return s;
}

/** A copy of `s` that does not keep the text it was sliced from alive (kept keys outlive their version's text). */
function detach(s: string): string {
  return (s + ' ').slice(0, -1);
}
