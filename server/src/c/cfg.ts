/**
 * Per-function control-flow graph over statements, and path / dataflow utilities over it.
 * The graph is plain data (types.ts Cfg); the builder keeps a side map from tree-sitter nodes to CFG ids.
 */
import type { PositionMapper, SyntaxNode } from './parser';
import type { Cfg, CfgEdge, CfgEdgeLabel, CfgNode, CfgNodeKind } from './types';

interface Pending {
  from: number;
  label: CfgEdgeLabel;
}

interface Breakable {
  breaks: Pending[];
  /** undefined for switch (continue goes to the enclosing loop). */
  continues?: Pending[];
}

const TERMINATORS = new Set(['BUG', 'panic', 'do_exit', 'make_task_dead', 'unreachable', '__builtin_unreachable']);
const SKIP = new Set(['comment', 'preproc_call', 'preproc_def', 'preproc_function_def', 'preproc_include']);

function isConstTrue(cond: SyntaxNode | null): boolean {
  return !!cond && /^\(\s*(?:1|true)\s*\)$/.test(cond.text);
}
function isConstFalse(cond: SyntaxNode | null): boolean {
  return !!cond && /^\(\s*(?:0|false)\s*\)$/.test(cond.text);
}

/** Callee names of the calls under `n`, not descending into nested statements (unless n is itself a leaf). */
export function callsIn(n: SyntaxNode): string[] {
  const out: string[] = [];
  const stack: SyntaxNode[] = [n];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.type === 'call_expression') {
      const f = x.childForFieldName('function');
      if (f && f.type === 'identifier') out.push(f.text);
    }
    if (x !== n && (x.type === 'compound_statement' || x.type.endsWith('_statement')) && x.type !== 'expression_statement')
      continue;
    for (let i = x.namedChildCount - 1; i >= 0; i--) stack.push(x.namedChild(i)!);
  }
  return out;
}

export class CfgBuilder {
  readonly nodes: CfgNode[] = [];
  readonly edges: CfgEdge[] = [];
  /** tree-sitter node id → CFG node id. */
  readonly byTs = new Map<number, number>();
  private readonly labels = new Map<string, number>();
  private readonly gotos: { from: number; label: string }[] = [];
  private readonly stack: Breakable[] = [];
  readonly entry: number;
  readonly exit: number;

  constructor(private readonly map: PositionMapper, fn: SyntaxNode, body: SyntaxNode) {
    this.entry = this.add('entry', fn, { text: 'entry' });
    this.exit = this.add('exit', fn, { text: 'exit' });
    const out = this.stmt(body, [{ from: this.entry, label: 'fallthrough' }]);
    this.connect(out, this.exit);
    for (const g of this.gotos) {
      const target = this.labels.get(g.label);
      this.edge(g.from, target ?? this.exit, 'goto');
    }
    this.markBackEdges();
  }

  cfg(): Cfg {
    return { entry: this.entry, exit: this.exit, nodes: this.nodes, edges: this.edges };
  }

  private add(kind: CfgNodeKind, n: SyntaxNode, extra: { text?: string; label?: string } = {}): number {
    const id = this.nodes.length;
    const text = extra.text ?? n.text;
    this.nodes.push({
      id,
      kind,
      range: this.map.range(n),
      text: text.length > 200 ? text.slice(0, 200) : text,
      syntax: n.type,
      ...(extra.label !== undefined ? { label: extra.label } : {}),
      // Filled by the extractor from the call sites it maps to this node.
      calls: [],
      unreliable: kind === 'error' || (kind !== 'entry' && kind !== 'exit' && n.hasError),
    });
    if (kind !== 'entry' && kind !== 'exit') this.byTs.set(n.id, id);
    return id;
  }

  private edge(from: number, to: number, label: CfgEdgeLabel): void {
    this.edges.push({ from, to, label, back: false });
  }

  private connect(pending: Pending[], to: number): void {
    for (const p of pending) this.edge(p.from, to, p.label);
  }

