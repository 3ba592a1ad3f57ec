/**
 * Path-sensitive mmap-lock state of one function (kernel-semantics.md §1, §3): per CFG node, whether the mmap lock
 * is held, released, "dropped or not depending on a value the code tests later" (a tie), or unknown; separately the
 * per-VMA read lock; and per vma pointer whether it was looked up under a lock that has stayed held since.
 *
 * A forward dataflow (cfg.ts forwardDataflow) over a small lattice. Ties make it path-sensitive without path
 * enumeration: a call that may drop the lock (handle_mm_fault, GUP with `&locked`, fixup_user_fault with
 * `&unlocked`, trylock / killable, lock_mm_and_find_vma, lock_vma_under_rcu) yields a tie: the set of "worlds" still
 * possible (bit mask, see cond-worlds.ts), refined on the edges of the conditions that test the call's result
 * (`fault & VM_FAULT_RETRY`, `if (locked)`, `if (!vma)`…). The lock's status in a tie is read from the worlds left.
 * Every state records the statement that produced it (for related locations).
 *
 * Effects, by era:
 * - handle_mm_fault without FAULT_FLAG_VMA_LOCK: RETRY without RETRY_NOWAIT, or COMPLETED (≥6.0, only with
 *   ALLOW_RETRY possible) → mmap lock dropped by the callee; neither → held; RETRY with RETRY_NOWAIT → held.
 * - handle_mm_fault with FAULT_FLAG_VMA_LOCK: the VMA lock is dropped by the callee on RETRY/COMPLETED from 6.6
 *   ("mm: drop per-VMA lock when returning VM_FAULT_RETRY or VM_FAULT_COMPLETED", merged for 6.6; in 6.4 and 6.5
 *   the handler always calls vma_end_read()).
 * - GUP with a non-NULL `locked`: held iff `locked` is non-zero after the call.
 * - fixup_user_fault with `&unlocked`: the lock is held on return; vma pointers are stale iff `unlocked` is true.
 * - lock_mm_and_find_vma: NULL → released (and not held), non-NULL → held. lock_vma_under_rcu: NULL → not locked.
 * - trylock in a condition: the edge decides; killable: 0 is success.
 */
import { compareEra, formatEra, type Era } from '../../../../common/era';
import { forwardDataflow } from '../../c/cfg';
import type { CfgEdge, CfgNode, FunctionFacts, GupCallFact, LockOpFact, FaultCallFact, Pos, Range } from '../../c/types';
import { edgeBranch, filterWorlds, type LeafEval } from './cond-worlds';

// ----------------------------------------------------------------------------------------------------- lattice

export type ReleaseCause =
  | 'unlock' // explicit mmap_read_unlock / up_read
  | 'fault' // handle_mm_fault reported RETRY (without RETRY_NOWAIT) or COMPLETED
  | 'gup-locked' // a GUP call reported *locked == 0
  | 'fixup-unlocked' // fixup_user_fault reported *unlocked == true (dropped and re-taken)
  | 'find-vma-null' // lock_mm_and_find_vma returned NULL
  | 'not-acquired' // a trylock / killable lock failed
  | 'vma-end'; // vma_end_read

/** The statement that produced a state. */
export interface Origin {
  node: number;
  range: Range;
  callee: string;
}

/** How a tie's worlds map to the lock. */
export type TieSem =
  /** Worlds: bit index r + 2c + 4n (RETRY set, COMPLETED set, RETRY_NOWAIT in the flags). */
  | 'mmap-fault'
  | 'vma-fault'
  /** Worlds: bit 0 = the value is zero, bit 1 = non-zero. */
  | 'held-if-nonzero'
  | 'held-if-zero'
  /** fixup_user_fault's `unlocked`: lock held, vmas stale when non-zero. */
  | 'stale-if-nonzero';

export interface Tie {
  sem: TieSem;
  origin: Origin;
  /** Variable the result lives in ("fault", "locked", "*locked", "vma"); undefined: the call itself is tested. */
  v?: string;
  worlds: number;
  /** Cause reported when the tie resolves to "released". */
  cause: ReleaseCause;
  /** FAULT_FLAG_ALLOW_RETRY in the call's flags: yes / maybe (unknown flags) / no. */
  allowRetry?: 'yes' | 'maybe' | 'no';
}

export type LockVal =
  /** Not taken in this function: whatever the caller holds (at entry). */
  | { k: 'outer' }
  | { k: 'held'; mode: 'read' | 'write' | 'vma'; origin?: Origin }
  | { k: 'released'; cause: ReleaseCause; origin: Origin }
  | { k: 'tie'; tie: Tie }
  | { k: 'unknown' };

export type VmaVal =
  | { k: 'valid'; lock: 'mmap' | 'vma'; origin: Origin }
  | { k: 'stale'; cause: ReleaseCause; origin: Origin; lookup: Origin }
  | { k: 'tie'; lock: 'mmap' | 'vma'; tie: Tie; lookup: Origin }
  | { k: 'unknown' };

