/**
 * Fact extraction over a parsed tree. Only this module and cfg.ts see tree-sitter nodes; the facts are plain data.
 */
import type { Era } from '../../../common/era';
import { CfgBuilder, reachable } from './cfg';
import type { FaultHelper } from './fault-helpers';
import { gupSignatureFor, gupSignaturesWithArity, isGupFunction } from './gup-signatures';
import type { PositionMapper, SyntaxNode } from './parser';
import type {
  ArgFact,
  ArgRole,
  BackEdgeFact,
  Cfg,
  CfgNode,
  FaultCallFact,
  FlagUpdateFact,
  FunctionFacts,
  GupCallFact,
  LockKind,
  LockMode,
  LockOpFact,
  LockRetakeFact,
  Range,
  RetryLoopFact,
  SignalCheckFact,
  TestFact,
} from './types';

const FLAG_RE = /^(?:FOLL|FAULT_FLAG)_[A-Z0-9_]+$/;
const SIGNAL_FNS = new Set([
  'fault_signal_pending',
  'fatal_signal_pending',
  '__fatal_signal_pending',
  'signal_pending',
  'gup_signal_pending',
]);
const NOT_HELPERS = new Set(['unlikely', 'likely', 'handle_mm_fault', 'fixup_user_fault', 'WARN_ON', 'WARN_ON_ONCE']);

const RWSEM_OPS: Record<string, [LockKind, LockMode]> = {
  down_read: ['acquire', 'read'],
  down_read_killable: ['killable', 'read'],
  down_read_trylock: ['try', 'read'],
  down_write: ['acquire', 'write'],
  down_write_killable: ['killable', 'write'],
  down_write_trylock: ['try', 'write'],
  up_read: ['release', 'read'],
  up_write: ['release', 'write'],
  downgrade_write: ['downgrade', 'write'],
};
const API_OPS: Record<string, [LockKind, LockMode]> = {
  mmap_read_lock: ['acquire', 'read'],
  mmap_read_lock_killable: ['killable', 'read'],
  mmap_read_trylock: ['try', 'read'],
  mmap_read_unlock: ['release', 'read'],
  mmap_read_unlock_non_owner: ['release', 'read'],
  mmap_write_lock: ['acquire', 'write'],
  mmap_write_lock_killable: ['killable', 'write'],
  mmap_write_trylock: ['try', 'write'],
  mmap_write_unlock: ['release', 'write'],
  mmap_write_downgrade: ['downgrade', 'write'],
};
const POINTER_ROLES = new Set<ArgRole>(['pages', 'vmas', 'vma', 'locked', 'nonblocking', 'unlocked']);

export interface FunctionInput {
  name: string;
  /** Node whose range is the function's (definition, or macro call + body). */
  node: SyntaxNode;
  body: SyntaxNode;
  synthetic: boolean;
}

export interface HelperIndex {
  /** Function name → does its body contain a signal check. */
  signalHelpers: Map<string, boolean>;
  /** Local static functions that pass a parameter as handle_mm_fault's flags and return its result (fault-helpers.ts). */
  faultHelpers?: Map<string, FaultHelper>;
}

/** Is `n` inside (or containing) an unparseable region? */
export function isUnreliable(n: SyntaxNode): boolean {
  if (n.hasError) return true;
  for (let p = n.parent; p; p = p.parent) if (p.type === 'ERROR') return true;
  return false;
}

function calleeName(call: SyntaxNode): string | undefined {
  const f = call.childForFieldName('function');
  return f && f.type === 'identifier' ? f.text : undefined;
}

function argNodes(call: SyntaxNode): SyntaxNode[] {
  const list = call.childForFieldName('arguments');
  if (!list) return [];
  return list.namedChildren.filter((c) => c.type !== 'comment');
}

function unwrap(n: SyntaxNode): SyntaxNode {
  let x = n;
  while ((x.type === 'parenthesized_expression' || x.type === 'cast_expression') && x.namedChildCount > 0) {
    x = x.type === 'cast_expression' ? (x.childForFieldName('value') ?? x) : x.namedChild(0)!;
    if (x === n) break;
  }
  return x;
}

function identifiersIn(n: SyntaxNode, out: string[] = []): string[] {
  if (n.type === 'identifier') out.push(n.text);
  for (const c of n.namedChildren) identifiersIn(c, out);
  return out;
}

function flagNamesIn(n: SyntaxNode): string[] {
  return uniq(identifiersIn(n).filter((i) => FLAG_RE.test(i)));
}

/** Flag names of an assigned value, ignoring call arguments (`fault = handle_mm_fault(…, FLAG)` is no flag update). */
function assignedFlagNames(n: SyntaxNode): string[] {
  const out: string[] = [];
  const stack = [n];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.type === 'call_expression') continue;
    if (x.type === 'identifier' && FLAG_RE.test(x.text)) out.push(x.text);
    for (let i = x.namedChildCount - 1; i >= 0; i--) stack.push(x.namedChild(i)!);
  }
  return uniq(out);
}

