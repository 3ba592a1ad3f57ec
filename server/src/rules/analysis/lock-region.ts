/**
 * The straight-line region a plain mmap-lock acquisition opens around one statement: `lock; …; stmt; …; unlock;`
 * with no branch, loop, label or other lock operation in between (the shape `lock; get_user_pages(); unlock;`).
 */
import type { CfgNode, FunctionFacts, LockOpFact } from '../../c/types';
import { cfgIndex } from './graph';
import { squash } from './gup-args';

export interface LockRegion {
  lock: LockOpFact;
  unlock: LockOpFact;
  /** Statements between the lock and the unlock other than the centre statement (in order). */
  others: CfgNode[];
}

const PLAIN = new Set(['stmt', 'decl']);
const MAX_STEPS = 12;

function lockOpsAt(fn: FunctionFacts, node: number): LockOpFact[] {
  return fn.lockOps.filter((l) => l.node === node);
}

function isPlainAcquire(l: LockOpFact): boolean {
  return l.kind === 'acquire' && l.mode === 'read' && (l.api === 'rwsem' || l.api === 'api') && !l.inCondition && !l.unreliable;
}

function isPlainRelease(l: LockOpFact, lock: LockOpFact): boolean {
  return l.kind === 'release' && l.mode === 'read' && l.api === lock.api && !l.unreliable && squash(l.mm ?? '?') === squash(lock.mm ?? '!');
}

/** The region around `centre` (a CFG node id), or undefined when the shape is not exactly straight-line. */
export function straightLockRegion(fn: FunctionFacts, centre: number): LockRegion | undefined {
  const { succ, pred } = cfgIndex(fn);
  const nodes = fn.cfg.nodes;
  const single = (edges: { label: string; back: boolean }[]): boolean => edges.length === 1 && edges[0]!.label === 'fallthrough' && !edges[0]!.back;
  const before: CfgNode[] = [];
  let lock: LockOpFact | undefined;
  let cur = centre;
  for (let i = 0; i < MAX_STEPS && !lock; i++) {
    if (!single(pred[cur]!)) return undefined;
    const p = pred[cur]![0]!.from;
    if (succ[p]!.length !== 1) return undefined;
    const node = nodes[p]!;
    if (!PLAIN.has(node.kind) || node.unreliable) return undefined;
    const ops = lockOpsAt(fn, p);
    if (ops.length) {
      if (ops.length !== 1 || !isPlainAcquire(ops[0]!)) return undefined;
      lock = ops[0];
      break;
    }
    before.unshift(node);
    cur = p;
  }
  if (!lock) return undefined;
  const after: CfgNode[] = [];
  let unlock: LockOpFact | undefined;
  cur = centre;
  for (let i = 0; i < MAX_STEPS && !unlock; i++) {
    if (!single(succ[cur]!)) return undefined;
    const s = succ[cur]![0]!.to;
    if (pred[s]!.length !== 1) return undefined;
    const node = nodes[s]!;
    if (!PLAIN.has(node.kind) || node.unreliable) return undefined;
    const ops = lockOpsAt(fn, s);
    if (ops.length) {
      if (ops.length !== 1 || !isPlainRelease(ops[0]!, lock)) return undefined;
      unlock = ops[0];
      break;
    }
    after.push(node);
    cur = s;
  }
  if (!unlock) return undefined;
  return { lock, unlock, others: [...before, ...after] };
}
