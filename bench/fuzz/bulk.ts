/**
 * The bulk in-process fuzz target (issue #11: ≥ 1,000,000 inputs over the in-process parsers): small mutants of the
 * seeds through every in-process parser and the contract of bench/fuzz/contract.ts (bench/fuzz/bulk-worker.ts), on
 * worker threads (two by default), with a watchdog: a mutant still running past the time limit is a hang —
 * it is saved first (the mutant is rebuilt from seed and index), then the worker is terminated and a new one goes
 * on with the following indices. A worker that dies (out of memory, uncaught error) is recorded the same way.
 */
import { Worker } from 'node:worker_threads';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { smallMutant, type Seed } from './mutate';
import { TIME_BUCKETS_MS, type BulkJob, type BulkMessage, type BulkStats } from './bulk-worker';
import type { TargetReport } from './campaign';

export interface BulkOptions {
  seed: number;
  count: number;
  workers: number;
  /** Wall time past which one mutant is a hang (ms); the facts budget is a quarter of it. */
  limitMs: number;
  /** Every deepEvery-th mutant also goes through the rules. */
  deepEvery: number;
  save?: string;
  /** Memory cap of each worker's heap (MB): past it the worker dies and its input is recorded. */
  heapMb?: number;
  log?: (s: string) => void;
  /** Test hook of the watchdog: the worker spins forever on this index. */
  stallAt?: number;
}

/** A campaign target's report, with what only the bulk target counts. */
export type BulkReport = TargetReport & {
  target: 'in-process-bulk';
  /** Inputs that went through the rules too. */
  deep: number;
  bytes: number;
  /** Label → count, per TIME_BUCKETS_MS bucket. */
  times: Record<string, number>;
};

export function timeBucketLabels(): string[] {
  const f = (ms: number): string => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);
  return [`< ${f(TIME_BUCKETS_MS[0]!)}`, ...TIME_BUCKETS_MS.slice(1).map((b, i) => `${f(TIME_BUCKETS_MS[i]!)}–${f(b)}`), `≥ ${f(TIME_BUCKETS_MS[TIME_BUCKETS_MS.length - 1]!)}`];
}

function saveMutant(save: string | undefined, tag: string, m: { kind: Seed['kind']; bytes: Buffer }): string {
  if (!save) return tag;
  mkdirSync(save, { recursive: true });
  const p = join(save, `${tag}.${m.kind === 'c' ? 'c' : 'patch'}`);
  writeFileSync(p, m.bytes);
  return p;
}