  /** Builds `n` entered by `incoming`; returns the dangling exits. */
  private stmt(n: SyntaxNode, incoming: Pending[]): Pending[] {
    switch (n.type) {
      case 'compound_statement':
      case 'translation_unit':
        return this.seq(n.namedChildren, incoming);
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef':
        return this.preprocIf(n, incoming);
      case 'preproc_else':
        return this.seq(n.namedChildren, incoming);
      case 'if_statement':
        return this.ifStmt(n, incoming);
      case 'while_statement':
        return this.whileStmt(n, incoming);
      case 'do_statement':
        return this.doStmt(n, incoming);
      case 'for_statement':
        return this.forStmt(n, incoming);
      case 'switch_statement':
        return this.switchStmt(n, incoming);
      case 'labeled_statement': {
        const labelNode = n.childForFieldName('label');
        const name = labelNode?.text ?? '';
        const id = this.add('label', n, { text: `${name}:`, label: name });
        this.labels.set(name, id);
        this.connect(incoming, id);
        const inner = n.namedChildren.filter((c) => c.id !== labelNode?.id && !SKIP.has(c.type));
        return this.seq(inner, [{ from: id, label: 'fallthrough' }]);
      }
      case 'goto_statement': {
        const name = n.childForFieldName('label')?.text ?? '';
        const id = this.add('goto', n, { label: name });
        this.connect(incoming, id);
        this.gotos.push({ from: id, label: name });
        return [];
      }
      case 'return_statement': {
        const id = this.add('return', n);
        this.connect(incoming, id);
        this.edge(id, this.exit, 'return');
        return [];
      }
      case 'break_statement': {
        const id = this.add('break', n);
        this.connect(incoming, id);
        const t = this.stack[this.stack.length - 1];
        if (t) t.breaks.push({ from: id, label: 'break' });
        else this.edge(id, this.exit, 'break');
        return [];
      }
      case 'continue_statement': {
        const id = this.add('continue', n);
        this.connect(incoming, id);
        const t = [...this.stack].reverse().find((b) => b.continues);
        if (t) t.continues!.push({ from: id, label: 'continue' });
        else this.edge(id, this.exit, 'continue');
        return [];
      }
      case 'case_statement':
        // A stray case outside a switch body (broken code): treat as a label.
        return this.caseBody(n, incoming);
      case 'declaration':
        return this.simple('decl', n, incoming);
      case 'ERROR':
      case 'function_definition':
        return this.simple('error', n, incoming);
      case 'expression_statement': {
        const e = n.namedChild(0);
        if (e && e.type === 'call_expression') {
          const f = e.childForFieldName('function');
          if (f && TERMINATORS.has(f.text)) {
            const id = this.add('terminator', n);
            this.connect(incoming, id);
            return [];
          }
        }
        return this.simple('stmt', n, incoming);
      }
      default:
        if (SKIP.has(n.type)) return incoming;
        return this.simple('stmt', n, incoming);
    }
  }

  private simple(kind: CfgNodeKind, n: SyntaxNode, incoming: Pending[]): Pending[] {
    const id = this.add(kind, n);
    this.connect(incoming, id);
    return [{ from: id, label: 'fallthrough' }];
  }

  private seq(children: SyntaxNode[], incoming: Pending[]): Pending[] {
    let cur = incoming;
    for (const c of children) {
      if (SKIP.has(c.type)) continue;
      cur = this.stmt(c, cur);
    }
    return cur;
  }

  private cond(n: SyntaxNode, owner: SyntaxNode, incoming: Pending[]): number {
    const id = this.add('cond', n, { text: n.text });
    this.byTs.set(owner.id, id);
    this.connect(incoming, id);
    return id;
  }

  private preprocIf(n: SyntaxNode, incoming: Pending[]): Pending[] {
    const condNode = n.childForFieldName('condition') ?? n.childForFieldName('name');
    const alt = n.childForFieldName('alternative');
    const head = n.text.split('\n', 1)[0] ?? '';
    const id = this.add('cond', n, { text: head });
    this.connect(incoming, id);
    const body = n.namedChildren.filter((c) => c.id !== condNode?.id && c.id !== alt?.id);
    const outT = this.seq(body, [{ from: id, label: 'true' }]);
    const outF = alt ? this.stmt(alt, [{ from: id, label: 'false' }]) : [{ from: id, label: 'false' as const }];
    return [...outT, ...outF];
  }

