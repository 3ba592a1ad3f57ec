/**
 * Sites the mmap-lock rules look at, with the lock state just before them (lock-state.ts): mmap / VMA lock releases,
 * uses of vma pointers, and wording shared by the rules' messages.
 */
import type { CfgNode, FunctionFacts, LockOpFact, Pos, Range } from '../../c/types';
import { lockStates, lockStatus, usesVma, vmaStatus, type LockAnalysis, type LockState, type Origin, type ReleaseCause, type Tie, type VmaStatus } from './lock-state';
import { compareEra, type Era } from '../../../../common/era';
import type { RelatedLocation, RuleContext, TextEdit } from '../types';

/** The analysis when rules may trust it (one mm, converged), else undefined. */
export function trustedLockStates(fn: FunctionFacts, era: Era): LockAnalysis | undefined {
  const a = lockStates(fn, era);
  return a.multiMm || !a.converged ? undefined : a;
}

export interface ReleaseSite {
  op: LockOpFact;
  state: LockState;
}

/** mmap lock releases (up_read / mmap_read_unlock / write variants) with the state just before them. */
export function mmapReleases(fn: FunctionFacts, a: LockAnalysis): ReleaseSite[] {
  const out: ReleaseSite[] = [];
  for (const op of fn.lockOps) {
    if (op.kind !== 'release' || op.unreliable || op.node < 0) continue;
    if (op.mode !== 'read' && op.mode !== 'write') continue;
    if (op.api !== 'rwsem' && op.api !== 'api') continue;
    if (fn.cfg.nodes[op.node]!.unreliable) continue;
    const state = a.before(op.node, op.range.start);
    if (state) out.push({ op, state });
  }
  return out;
}

/** vma_end_read() calls with the state just before them. */
export function vmaReleases(fn: FunctionFacts, a: LockAnalysis): ReleaseSite[] {
  const out: ReleaseSite[] = [];
  for (const op of fn.lockOps) {
    if (op.callee !== 'vma_end_read' || op.unreliable || op.node < 0 || fn.cfg.nodes[op.node]!.unreliable) continue;
    const state = a.before(op.node, op.range.start);
    if (state) out.push({ op, state });
  }
  return out;
}

export interface VmaUse {
  node: CfgNode;
  v: string;
  range: Range;
  status: VmaStatus;
}

const USE_KINDS = new Set(['stmt', 'decl', 'cond', 'return', 'switch']);

/** Position of character `idx` of a node's text. */
function posIn(node: CfgNode, idx: number): Pos {
  const before = node.text.slice(0, idx);
  const nl = before.lastIndexOf('\n');
  const lines = before.split('\n').length - 1;
  return lines === 0 ? { line: node.range.start.line, column: node.range.start.column + idx } : { line: node.range.start.line + lines, column: idx - nl - 1 };
}

/** Uses (dereference, call argument) of tracked vma pointers, with their validity on entry to the node. */
export function vmaUses(fn: FunctionFacts, a: LockAnalysis): VmaUse[] {
  const out: VmaUse[] = [];
  for (const node of fn.cfg.nodes) {
    if (!USE_KINDS.has(node.kind) || node.unreliable || node.syntax.startsWith('preproc')) continue;
    const s = a.in[node.id];
    if (!s) continue;
    for (const v of Object.keys(s.vmas)) {
      if (!node.text.includes(v) || !usesVma(node.text, v)) continue;
      const idx = Math.max(0, new RegExp(`(?<![\\w>.])${v}\\b(?!\\s*=[^=])`).exec(node.text)?.index ?? 0);
      const start = posIn(node, idx);
      out.push({ node, v, range: { start, end: { line: start.line, column: start.column + v.length } }, status: vmaStatus(s.vmas[v]) });
    }
  }
  return out;
}

/** The lock's name as the code spells it (the op's, else the function's first op's, else the era's: ≤5.7 mmap_sem). */
export function lockName(fn: FunctionFacts, op?: LockOpFact, era?: Era): string {
  const sp = op?.spelling ?? fn.lockOps.find((l) => l.spelling !== 'vma')?.spelling;
  if (sp === undefined && era) return compareEra(era, '5.8') < 0 ? 'mmap_sem' : 'mmap_lock';
  return sp === 'mmap_sem' ? 'mmap_sem' : 'mmap_lock';
}

/** "VM_FAULT_RETRY", "VM_FAULT_COMPLETED" or both, as the tie's worlds allow. */
export function reportedBits(t: Tie): string {
  let allR = true;
  let allC = true;
  for (let w = 0; w < 8; w++) {
    if (!(t.worlds & (1 << w))) continue;
    if (!(w & 1)) allR = false;
    if (!(w & 2)) allC = false;
  }
  return allR ? 'VM_FAULT_RETRY' : allC ? 'VM_FAULT_COMPLETED' : 'VM_FAULT_RETRY or VM_FAULT_COMPLETED';
}

const CAUSE_TEXT: Record<ReleaseCause, string> = {
  unlock: 'released here',
  fault: 'dropped by the fault handler here',
  'gup-locked': 'dropped by this GUP call (it set locked = 0)',
  'fixup-unlocked': 'dropped and re-taken by fixup_user_fault here (it set unlocked = true)',
  'find-vma-null': 'lock_mm_and_find_vma() returned NULL here, with the lock already dropped',
  'not-acquired': 'the lock was not acquired here',
  'vma-end': 'VMA read lock released here',
};

export function releaseRelated(lock: string, cause: ReleaseCause, o: Origin): RelatedLocation {
  return { range: o.range, message: `${lock} ${CAUSE_TEXT[cause]}` };
}

/** The last mmap lock acquisition before `pos` (by position), for "lock taken here". */
export function lockTakenBefore(fn: FunctionFacts, pos: Pos): LockOpFact | undefined {
  let best: LockOpFact | undefined;
  for (const l of fn.lockOps) {
    if (l.kind === 'release' || l.mode === 'vma') continue;
    const p = l.range.start;
    if (p.line > pos.line || (p.line === pos.line && p.column >= pos.column)) continue;
    if (!best || p.line > best.range.start.line) best = l;
  }
  return best;
}

/**
 * An edit deleting the whole line of a statement that is alone on its line and is not the only body of an
 * unbraced if/else/for/while (deleting that would change what follows). Undefined when not safe.
 */
export function deleteStatementLine(ctx: RuleContext, r: Range): TextEdit | undefined {
  if (r.start.line !== r.end.line) return undefined;
  const line = ctx.line(r.start.line);
  if (line === undefined) return undefined;
  const stmt = line.slice(r.start.column);
  if (line.slice(0, r.start.column).trim() !== '' || !/^[\s\S]*\)\s*;\s*(?:\/\*.*\*\/\s*)?$/.test(stmt)) return undefined;
  for (let i = r.start.line - 1; i >= 0 && i >= r.start.line - 20; i--) {
    const p = ctx.line(i);
    if (p === undefined) return undefined;
    const t = p.trim();
    if (t === '' || t.startsWith('/*') || t.startsWith('*') || t.startsWith('//')) continue;
    if (/(?:^|\W)(?:if|for|while|else)\b/.test(t) && !/[;{}]\s*$/.test(t)) return undefined;
    if (/\)\s*$/.test(t)) return undefined;
    break;
  }
  return { range: { start: { line: r.start.line, column: 0 }, end: { line: r.start.line + 1, column: 0 } }, newText: '' };
}

/** Status helper re-export for rules. */
export { lockStatus };
