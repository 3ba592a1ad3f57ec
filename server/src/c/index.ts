/**
 * Kernel C facts: entry point. `extractCFacts(text, { era, fragment? })` parses a whole file or a hunk post-image
 * fragment and returns plain-data facts (types.ts). Never throws on bad input.
 */
import type Parser from 'tree-sitter';
import { faultHelperOf } from './fault-helpers';
import { FunctionExtractor, isUnreliable, type FunctionInput, type HelperIndex } from './extract';
import {
  firstTopLevelDefinitionLine,
  hasCode,
  parse,
  parseWithin,
  prepare,
  prepareTopLevel,
  PositionMapper,
  SYNTHETIC_FUNCTION,
  type Prepared,
  type SyntaxNode,
} from './parser';
import { describeFragmentFunction } from './partial';
import { mirror, mirrorFrom, Source } from './tree';
import type { CFacts, ExtractOptions, FunctionFacts, Range } from './types';

export * from './types';
export { GUP_SIGNATURES, gupSignatureFor, gupSignaturesWithArity, isGupFunction } from './gup-signatures';
export {
  forwardDataflow,
  findPathAvoiding,
  pathExistsAvoiding,
  reachable,
  successorsIndex,
  predecessorsIndex,
  nodeAtLine,
} from './cfg';
export type { DataflowResult } from './cfg';

const DEFAULT_MAX_CHARS = 16 * 1024 * 1024;

/**
 * Every fact of a function (GUP / fault calls, mmap / VMA lock ops, signal checks, FOLL_* / FAULT_FLAG_* flag
 * updates, VM_FAULT_* tests, retry loops built on those) involves one of these identifiers in its body. A body
 * without any of them has no facts: it is not walked (see FunctionFacts.analysed).
 */
export const MM_BODY_RE =
  /\b(?:get_user_pages\w*|__get_user_pages\w*|get_user_page_vma_remote|pin_user_pages\w*|fixup_user_fault|handle_mm_fault|mmap_sem|mmap_lock|mmap_(?:read|write)_\w+|lock_vma_under_rcu|vma_end_read|lock_mm_and_find_vma|release_fault_lock|VM_FAULT_\w*|FAULT_FLAG_\w*|FOLL_\w*|\w*signal_pending)\b/;

/** Knob for tests and benchmarks: false walks every function body eagerly. */
export const lazyBodies = { enabled: true };
export const SIGNAL_FNS_RE = /\b(?:fault_signal_pending|fatal_signal_pending|__fatal_signal_pending|signal_pending|gup_signal_pending)\s*\(/;

export function emptyFacts(truncated: boolean): CFacts {
  return { functions: [], unreliable: [], parseErrors: 0, orphans: { gupCalls: [], lockOps: [], faultCalls: [] }, truncated };
}

export function overBudget(phase: 'parse' | 'analysis', opts: ExtractOptions): CFacts {
  return { ...emptyFacts(false), budgetExceeded: { phase, budgetMs: opts.budgetMs ?? 0 } };
}

/** What naming a function reads of a syntax node: the JS mirror (tree.ts) and tree-sitter's own node both have it. */
export interface NamingNode<N> {
  readonly type: string;
  readonly text: string;
  readonly nextNamedSibling: N | null;
  childForFieldName(name: string): N | null;
  namedChild(index: number): N | null;
}

export function functionName<N extends NamingNode<N>>(def: N): string | undefined {
  let d = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') {
    d = d.childForFieldName('declarator');
  }
  const id = d?.childForFieldName('declarator');
  return id ? id.text : undefined;
}

/**
 * `SYSCALL_DEFINE3(mprotect, …)` followed by a body parses as a call statement + a compound statement: the function's
 * name and its body, or undefined when `stmt` is not such a header.
 */
export function macroFunctionOf<N extends NamingNode<N>>(stmt: N): { name: string; body: N } | undefined {
  const next = stmt.nextNamedSibling;
  if (!next || next.type !== 'compound_statement') return undefined;
  const call = stmt.namedChild(0);
  if (!call || call.type !== 'call_expression') return undefined;
  const macro = call.childForFieldName('function')?.text ?? '';
  if (!/^[A-Z_][A-Z0-9_]*$/.test(macro)) return undefined;
  const first = call.childForFieldName('arguments')?.namedChild(0)?.text ?? '';
  const name = /^(?:COMPAT_)?SYSCALL_DEFINE\d$/.test(macro) && first ? `sys_${first}` : `${macro}(${first})`;
  return { name, body: next };
}

function macroFunction(stmt: SyntaxNode): FunctionInput | undefined {
  const m = macroFunctionOf(stmt);
  // The range spans the header (macro call) and the body; use the body node's parent-less span via the call.
  return m ? { name: m.name, node: m.body, body: m.body, synthetic: false } : undefined;
}

