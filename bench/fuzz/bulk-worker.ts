/**
 * One worker thread of the bulk in-process fuzz target (bench/fuzz/bulk.ts): small mutants (smallMutant) of the
 * seeds, indices start, start + stride, … below end, each through
 *  - parsePatchDocument on the bytes and on the decoded string (every mutant, C files too), the document contract;
 *  - era detection from the text (no file system);
 *  - the facts: C facts for a C mutant (every fourth sliced to its mm blocks, as a tree walk does), patch facts for a
 *    patch mutant (every eighth on a tree whose file is another small C mutant, so hunks are applied to it; every
 *    eighth read as a C file too), with the facts contract;
 *  - every deepEvery-th mutant: the rules (checkCText / checkPatchText) and the findings contract.
 * The index being worked on and its start time are written to the shared `progress` array before each mutant, so the
 * main thread can tell a hang and name the input. Cumulative statistics are posted every reportEvery mutants and at
 * the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { eraRangeOf, resolveEra } from '../../server/src/era/detect';
import { budgetExceededIn, factsForCFile, factsForPatchInput } from '../../server/src/facts/compute';
import type { InputFacts } from '../../server/src/facts/types';
import { checkCText } from '../../server/src/rules/check-c';
import { checkPatchText } from '../../server/src/rules/check-patch';
import { parsePatchDocument } from '../../server/src/series';
import { checkDocument, checkFacts, checkFindings, lineLengths } from './contract';
import { smallMutant, type Seed } from './mutate';

export interface BulkJob {
  seed: number;
  start: number;
  stride: number;
  end: number;
  /** Facts budget per input (ms). */
  budgetMs: number;
  deepEvery: number;
  corpus: Seed[];
  /** Float64Array over it: [2 * slot] index being worked on, [2 * slot + 1] its start (Date.now()). */
  progress: SharedArrayBuffer;
  slot: number;
  reportEvery: number;
  /** Test hook of the watchdog (test/hardening/fuzz.test.ts): spin forever on this index. */
  stallAt?: number;
}

/** Upper bounds (ms) of the time histogram's buckets; the last bucket is everything above. */
export const TIME_BUCKETS_MS = [1, 10, 100, 1000, 5000];

export interface BulkStats {
  inputs: number;
  bytes: number;
  deep: number;
  histogram: Record<string, number>;
  /** Counts per TIME_BUCKETS_MS bucket (one more than the bounds). */
  times: number[];
  worstMs: number;
  worstIndex: number;
  worstNote: string;
  /** Inputs that threw or broke the contract (index, what). */
  defects: { index: number; kind: 'threw' | 'contract'; detail: string }[];
  heapMb: number;
}

export type BulkMessage = { type: 'stats'; stats: BulkStats; done: boolean };

const bump = (h: Record<string, number>, k: string): void => {
  h[k] = (h[k] ?? 0) + 1;
};

function outcome(f: InputFacts): string {
  if (budgetExceededIn(f).length) return 'budget-exceeded';
  if (f.kind === 'c') return f.parsed ? 'c parsed' : 'c not parsed (no mm identifier)';
  if (f.issues.some((x) => x.severity === 'error')) return 'patch with input errors';
  return f.patches.some((p) => p.files.some((x) => x.isC)) ? 'patch with C files' : 'patch without C files';
}