export interface LockState {
  mmap: LockVal;
  vma: LockVal;
  /** vma pointer variables ("vma", "vmas") → validity. */
  vmas: Record<string, VmaVal>;
}

export type Status =
  | { s: 'outer' }
  | { s: 'held'; origin?: Origin }
  | { s: 'released'; cause: ReleaseCause; origin: Origin }
  /** A tie whose worlds disagree: depends on a value not (yet) tested. */
  | { s: 'maybe'; tie: Tie }
  | { s: 'unknown' };

// ------------------------------------------------------------------------------------------------- world helpers

const R = 1;
const C = 2;
const N = 4;

/** Worlds of a fault tie in which `pred(r, c, n)` holds. */
function faultWorlds(pred: (r: boolean, c: boolean, n: boolean) => boolean): number {
  let m = 0;
  for (let w = 0; w < 8; w++) if (pred((w & R) !== 0, (w & C) !== 0, (w & N) !== 0)) m |= 1 << w;
  return m;
}
const W_RETRY = faultWorlds((r) => r);
const W_COMPLETED = faultWorlds((_r, c) => c);
const W_NOWAIT = faultWorlds((_r, _c, n) => n);
const W_ALL_FAULT = 0xff;
const W_ZERO = 1;
const W_NONZERO = 2;

/** A fault tie: the worlds left all have RETRY set / clear / either. */
export function tieRetry(t: Tie): 'set' | 'clear' | 'either' {
  if ((t.worlds & ~W_RETRY) === 0) return 'set';
  if ((t.worlds & W_RETRY) === 0) return 'clear';
  return 'either';
}
export function tieCompletedPossible(t: Tie): boolean {
  return (t.worlds & W_COMPLETED) !== 0;
}
export function tieNowaitPossible(t: Tie): boolean {
  return (t.worlds & W_NOWAIT) !== 0;
}
/** Worlds in which RETRY is set, COMPLETED is not, and RETRY_NOWAIT may be in the flags. */
export function tieNowaitRetryPossible(t: Tie): boolean {
  return (t.worlds & W_RETRY & ~W_COMPLETED & W_NOWAIT) !== 0;
}

/** For each world of the tie: true = the lock is released there (for vma ties: the vma is stale). */
function droppedIn(t: Tie, w: number): boolean {
  switch (t.sem) {
    case 'mmap-fault':
      return (w & C) !== 0 || ((w & R) !== 0 && (w & N) === 0);
    case 'vma-fault':
      // Only meaningful when the era's callee releases the VMA lock; otherwise the tie is not built.
      return (w & (R | C)) !== 0;
    case 'held-if-nonzero':
      return w === 0;
    case 'held-if-zero':
      return w === 1;
    case 'stale-if-nonzero':
      return w === 1;
  }
}

function tieStatus(t: Tie): 'dropped' | 'kept' | 'either' | 'none' {
  let d = false;
  let k = false;
  for (let w = 0; w < 8; w++) {
    if (!(t.worlds & (1 << w))) continue;
    if (droppedIn(t, w)) d = true;
    else k = true;
  }
  return d && k ? 'either' : d ? 'dropped' : k ? 'kept' : 'none';
}

/** Status of the mmap lock or the VMA lock. */
export function lockStatus(v: LockVal): Status {
  switch (v.k) {
    case 'outer':
      return { s: 'outer' };
    case 'held':
      return { s: 'held', ...(v.origin ? { origin: v.origin } : {}) };
    case 'released':
      return { s: 'released', cause: v.cause, origin: v.origin };
    case 'unknown':
      return { s: 'unknown' };
    case 'tie': {
      if (v.tie.sem === 'stale-if-nonzero') return { s: 'held', origin: v.tie.origin };
      const st = tieStatus(v.tie);
      if (st === 'dropped') return { s: 'released', cause: v.tie.cause, origin: v.tie.origin };
      if (st === 'kept') return { s: 'held', origin: v.tie.origin };
      if (st === 'none') return { s: 'unknown' };
      return { s: 'maybe', tie: v.tie };
    }
  }
}

export type VmaStatus =
  | { s: 'valid' }
  | { s: 'stale'; cause: ReleaseCause; origin: Origin; lookup: Origin }
  | { s: 'maybe'; tie: Tie }
  | { s: 'unknown' };

export function vmaStatus(v: VmaVal | undefined): VmaStatus {
  if (!v) return { s: 'unknown' };
  switch (v.k) {
    case 'valid':
      return { s: 'valid' };
    case 'stale':
      return { s: 'stale', cause: v.cause, origin: v.origin, lookup: v.lookup };
    case 'unknown':
      return { s: 'unknown' };
    case 'tie': {
      const st = tieStatus(v.tie);
      if (st === 'dropped') return { s: 'stale', cause: v.tie.cause, origin: v.tie.origin, lookup: v.lookup };
      if (st === 'kept') return { s: 'valid' };
      if (st === 'none') return { s: 'unknown' };
      return { s: 'maybe', tie: v.tie };
    }
  }
}

