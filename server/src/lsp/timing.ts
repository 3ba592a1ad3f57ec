/**
 * Phase timestamps of the language server's analyses, for bench/keystroke.ts --phases: with MMLENS_TIMING=1 in its
 * environment the server writes one line per published analysis to stderr, `mmlens-timing {json}`, with the
 * instants (ms since the epoch, sub-millisecond) the change arrived, the analysis was posted to its worker, the worker
 * received and answered it, the answer arrived, and the diagnostics were published. Off by default: nothing is
 * recorded.
 */
import { performance } from 'node:perf_hooks';

export const TIMING = process.env.MMLENS_TIMING === '1';

/** Now, in ms since the epoch (comparable across the server's threads and the bench's process). */
export function stamp(): number {
  return performance.timeOrigin + performance.now();
}

/** What the worker pool records of one analysis. */
export interface HopTiming {
  posted: number;
  /** In the worker: the request taken, the answer posted (structured clone of the answer after it). */
  received?: number;
  answered?: number;
  responded: number;
}
