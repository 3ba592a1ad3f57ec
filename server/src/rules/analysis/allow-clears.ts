/**
 * ALLOW_RETRY clearings on fault retry paths, split by whether the same path also sets TRIED (the ≤5.6 second
 * attempt, forbidden from 5.7) or not (a plain cap). forbidden-flag-combination reports the first kind,
 * retry-clears-allow-retry the second, so one statement never gets both.
 */
import type { FlagUpdateFact, FunctionFacts, RetryLoopFact } from '../../c/types';
import { analysableLoops, retryPaths } from './retry-paths';

export interface AllowClear {
  loop: RetryLoopFact;
  update: FlagUpdateFact;
  /** Some retry path through this clearing also sets TRIED before the back-edge. */
  withTried: boolean;
  /** Ranges of the back-edges reached through it. */
  backEdges: FlagUpdateFact['range'][];
}

export function allowClearsOnRetry(fn: FunctionFacts): AllowClear[] {
  const out = new Map<number, AllowClear>();
  for (const loop of analysableLoops(fn)) {
    const paths = retryPaths(fn, loop);
    if (!paths) continue;
    for (const a of paths.arrivals) {
      for (const s of a.states) {
        if (!s.allowCleared || s.clear < 0 || s.unknownFlags) continue;
        const u = fn.flagUpdates[s.clear]!;
        const c = out.get(s.clear) ?? { loop, update: u, withTried: false, backEdges: [] };
        if (s.tried) c.withTried = true;
        if (!c.backEdges.includes(a.edge.range)) c.backEdges.push(a.edge.range);
        out.set(s.clear, c);
      }
    }
  }
  return [...out.values()];
}
