/**
 * ALLOW_RETRY clearings of a function rebuilt from patch hunks (FunctionFacts.partial) whose retry loop has its
 * fault call in code the patch does not show (retry-paths.ts then has no start and says nothing). The verdict of
 * forbidden-flag-combination only needs what happens after the fault reported VM_FAULT_RETRY: when the hunks show
 * a RETRY test, and every path from its RETRY edge to a `goto`/`continue` back-edge of the loop runs through shown
 * statements only, clearing ALLOW_RETRY and then setting TRIED on one flags variable, then the next attempt gets
 * TRIED without ALLOW_RETRY whatever the missing code did before the test.
 *
 * Conservative: a path through a gap node (CfgNode.gap), an unreliable node, a preprocessor conditional, or a
 * statement that may change the flags without a fact saying how (`&flags`, an assignment not understood, a call
 * given the flags) proves nothing. A loop whose label was placed in a gap (RetryLoopFact.headInGap) is not used; a
 * `goto` to a label above the first hunk is, when the function's start is not in the patch. A clear is reported
 * only when the same path, after the RETRY edge, also sets TRIED and does not set ALLOW_RETRY again.
 */
import type { CfgNode, FlagUpdateFact, FunctionFacts, RetryLoopFact } from '../../c/types';
import { edgeImpliesBit, edgeImpliesNotBit, retryEdgeLabel } from './conditions';
import { cfgIndex } from './graph';

const ALLOW = 'FAULT_FLAG_ALLOW_RETRY';
const TRIED = 'FAULT_FLAG_TRIED';

export interface VisibleClear {
  /** The loop whose back-edge the path reaches, when the facts found one. */
  loop?: RetryLoopFact;
  update: FlagUpdateFact;
  backEdges: FlagUpdateFact['range'][];
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface State {
  /** Index in fn.flagUpdates of the last ALLOW_RETRY clear since the RETRY edge (-1: none). */
  clear: number;
  /** TRIED set since the RETRY edge (and not cleared again). */
  tried: boolean;
}

const STEP_LIMIT = 50_000;

/**
 * Where a retry goes back: the back-edges of loops whose fault call the patch does not show (loops with a shown fault
 * call are retry-paths.ts's), and, when the function's start is not in the patch, a `goto` whose label is not in the
 * text (the label lies above the first hunk: the usual `retry:` before the lock).
 */
function retryTargets(fn: FunctionFacts): Map<number, { loop?: RetryLoopFact; range: FlagUpdateFact['range'] }> {
  const out = new Map<number, { loop?: RetryLoopFact; range: FlagUpdateFact['range'] }>();
  const shownFault = new Set<number>();
  for (const l of fn.retryLoops) {
    const skip = l.kind === 'vma-fallback' || l.oneShotVmaFallback || l.unreliable || l.headInGap;
    for (const b of l.backEdges) {
      if (l.faultCall && l.faultCall.node >= 0) {
        shownFault.add(b.node);
        continue;
      }
      if (skip || !b.guardedByRetryTest || b.unreliable || b.node < 0 || b.kind === 'loop-condition') continue;
      out.set(b.node, { loop: l, range: b.range });
    }
  }
  if (fn.partial && !fn.partial.startKnown) {
    const labels = new Set(fn.labels.map((l) => l.name));
    for (const n of fn.cfg.nodes)
      if (n.kind === 'goto' && n.label && !labels.has(n.label) && !n.unreliable && !shownFault.has(n.id) && !out.has(n.id) && !fn.retryLoops.some((l) => l.backEdges.some((b) => b.node === n.id)))
        out.set(n.id, { range: n.range });
  }
  return out;
}

export function visibleRetryClears(fn: FunctionFacts): VisibleClear[] {
  if (!fn.partial) return [];
  const out = new Map<number, VisibleClear>();
  const { succ } = cfgIndex(fn);
  const nodes = fn.cfg.nodes;
  const targets = retryTargets(fn);
  if (!targets.size) return [];
  const tests = nodes.filter((n) => n.kind === 'cond' && !n.unreliable && !n.gap && retryEdgeLabel(n) !== undefined);
  const vars = new Set(fn.flagUpdates.filter((u) => u.op === 'clear' && u.flags.includes(ALLOW) && !u.unreliable).map((u) => u.variable));
  for (const v of vars) {
    const updatesAt = new Map<number, number[]>();
    fn.flagUpdates.forEach((u, i) => {
      if (u.variable === v) updatesAt.set(u.node, [...(updatesAt.get(u.node) ?? []), i]);
    });
    const ve = esc(v);
    const addrRe = new RegExp(`&\\s*${ve}(?![\\w>.-])`);
    const mentionRe = new RegExp(`(?:^|[^\\w>.])${ve}(?![\\w])`);
    /** The node proves nothing about the flags: unknown code, or a change no fact describes. */
    const blind = (n: CfgNode): boolean => {
      if (n.gap || n.unreliable) return true;
      if (n.kind === 'cond') return n.text.startsWith('#') || addrRe.test(n.text.replace(/&&/g, ' '));
      const ups = updatesAt.get(n.id);
      if (ups) return ups.some((i) => fn.flagUpdates[i]!.unreliable) || n.calls.length > 0;
      return mentionRe.test(n.text) && (n.calls.length > 0 || /=/.test(n.text.replace(/[!<>=]=/g, '')));
    };
    const apply = (s: State, n: CfgNode): State => {
      let t = s;
      for (const i of updatesAt.get(n.id) ?? []) {
        const u = fn.flagUpdates[i]!;
        if (u.op === 'clear') t = { clear: u.flags.includes(ALLOW) ? i : t.clear, tried: u.flags.includes(TRIED) ? false : t.tried };
        else if (u.op === 'set') t = { clear: u.flags.includes(ALLOW) ? -1 : t.clear, tried: t.tried || u.flags.includes(TRIED) };
        else t = { clear: -1, tried: u.flags.includes(TRIED) };
      }
      return t;
    };
    // From the RETRY edge of every RETRY test the patch shows to a retry target, through shown statements only.
    const work: [number, State][] = [];
    for (const n of tests) for (const e of succ[n.id]!) if (edgeImpliesBit(n, e, ['VM_FAULT_RETRY'])) work.push([e.to, { clear: -1, tried: false }]);
    const seen = new Set<string>();
    let steps = 0;
    while (work.length) {
      if (++steps > STEP_LIMIT) return []; // pathological graph: say nothing
      const [id, s0] = work.pop()!;
      const n = nodes[id]!;
      if (blind(n)) continue; // this path proves nothing
      const s = apply(s0, n);
      const target = targets.get(n.id);
      if (target) {
        if (s.clear >= 0 && s.tried) {
          const c = out.get(s.clear) ?? { ...(target.loop ? { loop: target.loop } : {}), update: fn.flagUpdates[s.clear]!, backEdges: [] };
          if (!c.backEdges.includes(target.range)) c.backEdges.push(target.range);
          out.set(s.clear, c);
        }
        continue;
      }
      for (const e of succ[id]!) {
        if (e.back || e.label === 'back-edge') continue;
        if (n.kind === 'cond' && edgeImpliesNotBit(n, e, ['VM_FAULT_RETRY'])) continue;
        const key = `${e.to}:${s.clear}:${+s.tried}`;
        if (seen.has(key)) continue;
        seen.add(key);
        work.push([e.to, s]);
      }
    }
  }
  return [...out.values()];
}
