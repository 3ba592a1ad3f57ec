/**
 * Cached CFG indexes per function and small lookups rules share (node of a fact, statements inside a range).
 */
import { predecessorsIndex, successorsIndex } from '../../c/cfg';
import type { Cfg, CfgEdge, CfgNode, FunctionFacts, Pos, Range } from '../../c/types';

interface Index {
  succ: CfgEdge[][];
  pred: CfgEdge[][];
}

const cache = new WeakMap<Cfg, Index>();

export function cfgIndex(fn: FunctionFacts): Index {
  const cfg = fn.cfg;
  let ix = cache.get(cfg);
  if (!ix) {
    ix = { succ: successorsIndex(cfg), pred: predecessorsIndex(cfg) };
    cache.set(cfg, ix);
  }
  return ix;
}

export function posBefore(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

export function rangeContains(outer: Range, inner: Range): boolean {
  return !posBefore(inner.start, outer.start) && !posBefore(outer.end, inner.end);
}

/** Nodes whose range lies inside `r` (statement nodes only, not entry/exit). */
export function nodesIn(fn: FunctionFacts, r: Range): CfgNode[] {
  return fn.cfg.nodes.filter((n) => n.kind !== 'entry' && n.kind !== 'exit' && rangeContains(r, n.range));
}

/** Forward reachability from `from` (exclusive) stopping at nodes for which `stop` holds (they are included). */
export function forwardReach(
  fn: FunctionFacts,
  from: number,
  opts: { stop?: (n: CfgNode) => boolean; follow?: (e: CfgEdge, from: CfgNode) => boolean } = {},
): Set<number> {
  const { succ } = cfgIndex(fn);
  const seen = new Set<number>();
  const work = [from];
  while (work.length) {
    const n = work.pop()!;
    for (const e of succ[n]!) {
      if (seen.has(e.to)) continue;
      if (opts.follow && !opts.follow(e, fn.cfg.nodes[n]!)) continue;
      seen.add(e.to);
      if (opts.stop?.(fn.cfg.nodes[e.to]!)) continue;
      work.push(e.to);
    }
  }
  return seen;
}