/** Non-flag variable-ish leaves: identifiers and (outermost) field expressions, not callee names. */
function flagVarsIn(n: SyntaxNode, out: string[] = []): string[] {
  if (n.type === 'field_expression') {
    out.push(n.text.replace(/\s+/g, ''));
    return out;
  }
  if (n.type === 'identifier') {
    if (!FLAG_RE.test(n.text) && !/^[A-Z0-9_]+$/.test(n.text)) out.push(n.text);
    return out;
  }
  if (n.type === 'call_expression') {
    const a = n.childForFieldName('arguments');
    if (a) flagVarsIn(a, out);
    return out;
  }
  for (const c of n.namedChildren) flagVarsIn(c, out);
  return out;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function addressOf(n: SyntaxNode): string | undefined {
  const x = unwrap(n);
  if (x.type === 'pointer_expression' && x.child(0)?.type === '&') {
    const a = x.childForFieldName('argument');
    return a ? a.text.replace(/\s+/g, '') : undefined;
  }
  return undefined;
}

function isNullArg(n: SyntaxNode, role: ArgRole | undefined): boolean {
  const x = unwrap(n);
  if (x.type === 'null' || x.text === 'NULL') return true;
  return x.text === '0' && role !== undefined && POINTER_ROLES.has(role);
}

/** Variable / lhs the call's value is assigned to. */
function assignedTo(call: SyntaxNode): string | undefined {
  let x = call;
  let p = x.parent;
  while (p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression')) {
    x = p;
    p = p.parent;
  }
  if (!p) return undefined;
  if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === x.id)
    return p.childForFieldName('left')?.text.replace(/\s+/g, '');
  if (p.type === 'init_declarator' && p.childForFieldName('value')?.id === x.id) {
    let d = p.childForFieldName('declarator');
    while (d && d.type === 'pointer_declarator') d = d.childForFieldName('declarator');
    return d?.text;
  }
  return undefined;
}

const COND_PARENTS = new Set(['if_statement', 'while_statement', 'do_statement', 'for_statement', 'switch_statement']);

/** The condition expression (parenthesized) of the if/while enclosing `n`, when n is inside one. */
function enclosingCondition(n: SyntaxNode, stopAt: SyntaxNode): SyntaxNode | undefined {
  let x: SyntaxNode = n;
  for (let p = n.parent; p && p.id !== stopAt.id; x = p, p = p.parent) {
    if (COND_PARENTS.has(p.type)) {
      const c = p.childForFieldName('condition');
      return c && c.id === x.id ? c : undefined;
    }
    if (p.type.endsWith('_statement') || p.type === 'compound_statement') return undefined;
  }
  return undefined;
}

function cmpPos(a: { line: number; column: number }, b: { line: number; column: number }): number {
  return a.line !== b.line ? a.line - b.line : a.column - b.column;
}

function mentions(text: string, word: string): boolean {
  return new RegExp(`\\b${word}\\b`).test(text);
}