  /**
   * An `else if` chain is walked in a loop, not by recursion: a chain of thousands of links (generated code, a
   * fuzzer) would otherwise overflow the stack. Nodes, edges and the order of the exits are those of the recursion.
   */
  private ifStmt(first: SyntaxNode, incoming: Pending[]): Pending[] {
    const exits: Pending[] = [];
    let n: SyntaxNode | undefined = first;
    let into = incoming;
    while (n) {
      const c = n.childForFieldName('condition') ?? n;
      const id = this.cond(c, n, into);
      const cons = n.childForFieldName('consequence');
      const alt: SyntaxNode | null =  n.childForFieldName('alternative');
      const outT = cons ? this.stmt(cons, [{ from: id, label: 'true' }]) : [{ from: id, label: 'true' as const }];
      for (const p of outT) exits.push(p);
      let outF: Pending[] = [{ from: id, label: 'false' }];
      n = undefined;
      if (alt) {
        const inner: SyntaxNode[] = alt.type === 'else_clause' ? alt.namedChildren.filter((x) => !SKIP.has(x.type)) : [alt];
        if (inner.length === 1 && inner[0]!.type === 'if_statement') {
          n = inner[0];
          into = outF;
          continue;
        }
        outF = this.seq(inner, outF);
      }
      for (const p of outF) exits.push(p);
    }
    return exits;
  }

  private loopBody(body: SyntaxNode | null, incoming: Pending[], frame: Breakable): Pending[] {
    this.stack.push(frame);
    const out = body ? this.stmt(body, incoming) : incoming;
    this.stack.pop();
    return out;
  }

  private whileStmt(n: SyntaxNode, incoming: Pending[]): Pending[] {
    const c = n.childForFieldName('condition') ?? n;
    const id = this.cond(c, n, incoming);
    const frame: Breakable = { breaks: [], continues: [] };
    const out = this.loopBody(n.childForFieldName('body'), isConstFalse(c) ? [] : [{ from: id, label: 'true' }], frame);
    for (const p of out) this.edge(p.from, id, 'back-edge');
    this.connect(frame.continues!, id);
    const exits: Pending[] = isConstTrue(c) ? [] : [{ from: id, label: 'false' }];
    return [...exits, ...frame.breaks];
  }

  private doStmt(n: SyntaxNode, incoming: Pending[]): Pending[] {
    const head = this.add('loop', n, { text: 'do' });
    this.connect(incoming, head);
    const frame: Breakable = { breaks: [], continues: [] };
    const out = this.loopBody(n.childForFieldName('body'), [{ from: head, label: 'fallthrough' }], frame);
    const c = n.childForFieldName('condition');
    if (!c) {
      for (const p of [...out, ...frame.continues!]) this.edge(p.from, head, 'back-edge');
      return frame.breaks;
    }
    const id = this.add('cond', c, { text: c.text });
    this.connect([...out, ...frame.continues!], id);
    if (!isConstFalse(c)) this.edge(id, head, 'back-edge');
    const exits: Pending[] = isConstTrue(c) ? [] : [{ from: id, label: 'false' }];
    return [...exits, ...frame.breaks];
  }

  private forStmt(n: SyntaxNode, incoming: Pending[]): Pending[] {
    const init = n.childForFieldName('initializer');
    const c = n.childForFieldName('condition');
    const update = n.childForFieldName('update');
    let cur = incoming;
    if (init) {
      const id = this.add(init.type === 'declaration' ? 'decl' : 'stmt', init);
      this.connect(cur, id);
      cur = [{ from: id, label: 'fallthrough' }];
    }
    const head = c ? this.add('cond', c, { text: c.text }) : this.add('loop', n, { text: 'for (;;)' });
    this.byTs.set(n.id, head);
    this.connect(cur, head);
    const frame: Breakable = { breaks: [], continues: [] };
    const out = this.loopBody(n.childForFieldName('body'), [{ from: head, label: c ? 'true' : 'fallthrough' }], frame);
    if (update) {
      const u = this.add('stmt', update);
      this.connect([...out, ...frame.continues!], u);
      this.edge(u, head, 'back-edge');
    } else {
      for (const p of out) this.edge(p.from, head, 'back-edge');
      this.connect(frame.continues!, head);
    }
    const exits: Pending[] = c && !isConstTrue(c) ? [{ from: head, label: 'false' }] : [];
    return [...exits, ...frame.breaks];
  }