export const CONTAINERS = new Set(['translation_unit', 'ERROR', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif',
  'preproc_elifdef', 'linkage_specification', 'declaration_list']);

/** ERROR and MISSING nodes under `n`, descending only through subtrees with errors. */
export function collectErrors(n: SyntaxNode, errors: SyntaxNode[], missing: SyntaxNode[]): void {
  const stack = [n];
  while (stack.length) {
    const x = stack.pop()!;
    for (const c of x.children) {
      if (c.type === 'ERROR') errors.push(c);
      else if (c.isMissing) missing.push(c);
      else if (c.hasError) stack.push(c);
    }
  }
}

/** Functions (descending only through top-level containers) and ERROR / MISSING nodes (only through subtrees with errors). */
export function collect(root: SyntaxNode): { fns: FunctionInput[]; errors: SyntaxNode[]; missing: SyntaxNode[] } {
  const fns: FunctionInput[] = [];
  const errors: SyntaxNode[] = [];
  const missing: SyntaxNode[] = [];
  const errorsIn = (n: SyntaxNode): void => collectErrors(n, errors, missing);
  const stack: SyntaxNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    for (const c of n.children) {
      const t = c.type;
      if (t === 'function_definition') {
        const body = c.childForFieldName('body');
        const name = functionName(c);
        if (body && name) fns.push({ name, node: c, body, synthetic: name === SYNTHETIC_FUNCTION });
        if (c.hasError) errorsIn(c);
        continue;
      }
      if (t === 'ERROR') {
        errors.push(c);
        stack.push(c);
        continue;
      }
      if (c.isMissing) {
        missing.push(c);
        continue;
      }
      if (t === 'expression_statement') {
        const m = macroFunction(c);
        if (m) fns.push(m);
      }
      if (CONTAINERS.has(t)) stack.push(c);
      else if (c.hasError) errorsIn(c);
    }
  }
  fns.sort((a, b) => a.node.startIndex - b.node.startIndex);
  return { fns, errors, missing };
}

export function statementOf(n: SyntaxNode): SyntaxNode {
  for (let p: SyntaxNode | null = n.parent; p; p = p.parent) {
    if (p.type.endsWith('_statement') || p.type === 'declaration' || p.type === 'compound_statement') return p;
  }
  return n.parent ?? n;
}

export function mergeRanges(rs: Range[]): Range[] {
  const cmp = (a: Range['start'], b: Range['start']): number => (a.line !== b.line ? a.line - b.line : a.column - b.column);
  const sorted = [...rs].sort((a, b) => cmp(a.start, b.start));
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && cmp(r.start, last.end) <= 0) {
      if (cmp(r.end, last.end) > 0) last.end = r.end;
    } else out.push({ start: { ...r.start }, end: { ...r.end } });
  }
  return out;
}

/** What unanalysed() reads of a function: its name and its definition's text and extent (a mirror node or a native one). */
export interface UnanalysedInput {
  name: string;
  synthetic: boolean;
  node: { text: string; startPosition: { row: number; column: number }; endPosition: { row: number; column: number } };
}

/**
 * Facts of a function whose body has no mm identifier: no facts; the CFG and labels are built on first read, from
 * a parse of the definition's own text (positions are those of the whole text), so most functions of a file cost
 * no walk at all.
 */
export function unanalysed(f: UnanalysedInput, map: PositionMapper, era: ExtractOptions['era'], helpers: HelperIndex): FunctionFacts {
  // The accessors keep the definition's text, not the mirror.
  const text = f.node.text;
  const at = f.node.startPosition;
  const { name, synthetic } = f;
  let built: Pick<FunctionFacts, 'cfg' | 'labels'> | undefined;
  const build = (): Pick<FunctionFacts, 'cfg' | 'labels'> => {
    if (!built) {
      const tree = parse(text);
      const root = mirrorFrom(tree.walk(), new Source(text, at.row, at.column), { clean: !tree.rootNode.hasError });
      const def = root.children.find((c) => c.type === 'function_definition');
      const body = def?.childForFieldName('body');
      const facts = new FunctionExtractor(
        { name, node: def ?? root, body: body ?? def ?? root, synthetic },
        map,
        era,
        helpers,
      ).run();
      built = { cfg: facts.cfg, labels: facts.labels };
    }
    return built;
  };
  const out: FunctionFacts = {
    name,
    range: map.range(f.node),
    synthetic,
    cfg: { entry: 0, exit: 1, nodes: [], edges: [] },
    gupCalls: [],
    lockOps: [],
    faultCalls: [],
    retryLoops: [],
    flagUpdates: [],
    signalChecks: [],
    labels: [],
    unreliable: false,
    analysed: false,
  };
  // Accessors in place of the placeholders (same key order); reading one builds both; writing one just sets it.
  for (const key of ['cfg', 'labels'] as const) {
    Object.defineProperty(out, key, {
      enumerable: true,
      configurable: true,
      get: () => build()[key],
      set: (v: unknown) => Object.defineProperty(out, key, { value: v, enumerable: true, configurable: true, writable: true }),
    });
  }
  return out;
}