export async function runBulk(opts: BulkOptions, corpus: Seed[]): Promise<BulkReport> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  // Bundled under the project's node_modules (gitignored), where the worker resolves tree-sitter.
  const workerJs = join(__dirname, '..', '..', 'node_modules', '.cache', 'mmlens-fuzz', `bulk-worker-${process.pid}.js`);
  await build({ entryPoints: [join(__dirname, 'bulk-worker.ts')], outfile: workerJs, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent', external: ['vscode', 'tree-sitter', 'tree-sitter-c'] });
  const W = Math.max(1, opts.workers);
  const progress = new SharedArrayBuffer(16 * W);
  const prog = new Float64Array(progress);
  const rep: BulkReport = { target: 'in-process-bulk', inputs: 0, deep: 0, bytes: 0, histogram: {}, times: {}, crashes: [], hangs: [], worstMs: 0, worstInput: '', worstRssMb: 0, seconds: 0 };
  const labels = timeBucketLabels();
  /** Statistics of finished worker runs, summed; plus the last report of each running one. */
  const finished: BulkStats[] = [];
  const current: (BulkStats | undefined)[] = Array.from({ length: W }, () => undefined);
  const record = (slot: number, kind: 'hang' | 'crash', detail: string): number => {
    const index = prog[2 * slot]!;
    const m = smallMutant(corpus, opts.seed, index);
    const input = saveMutant(opts.save, `seed${opts.seed}-bulk-${index}`, m);
    (kind === 'hang' ? rep.hangs : rep.crashes).push({ input, detail: `${m.from} ${m.ops.join('+')}: ${detail}` });
    rep.histogram[kind === 'hang' ? 'hang' : 'worker died'] = (rep.histogram[kind === 'hang' ? 'hang' : 'worker died'] ?? 0) + 1;
    rep.inputs++;
    return index;
  };
  const heapMb = opts.heapMb ?? 1536;
  let deathsInARow = 0;
  let lost = 0;
  let allDone = false;
  const monitor = (async () => {
    // Memory and progress, every second, while any worker runs.
    let last = performance.now();
    while (!allDone) {
      await new Promise((r) => setTimeout(r, 1000));
      rep.worstRssMb = Math.max(rep.worstRssMb, process.memoryUsage().rss / 1048576);
      if (performance.now() - last > 30_000) {
        last = performance.now();
        const done = [...finished, ...current].reduce((n, s) => n + (s?.inputs ?? 0), 0);
        const s = (performance.now() - t0) / 1000;
        log(`bulk: ${done} / ${opts.count} inputs in ${s.toFixed(0)} s (${(done / s).toFixed(0)}/s), RSS ${rep.worstRssMb.toFixed(0)} MB`);
      }
    }
  })();
  await Promise.all(
    Array.from({ length: W }, (_, slot) =>
      new Promise<void>((resolveSlot) => {
        const start = (from: number): void => {
          if (from >= opts.count) return resolveSlot();
          // 0: the worker is still starting (loading tree-sitter can take seconds on a busy machine): no input yet.
          prog[2 * slot] = from;
          prog[2 * slot + 1] = 0;
          const job: BulkJob = { seed: opts.seed, start: from, stride: W, end: opts.count, budgetMs: Math.floor(opts.limitMs / 4), deepEvery: opts.deepEvery, corpus, progress, slot, reportEvery: 2000, ...(opts.stallAt !== undefined ? { stallAt: opts.stallAt } : {}) };
          const w = new Worker(workerJs, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
          let over = false;
          const end = (next: number | undefined): void => {
            if (over) return;
            over = true;
            clearInterval(watch);
            // After a hang or a death: the inputs this worker finished since its last report have no outcome.
            if (next !== undefined) lost += Math.max(0, (next - W - from) / W - (current[slot]?.inputs ?? 0));
            if (current[slot]) finished.push(current[slot]!);
            current[slot] = undefined;
            if (next === undefined) resolveSlot();
            else start(next);
          };
          const watch = setInterval(() => {
            const since = prog[2 * slot + 1]!;
            const ms = Date.now() - since;
            if (since > 0 && ms > opts.limitMs) {
              const index = record(slot, 'hang', `still running after ${ms} ms (worker terminated)`);
              log(`bulk: HANG at index ${index}; the worker is terminated and replaced`);
              void w.terminate();
              end(index + W);
            }
          }, 250);
          w.on('message', (msg: BulkMessage) => {
            current[slot] = msg.stats;
            deathsInARow = 0;
            if (msg.done) end(undefined);
          });
          w.on('error', (e) => {
            const index = record(slot, 'crash', `worker died: ${(e as Error).message}`);
            log(`bulk: worker died at index ${index}: ${(e as Error).message}`);
            // Workers that die before any report, again and again, are broken themselves (not an input): stop.
            if (++deathsInARow >= 5) {
              rep.crashes.push({ input: '(bulk worker)', detail: `5 workers in a row died before their first report; the last: ${(e as Error).message}` });
              end(undefined);
            } else end(index + W);
          });
          w.on('exit', (code) => {
            if (!over) {
              const index = record(slot, 'crash', `worker exited with ${code}`);
              end(index + W);
            }
          });
        };
        start(slot);
      }),
    ),
  );
  allDone = true;
  await monitor;
  for (const s of finished) {
    rep.inputs += s.inputs;
    rep.deep += s.deep;
    rep.bytes += s.bytes;
    for (const [k, v] of Object.entries(s.histogram)) rep.histogram[k] = (rep.histogram[k] ?? 0) + v;
    s.times.forEach((n, i) => (rep.times[labels[i]!] = (rep.times[labels[i]!] ?? 0) + n));
    if (s.worstMs > rep.worstMs) {
      rep.worstMs = s.worstMs;
      rep.worstInput = `seed${opts.seed}-bulk-${s.worstIndex} (${s.worstNote})`;
    }
    for (const d of s.defects) {
      const m = smallMutant(corpus, opts.seed, d.index);
      rep.crashes.push({ input: saveMutant(opts.save, `seed${opts.seed}-bulk-${d.index}`, m), detail: `${d.kind}: ${d.detail}` });
    }
  }
  if (lost > 0) {
    rep.inputs += lost;
    rep.histogram['done before a hang or a worker death (outcome not reported)'] = lost;
  }
  rep.worstRssMb = Math.max(rep.worstRssMb, process.memoryUsage().rss / 1048576);
  rep.seconds = (performance.now() - t0) / 1000;
  rmSync(workerJs, { force: true });
  return rep;
}
