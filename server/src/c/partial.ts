/**
 * What is unknown about a function rebuilt from patch hunks (FunctionFacts.partial): its name when the header is
 * not known, its gaps (CFG nodes standing for lines the patch does not show), and retry loops whose fault call
 * lies in a gap (the flag updates and lock re-takes on their retry path are found from the gap instead).
 */
import { reachable } from './cfg';
import type { FunctionInput } from './extract';
import type { PositionMapper, Prepared } from './parser';
import type { Cfg, ExtractOptions, FragmentGap, FunctionFacts, Range, RetryLoopFact } from './types';

/** 1-based, for messages. */
function linesText(r: Range): string {
  const last = r.end.column === 0 ? r.end.line - 1 : r.end.line;
  return last > r.start.line ? `lines ${r.start.line + 1}–${last + 1}` : `line ${r.start.line + 1}`;
}

/** Gap placeholders become CFG nodes that say which file lines they stand for (built lazily with the CFG). */
function markGapNodes(facts: FunctionFacts, gaps: readonly FragmentGap[]): void {
  const byName = new Map(gaps.map((g) => [g.placeholder, g]));
  const fix = (cfg: Cfg): Cfg => {
    for (const n of cfg.nodes) {
      if (n.kind === 'label') {
        const g = gaps.find((x) => x.labels?.includes(n.label ?? '') && x.range.start.line === n.range.start.line);
        if (g) {
          n.gap = g.range;
          n.text = `${n.label ?? ''}: /* in ${linesText(g.range)}, not in the patch */`;
        }
        continue;
      }
      const g = n.calls.map((c) => byName.get(c)).find((x) => x !== undefined);
      if (!g) continue;
      n.gap = g.range;
      n.calls = n.calls.filter((c) => !byName.has(c));
      n.text = `/* ${linesText(g.range)} not in the patch */`;
    }
    return cfg;
  };
  const desc = Object.getOwnPropertyDescriptor(facts, 'cfg');
  if (!desc?.get) {
    fix(facts.cfg);
    return;
  }
  const get = desc.get;
  let fixed: Cfg | undefined;
  Object.defineProperty(facts, 'cfg', {
    enumerable: true,
    configurable: true,
    get: () => (fixed ??= fix(get.call(facts) as Cfg)),
    set: desc.set,
  });
}

/** Fragment functions: a name for an unknown header (never the internal one), and what is unknown about them. */
export function describeFragmentFunction(
  facts: FunctionFacts,
  f: FunctionInput,
  prep: Prepared,
  map: PositionMapper,
  frag: NonNullable<ExtractOptions['fragment']>,
): void {
  const wrapper = prep.prefixLines > 0 && f.node.startPosition.row < prep.prefixLines;
  if (f.synthetic) facts.name = frag.displayName ?? `(hunk at line ${map.outLine(0) + 1})`;
  const headerKnown = wrapper ? prep.header?.complete === true : true;
  const endKnown = map.userLine(f.body.endPosition.row) >= 0;
  const { start, end } = facts.range;
  const gaps = (frag.gaps ?? []).filter((g) => g.range.start.line >= start.line && g.range.start.line <= end.line);
  if (gaps.length) {
    markGapNodes(facts, gaps);
    if (facts.analysed !== false) for (const loop of facts.retryLoops) completeLoopAcrossGaps(facts, loop);
  }
  if (gaps.length || !headerKnown || wrapper || !endKnown) {
    facts.partial = { gaps: gaps.map((g) => g.range), headerKnown, startKnown: !wrapper, endKnown };
  }
}


const before = (a: Range['start'], b: Range['start']): boolean => a.line < b.line || (a.line === b.line && a.column < b.column);

/**
 * A retry loop whose fault call is not in the patch but whose region holds a gap: the gap may hold the fault
 * call, so what the whole-file analysis finds from the fault call is found from the gap (flag updates on the
 * path gap → back-edge, lock (re)takes before the gap or on that path), and the loop records its gaps.
 */
function completeLoopAcrossGaps(facts: FunctionFacts, loop: RetryLoopFact): void {
  const cfg = facts.cfg;
  const inLoop = cfg.nodes.filter((n) => n.gap && !before(n.range.start, loop.headRange.start) && !before(loop.range.end, n.range.start));
  if (inLoop.length === 0) return;
  loop.gaps = [...new Set(inLoop.map((n) => n.gap!))];
  if (cfg.nodes[loop.headNode]?.gap) loop.headInGap = true;
  if (loop.faultCall) return;
  const targets = new Set(loop.backEdges.map((b) => b.node).filter((n) => n >= 0));
  if (targets.size === 0) return;
  const paths = inLoop.map((g) => {
    const fwd = reachable(cfg, g.id, (n) => targets.has(n.id), (e) => !e.back);
    return { gap: g, fwd };
  });
  const onPath = (node: number, after: Range['start']): boolean =>
    paths.some(({ gap, fwd }) => {
      if (before(after, gap.range.start) || !fwd.has(node)) return false;
      const r = reachable(cfg, node, (n) => n.id === gap.id);
      for (const t of targets) if (r.has(t)) return true;
      return false;
    });
  for (const u of loop.flagUpdates) if (!u.onRetryPath) u.onRetryPath = onPath(u.node, u.range.start);
  const firstGap = inLoop[0]!.range.start;
  const known = new Set(loop.lockRetakes.map((k) => k.node));
  for (const l of facts.lockOps) {
    if (known.has(l.node) || l.kind === 'release' || l.kind === 'downgrade' || l.mode === 'vma') continue;
    if (before(l.range.start, loop.headRange.start) || before(loop.range.end, l.range.start)) continue;
    const where = before(l.range.start, firstGap) ? (loop.kind === 'label' ? 'label' : 'loop-head') : onPath(l.node, l.range.start) ? 'before-back-edge' : undefined;
    if (where) loop.lockRetakes.push({ where, callee: l.callee, range: l.range, node: l.node });
  }
  loop.lockRetakes.sort((a, b) => (before(a.range.start, b.range.start) ? -1 : 1));
}