function isNegatedTest(cond: string): boolean {
  return /^\(\s*(?:(?:unlikely|likely)\s*\(\s*)?!/.test(cond);
}

export class FunctionExtractor {
  private readonly cfg: Cfg;
  private readonly byTs: Map<number, number>;
  private readonly gupCalls: GupCallFact[] = [];
  private readonly lockOps: LockOpFact[] = [];
  private readonly faultCalls: FaultCallFact[] = [];
  private readonly flagUpdates: FlagUpdateFact[] = [];
  private readonly signalChecks: SignalCheckFact[] = [];
  /** Start index of each fact's source node, to order and window facts textually. */
  private readonly startIdx = new WeakMap<object, number>();
  private readonly endIdx = new WeakMap<object, number>();
  private readonly assignments: { name: string; op: string; value: SyntaxNode; at: number }[] = [];

  constructor(
    private readonly fn: FunctionInput,
    private readonly map: PositionMapper,
    private readonly era: Era,
    private readonly helpers: HelperIndex,
  ) {
    const b = new CfgBuilder(map, fn.node, fn.body);
    this.cfg = b.cfg();
    this.byTs = b.byTs;
    // Statements sharing a line with an unparseable one are suspect too (a macro split the line into pieces).
    const bad = new Set<number>();
    // Counted by span, not by `l++ <= end`: past 2^53 a line number no longer advances when incremented.
    for (const n of this.cfg.nodes) {
      if (!n.unreliable) continue;
      const first = n.range.start.line;
      for (let k = 0, span = n.range.end.line - first; k <= span; k++) bad.add(first + k);
    }
    if (bad.size) {
      for (const n of this.cfg.nodes) {
        if (n.kind === 'entry' || n.kind === 'exit' || n.unreliable) continue;
        if (bad.has(n.range.start.line) || bad.has(n.range.end.line)) n.unreliable = true;
      }
    }
  }

  private fnReliable?: boolean;
  /** isUnreliable or inside an unreliable statement; short-circuited for functions without any error. */
  private unrel(n: SyntaxNode): boolean {
    if (this.fnReliable === undefined) this.fnReliable = !isUnreliable(this.fn.node);
    if (this.fnReliable) return false;
    if (isUnreliable(n)) return true;
    // Inside a statement that contains an unparseable part (e.g. a macro before the call on the same line).
    const id = this.nodeOf(n);
    return id >= 0 && this.cfg.nodes[id]!.unreliable;
  }

  private nodeOf(n: SyntaxNode): number {
    for (let x: SyntaxNode | null = n; x; x = x.parent) {
      const id = this.byTs.get(x.id);
      if (id !== undefined) return id;
      if (x.id === this.fn.body.id) break;
    }
    return -1;
  }

  private track<T extends object>(fact: T, n: SyntaxNode): T {
    this.startIdx.set(fact, n.startIndex);
    this.endIdx.set(fact, n.endIndex);
    return fact;
  }

  run(): FunctionFacts {
    const calls: SyntaxNode[] = [];
    const asg: SyntaxNode[] = [];
    const decls: SyntaxNode[] = [];
    const labels: SyntaxNode[] = [];
    const gotos: SyntaxNode[] = [];
    const loops: SyntaxNode[] = [];
    const ifs: SyntaxNode[] = [];
    const interesting: Record<string, SyntaxNode[]> = {
      call_expression: calls,
      assignment_expression: asg,
      init_declarator: decls,
      labeled_statement: labels,
      goto_statement: gotos,
      for_statement: loops,
      while_statement: loops,
      do_statement: loops,
      if_statement: ifs,
    };
    // Pre-order walk of the body (document order within each bucket).
    const stack: SyntaxNode[] = [this.fn.body];
    while (stack.length) {
      const x = stack.pop()!;
      const bucket = interesting[x.type];
      if (bucket) bucket.push(x);
      const ch = x.children;
      for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]!);
    }
    loops.sort((a, b) => a.startIndex - b.startIndex);
    for (const a of asg) this.assignment(a);
    for (const d of decls) this.declInit(d);
    this.assignments.sort((a, b) => a.at - b.at);
    this.flagUpdates.sort((a, b) => this.startIdx.get(a)! - this.startIdx.get(b)!);
    for (const c of calls) {
      this.call(c, ifs);
      const name = calleeName(c);
      const id = this.nodeOf(c);
      if (name && id >= 0) this.cfg.nodes[id]!.calls.push(name);
    }
    const retryLoops = [...this.labelLoops(labels, gotos, ifs), ...this.loopLoops(loops, ifs), ...this.vmaFallbacks(ifs)];
    retryLoops.sort((a, b) => cmpPos(a.headRange.start, b.headRange.start));
    return {
      name: this.fn.name,
      range: this.map.range(this.fn.node),
      synthetic: this.fn.synthetic,
      cfg: this.cfg,
      gupCalls: this.gupCalls,
      lockOps: this.lockOps,
      faultCalls: this.faultCalls,
      retryLoops,
      flagUpdates: this.flagUpdates,
      signalChecks: this.signalChecks,
      labels: labels.map((l) => ({
        name: l.childForFieldName('label')?.text ?? '',
        range: this.map.range(l.childForFieldName('label') ?? l),
        node: this.nodeOf(l),
      })),
      unreliable: this.fn.node.hasError || this.unrel(this.fn.node),
    };
  }

  // -------------------------------------------------------------------------------------------------- flags

  private assignment(a: SyntaxNode): void {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    const opNode = a.childForFieldName('operator') ?? a.child(1);
    if (!left || !right || !opNode) return;
    const name = left.text.replace(/\s+/g, '');
    const op = opNode.text;
    this.assignments.push({ name, op, value: right, at: a.startIndex });
    const flags = assignedFlagNames(right);
    if (flags.length === 0) return;
    let kind: FlagUpdateFact['op'] | undefined;
    const r = unwrap(right);
    if (op === '|=') kind = 'set';
    else if (op === '&=') kind = /^\s*~/.test(right.text) ? 'clear' : undefined;
    else if (op === '=') {
      kind = 'assign';
      if (r.type === 'binary_expression') {
        const l = r.childForFieldName('left')?.text.replace(/\s+/g, '');
        const o = r.childForFieldName('operator')?.text ?? r.child(1)?.text;
        if (l === name && o === '|') kind = 'set';
        if (l === name && o === '&' && /^\s*~/.test(r.childForFieldName('right')?.text ?? '')) kind = 'clear';
      }
    }
    if (!kind) return;
    this.pushFlagUpdate(a, name, kind, flags);
  }

  private declInit(d: SyntaxNode): void {
    const value = d.childForFieldName('value');
    let decl = d.childForFieldName('declarator');
    while (decl && decl.type === 'pointer_declarator') decl = decl.childForFieldName('declarator');
    if (!value || !decl) return;
    this.assignments.push({ name: decl.text, op: '=', value, at: d.startIndex });
    const flags = assignedFlagNames(value);
    if (flags.length) this.pushFlagUpdate(d, decl.text, 'assign', flags);
  }

  private pushFlagUpdate(n: SyntaxNode, variable: string, op: FlagUpdateFact['op'], flags: string[]): void {
    this.flagUpdates.push(
      this.track(
        {
          variable,
          op,
          flags,
          range: this.map.range(n),
          text: n.text.length > 200 ? n.text.slice(0, 200) : n.text,
          node: this.nodeOf(n),
          unreliable: this.unrel(n),
        },
        n,
      ),
    );
  }

  /** Flag names of `expr`, plus those of simple local variables assigned (= / |=) before `at` (may-union over paths). */
  private flagsOf(expr: SyntaxNode, at: number): { names: string[]; via: string[] } {
    const names = flagNamesIn(expr);
    const via: string[] = [];
    const x = unwrap(expr);
    const vars = x.type === 'identifier' ? [x.text] : flagVarsIn(x).filter((v) => /^[A-Za-z_]\w*$/.test(v));
    for (const v of uniq(vars)) {
      const found: string[] = [];
      for (const a of this.assignments) {
        if (a.at >= at) break;
        if (a.name !== v) continue;
        if (a.op === '=' || a.op === '|=') found.push(...flagNamesIn(a.value));
      }
      if (found.length) {
        via.push(v);
        names.push(...found);
      }
    }
    return { names: uniq(names), via };
  }

  // -------------------------------------------------------------------------------------------------- calls

  private call(c: SyntaxNode, ifs: SyntaxNode[]): void {
    const name = calleeName(c);
    if (!name) return;
    if (isGupFunction(name)) this.gup(c, name);
    if (name === 'handle_mm_fault' || name === 'fixup_user_fault') this.fault(c, name);
    else {
      const helper = this.helpers.faultHelpers?.get(name);
      if (helper && name !== this.fn.name) this.fault(c, 'handle_mm_fault', { name, ...helper });
    }
    if (RWSEM_OPS[name] || API_OPS[name] || name === 'lock_mm_and_find_vma' || name === 'lock_vma_under_rcu' ||
      name === 'vma_end_read' || name === 'release_fault_lock')
      this.lock(c, name);
    if (SIGNAL_FNS.has(name)) this.signal(c, name);
    else if (!NOT_HELPERS.has(name)) this.maybeHelperCheck(c, name, ifs);
  }

  private args(c: SyntaxNode, roles: ArgRole[] | undefined): ArgFact[] {
    return argNodes(c).map((a, index) => {
      const role = roles && roles.length === argNodes(c).length ? roles[index] : roles?.[index];
      const addr = addressOf(a);
      return {
        index,
        text: a.text,
        range: this.map.range(a),
        ...(role ? { role } : {}),
        isNull: isNullArg(a, role),
        ...(addr !== undefined ? { addressOf: addr } : {}),
        flagNames: flagNamesIn(a),
      };
    });
  }

  private gup(c: SyntaxNode, callee: Parameters<typeof gupSignatureFor>[0]): void {
    const nodes = argNodes(c);
    const sig = gupSignatureFor(callee, this.era);
    const arity = nodes.length;
    let roles = sig?.roles;
    let signatureEras = sig?.eras;
    let arityMismatch: GupCallFact['arityMismatch'];
    if (!sig || sig.roles.length !== arity) {
      const matching = gupSignaturesWithArity(callee, arity);
      arityMismatch = { actual: arity, expected: sig ? sig.roles.length : null, matchingEras: matching.map((m) => m.eras) };
      // Roles from the matching signature closest to the era (latest one before it, else the earliest after it).
      const best = [...matching].reverse().find((m) => !m.eras.from || this.eraAtLeast(m.eras.from)) ?? matching[0];
      roles = best?.roles;
      signatureEras = best?.eras;
    }
    const args = this.args(c, roles && roles.length === arity ? roles : undefined);
    const byRole = (r: ArgRole): ArgFact | undefined => args.find((a) => a.role === r);
    const flagsArg = byRole('gup_flags') ?? byRole('fault_flags');
    const fl = flagsArg ? this.flagsOf(nodes[flagsArg.index]!, c.startIndex) : { names: [], via: [] };
    const vmas = byRole('vmas');
    const locked = byRole('locked') ?? byRole('nonblocking') ?? byRole('unlocked');
    const mmArg = byRole('mm');
    const tsk = byRole('tsk');
    const mmImplied = !!roles && roles.length === arity && !mmArg;
    const asg = assignedTo(c);
    const fact: GupCallFact = {
      callee,
      range: this.map.range(c),
      calleeRange: this.map.range(c.childForFieldName('function') ?? c),
      args,
      existsInEra: !!sig,
      ...(sig ? { signature: sig.roles } : {}),
      ...(signatureEras ? { signatureEras } : {}),
      ...(arityMismatch ? { arityMismatch } : {}),
      flagNames: fl.names,
      flagsVia: fl.via,
      ...(vmas ? { vmasNull: vmas.isNull } : {}),
      ...(locked ? { lockedNull: locked.isNull } : {}),
      ...(locked?.addressOf !== undefined ? { lockedVar: locked.addressOf } : {}),
      ...(mmArg ? { mm: mmArg.text.replace(/\s+/g, '') } : mmImplied ? { mm: 'current->mm' } : {}),
      mmImplied,
      ...(tsk ? { tsk: tsk.text } : {}),
      ...(asg !== undefined ? { assignedTo: asg } : {}),
      node: this.nodeOf(c),
      unreliable: this.unrel(c),
    };
    this.gupCalls.push(this.track(fact, c));
  }

  private eraAtLeast(v: string): boolean {
    const [maj, min] = v.split('.').map(Number);
    return this.era.major !== maj! ? this.era.major > maj! : this.era.minor >= min!;
  }

  private fault(c: SyntaxNode, callee: 'handle_mm_fault' | 'fixup_user_fault', via?: FaultHelper & { name: string }): void {
    const nodes = argNodes(c);
    let flagsIdx = 2;
    let targetIdx = 0;
    // ≤4.7: handle_mm_fault(mm, vma, address, flags); 4.8–5.7: (vma, address, flags); ≥5.8: (vma, address, flags, regs).
    let roles: ArgRole[] | undefined;
    if (via) {
      flagsIdx = via.flagsParam;
      targetIdx = -1;
    } else if (callee === 'handle_mm_fault' && nodes.length === 4 && !this.eraAtLeast('4.8') && !/regs/.test(nodes[3]!.text)) {
      // ≤4.7: handle_mm_fault(mm, vma, address, flags).
      flagsIdx = 3;
      targetIdx = 1;
    } else if (callee === 'fixup_user_fault') {
      const sig = gupSignatureFor('fixup_user_fault', this.era);
      roles = sig && sig.roles.length === nodes.length ? sig.roles : gupSignaturesWithArity(callee, nodes.length).at(-1)?.roles;
      flagsIdx = roles ? roles.indexOf('fault_flags') : -1;
      targetIdx = roles ? roles.indexOf('mm') : -1;
    }
    const flagsNode = flagsIdx >= 0 ? nodes[flagsIdx] : undefined;
    const fl = flagsNode ? this.flagsOf(flagsNode, c.startIndex) : { names: [], via: [] };
    const asg = assignedTo(c);
    const target = targetIdx >= 0 ? nodes[targetIdx]?.text : undefined;
    const fact: FaultCallFact = {
      callee,
      range: this.map.range(c),
      args: this.args(c, roles),
      ...(via ? { via: via.name } : {}),
      ...(flagsNode ? { flagsExpr: flagsNode.text } : {}),
      flagNames: fl.names,
      flagVars: flagsNode ? uniq(flagVarsIn(flagsNode)) : [],
      vmaLock: flagsNode ? flagNamesIn(flagsNode).includes('FAULT_FLAG_VMA_LOCK') : false,
      ...(asg !== undefined ? { assignedTo: asg } : {}),
      ...(target !== undefined ? { target } : {}),
      node: this.nodeOf(c),
      unreliable: this.unrel(c),
    };
    this.faultCalls.push(this.track(fact, c));
  }

  private lock(c: SyntaxNode, callee: string): void {
    const nodes = argNodes(c);
    const a0 = nodes[0]?.text.replace(/\s+/g, '') ?? '';
    let kind: LockKind;
    let mode: LockMode;
    let spelling: LockOpFact['spelling'];
    let api: LockOpFact['api'];
    let mm: string | undefined;
    let vma: string | undefined;
    let nullMeansUnlocked = false;
    const rw = RWSEM_OPS[callee];
    const apiOp = API_OPS[callee];
    if (rw) {
      const m = /^&\(?(.+?)\)?(?:->|\.)(mmap_sem|mmap_lock)$/.exec(a0);
      if (!m) return; // some other rwsem
      [kind, mode] = rw;
      mm = m[1]!.replace(/^\((.*)\)$/, '$1');
      spelling = m[2] as 'mmap_sem' | 'mmap_lock';
      api = 'rwsem';
    } else if (apiOp) {
      [kind, mode] = apiOp;
      mm = a0;
      spelling = 'mmap_lock';
      api = 'api';
    } else if (callee === 'lock_mm_and_find_vma') {
      [kind, mode, spelling, api, mm, nullMeansUnlocked] = ['acquire', 'read', 'mmap_lock', 'find-vma', a0, true];
    } else if (callee === 'lock_vma_under_rcu') {
      [kind, mode, spelling, api, mm, nullMeansUnlocked] = ['try', 'vma', 'vma', 'vma', a0, true];
    } else if (callee === 'vma_end_read') {
      [kind, mode, spelling, api, vma] = ['release', 'vma', 'vma', 'vma', a0];
    } else {
      [kind, mode, spelling, api] = ['release', 'read-or-vma', 'mmap_lock', 'fault-lock'];
      vma = a0 ? `${a0}->vma` : undefined;
    }
    const asg = assignedTo(c);
    const fact: LockOpFact = {
      callee,
      range: this.map.range(c),
      kind,
      mode,
      ...(mm !== undefined && mm !== '' ? { mm } : {}),
      ...(vma !== undefined ? { vma } : {}),
      spelling,
      api,
      nullMeansUnlocked,
      ...(asg !== undefined ? { assignedTo: asg } : {}),
      inCondition: enclosingCondition(c, this.fn.body) !== undefined,
      node: this.nodeOf(c),
      unreliable: this.unrel(c),
    };
    this.lockOps.push(this.track(fact, c));
  }

  private signal(c: SyntaxNode, callee: string): void {
    const args = argNodes(c).map((a) => a.text);
    const cond = enclosingCondition(c, this.fn.body);
    const task = callee === 'fatal_signal_pending' || callee === 'signal_pending' || callee === '__fatal_signal_pending'
      ? args[0]
      : undefined;
    const fact: SignalCheckFact = {
      callee,
      range: this.map.range(c),
      args,
      ...(task !== undefined ? { task } : {}),
      inRetryCondition: !!cond && mentions(cond.text, 'VM_FAULT_RETRY'),
      node: this.nodeOf(c),
      unreliable: this.unrel(c),
    };
    this.signalChecks.push(this.track(fact, c));
  }

  /**
   * sh-style: `if (unlikely(fault & (VM_FAULT_RETRY | VM_FAULT_ERROR))) if (mm_fault_error(…, fault)) return;`
   * A helper taking the fault result, called in a condition under a RETRY test, whose true branch returns.
   */
  private maybeHelperCheck(c: SyntaxNode, callee: string, ifs: SyntaxNode[]): void {
    const cond = enclosingCondition(c, this.fn.body);
    if (!cond || cond.parent?.type !== 'if_statement') return;
    const ifNode = cond.parent;
    const cons = ifNode.childForFieldName('consequence');
    if (!cons) return;
    const exits = cons.type === 'return_statement' ||
      (cons.type === 'compound_statement' && cons.namedChildren.some((s) => s.type === 'return_statement'));
    if (!exits) return;
    const args = argNodes(c).map((a) => a.text);
    const faultVars = new Set(['fault', 'ret', 'fault_ret', 'vm_fault', 'res']);
    const passesFault = args.some((a) => faultVars.has(a));
    if (!passesFault) return;
    let underRetry = mentions(cond.text, 'VM_FAULT_RETRY');
    for (const outer of ifs) {
      if (underRetry) break;
      const oc = outer.childForFieldName('condition');
      const ocons = outer.childForFieldName('consequence');
      if (oc && ocons && ocons.startIndex <= ifNode.startIndex && ocons.endIndex >= ifNode.endIndex &&
        mentions(oc.text, 'VM_FAULT_RETRY'))
        underRetry = true;
    }
    if (!underRetry) return;
    const verified = this.helpers.signalHelpers.get(callee);
    const fact: SignalCheckFact = {
      callee,
      range: this.map.range(c),
      args,
      inRetryCondition: mentions(cond.text, 'VM_FAULT_RETRY'),
      viaHelper: callee,
      ...(verified !== undefined ? { helperVerified: verified } : {}),
      node: this.nodeOf(c),
      unreliable: this.unrel(c),
    };
    this.signalChecks.push(this.track(fact, c));
  }

  // -------------------------------------------------------------------------------------------------- retry loops

  private test(cond: SyntaxNode): TestFact {
    return {
      range: this.map.range(cond),
      text: cond.text,
      negated: isNegatedTest(cond.text),
      node: this.nodeOf(cond),
      unreliable: this.unrel(cond),
    };
  }

  /** Conditions (if / loops) inside [from, to) mentioning `word`. */
  private testsIn(ifs: SyntaxNode[], extra: SyntaxNode[], from: number, to: number, word: string): TestFact[] {
    const out: { at: number; t: TestFact }[] = [];
    for (const s of [...ifs, ...extra]) {
      const c = s.childForFieldName('condition');
      const inWindow = extra.includes(s) || (c && c.startIndex >= from && c.startIndex < to);
      if (!c || !inWindow || !mentions(c.text, word)) continue;
      out.push({ at: c.startIndex, t: this.test(c) });
    }
    return out.sort((a, b) => a.at - b.at).map((x) => x.t);
  }

  /**
   * Per fault start: what the walk from a node up to the body finds (retry / allow), by node id, and per block the
   * start of its first sibling that exits on `!(fault & VM_FAULT_RETRY)`. The gotos / continues of one loop share
   * their ancestors (an `else if` chain nests every link in the previous one): each ancestor is looked at once,
   * not once per back-edge, which made long chains quadratic.
   */
  private readonly guardMemo = new Map<number, { up: Map<number, { retry: boolean; allow: boolean }>; exitStart: Map<number, number> }>();

  /** Is `n` under a RETRY test: an enclosing if mentioning it, or an earlier `if (!(fault & VM_FAULT_RETRY)) exit;`. */
  private retryGuard(n: SyntaxNode, faultStart: number): { retry: boolean; allow: boolean } {
    let memo = this.guardMemo.get(faultStart);
    if (!memo) this.guardMemo.set(faultStart, (memo = { up: new Map(), exitStart: new Map() }));
    const { up, exitStart } = memo;
    /** Start of the first child of block p at or after faultStart that exits when the fault did not ask for a retry. */
    const firstExit = (p: SyntaxNode): number => {
      let at = exitStart.get(p.id);
      if (at === undefined) {
        at = Infinity;
        for (const s of p.namedChildren) {
          if (s.startIndex < faultStart || s.type !== 'if_statement') continue;
          const c = s.childForFieldName('condition');
          if (c && mentions(c.text, 'VM_FAULT_RETRY') && isNegatedTest(c.text) && exitsBranch(s)) {
            at = s.startIndex;
            break;
          }
        }
        exitStart.set(p.id, at);
      }
      return at;
    };
    // Climb until an ancestor whose answer is known or the top; then fill the answers in on the way down.
    const chain: SyntaxNode[] = [];
    let above = { retry: false, allow: false };
    for (let x: SyntaxNode = n; ; ) {
      const known = up.get(x.id);
      if (known) {
        above = known;
        break;
      }
      const p = x.parent;
      if (!p || p.id === this.fn.body.id) {
        up.set(x.id, above);
        break;
      }
      chain.push(x);
      if (p.type === 'function_definition') break;
      x = p;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const x = chain[i]!;
      const p = x.parent!;
      let { retry, allow } = above;
      if (p.type === 'if_statement') {
        const c = p.childForFieldName('condition');
        if (c && c.id !== x.id) {
          if (mentions(c.text, 'VM_FAULT_RETRY')) retry = true;
          if (mentions(c.text, 'FAULT_FLAG_ALLOW_RETRY')) allow = true;
        }
      }
      if ((p.type === 'compound_statement' || p.type === 'labeled_statement') && firstExit(p) < x.startIndex) retry = true;
      above = { retry, allow };
      up.set(x.id, above);
    }
    return up.get(n.id) ?? above;
  }

  private firstFaultIn(from: number, to: number): FaultCallFact | undefined {
    return this.faultCalls.find((f) => {
      const s = this.startIdx.get(f)!;
      return s >= from && s < to;
    });
  }

  private backEdgeNodes(backEdges: BackEdgeFact[]): Set<number> {
    return new Set(backEdges.map((b) => b.node).filter((n) => n >= 0));
  }

  /** Nodes on some path fault → X → back-edge (not going around through the fault again). */
  private onRetryPath(faultNode: number, targets: Set<number>): (node: number) => boolean {
    if (faultNode < 0 || targets.size === 0) return () => false;
    const fwd = reachable(this.cfg, faultNode, (n) => targets.has(n.id), (e) => !e.back);
    return (node: number): boolean => {
      if (node < 0 || !fwd.has(node)) return targets.has(node) && fwd.size > 0;
      if (targets.has(node)) return true;
      const r = reachable(this.cfg, node, (n: CfgNode) => n.id === faultNode);
      for (const t of targets) if (r.has(t)) return true;
      return false;
    };
  }

  private assemble(
    base: Pick<RetryLoopFact, 'kind' | 'headRange' | 'headNode' | 'range' | 'backEdges' | 'oneShotVmaFallback'> & {
      label?: string;
      fallthroughTo?: Range;
    },
    from: number,
    to: number,
    fault: FaultCallFact | undefined,
    ifs: SyntaxNode[],
    extraConds: SyntaxNode[],
    targets: Set<number>,
    headKind: 'label' | 'loop-head',
  ): RetryLoopFact {
    const faultStart = fault ? this.startIdx.get(fault)! : from;
    const flagsVariables = fault ? fault.flagVars.filter((v) => /flags/i.test(v) || fault.flagNames.length === 0) : [];
    const onPath = this.onRetryPath(fault?.node ?? -1, targets);
    const flagUpdates = this.flagUpdates
      .filter((u) => {
        const s = this.startIdx.get(u)!;
        return s >= from && s < to && (flagsVariables.includes(u.variable) || u.flags.some((f) => f.startsWith('FAULT_FLAG_')));
      })
      .map((u) => ({ ...u, onRetryPath: this.startIdx.get(u)! > faultStart && onPath(u.node) }));
    const signalChecks = this.signalChecks.filter((s) => {
      const at = this.startIdx.get(s)!;
      return at >= faultStart && at < to;
    });
    const lockRetakes: LockRetakeFact[] = [];
    for (const l of this.lockOps) {
      const at = this.startIdx.get(l)!;
      if (at < from || at >= to || l.kind === 'release' || l.kind === 'downgrade' || l.mode === 'vma') continue;
      const where = at < faultStart ? headKind : onPath(l.node) ? 'before-back-edge' : undefined;
      if (where) lockRetakes.push({ where, callee: l.callee, range: l.range, node: l.node });
    }
    let initialFlags: FlagUpdateFact | undefined;
    for (const u of this.flagUpdates) {
      if (this.startIdx.get(u)! >= from) break;
      if (u.op === 'assign' && flagsVariables.includes(u.variable)) initialFlags = u;
    }
    const retryTests = this.testsIn(ifs, extraConds, faultStart, to, 'VM_FAULT_RETRY');
    const completedTests = this.testsIn(ifs, extraConds, faultStart, to, 'VM_FAULT_COMPLETED');
    return {
      kind: base.kind,
      ...(base.label !== undefined ? { label: base.label } : {}),
      headRange: base.headRange,
      headNode: base.headNode,
      range: base.range,
      ...(fault
        ? {
            faultCall: {
              callee: fault.callee,
              range: fault.range,
              node: fault.node,
              ...(fault.assignedTo !== undefined ? { assignedTo: fault.assignedTo } : {}),
              ...(fault.flagsExpr !== undefined ? { flagsExpr: fault.flagsExpr } : {}),
            },
          }
        : {}),
      retryTests,
      completedTests,
      backEdges: base.backEdges,
      flagUpdates,
      signalChecks,
      lockRetakes,
      oneShotVmaFallback: base.oneShotVmaFallback,
      ...(base.fallthroughTo ? { fallthroughTo: base.fallthroughTo } : {}),
      ...(initialFlags ? { initialFlags } : {}),
      flagsVariables,
      unreliable:
        base.backEdges.some((b) => b.unreliable) || !!fault?.unreliable ||
        retryTests.some((t) => t.unreliable) || flagUpdates.some((u) => u.unreliable),
    };
  }

  private labelLoops(labels: SyntaxNode[], gotos: SyntaxNode[], ifs: SyntaxNode[]): RetryLoopFact[] {
    const out: RetryLoopFact[] = [];
    for (const l of labels) {
      const name = l.childForFieldName('label')?.text;
      if (!name) continue;
      const back = gotos.filter((g) => g.childForFieldName('label')?.text === name && g.startIndex > l.startIndex);
      if (back.length === 0) continue;
      const lastEnd = Math.max(...back.map((g) => g.endIndex));
      const fault = this.firstFaultIn(l.startIndex, lastEnd);
      const faultStart = fault ? this.startIdx.get(fault)! : l.startIndex;
      const backEdges: BackEdgeFact[] = back.map((g) => {
        const guard = this.retryGuard(g, faultStart);
        return {
          kind: 'goto',
          range: this.map.range(g),
          guardedByRetryTest: guard.retry,
          guardedByAllowRetry: guard.allow,
          node: this.nodeOf(g),
          unreliable: this.unrel(g),
        };
      });
      if (!backEdges.some((b) => b.guardedByRetryTest)) continue;
      const labelNode = l.childForFieldName('label') ?? l;
      const headRange = this.map.range(labelNode);
      const lastGoto = back.reduce((a, b) => (a.endIndex > b.endIndex ? a : b));
      out.push(
        this.assemble(
          {
            kind: 'label',
            label: name,
            headRange,
            headNode: this.nodeOf(l),
            range: { start: headRange.start, end: this.map.range(lastGoto).end },
            backEdges,
            oneShotVmaFallback: false,
          },
          l.startIndex,
          lastEnd,
          fault,
          ifs,
          [],
          this.backEdgeNodes(backEdges),
          'label',
        ),
      );
    }
    return out;
  }

  private loopLoops(loops: SyntaxNode[], ifs: SyntaxNode[]): RetryLoopFact[] {
    const out: RetryLoopFact[] = [];
    for (const loop of loops) {
      const fault = this.firstFaultIn(loop.startIndex, loop.endIndex);
      if (!fault) continue;
      const faultStart = this.startIdx.get(fault)!;
      const cond = loop.childForFieldName('condition');
      const backEdges: BackEdgeFact[] = [];
      if (cond && mentions(cond.text, 'VM_FAULT_RETRY')) {
        backEdges.push({
          kind: 'loop-condition',
          range: this.map.range(cond),
          guardedByRetryTest: true,
          guardedByAllowRetry: mentions(cond.text, 'FAULT_FLAG_ALLOW_RETRY'),
          node: this.nodeOf(cond),
          unreliable: this.unrel(cond),
        });
      }
      for (const k of continuesOf(loop)) {
        if (k.startIndex < faultStart) continue;
        const guard = this.retryGuard(k, faultStart);
        backEdges.push({
          kind: 'continue',
          range: this.map.range(k),
          guardedByRetryTest: guard.retry,
          guardedByAllowRetry: guard.allow,
          node: this.nodeOf(k),
          unreliable: this.unrel(k),
        });
      }
      // for (;;) { fault = …; if (!(fault & VM_FAULT_RETRY)) break; … } : the loop end is the back-edge.
      const infinite = loop.type === 'for_statement' ? !cond || /^\s*(1|true)\s*$/.test(cond.text) : !!cond && /^\(\s*(1|true)\s*\)$/.test(cond.text);
      if (infinite && !backEdges.some((b) => b.guardedByRetryTest)) {
        const body = loop.childForFieldName('body');
        const breaksOnNoRetry = body && breaksOf(loop).some((b) => {
          const ifp = b.parent?.type === 'if_statement' ? b.parent : b.parent?.parent?.type === 'if_statement' ? b.parent.parent : null;
          const c = ifp?.childForFieldName('condition');
          return !!c && mentions(c.text, 'VM_FAULT_RETRY') && isNegatedTest(c.text) && b.startIndex > faultStart;
        });
        if (breaksOnNoRetry && body) {
          const last = body.type === 'compound_statement' ? body.lastChild ?? body : body;
          backEdges.push({
            kind: 'loop-condition',
            range: this.map.range(last),
            guardedByRetryTest: true,
            guardedByAllowRetry: false,
            node: this.byTs.get(loop.id) ?? this.nodeOf(loop),
            unreliable: this.unrel(loop),
          });
        }
      }
      if (!backEdges.some((b) => b.guardedByRetryTest)) continue;
      const kind = loop.type === 'for_statement' ? 'for' : loop.type === 'while_statement' ? 'while' : 'do';
      const headNode = this.byTs.get(loop.id) ?? this.nodeOf(loop);
      const headRange = this.map.range(cond && loop.type !== 'do_statement' ? { startPosition: loop.startPosition, endPosition: cond.endPosition } : loop.child(0) ?? loop);
      const extra = cond ? [loop] : [];
      out.push(
        this.assemble(
          { kind, headRange, headNode, range: this.map.range(loop), backEdges, oneShotVmaFallback: false },
          loop.startIndex,
          loop.endIndex,
          fault,
          ifs,
          extra,
          this.backEdgeNodes(backEdges),
          'loop-head',
        ),
      );
    }
    return out;
  }

  private vmaFallbacks(ifs: SyntaxNode[]): RetryLoopFact[] {
    const out: RetryLoopFact[] = [];
    for (const l of this.lockOps) {
      if (l.callee !== 'lock_vma_under_rcu') continue;
      const from = this.startIdx.get(l)!;
      const fault = this.faultCalls.find((f) => this.startIdx.get(f)! > from && f.vmaLock);
      if (!fault) continue;
      const faultEnd = this.endIdx.get(fault)!;
      const next = this.lockOps.find(
        (m) => this.startIdx.get(m)! > faultEnd && m.mode !== 'vma' && m.kind !== 'release' && m.kind !== 'downgrade',
      );
      const to = next ? this.startIdx.get(next)! : this.endIdx.get(fault)! + 1;
      const targets = new Set<number>(next && next.node >= 0 ? [next.node] : []);
      const head = l.range;
      out.push(
        this.assemble(
          {
            kind: 'vma-fallback',
            headRange: head,
            headNode: l.node,
            range: { start: l.range.start, end: next ? next.range.start : fault.range.end },
            backEdges: [],
            oneShotVmaFallback: true,
            ...(next ? { fallthroughTo: next.range } : {}),
          },
          from,
          to,
          fault,
          ifs,
          [],
          targets,
          'label',
        ),
      );
    }
    return out;
  }
}

function exitsBranch(ifNode: SyntaxNode): boolean {
  const cons = ifNode.childForFieldName('consequence');
  if (!cons) return false;
  const exit = (s: SyntaxNode): boolean =>
    s.type === 'return_statement' || s.type === 'goto_statement' || s.type === 'break_statement';
  if (exit(cons)) return true;
  return cons.type === 'compound_statement' && cons.namedChildren.some(exit);
}

/** continue statements belonging to `loop` (not to a nested loop). */
function continuesOf(loop: SyntaxNode): SyntaxNode[] {
  return ownJumps(loop, 'continue_statement', false);
}
function breaksOf(loop: SyntaxNode): SyntaxNode[] {
  return ownJumps(loop, 'break_statement', true);
}
function ownJumps(loop: SyntaxNode, type: string, switchCaptures: boolean): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const body = loop.childForFieldName('body');
  if (!body) return out;
  const stack: SyntaxNode[] = [body];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.type === type) out.push(x);
    if (x.type === 'for_statement' || x.type === 'while_statement' || x.type === 'do_statement') continue;
    if (switchCaptures && x.type === 'switch_statement') continue;
    for (const c of x.namedChildren) stack.push(c);
  }
  return out;
}