/** Runs one mutant through every in-process parser; returns the contract violations and the outcome. */
export function fuzzOne(m: { kind: Seed['kind']; bytes: Buffer }, index: number, job: Pick<BulkJob, 'budgetMs' | 'deepEvery' | 'corpus' | 'seed'>, h: Record<string, number>): { violations: string[]; deep: boolean } {
  const v: string[] = [];
  const text = m.bytes.toString('utf8');
  const latin = lineLengths(m.bytes.toString('latin1'));
  const utf = lineLengths(text);
  v.push(...checkDocument(parsePatchDocument(m.bytes), latin));
  v.push(...checkDocument(parsePatchDocument(text), utf).map((s) => `(string input) ${s}`));
  const era = resolveEra({ text });
  eraRangeOf(era);
  const opts = { budgetMs: job.budgetMs };
  if (m.kind === 'c') {
    const f = factsForCFile(text, '/nonexistent/fuzz.c', { ...opts, ...(index % 4 === 3 ? { sliceMm: true } : {}) });
    v.push(...checkFacts(f, utf));
    bump(h, outcome(f));
  } else {
    // Every eighth patch on a tree whose files are all one small C mutant: the hunks are applied to it.
    const tree = index % 8 === 1 ? smallMutant(job.corpus.filter((s) => s.kind === 'c'), job.seed, -1 - index).bytes.toString('utf8') : undefined;
    const f = factsForPatchInput(m.bytes, '/nonexistent/fuzz.patch', { ...opts, ...(tree !== undefined ? { tree: '/nonexistent', readTreeFile: () => tree } : {}) });
    v.push(...checkFacts(f, latin));
    bump(h, outcome(f));
    if (index % 8 === 5) v.push(...checkFacts(factsForCFile(text, '/nonexistent/fuzz.c', opts), utf).map((s) => `(patch read as C) ${s}`));
  }
  const deep = job.deepEvery > 0 && index % job.deepEvery === 0;
  if (deep) {
    const r = m.kind === 'c' ? checkCText(text, '/nonexistent/mm/fuzz.c', opts) : checkPatchText(m.bytes, '/nonexistent/fuzz.patch', opts);
    v.push(...checkFindings(r, m.kind === 'c' ? utf : latin, m.kind));
    bump(h, r.findings.length ? 'rules: with findings' : 'rules: no finding');
  }
  return { violations: v, deep };
}

async function run(posted: BulkJob): Promise<void> {
  // Buffers arrive as plain Uint8Arrays (structured clone): the mutators need Buffer's latin1 toString.
  const job: BulkJob = { ...posted, corpus: posted.corpus.map((s) => ({ ...s, bytes: Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength) })) };
  const progress = new Float64Array(job.progress);
  const st: BulkStats = { inputs: 0, bytes: 0, deep: 0, histogram: {}, times: TIME_BUCKETS_MS.map(() => 0).concat(0), worstMs: 0, worstIndex: -1, worstNote: '', defects: [], heapMb: 0 };
  const post = (done: boolean): void => {
    st.heapMb = Math.max(st.heapMb, process.memoryUsage().heapUsed / 1048576);
    parentPort!.postMessage({ type: 'stats', stats: st, done } satisfies BulkMessage);
  };
  for (let i = job.start; i < job.end; i += job.stride) {
    progress[2 * job.slot] = i;
    progress[2 * job.slot + 1] = Date.now();
    const m = smallMutant(job.corpus, job.seed, i);
    const t = performance.now();
    if (i === job.stallAt) for (;;);
    try {
      const r = fuzzOne(m, i, job, st.histogram);
      if (r.deep) st.deep++;
      if (r.violations.length) {
        bump(st.histogram, 'contract violation');
        st.defects.push({ index: i, kind: 'contract', detail: `${m.from} ${m.ops.join('+')}: ${r.violations.join('; ')}` });
      }
    } catch (e) {
      bump(st.histogram, 'threw');
      st.defects.push({ index: i, kind: 'threw', detail: `${m.from} ${m.ops.join('+')}: ${(e as Error).stack?.split('\n').slice(0, 4).join(' | ')}` });
    }
    const ms = performance.now() - t;
    let b = 0;
    while (b < TIME_BUCKETS_MS.length && ms >= TIME_BUCKETS_MS[b]!) b++;
    st.times[b]!++;
    if (ms > st.worstMs) {
      st.worstMs = ms;
      st.worstIndex = i;
      st.worstNote = `${m.from} ${m.ops.join('+')}, ${m.bytes.length} bytes`;
    }
    st.inputs++;
    st.bytes += m.bytes.length;
    if (st.inputs % job.reportEvery === 0) post(false);
    // tree-sitter's trees are native memory freed by finalizers that run only when the event loop turns: a
    // synchronous loop over many inputs grows by ~40 KB per parse (~0.5 GB per 10,000 inputs) until it yields.
    if (st.inputs % 32 === 0) await new Promise((r) => setImmediate(r));
  }
  post(true);
}

if (parentPort && workerData) void run(workerData as BulkJob);
