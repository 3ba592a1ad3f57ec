/**
 * Runs analyseFile over many inputs: in-process for a few files, else on `jobs` worker threads fed with small
 * batches (a kernel tree is mostly files without mm identifiers: cheap; a few are expensive). Reports come back in
 * input order whatever the worker count, so the output is identical for any --jobs.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { InputFile } from '../walk';
import { analyseFile, type AnalyseOptions } from './analyse';
import type { FileReport } from './report';

export interface PoolOptions {
  jobs?: number;
  /** Called after each report (in completion order) for progress. */
  onReport?: (r: FileReport, done: number) => void;
}

/** Below this many inputs, worker start-up (≈100 ms each: the parser is loaded per thread) costs more than it saves. */
const IN_PROCESS_MAX_FILES = 24;
const BATCH_FILES = 16;

function workerEntry(): string {
  // From source (tsx: tests) the entry is the .ts next to this file; in the bundle it is dist/check-worker.js.
  return __filename.endsWith('.ts') ? join(__dirname, 'worker-entry.ts') : join(__dirname, 'check-worker.js');
}

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

export async function analyseAll(files: InputFile[], opts: AnalyseOptions, pool: PoolOptions = {}): Promise<FileReport[]> {
  const jobs = Math.max(1, Math.min(pool.jobs ?? defaultJobs(), Math.ceil(files.length / BATCH_FILES)));
  const out: FileReport[] = new Array<FileReport>(files.length);
  let done = 0;
  if (jobs === 1 || files.length <= IN_PROCESS_MAX_FILES) {
    files.forEach((f, i) => {
      out[i] = analyseFile(f.path, f.kind, opts);
      pool.onReport?.(out[i]!, ++done);
    });
    return out;
  }
  const batches: { id: number; start: number; files: { path: string; kind: 'c' | 'patch' }[] }[] = [];
  for (let i = 0; i < files.length; i += BATCH_FILES)
    batches.push({ id: batches.length, start: i, files: files.slice(i, i + BATCH_FILES).map((f) => ({ path: f.path, kind: f.kind })) });
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let live = jobs;
    const workers: Worker[] = [];
    const feed = (w: Worker): void => {
      const b = batches[next++];
      if (!b) {
        void w.terminate();
        if (--live === 0) resolve();
        return;
      }
      w.postMessage({ id: b.id, files: b.files });
    };
    for (let j = 0; j < jobs; j++) {
      const w = new Worker(workerEntry(), { workerData: { opts } });
      workers.push(w);
      w.on('message', (m: { id: number; reports: FileReport[] }) => {
        const b = batches[m.id]!;
        m.reports.forEach((r, k) => {
          out[b.start + k] = r;
          pool.onReport?.(r, ++done);
        });
        feed(w);
      });
      w.on('error', (e) => {
        for (const x of workers) void x.terminate();
        reject(e);
      });
      feed(w);
    }
  });
  return out;
}