/** The absolute deadline of an extraction: the caller's shared one, else now + its budget, else none. */
export function deadlineOf(options: ExtractOptions): number {
  return options.deadline ?? (options.budgetMs !== undefined && options.budgetMs > 0 ? performance.now() + options.budgetMs : Infinity);
}

export function extractCFacts(text: string, options: ExtractOptions): CFacts {
  if (typeof text !== 'string') return emptyFacts(false);
  if (text.length > (options.maxChars ?? DEFAULT_MAX_CHARS)) return emptyFacts(true);
  const deadline = deadlineOf(options);
  const opts: ExtractOptions = { ...options, deadline };
  if (performance.now() > deadline) return overBudget('parse', opts);
  const frag = opts.fragment;
  if (!frag) return extractPrepared(text, prepare(text), opts);
  // A fragment holding complete definitions at its top level: the definitions are read at top level (real names
  // and ranges); the lines before them, when they hold code, are wrapped on their own under the context.
  const at = firstTopLevelDefinitionLine(text);
  if (at === undefined) return extractPrepared(text, prepare(text, frag), opts);
  const lines = text.split('\n');
  const head = lines.slice(0, at).join('\n');
  const firstLine = frag.firstLine ?? 0;
  if (!hasCode(head)) return extractPrepared(text, prepareTopLevel(text, firstLine, frag.lineMap), opts);
  const rest = lines.slice(at).join('\n');
  const fragment = { ...frag, firstLine, ...(frag.lineMap ? { lineMap: frag.lineMap.slice(0, at) } : {}) };
  return mergeFacts(
    extractPrepared(head, prepare(head, fragment), opts),
    extractPrepared(rest, prepareTopLevel(rest, firstLine + at, frag.lineMap?.slice(at)), opts),
  );
}

function mergeFacts(a: CFacts, b: CFacts): CFacts {
  const over = a.budgetExceeded ?? b.budgetExceeded;
  return {
    ...(over ? { budgetExceeded: over } : {}),
    functions: [...a.functions, ...b.functions],
    unreliable: [...a.unreliable, ...b.unreliable],
    parseErrors: a.parseErrors + b.parseErrors,
    orphans: {
      gupCalls: [...a.orphans.gupCalls, ...b.orphans.gupCalls],
      lockOps: [...a.orphans.lockOps, ...b.orphans.lockOps],
      faultCalls: [...a.orphans.faultCalls, ...b.orphans.faultCalls],
    },
    truncated: false,
  };
}

/** Facts of error-free top-level functions kept from an earlier version of the text (incremental.ts). */
export interface FunctionReuse {
  /** `f`'s facts kept from an earlier version (moved to its line), or extract() kept for later. */
  reuse(f: FunctionInput, helpers: HelperIndex, extract: () => FunctionFacts): FunctionFacts;
}

/**
 * Facts of prepared text; `parsed`: its tree when the caller parsed it already, `reuse`: the facts of unchanged
 * error-free functions kept from earlier versions (both from incremental.ts).
 */
