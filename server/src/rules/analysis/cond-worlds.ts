/**
 * Path refinement by conditions over a small set of "worlds" (a bit mask): which worlds are still possible on the
 * true / false edge of a condition. A world is one combination of the facts a rule tracks, e.g. for a fault result
 * (RETRY set?, COMPLETED set?, RETRY_NOWAIT in the flags?), or for `int locked` (zero, non-zero).
 *
 * The condition is split on `||`, `&&` and `!` (exactly, with short-circuit order); each remaining leaf is asked to
 * `leaf`, which says which worlds are consistent with the leaf being true and being false, or undefined when the leaf
 * says nothing about them (then no world is excluded). Conservative: anything not understood keeps every world.
 */
import type { CfgEdge, FunctionFacts } from '../../c/types';
import { splitTop, stripCondition } from './conditions';
import { cfgIndex } from './graph';

export interface LeafWorlds {
  /** Worlds consistent with the leaf evaluating true. */
  whenTrue: number;
  /** Worlds consistent with the leaf evaluating false. */
  whenFalse: number;
}

export type LeafEval = (leaf: string) => LeafWorlds | undefined;

const MAX_DEPTH = 32;

/** `!x`, `!(…)`, `!f(…)` as a whole (not `!a && b`, which splitTop handles first). */
function negated(s: string): string | undefined {
  if (!s.startsWith('!') || s.startsWith('!=')) return undefined;
  return s.slice(1).trim();
}

/** `x == 0` / `x == NULL` / `x == false` → [x, false]; `x != 0` / `!= NULL` → [x, true]. */
function comparedToZero(s: string): [string, boolean] | undefined {
  const m = /^([\s\S]+?)\s*(==|!=)\s*(?:0|NULL|false)$/.exec(s) ?? /^(?:0|NULL|false)\s*(==|!=)\s*([\s\S]+)$/.exec(s);
  if (!m) return undefined;
  const [expr, op] = m[1] === '==' || m[1] === '!=' ? [m[2]!, m[1]] : [m[1]!, m[2]!];
  if (/[=<>]/.test(expr.replace(/->/g, ''))) return undefined;
  return [expr.trim(), op === '!='];
}

/** Worlds of `worlds` consistent with `cond` evaluating to `value`. */
export function filterWorlds(cond: string, value: boolean, worlds: number, leaf: LeafEval, depth = 0): number {
  if (worlds === 0 || depth > MAX_DEPTH) return worlds;
  const s = stripCondition(cond);
  const ors = splitTop(s, '||');
  if (ors.length > 1) {
    if (!value) {
      let w = worlds;
      for (const p of ors) w = filterWorlds(p, false, w, leaf, depth + 1);
      return w;
    }
    let acc = 0;
    let rest = worlds;
    for (const p of ors) {
      acc |= filterWorlds(p, true, rest, leaf, depth + 1);
      rest = filterWorlds(p, false, rest, leaf, depth + 1);
    }
    return acc;
  }
  const ands = splitTop(s, '&&');
  if (ands.length > 1) {
    if (value) {
      let w = worlds;
      for (const p of ands) w = filterWorlds(p, true, w, leaf, depth + 1);
      return w;
    }
    let acc = 0;
    let rest = worlds;
    for (const p of ands) {
      acc |= filterWorlds(p, false, rest, leaf, depth + 1);
      rest = filterWorlds(p, true, rest, leaf, depth + 1);
    }
    return acc;
  }
  const inner = negated(s);
  if (inner !== undefined) return filterWorlds(inner, !value, worlds, leaf, depth + 1);
  const cmp = comparedToZero(s);
  if (cmp) return filterWorlds(cmp[0], cmp[1] === value, worlds, leaf, depth + 1);
  const l = leaf(s);
  if (!l) return worlds;
  return worlds & (value ? l.whenTrue : l.whenFalse);
}

/**
 * The branch (true / false) an edge leaving a condition node takes. The CFG labels the edge that closes a loop body
 * `back-edge` even when it leaves an `if` at the end of the body: its branch is the one its sibling edge is not.
 */
export function edgeBranch(fn: FunctionFacts, e: CfgEdge): boolean | undefined {
  if (e.label === 'true') return true;
  if (e.label === 'false') return false;
  if (e.label !== 'back-edge' || fn.cfg.nodes[e.from]?.kind !== 'cond') return undefined;
  const sib = cfgIndex(fn).succ[e.from]!.filter((x) => x !== e);
  if (sib.length !== 1) return undefined;
  return sib[0]!.label === 'true' ? false : sib[0]!.label === 'false' ? true : undefined;
}
