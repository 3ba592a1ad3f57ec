/**
 * Paths of a fault retry loop, from the fault call to each RETRY-guarded back-edge, with what each path did to the
 * fault flags and whether it checked for signals. Path-sensitive: one abstract state per path class (a handful of
 * booleans), propagated over the CFG without going around a back-edge, so the set of states per node is finite.
 *
 * Only back-edges guarded by a RETRY test are fault retries (powerpc's stack-expansion `goto retry` is not); only
 * paths on which the fault is known to have returned VM_FAULT_RETRY (a RETRY-test edge was taken) count, and paths
 * on which it is known not to have are dropped.
 */
import type { BackEdgeFact, CfgNode, FlagUpdateFact, FunctionFacts, RetryLoopFact } from '../../c/types';
import { edgeImpliesBit, edgeImpliesNotBit } from './conditions';
import { cfgIndex, forwardReach } from './graph';
import { macroArgsMention } from './macro-args';

export interface PathState {
  /** A RETRY-test edge (RETRY known set) was taken. */
  retry: boolean;
  /** FAULT_FLAG_TRIED set on the flags variable. */
  tried: boolean;
  /** FAULT_FLAG_ALLOW_RETRY cleared (and not set again). */
  allowCleared: boolean;
  /** Index in fn.flagUpdates of the last ALLOW_RETRY clearing on the path (-1: none). */
  clear: number;
  /** A signal check (fault_signal_pending, fatal_signal_pending, …, a verified or unseen helper) on the path. */
  signal: boolean;
  /** Something on the path may change the flags in a way not seen (macro, &flags, an assignment not understood). */
  unknownFlags: boolean;
  /** The path went through a preprocessor conditional (#if/#ifdef) the analysis cannot resolve. */
  preproc: boolean;
}

export interface RetryArrival {
  edge: BackEdgeFact;
  /** States of the paths that reach the back-edge after the fault reported RETRY. */
  states: PathState[];
}

export interface RetryPaths {
  loop: RetryLoopFact;
  /** The flags variable the fault call passes (first of loop.flagsVariables). */
  flagsVar: string;
  arrivals: RetryArrival[];
}

const ALLOW = 'FAULT_FLAG_ALLOW_RETRY';
const TRIED = 'FAULT_FLAG_TRIED';

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const keyOf = (s: PathState): string =>
  `${+s.retry}${+s.tried}${+s.allowCleared}${s.clear}${+s.signal}${+s.unknownFlags}${+s.preproc}`;

/** Loops a retry rule may reason about: a real loop (not the one-shot per-VMA fallback), reliable, with a fault call. */
export function analysableLoops(fn: FunctionFacts): RetryLoopFact[] {
  return fn.retryLoops.filter(
    (l) =>
      l.kind !== 'vma-fallback' &&
      !l.oneShotVmaFallback &&
      !l.unreliable &&
      !!l.faultCall &&
      l.faultCall.node >= 0 &&
      l.backEdges.some((b) => b.guardedByRetryTest) &&
      !l.backEdges.some((b) => b.guardedByRetryTest && (b.unreliable || b.node < 0)),
  );
}

/**
 * The paths fault call → RETRY-guarded back-edge of `loop`, or undefined when the loop cannot be analysed (no flags
 * variable, unreliable statements on the way).
 */
