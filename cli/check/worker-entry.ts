/**
 * Worker thread of `mmlens check`: receives batches of inputs, answers with their FileReports (pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyseFile, type AnalyseOptions } from './analyse';

interface Batch {
  id: number;
  files: { path: string; kind: 'c' | 'patch' }[];
}

const opts = (workerData as { opts: AnalyseOptions }).opts;
parentPort?.on('message', (b: Batch) => {
  const reports = b.files.map((f) => analyseFile(f.path, f.kind, opts));
  parentPort!.postMessage({ id: b.id, reports });
});