  private caseBody(n: SyntaxNode, incoming: Pending[]): Pending[] {
    const value = n.childForFieldName('value');
    const text = value ? `case ${value.text}:` : 'default:';
    const id = this.add('case', n, { text });
    this.connect(incoming, id);
    const body = n.namedChildren.filter((c) => c.id !== value?.id);
    return this.seq(body, [{ from: id, label: 'fallthrough' }]);
  }

  private switchStmt(n: SyntaxNode, incoming: Pending[]): Pending[] {
    const c = n.childForFieldName('condition') ?? n;
    const id = this.add('switch', c, { text: c.text });
    this.byTs.set(n.id, id);
    this.connect(incoming, id);
    const frame: Breakable = { breaks: [] };
    this.stack.push(frame);
    let cur: Pending[] = [];
    let hasDefault = false;
    const body = n.childForFieldName('body');
    for (const child of body?.namedChildren ?? []) {
      if (child.type === 'case_statement') {
        const isDefault = !child.childForFieldName('value');
        hasDefault ||= isDefault;
        cur = this.caseBody(child, [...cur, { from: id, label: isDefault ? 'default' : 'case' }]);
      } else if (!SKIP.has(child.type)) {
        cur = this.stmt(child, cur);
      }
    }
    this.stack.pop();
    const out = [...cur, ...frame.breaks];
    if (!hasDefault) out.push({ from: id, label: 'default' });
    return out;
  }