// ------------------------------------------------------------------------------------------------- join / equals

function originKey(o: Origin | undefined): string {
  return o ? `${o.node}:${o.range.start.line}:${o.range.start.column}` : '';
}
function tieKey(t: Tie): string {
  return `${t.sem}|${originKey(t.origin)}|${t.v ?? ''}|${t.worlds}`;
}
function lockKey(v: LockVal): string {
  switch (v.k) {
    case 'outer':
    case 'unknown':
      return v.k;
    case 'held':
      return `h${v.mode}${originKey(v.origin)}`;
    case 'released':
      return `r${v.cause}${originKey(v.origin)}`;
    case 'tie':
      return `t${tieKey(v.tie)}`;
  }
}
function vmaKey(v: VmaVal): string {
  switch (v.k) {
    case 'valid':
      return `v${v.lock}${originKey(v.origin)}`;
    case 'stale':
      return `s${v.cause}${originKey(v.origin)}${originKey(v.lookup)}`;
    case 'tie':
      return `t${v.lock}${tieKey(v.tie)}${originKey(v.lookup)}`;
    case 'unknown':
      return 'u';
  }
}
export function stateKey(s: LockState): string {
  const vm = Object.keys(s.vmas)
    .sort()
    .map((k) => `${k}=${vmaKey(s.vmas[k]!)}`)
    .join(',');
  return `${lockKey(s.mmap)};${lockKey(s.vma)};${vm}`;
}

const firstOrigin = (a: Origin, b: Origin): Origin => (a.node <= b.node ? a : b);

function sameTieSource(a: Tie, b: Tie): boolean {
  return a.sem === b.sem && a.origin.node === b.origin.node && a.v === b.v;
}

function joinLock(a: LockVal, b: LockVal): LockVal {
  if (lockKey(a) === lockKey(b)) return a;
  if (a.k === 'held' && b.k === 'held') return { k: 'held', mode: a.mode === b.mode ? a.mode : 'read' };
  if (a.k === 'released' && b.k === 'released')
    return a.cause === b.cause ? { k: 'released', cause: a.cause, origin: firstOrigin(a.origin, b.origin) } : a.origin.node <= b.origin.node ? a : b;
  if (a.k === 'tie' && b.k === 'tie' && sameTieSource(a.tie, b.tie))
    return { k: 'tie', tie: { ...a.tie, worlds: a.tie.worlds | b.tie.worlds } };
  // A GUP `locked` tie meeting a path where the lock is simply held (`goto out` after the call, other paths that never
  // called it with `locked` still 1): the `locked` variable still tells, so the tie is kept.
  const gupTie = (x: LockVal): x is { k: 'tie'; tie: Tie } => x.k === 'tie' && x.tie.cause === 'gup-locked';
  if (gupTie(a) && b.k === 'held') return a;
  if (gupTie(b) && a.k === 'held') return b;
  return { k: 'unknown' };
}

function joinVma(a: VmaVal | undefined, b: VmaVal | undefined): VmaVal {
  if (!a || !b) return { k: 'unknown' };
  if (vmaKey(a) === vmaKey(b)) return a;
  if (a.k === 'valid' && b.k === 'valid') return a.origin.node <= b.origin.node ? a : b;
  if (a.k === 'stale' && b.k === 'stale') return a.origin.node <= b.origin.node ? a : b;
  if (a.k === 'tie' && b.k === 'tie' && sameTieSource(a.tie, b.tie) && a.lookup.node === b.lookup.node)
    return { ...a, tie: { ...a.tie, worlds: a.tie.worlds | b.tie.worlds } };
  return { k: 'unknown' };
}

/** A vma tie whose worlds all agree becomes plain valid / stale (so it joins with the other paths' value). */
function settleVma(v: VmaVal | undefined): VmaVal | undefined {
  if (!v || v.k !== 'tie') return v;
  const st = tieStatus(v.tie);
  if (st === 'kept') return { k: 'valid', lock: v.lock, origin: v.lookup };
  if (st === 'dropped') return { k: 'stale', cause: v.tie.cause, origin: v.tie.origin, lookup: v.lookup };
  return v;
}

/** A lock tie whose worlds all keep the lock joins as held with a held path. */
function settleLock(v: LockVal, other: LockVal): LockVal {
  if (v.k !== 'tie' || other.k !== 'held') return v;
  return tieStatus(v.tie) === 'kept' ? { k: 'held', mode: other.mode, origin: v.tie.origin } : v;
}

export function joinStates(a: LockState, b: LockState): LockState {
  const vmas: Record<string, VmaVal> = {};
  for (const k of new Set([...Object.keys(a.vmas), ...Object.keys(b.vmas)])) {
    const x = a.vmas[k];
    const y = b.vmas[k];
    vmas[k] = x && y && vmaKey(x) === vmaKey(y) ? x : joinVma(settleVma(x), settleVma(y));
  }
  return {
    mmap: joinLock(settleLock(a.mmap, b.mmap), settleLock(b.mmap, a.mmap)),
    vma: joinLock(settleLock(a.vma, b.vma), settleLock(b.vma, a.vma)),
    vmas,
  };
}