export function retryPaths(fn: FunctionFacts, loop: RetryLoopFact): RetryPaths | undefined {
  const flagsVar = loop.flagsVariables[0];
  const faultNode = loop.faultCall?.node ?? -1;
  if (!flagsVar || faultNode < 0) return undefined;
  const vars = loop.flagsVariables;
  const retryEdges = loop.backEdges.filter((b) => b.guardedByRetryTest);
  const { succ } = cfgIndex(fn);
  const nodes = fn.cfg.nodes;

  const updatesAt = new Map<number, number[]>();
  fn.flagUpdates.forEach((u, i) => {
    if (!vars.includes(u.variable)) return;
    const list = updatesAt.get(u.node) ?? [];
    list.push(i);
    updatesAt.set(u.node, list);
  });
  const signalAt = new Set<number>();
  for (const s of fn.signalChecks) if (!s.unreliable && s.helperVerified !== false) signalAt.add(s.node);

  const varRes = vars.map((v) => esc(v));
  const addrRe = new RegExp(`&\\s*(?:${varRes.join('|')})(?![\\w>.-])`);
  const asgRe = new RegExp(`(?:^|[^\\w>.])(?:${varRes.join('|')})\\s*(?:[|&^+\\-*/]|<<|>>)?=(?!=)`);
  const mentionRe = new RegExp(`(?:^|[^\\w>.])(?:${varRes.join('|')})(?![\\w])`);
  /** The node may change the flags without a fact saying how. */
  const opaque = (n: CfgNode): boolean => {
    if (n.id === faultNode) return false;
    if (n.unreliable) return mentionRe.test(n.text);
    if (addrRe.test(n.text.replace(/&&/g, ' '))) return true;
    if (!updatesAt.has(n.id) && n.kind !== 'cond' && asgRe.test(n.text)) return true;
    return macroArgsMention(n.text, n.calls, mentionRe);
  };

  const apply = (s: PathState, n: CfgNode): PathState => {
    let out = s;
    for (const i of updatesAt.get(n.id) ?? []) {
      const u: FlagUpdateFact = fn.flagUpdates[i]!;
      if (u.unreliable) {
        out = { ...out, unknownFlags: true };
        continue;
      }
      if (u.op === 'set') {
        out = {
          ...out,
          tried: out.tried || u.flags.includes(TRIED),
          ...(u.flags.includes(ALLOW) ? { allowCleared: false, clear: -1 } : {}),
        };
      } else if (u.op === 'clear') {
        out = {
          ...out,
          tried: u.flags.includes(TRIED) ? false : out.tried,
          ...(u.flags.includes(ALLOW) ? { allowCleared: true, clear: i } : {}),
        };
      } else {
        out = { ...out, tried: u.flags.includes(TRIED), allowCleared: false, clear: -1, unknownFlags: out.unknownFlags };
      }
    }
    if (signalAt.has(n.id)) out = { ...out, signal: true };
    if (opaque(n)) out = { ...out, unknownFlags: true };
    return out;
  };

  // A signal check between the loop head and the fault call also bounds every round.
  const headToFault = loop.headNode >= 0
    ? forwardReach(fn, loop.headNode, { stop: (n) => n.id === faultNode, follow: (e) => !e.back })
    : new Set<number>();
  const checkedBefore = [...signalAt].some((id) => id !== faultNode && (id === loop.headNode || headToFault.has(id)) && headToFault.has(faultNode));

  const arrivals = new Map<BackEdgeFact, Map<string, PathState>>();
  const record = (b: BackEdgeFact, s: PathState): void => {
    const m = arrivals.get(b) ?? new Map<string, PathState>();
    m.set(keyOf(s), s);
    arrivals.set(b, m);
  };
  const stmtEdge = new Map<number, BackEdgeFact>();
  const condEdge = new Map<number, BackEdgeFact>();
  const headEdge: BackEdgeFact[] = [];
  for (const b of retryEdges) {
    if (b.kind === 'loop-condition') {
      if (b.node === loop.headNode && nodes[b.node]?.kind === 'loop') headEdge.push(b);
      else condEdge.set(b.node, b);
    } else stmtEdge.set(b.node, b);
  }

  const init: PathState = {
    retry: false,
    tried: false,
    allowCleared: false,
    clear: -1,
    signal: checkedBefore,
    unknownFlags: false,
    preproc: false,
  };
  const seen = new Map<number, Set<string>>();
  const work: [number, PathState][] = [[faultNode, init]];
  let steps = 0;
  while (work.length) {
    if (++steps > 200_000) return undefined; // pathological graph: say nothing
    const [id, s] = work.pop()!;
    const n = nodes[id]!;
    for (const e of succ[id]!) {
      let t = s;
      if (n.kind === 'cond' && (e.label === 'true' || e.label === 'false')) {
        if (n.text.startsWith('#')) t = { ...t, preproc: true };
        if (edgeImpliesNotBit(n, e, ['VM_FAULT_RETRY'])) continue;
        if (edgeImpliesBit(n, e, ['VM_FAULT_RETRY'])) t = { ...t, retry: true };
      }
      if (e.back || e.label === 'back-edge') {
        for (const b of headEdge) if (e.to === b.node) record(b, t);
        continue;
      }
      if (e.to === faultNode) continue;
      const m = nodes[e.to]!;
      const after = apply(t, m);
      const be = stmtEdge.get(m.id);
      if (be) {
        record(be, after);
        continue;
      }
      const ce = condEdge.get(m.id);
      if (ce) {
        record(ce, { ...after, retry: true });
        continue;
      }
      const k = keyOf(after);
      const set = seen.get(m.id) ?? new Set<string>();
      if (set.has(k)) continue;
      set.add(k);
      seen.set(m.id, set);
      work.push([m.id, after]);
    }
  }
  return {
    loop,
    flagsVar,
    arrivals: retryEdges.map((edge) => ({ edge, states: [...(arrivals.get(edge)?.values() ?? [])].filter((s) => s.retry) })),
  };
}

/**
 * Whether a verdict `bad` holds on the retry paths of an arrival, without depending on an unresolved #if: some bad
 * path went through no preprocessor conditional, or every path is bad.
 */
export function holdsOnSomePath(states: PathState[], bad: (s: PathState) => boolean): boolean {
  const b = states.filter(bad);
  if (b.length === 0) return false;
  return b.some((s) => !s.preproc) || b.length === states.length;
}