  /** Marks retreating edges (targets on the DFS stack from entry). */
  private markBackEdges(): void {
    const succ = successorsIndex(this.cfg());
    const state = new Uint8Array(this.nodes.length); // 0 new, 1 on stack, 2 done
    const stack: { n: number; i: number }[] = [{ n: this.entry, i: 0 }];
    state[this.entry] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const out = succ[top.n]!;
      if (top.i < out.length) {
        const e = out[top.i++]!;
        if (state[e.to] === 1) e.back = true;
        else if (state[e.to] === 0) {
          state[e.to] = 1;
          stack.push({ n: e.to, i: 0 });
        }
      } else {
        state[top.n] = 2;
        stack.pop();
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Utilities over a Cfg (plain data).

export function successorsIndex(cfg: Cfg): CfgEdge[][] {
  const out: CfgEdge[][] = cfg.nodes.map(() => []);
  for (const e of cfg.edges) out[e.from]!.push(e);
  return out;
}

export function predecessorsIndex(cfg: Cfg): CfgEdge[][] {
  const out: CfgEdge[][] = cfg.nodes.map(() => []);
  for (const e of cfg.edges) out[e.to]!.push(e);
  return out;
}

/** Nodes reachable from `from` (inclusive) without entering nodes for which `avoid` holds (from itself is allowed). */
export function reachable(
  cfg: Cfg,
  from: number,
  avoid: (n: CfgNode) => boolean = () => false,
  followEdge: (e: CfgEdge) => boolean = () => true,
): Set<number> {
  const succ = successorsIndex(cfg);
  const seen = new Set<number>([from]);
  const work = [from];
  while (work.length) {
    const n = work.pop()!;
    for (const e of succ[n]!) {
      if (seen.has(e.to) || !followEdge(e)) continue;
      if (avoid(cfg.nodes[e.to]!)) continue;
      seen.add(e.to);
      work.push(e.to);
    }
  }
  return seen;
}

/**
 * A path from `from` to `to` whose intermediate nodes all fail `avoid` (endpoints are not tested),
 * as a list of node ids, or undefined when every path passes through an avoided node.
 */
export function findPathAvoiding(
  cfg: Cfg,
  from: number,
  to: number,
  avoid: (n: CfgNode) => boolean,
): number[] | undefined {
  const succ = successorsIndex(cfg);
  const prev = new Map<number, number>();
  const seen = new Set<number>([from]);
  const queue = [from];
  for (let qi = 0; qi < queue.length; qi++) {
    const n = queue[qi]!;
    for (const e of succ[n]!) {
      if (seen.has(e.to)) continue;
      if (e.to === to) {
        const path = [to];
        let cur = n;
        path.push(cur);
        while (cur !== from) {
          cur = prev.get(cur)!;
          path.push(cur);
        }
        return path.reverse();
      }
      if (avoid(cfg.nodes[e.to]!)) continue;
      seen.add(e.to);
      prev.set(e.to, n);
      queue.push(e.to);
    }
  }
  return undefined;
}

/** True when some path from `from` to `to` avoids every node matching `avoid`. */
export function pathExistsAvoiding(cfg: Cfg, from: number, to: number, avoid: (n: CfgNode) => boolean): boolean {
  return findPathAvoiding(cfg, from, to, avoid) !== undefined;
}

export interface DataflowResult<T> {
  /** State on entry to each node (undefined: unreachable). */
  in: (T | undefined)[];
  /** State on exit from each node. */
  out: (T | undefined)[];
  /** false when the iteration cap was hit (non-monotone transfer / infinite lattice). */
  converged: boolean;
}

/**
 * Generic forward dataflow to a fixed point (worklist). `transfer` computes a node's out-state from its in-state;
 * optional `edge` refines the state along an edge (e.g. the true branch of `if (locked)`); `join` merges states at
 * a confluence; `equals` detects stability (default: JSON equality).
 */
export function forwardDataflow<T>(
  cfg: Cfg,
  init: T,
  transfer: (node: CfgNode, input: T) => T,
  join: (a: T, b: T) => T,
  opts: { edge?: (e: CfgEdge, state: T) => T; equals?: (a: T, b: T) => boolean; maxIterations?: number } = {},
): DataflowResult<T> {
  const equals = opts.equals ?? ((a: T, b: T) => JSON.stringify(a) === JSON.stringify(b));
  const succ = successorsIndex(cfg);
  const n = cfg.nodes.length;
  const inS: (T | undefined)[] = new Array<T | undefined>(n).fill(undefined);
  const outS: (T | undefined)[] = new Array<T | undefined>(n).fill(undefined);
  inS[cfg.entry] = init;
  const work: number[] = [cfg.entry];
  const queued = new Uint8Array(n);
  queued[cfg.entry] = 1;
  const cap = opts.maxIterations ?? Math.max(1000, n * 50);
  let steps = 0;
  while (work.length) {
    if (++steps > cap) return { in: inS, out: outS, converged: false };
    const id = work.shift()!;
    queued[id] = 0;
    const o = transfer(cfg.nodes[id]!, inS[id] as T);
    outS[id] = o;
    for (const e of succ[id]!) {
      const s = opts.edge ? opts.edge(e, o) : o;
      const prev = inS[e.to];
      const next = prev === undefined ? s : join(prev, s);
      if (prev === undefined || !equals(prev, next)) {
        inS[e.to] = next;
        if (!queued[e.to]) {
          queued[e.to] = 1;
          work.push(e.to);
        }
      }
    }
  }
  return { in: inS, out: outS, converged: true };
}

/** The CFG node containing `line` with the smallest range (helper for tests and rules). */
export function nodeAtLine(cfg: Cfg, line: number, kind?: CfgNodeKind): CfgNode | undefined {
  let best: CfgNode | undefined;
  for (const n of cfg.nodes) {
    if (n.kind === 'entry' || n.kind === 'exit') continue;
    if (kind && n.kind !== kind) continue;
    if (n.range.start.line > line || n.range.end.line < line) continue;
    if (!best || n.range.end.line - n.range.start.line < best.range.end.line - best.range.start.line) best = n;
  }
  return best;
}