// ------------------------------------------------------------------------------------------------- text helpers

const LOOKUPS = [
  'find_vma',
  'vma_lookup',
  'find_vma_intersection',
  'find_extend_vma',
  'find_vma_prev',
  'find_exact_vma',
  'vma_find',
  'find_vma_exact',
];
const LOOKUP_RE = new RegExp(
  String.raw`(?:^|[;{,(]|\bstruct\s+vm_area_struct\s*\*)\s*([A-Za-z_]\w*)\s*=\s*(?:\([^()]*\)\s*)?(${LOOKUPS.join('|')})\s*\(`,
);

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The node's statement assigns to `v` (`v = …`, `v |= …`, …), not as a comparison. */
export function assignsTo(text: string, v: string): boolean {
  return new RegExp(`(?:^|[^\\w>.*])${escapeRe(v)}\\s*(?:[-+|&^*/]|<<|>>)?=(?!=)`).test(text);
}

/** The variable a statement assigns a vma lookup to (`vma = find_vma(mm, addr)`), with the lookup name. */
export function vmaLookupIn(text: string): { v: string; callee: string } | undefined {
  const m = LOOKUP_RE.exec(text);
  return m ? { v: m[1]!, callee: m[2]! } : undefined;
}

const ERROR_BITS = new Set([
  'VM_FAULT_ERROR',
  'VM_FAULT_OOM',
  'VM_FAULT_SIGBUS',
  'VM_FAULT_SIGSEGV',
  'VM_FAULT_HWPOISON',
  'VM_FAULT_HWPOISON_LARGE',
  'VM_FAULT_BADMAP',
  'VM_FAULT_BADACCESS',
]);