export function extractPrepared(text: string, prep: Prepared, opts: ExtractOptions, parsed?: Parser.Tree, reuse?: FunctionReuse): CFacts {
  const deadline = opts.deadline ?? Infinity;
  const tree = parsed ?? parseWithin(prep.text, deadline);
  if (!tree) return overBudget('parse', opts);
  let over: CFacts['budgetExceeded'];
  const map = new PositionMapper(prep, text);
  // Error-free bodies of top-level functions are not mirrored with the rest: those without mm identifiers never
  // are (unanalysed), the others one at a time just before their extraction, so each body's mirror dies young.
  const lazy = new Set<SyntaxNode>();
  const deferred = new Map<SyntaxNode, Parser.SyntaxNode>();
  const root = mirror(tree, prep.text, {
    skipBody: (body, native) => {
      const def = body.parent!;
      // Only functions collect() lists on their own (under top-level containers, no ERROR around), without errors.
      for (let p = def.parent; p; p = p.parent) if (p.type === 'ERROR' || !CONTAINERS.has(p.type)) return false;
      if (def.children.some((c) => c.hasError)) return false;
      const node = native();
      if (node.hasError) return false;
      if (lazyBodies.enabled && !MM_BODY_RE.test(prep.text.slice(body.startIndex, body.endIndex))) lazy.add(body);
      else deferred.set(body, node);
      return true;
    },
  });
  const { fns, errors, missing } = collect(root);
  // The mirror of a pathological tree (hundreds of thousands of operator nodes) can itself take seconds.
  if (performance.now() > deadline) return overBudget('analysis', opts);

  const helpers: HelperIndex = { signalHelpers: new Map(), faultHelpers: new Map() };
  for (const f of fns) {
    const body = f.body.text;
    helpers.signalHelpers.set(f.name, SIGNAL_FNS_RE.test(body));
    const fh = body.includes('handle_mm_fault') ? faultHelperOf(f.node, body) : undefined;
    if (fh) helpers.faultHelpers!.set(f.name, fh);
  }

  const functions: FunctionFacts[] = [];
  const inFunction: { start: number; end: number }[] = [];
  for (const f of fns) {
    if (performance.now() > deadline) {
      over = { phase: 'analysis', budgetMs: opts.budgetMs ?? 0 };
      break;
    }
    // Nested definitions (a wrapper gone wrong) are analysed on their own; skip duplicates of the same body.
    inFunction.push({ start: f.body.startIndex, end: f.body.endIndex });
    try {
      if (lazy.has(f.body)) {
        const facts = unanalysed(f, map, opts.era, helpers);
        if (opts.fragment) describeFragmentFunction(facts, f, prep, map, opts.fragment);
        functions.push(facts);
        continue;
      }
      const native = deferred.get(f.body);
      let facts: FunctionFacts;
      if (native) {
        const extract = (): FunctionFacts => {
          const placeholder = f.body;
          const body = mirrorFrom(native.walk(), root.src, { clean: true });
          placeholder.parent!.replaceChild(placeholder, body);
          try {
            return new FunctionExtractor({ ...f, body }, map, opts.era, helpers).run();
          } finally {
            body.parent!.replaceChild(body, placeholder);
          }
        };
        facts = reuse && !opts.fragment ? reuse.reuse(f, helpers, extract) : extract();
      } else facts = new FunctionExtractor(f, map, opts.era, helpers).run();
      if (opts.fragment) describeFragmentFunction(facts, f, prep, map, opts.fragment);
      if (f.node.type === 'compound_statement') {
        // Macro-defined function: extend the range to the macro header.
        const header = f.node.previousNamedSibling;
        if (header) facts.range = { start: map.range(header).start, end: facts.range.end };
      }
      functions.push(facts);
    } catch {
      // A bug in one function's extraction must not lose the others; mark its body unreliable.
      errors.push(f.body);
    }
  }

  const orphanRoots = errors.filter(
    (e) =>
      e.type === 'ERROR' &&
      !inFunction.some((r) => e.startIndex >= r.start && e.endIndex <= r.end) &&
      !errors.some((o) => o !== e && o.startIndex <= e.startIndex && o.endIndex >= e.endIndex),
  );
  const orphans = orphanFacts(orphanRoots, map, opts.era, helpers);

  const unreliable = mergeRanges([
    ...errors.map((e) => map.range(e)),
    ...missing.map((m) => map.range(statementOf(m))),
  ]);
  return {
    functions,
    unreliable,
    parseErrors: errors.length + missing.length,
    orphans,
    truncated: false,
    ...(over ? { budgetExceeded: over } : {}),
  };
}

/**
 * Facts of calls inside top-level ERROR regions (`roots`, in document order): each wrapped in a pseudo-function so
 * the same classifiers apply, marked unreliable. The incremental path (incremental.ts) calls it per definition.
 */
export function orphanFacts(roots: readonly SyntaxNode[], map: PositionMapper, era: ExtractOptions['era'], helpers: HelperIndex): CFacts['orphans'] {
  const orphans: CFacts['orphans'] = { gupCalls: [], lockOps: [], faultCalls: [] };
  for (const e of [...roots].sort((a, b) => a.startIndex - b.startIndex)) {
    try {
      const facts = new FunctionExtractor({ name: '<error>', node: e, body: e, synthetic: true }, map, era, helpers).run();
      const mark = <T extends { unreliable: boolean; node: number }>(x: T): T => ({ ...x, unreliable: true, node: -1 });
      orphans.gupCalls.push(...facts.gupCalls.map(mark));
      orphans.lockOps.push(...facts.lockOps.map(mark));
      orphans.faultCalls.push(...facts.faultCalls.map(mark));
    } catch {
      /* ignore: already marked unreliable */
    }
  }
  return orphans;
}

export { isUnreliable };