/** Leaf evaluation for a fault tie on variable `v` (undefined: the call tested in place). */
function faultLeaf(v: string | undefined, callee: string): LeafEval {
  return (leaf) => {
    const sig = /^fault_signal_pending\s*\(\s*([^,()]+)\s*,/.exec(leaf);
    if (sig) return v !== undefined && sig[1]!.trim() === v ? { whenTrue: W_RETRY, whenFalse: W_ALL_FAULT } : undefined;
    const m = /^([\s\S]+?)\s*&\s*([\s\S]+)$/.exec(leaf);
    if (!m || m[1]!.includes('&')) return undefined;
    const lhs = m[1]!.trim().replace(/^\(([\s\S]*)\)$/, '$1');
    const bits = m[2]!.match(/\b[A-Z_][A-Z0-9_]*\b/g) ?? [];
    if (!bits.length) return undefined;
    const nowaitBits = bits.filter((b) => b === 'FAULT_FLAG_RETRY_NOWAIT' || b === 'FOLL_NOWAIT');
    if (nowaitBits.length) {
      // A test of the flags (any variable): RETRY_NOWAIT / FOLL_NOWAIT set or not.
      if (bits.length === nowaitBits.length) return { whenTrue: W_NOWAIT, whenFalse: W_ALL_FAULT & ~W_NOWAIT };
      return { whenTrue: W_ALL_FAULT, whenFalse: W_ALL_FAULT & ~W_NOWAIT };
    }
    if (bits.length === 1 && bits[0] === 'FAULT_FLAG_ALLOW_RETRY') {
      // Without ALLOW_RETRY the callee cannot return RETRY (but for a fatal signal) nor COMPLETED.
      return { whenTrue: W_ALL_FAULT, whenFalse: W_ALL_FAULT & ~W_RETRY & ~W_COMPLETED };
    }
    const isResult = v !== undefined ? lhs === v : lhs.startsWith(`${callee}(`) || lhs.startsWith(`${callee} (`);
    if (!isResult) return undefined;
    if (bits.every((b) => ERROR_BITS.has(b)))
      // The kernel's handlers rely on an error result never carrying RETRY / COMPLETED (they unlock on error paths).
      return { whenTrue: W_ALL_FAULT & ~W_RETRY & ~W_COMPLETED, whenFalse: W_ALL_FAULT };
    let known = 0;
    let other = false;
    for (const b of bits) {
      if (b === 'VM_FAULT_RETRY') known |= W_RETRY;
      else if (b === 'VM_FAULT_COMPLETED') known |= W_COMPLETED;
      else other = true;
    }
    if (!known) return undefined;
    return { whenTrue: other ? W_ALL_FAULT : known, whenFalse: W_ALL_FAULT & ~known };
  };
}

/** Leaf evaluation for a value tie: `v` (or the call `callee(…)` itself when v is undefined) zero / non-zero. */
function valueLeaf(v: string | undefined, callee: string): LeafEval {
  return (leaf) => {
    let s = leaf.trim();
    const e = /^(?:IS_ERR_OR_NULL)\s*\(([\s\S]*)\)$/.exec(s);
    if (e) {
      s = e[1]!.trim();
      const hit = v !== undefined ? s === v : s.startsWith(`${callee}(`);
      return hit ? { whenTrue: W_ZERO | W_NONZERO, whenFalse: W_NONZERO } : undefined;
    }
    s = s.replace(/^\(([\s\S]*)\)$/, '$1').trim();
    if (v !== undefined) {
      const deref = /^\*\s*\(?\s*(\w+)\s*\)?$/.exec(s);
      if (s === v || (deref && `*${deref[1]}` === v)) return { whenTrue: W_NONZERO, whenFalse: W_ZERO };
      return undefined;
    }
    return new RegExp(`^${escapeRe(callee)}\\s*\\(`).test(s) ? { whenTrue: W_NONZERO, whenFalse: W_ZERO } : undefined;
  };
}

function leafFor(t: Tie): LeafEval {
  return t.sem === 'mmap-fault' || t.sem === 'vma-fault' ? faultLeaf(t.v, t.origin.callee) : valueLeaf(t.v, t.origin.callee);
}

// ------------------------------------------------------------------------------------------------- the analysis

export interface LockAnalysis {
  fn: FunctionFacts;
  era: Era;
  /** The mmap lock ops / locked GUP calls name more than one mm (after `mm = current->mm` aliases): rules say nothing. */
  multiMm: boolean;
  converged: boolean;
  /** State on entry to each node (undefined: unreachable). */
  in: (LockState | undefined)[];
  /** State just before the event (a fact's call) starting at `pos` inside node `node`, or at the node's end. */
  before(node: number, pos?: Pos): LockState | undefined;
  /** The era's callee releases the VMA lock on RETRY / COMPLETED (≥6.6). */
  vmaReleasedByCallee: boolean;
}

/** From this era handle_mm_fault releases the per-VMA lock itself on RETRY / COMPLETED. */
export const VMA_RELEASE_ERA = '6.6';
/** VM_FAULT_COMPLETED exists from this era. */
export const COMPLETED_ERA = '6.0';

type Event =
  | { kind: 'lock'; pos: Pos; f: LockOpFact }
  | { kind: 'fault'; pos: Pos; f: FaultCallFact }
  | { kind: 'gup'; pos: Pos; f: GupCallFact };

const cmpPos = (a: Pos, b: Pos): number => a.line - b.line || a.column - b.column;

const cache = new WeakMap<FunctionFacts, Map<string, LockAnalysis>>();

export function lockStates(fn: FunctionFacts, era: Era): LockAnalysis {
  let byEra = cache.get(fn);
  if (!byEra) cache.set(fn, (byEra = new Map()));
  const k = formatEra(era);
  let a = byEra.get(k);
  if (!a) byEra.set(k, (a = analyse(fn, era)));
  return a;
}

function normMm(s: string): string {
  let x = s.replace(/\s+/g, '').replace(/^&/, '');
  while (/^\(.*\)$/.test(x)) x = x.slice(1, -1);
  return x;
}

function computeMultiMm(fn: FunctionFacts): boolean {
  const mms = new Set<string>();
  for (const l of fn.lockOps) if (l.mm && l.spelling !== 'vma') mms.add(normMm(l.mm));
  for (const g of fn.gupCalls) if (g.mm && !g.mmImplied && g.lockedNull === false) mms.add(normMm(g.mm));
  if (mms.size <= 1) return false;
  // Aliases: `mm = current->mm`, `struct mm_struct *mm = vma->vm_mm;` …
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const n of fn.cfg.nodes) {
    if (n.kind !== 'decl' && n.kind !== 'stmt') continue;
    for (const m of n.text.matchAll(/\b(\w+)\s*=\s*([\w>.\-()&]+?)\s*[;,]/g)) {
      const a = find(m[1]!);
      const b = find(normMm(m[2]!));
      if (a !== b) parent.set(a, b);
    }
  }
  return new Set([...mms].map(find)).size > 1;
}

function origin(node: number, range: Range, callee: string): Origin {
  return { node, range, callee };
}

/** Marks the vma pointers that depend on `lock` with `f`. */
function mapVmas(s: LockState, lock: 'mmap' | 'vma', f: (v: VmaVal & { lock: 'mmap' | 'vma' }) => VmaVal | undefined): void {
  for (const [k, v] of Object.entries(s.vmas)) {
    if (v.k === 'unknown' || v.k === 'stale' || v.lock !== lock) continue;
    const nv = f(v);
    if (nv) s.vmas[k] = nv;
  }
}

function lookupOf(v: VmaVal & { lock: 'mmap' | 'vma' }): Origin {
  return v.k === 'valid' ? v.origin : v.k === 'tie' ? v.lookup : (undefined as never);
}

function staleAll(s: LockState, lock: 'mmap' | 'vma', cause: ReleaseCause, o: Origin): void {
  mapVmas(s, lock, (v) => ({ k: 'stale', cause, origin: o, lookup: lookupOf(v) }));
}

function tieAll(s: LockState, lock: 'mmap' | 'vma', tie: Tie): void {
  mapVmas(s, lock, (v) => ({ k: 'tie', lock, tie, lookup: lookupOf(v) }));
}

function flagInfo(fn: FunctionFacts, f: FaultCallFact): { allowRetry: 'yes' | 'maybe' | 'no'; mayDrop: boolean; nowait: 'never' | 'maybe' | 'always' } {
  const names = new Set(f.flagNames);
  const argNames = new Set(f.flagsExpr?.match(/\bFAULT_FLAG_\w+/g) ?? []);
  const hasAllow = names.has('FAULT_FLAG_ALLOW_RETRY') || names.has('FAULT_FLAG_DEFAULT');
  const hasKill = names.has('FAULT_FLAG_KILLABLE') || names.has('FAULT_FLAG_DEFAULT');
  // Flags known entirely: a literal expression, or variables assigned in this function.
  const known = f.flagVars.every((v) => fn.flagUpdates.some((u) => u.variable === v && u.op === 'assign'));
  const allowRetry = hasAllow ? 'yes' : known ? 'no' : 'maybe';
  const mayDrop = allowRetry !== 'no' || hasKill;
  const nowait = argNames.has('FAULT_FLAG_RETRY_NOWAIT') ? 'always' : names.has('FAULT_FLAG_RETRY_NOWAIT') || !known ? 'maybe' : 'never';
  return { allowRetry, mayDrop, nowait };
}

function analyse(fn: FunctionFacts, era: Era): LockAnalysis {
  const vmaRelease = compareEra(era, VMA_RELEASE_ERA) >= 0;
  const completedEra = compareEra(era, COMPLETED_ERA) >= 0;
  const events: Event[][] = fn.cfg.nodes.map(() => []);
  for (const f of fn.lockOps) if (f.node >= 0) events[f.node]!.push({ kind: 'lock', pos: f.range.start, f });
  for (const f of fn.faultCalls)
    if (f.node >= 0 && f.callee === 'handle_mm_fault') events[f.node]!.push({ kind: 'fault', pos: f.range.start, f });
  for (const f of fn.gupCalls) if (f.node >= 0) events[f.node]!.push({ kind: 'gup', pos: f.range.start, f });
  for (const e of events) e.sort((a, b) => cmpPos(a.pos, b.pos));

  const clone = (s: LockState): LockState => ({ mmap: s.mmap, vma: s.vma, vmas: { ...s.vmas } });

  const applyEvent = (s: LockState, node: CfgNode, ev: Event): void => {
    if (ev.f.unreliable) {
      s.mmap = { k: 'unknown' };
      s.vma = { k: 'unknown' };
      return;
    }
    if (ev.kind === 'lock') {
      const f = ev.f;
      const o = origin(node.id, f.range, f.callee);
      if (f.api === 'fault-lock') {
        s.mmap = { k: 'unknown' };
        s.vma = { k: 'unknown' };
        return;
      }
      if (f.mode === 'vma') {
        if (f.kind === 'release') {
          s.vma = { k: 'released', cause: 'vma-end', origin: o };
          staleAll(s, 'vma', 'vma-end', o);
        } else {
          s.vma = { k: 'tie', tie: { sem: 'held-if-nonzero', origin: o, ...(f.assignedTo ? { v: f.assignedTo } : {}), worlds: W_ZERO | W_NONZERO, cause: 'not-acquired' } };
          if (f.assignedTo) s.vmas[f.assignedTo] = { k: 'valid', lock: 'vma', origin: o };
        }
        return;
      }
      if (f.api === 'find-vma') {
        const tie: Tie = { sem: 'held-if-nonzero', origin: o, ...(f.assignedTo ? { v: f.assignedTo } : {}), worlds: W_ZERO | W_NONZERO, cause: 'find-vma-null' };
        s.mmap = { k: 'tie', tie };
        tieAll(s, 'mmap', tie);
        if (f.assignedTo) s.vmas[f.assignedTo] = { k: 'valid', lock: 'mmap', origin: o };
        return;
      }
      const mode = f.mode === 'write' ? 'write' : 'read';
      switch (f.kind) {
        case 'acquire':
          s.mmap = { k: 'held', mode, origin: o };
          return;
        case 'downgrade':
          s.mmap = { k: 'held', mode: 'read', origin: o };
          return;
        case 'release':
          s.mmap = { k: 'released', cause: 'unlock', origin: o };
          staleAll(s, 'mmap', 'unlock', o);
          return;
        case 'try':
        case 'killable': {
          const sem: TieSem = f.kind === 'try' ? 'held-if-nonzero' : 'held-if-zero';
          if (f.assignedTo || f.inCondition)
            s.mmap = { k: 'tie', tie: { sem, origin: o, ...(f.assignedTo ? { v: f.assignedTo } : {}), worlds: W_ZERO | W_NONZERO, cause: 'not-acquired' } };
          else s.mmap = f.kind === 'killable' ? { k: 'held', mode, origin: o } : { k: 'unknown' };
          return;
        }
      }
      return;
    }
    if (ev.kind === 'fault') {
      const f = ev.f;
      const o = origin(node.id, f.range, f.callee);
      const fi = flagInfo(fn, f);
      if (!fi.mayDrop) return;
      const worlds = faultWorlds((_r, c, n) => {
        if (c && (!completedEra || fi.allowRetry === 'no')) return false;
        if (c && n) return false; // COMPLETED means the lock was dropped, which RETRY_NOWAIT never does.
        if (n && fi.nowait === 'never') return false;
        if (!n && fi.nowait === 'always') return false;
        return true;
      });
      const base = { origin: o, ...(f.assignedTo ? { v: f.assignedTo } : {}), worlds, allowRetry: fi.allowRetry };
      if (f.vmaLock) {
        if (!vmaRelease) return; // 6.4–6.5: the callee returns with the VMA lock still held.
        const tie: Tie = { ...base, sem: 'vma-fault', cause: 'fault' };
        s.vma = { k: 'tie', tie };
        tieAll(s, 'vma', tie);
      } else {
        const tie: Tie = { ...base, sem: 'mmap-fault', cause: 'fault' };
        s.mmap = { k: 'tie', tie };
        tieAll(s, 'mmap', tie);
      }
      return;
    }
    // GUP.
    const f = ev.f;
    const o = origin(node.id, f.range, f.callee);
    const lockedArg = f.args.find((a) => a.role === 'locked' || a.role === 'nonblocking' || a.role === 'unlocked');
    let v: string | undefined;
    if (lockedArg && !lockedArg.isNull) {
      if (f.lockedVar !== undefined && /^\w+$/.test(f.lockedVar)) v = f.lockedVar;
      else if (/^\w+$/.test(lockedArg.text.trim())) v = `*${lockedArg.text.trim()}`;
    }
    if (f.callee === 'fixup_user_fault') {
      if (lockedArg && !lockedArg.isNull) {
        if (v === undefined) {
          mapVmas(s, 'mmap', () => ({ k: 'unknown' }));
          return;
        }
        const tie: Tie = { sem: 'stale-if-nonzero', origin: o, v, worlds: W_ZERO | W_NONZERO, cause: 'fixup-unlocked' };
        tieAll(s, 'mmap', tie);
      }
      return;
    }
    const vmasArg = f.args.find((a) => a.role === 'vmas');
    if (lockedArg && !lockedArg.isNull) {
      if (v === undefined) {
        s.mmap = { k: 'unknown' };
        mapVmas(s, 'mmap', () => ({ k: 'unknown' }));
        return;
      }
      const tie: Tie = { sem: 'held-if-nonzero', origin: o, v, worlds: W_ZERO | W_NONZERO, cause: 'gup-locked' };
      s.mmap = { k: 'tie', tie };
      tieAll(s, 'mmap', tie);
      if (vmasArg && !vmasArg.isNull && /^\w+$/.test(vmasArg.text.trim())) s.vmas[vmasArg.text.trim()] = { k: 'tie', lock: 'mmap', tie, lookup: o };
      return;
    }
    if (vmasArg && !vmasArg.isNull && /^\w+$/.test(vmasArg.text.trim()) && !/_unlocked|_fast/.test(f.callee))
      s.vmas[vmasArg.text.trim()] = { k: 'valid', lock: 'mmap', origin: o };
  };

  /** Text effects after the node's calls: reassigned tie variables, vma lookups and reassignments. */
  const applyText = (s: LockState, node: CfgNode): void => {
    if (node.kind !== 'stmt' && node.kind !== 'decl' && node.kind !== 'return') return;
    const t = node.text;
    // A tie whose variable is overwritten: settled when its worlds agree, else unknown.
    const kill = (v: LockVal): LockVal => {
      if (v.k !== 'tie' || v.tie.origin.node === node.id || v.tie.v === undefined || !assignsTo(t, v.tie.v)) return v;
      const st = lockStatus(v);
      if (st.s === 'held') return { k: 'held', mode: 'read', origin: v.tie.origin };
      if (st.s === 'released') return { k: 'released', cause: st.cause, origin: st.origin };
      return { k: 'unknown' };
    };
    s.mmap = kill(s.mmap);
    s.vma = kill(s.vma);
    for (const [k, v] of Object.entries(s.vmas))
      if (v.k === 'tie' && v.tie.origin.node !== node.id && v.tie.v !== undefined && assignsTo(t, v.tie.v)) {
        const settled = settleVma(v)!;
        s.vmas[k] = settled.k === 'tie' ? { k: 'unknown' } : settled;
      }
    const lk = vmaLookupIn(t);
    if (lk) {
      s.vmas[lk.v] = { k: 'valid', lock: 'mmap', origin: origin(node.id, node.range, lk.callee) };
      return;
    }
    const own = new Set(events[node.id]!.map((e) => (e.kind === 'lock' ? e.f.assignedTo : undefined)).filter((x): x is string => !!x));
    for (const k of Object.keys(s.vmas)) {
      if (own.has(k)) continue;
      if (new RegExp(`(?:^|[^\\w>.])${escapeRe(k)}\\s*=(?!=)`).test(t)) delete s.vmas[k];
    }
  };

  const transfer = (node: CfgNode, input: LockState): LockState => {
    const s = clone(input);
    if (node.unreliable) {
      s.mmap = { k: 'unknown' };
      s.vma = { k: 'unknown' };
      return s;
    }
    for (const ev of events[node.id]!) applyEvent(s, node, ev);
    applyText(s, node);
    return s;
  };

  const refine = (val: LockVal, node: CfgNode, value: boolean): LockVal => {
    if (val.k !== 'tie') return val;
    const w = filterWorlds(node.text, value, val.tie.worlds, leafFor(val.tie));
    return w === val.tie.worlds ? val : { k: 'tie', tie: { ...val.tie, worlds: w } };
  };

  const nodes = fn.cfg.nodes;
  const edge = (e: CfgEdge, s: LockState): LockState => {
    const value = edgeBranch(fn, e);
    if (value === undefined) return s;
    const node = nodes[e.from]!;
    if (node.kind !== 'cond' || node.unreliable || node.syntax.startsWith('preproc')) return s;
    const out: LockState = { mmap: refine(s.mmap, node, value), vma: refine(s.vma, node, value), vmas: s.vmas };
    let changed = out.mmap !== s.mmap || out.vma !== s.vma;
    const vmas: Record<string, VmaVal> = {};
    for (const [k, v] of Object.entries(s.vmas)) {
      if (v.k !== 'tie') {
        vmas[k] = v;
        continue;
      }
      const w = filterWorlds(node.text, value, v.tie.worlds, leafFor(v.tie));
      vmas[k] = w === v.tie.worlds ? v : { ...v, tie: { ...v.tie, worlds: w } };
      if (vmas[k] !== v) changed = true;
    }
    return changed ? { ...out, vmas } : s;
  };

  const init: LockState = { mmap: { k: 'outer' }, vma: { k: 'outer' }, vmas: {} };
  const res = forwardDataflow<LockState>(fn.cfg, init, transfer, joinStates, {
    edge,
    equals: (a, b) => stateKey(a) === stateKey(b),
    maxIterations: Math.max(2000, nodes.length * 40),
  });

  const before = (id: number, pos?: Pos): LockState | undefined => {
    const input = res.in[id];
    if (!input) return undefined;
    const node = nodes[id]!;
    const s = clone(input);
    if (node.unreliable) return { mmap: { k: 'unknown' }, vma: { k: 'unknown' }, vmas: s.vmas };
    for (const ev of events[id]!) {
      if (pos && cmpPos(ev.pos, pos) >= 0) break;
      applyEvent(s, node, ev);
    }
    return s;
  };

  return {
    fn,
    era,
    multiMm: computeMultiMm(fn),
    converged: res.converged,
    in: res.in,
    before,
    vmaReleasedByCallee: vmaRelease,
  };
}

// ------------------------------------------------------------------------------------------------- uses of a vma

const NOT_USES = new Set([
  'if',
  'while',
  'for',
  'switch',
  'return',
  'sizeof',
  'likely',
  'unlikely',
  'IS_ERR',
  'IS_ERR_OR_NULL',
  'PTR_ERR',
  'WARN_ON',
  'WARN_ON_ONCE',
  'BUG_ON',
  'VM_BUG_ON',
  'vma_end_read',
]);

/**
 * The statement uses vma pointer `v` in a way that needs it valid: a dereference (`v->`, `v[i]->`, `*v`) or passing
 * it to a function. Comparisons, NULL tests, and the left side of an assignment are not uses.
 */
export function usesVma(text: string, v: string): boolean {
  const e = escapeRe(v);
  // Drop the lhs of an assignment to v itself.
  const body = text.replace(new RegExp(`^\\s*(?:struct\\s+vm_area_struct\\s*\\*\\s*)?${e}\\s*=(?!=)`), '');
  if (new RegExp(`(?:^|[^\\w>.])${e}\\s*(?:\\[[^\\]]*\\]\\s*)?->`).test(body)) return true;
  // As a call argument.
  const re = new RegExp(`(?:^|[^\\w>.])(${e}(?:\\s*\\[[^\\]]*\\])?)\\s*(?=[,)])`, 'g');
  for (let m = re.exec(body); m; m = re.exec(body)) {
    // Find the callee: scan back to the unmatched '('.
    let d = 0;
    let i = m.index + m[0].indexOf(m[1]!) - 1;
    for (; i >= 0; i--) {
      const ch = body[i];
      if (ch === ')') d++;
      else if (ch === '(') {
        if (d === 0) break;
        d--;
      }
    }
    if (i < 0) continue;
    const before = body.slice(0, i).trimEnd();
    const callee = /([A-Za-z_]\w*)$/.exec(before)?.[1];
    if (!callee || NOT_USES.has(callee)) continue;
    // `a == v` inside the call's argument list is a comparison.
    const at = m.index + m[0].indexOf(m[1]!);
    if (/[=!<>]=$/.test(body.slice(0, at).trimEnd())) continue;
    return true;
  }
  return false;
}
