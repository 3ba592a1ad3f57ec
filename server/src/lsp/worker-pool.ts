/**
 * Analysis off the main thread. Two lanes, each with one worker thread: documents up to LARGE_DOCUMENT_BYTES go to
 * the "small" lane, larger ones to the "large" lane, so a 10 MB series being analysed never delays the diagnostics
 * of the other documents. Per lane, jobs of the same document coalesce (only the newest version waits), and a newer
 * version of the document being analysed cancels the older analysis: it is answered as cancelled at once and its
 * result dropped when it comes. The worker is not terminated (see Lane.submit): the newer version waits for the older
 * analysis to end in the same lane, other documents' lanes are not delayed. Without a worker script (an embedding that
 * did not bundle dist/analysis-worker.js) everything runs in this thread, in order.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { hasOutline, type DiagnosticsModel, type DocumentModel } from './analyzer';
import type { AnalyzerDocument, Logger } from './types';
import { stamp, TIMING, type HopTiming } from './timing';
import { WorkerHost } from './worker-host';
import { WORKER_KIND, type WorkerContext, type WorkerRequestBody, type WorkerResponse } from './worker-protocol';
import type { SimulateRequestParams, SimulateResponse } from '../simulate/types';

/** Documents larger than this are analysed in the large lane. */
export const LARGE_DOCUMENT_BYTES = 256 * 1024;

/** An analysis whose answer nobody waits for any more: a newer version of the document, or the server's shutdown. */
export class CancelledError extends Error {
  constructor(uri: string, by = 'a newer version') {
    super(`analysis of ${uri} cancelled by ${by}`);
    this.name = 'CancelledError';
  }
}

export interface WorkerScript {
  script: string;
  execArgv: string[];
}

/** dist/analysis-worker.js beside the bundle, or the TypeScript entry when running from sources (through tsx). */
export function defaultWorkerScript(dir: string = __dirname): WorkerScript | undefined {
  const js = join(dir, 'analysis-worker.js');
  if (existsSync(js)) return { script: js, execArgv: [] };
  const ts = join(dir, '..', 'analysis-worker.ts');
  if (existsSync(ts)) return { script: ts, execArgv: [] };
  return undefined;
}

function contextOf(r: WorkerRequestBody): unknown {
  return 'context' in r ? r.context : undefined;
}

/** The request asks for the outline too (symbols, lenses, GUP sites). */
function withOutline(r: WorkerRequestBody): boolean {
  return r.type === 'analyze' && r.outline === true;
}

interface Job {
  uri: string;
  version: number;
  request: WorkerRequestBody;
  resolve: (r: WorkerResponse) => void;
  reject: (e: Error) => void;
  /** Analyze jobs supersede older analyze jobs of the same document; simulate jobs never do. */
  coalesce: boolean;
}

class Lane {
  private worker: Worker | undefined;
  private current: (Job & { id: number }) | undefined;
  private readonly queue: Job[] = [];
  private nextId = 1;
  /** Workers started by this lane (tests and the bench read it). */
  started = 0;
  /** With MMLENS_TIMING=1: the last analysis answered per document, and when the current one was posted. */
  readonly timings = new Map<string, HopTiming & { version: number }>();
  private posted = 0;

  constructor(
    readonly name: string,
    private readonly script: WorkerScript,
    private readonly log: Logger,
  ) {}

  submit(job: Job): void {
    if (job.coalesce) {
      // The same version under the same context already queued or running: its answer is this one's too. (Cancelling
      // it would leave its caller — the one that publishes the diagnostics — with nothing: a hover or lens request
      // on a document just opened made its first diagnostics and era never come.)
      // An analysis with the outline answers one without; a queued one without is asked for the outline too. One
      // running without it is left to end (its caller publishes), and this job queued after it.
      let context: string | undefined;
      const same = [this.current, ...this.queue].filter(
        (q): q is Job =>
          q !== undefined && q.coalesce && q.uri === job.uri && q.version === job.version &&
          JSON.stringify(contextOf(q.request)) === (context ??= JSON.stringify(contextOf(job.request))),
      );
      const answers = same.find((q) => withOutline(q.request) || !withOutline(job.request)) ?? same.find((q) => q !== this.current);
      if (answers) {
        if (withOutline(job.request) && answers.request.type === 'analyze') answers.request = { ...answers.request, outline: true };
        const [resolve, reject] = [answers.resolve, answers.reject];
        answers.resolve = (r) => {
          resolve(r);
          job.resolve(r);
        };
        answers.reject = (e) => {
          reject(e);
          job.reject(e);
        };
        return;
      }
      for (let i = this.queue.length - 1; i >= 0; i--) {
        const q = this.queue[i]!;
        if (q.coalesce && q.uri === job.uri && !same.includes(q)) {
          this.queue.splice(i, 1);
          q.reject(new CancelledError(q.uri));
        }
      }
      const c = this.current;
      if (c && c.coalesce && c.uri === job.uri && c.version !== job.version) {
        // The older analysis is answered "cancelled" now; the worker is NOT terminated: terminating a thread inside
        // tree-sitter's native parse aborts the whole process (node-addon-api: "terminate called after throwing an
        // instance of 'Napi::Error'"). It finishes the stale analysis, whose answer is dropped, then takes the next.
        this.current = undefined;
        c.reject(new CancelledError(c.uri));
      }
    }
    this.queue.push(job);
    this.pump();
  }

  forget(uri: string): void {
    this.timings.delete(uri);
    this.worker?.postMessage({ forget: uri });
  }

  /**
   * Cancelled, not failed: a shutdown while analyses are queued or running is no error (it logged a stack trace). A
   * busy worker is not terminated (inside tree-sitter's native code that aborts the whole server: SIGABRT at exit, found
   * by the fuzz campaign): it is terminated once its analyses in flight are answered (each has its time budget).
   */
  dispose(): Promise<void> {
    for (const q of this.queue.splice(0)) q.reject(new CancelledError(q.uri, 'the server shutting down'));
    const c = this.current;
    this.current = undefined;
    if (c) c.reject(new CancelledError(c.uri, 'the server shutting down'));
    if (this.inFlight === 0 || !this.worker) {
      this.kill(new CancelledError('', 'the server shutting down'));
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.whenIdle = () => {
        this.kill(new CancelledError('', 'the server shutting down'));
        resolve();
      };
    });
  }

  /** Requests posted to the worker and not yet answered (a cancelled one still runs to its end). */
  private inFlight = 0;
  private whenIdle: (() => void) | undefined;

  private spawn(): Worker {
    // A .ts entry (tests, running from sources) is required from an eval'd CommonJS line: node refuses a .ts file as
    // a worker's main script even with the tsx loader in execArgv.
    const ts = this.script.script.endsWith('.ts');
    const w = new Worker(ts ? `require('tsx/cjs'); require(${JSON.stringify(this.script.script)});` : this.script.script, {
      eval: ts,
      workerData: { kind: WORKER_KIND },
      execArgv: this.script.execArgv,
    });
    this.started++;
    w.on('message', (m: WorkerResponse | { log: keyof Logger; message: string }) => {
      if ('log' in m) {
        this.log[m.log](m.message);
        return;
      }
      if (w === this.worker) this.inFlight = Math.max(0, this.inFlight - 1);
      if (this.whenIdle) {
        if (this.inFlight === 0) this.whenIdle();
        return;
      }
      const c = this.current;
      if (!c || c.id !== m.id) return;
      if (TIMING) {
        const [received, answered] = (m as { timing?: number[] }).timing ?? [];
        this.timings.set(c.uri, { version: c.version, posted: this.posted, ...(received ? { received } : {}), ...(answered ? { answered } : {}), responded: stamp() });
      }
      this.current = undefined;
      w.unref();
      c.resolve(m);
      this.pump();
    });
    w.on('error', (error) => this.log.error(`Kernel MM Lens: ${this.name} analysis worker failed: ${error.message}`));
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.inFlight = 0;
      const c = this.current;
      this.current = undefined;
      if (c) c.reject(new Error(`the analysis worker stopped (exit code ${code}) while analysing ${c.uri}`));
      this.pump();
    });
    return w;
  }

  private kill(reason: Error): void {
    const w = this.worker;
    const c = this.current;
    this.worker = undefined;
    this.inFlight = 0;
    this.current = undefined;
    if (c) c.reject(reason);
    if (w) void w.terminate();
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    const id = this.nextId++;
    this.current = { ...job, id };
    this.worker ??= this.spawn();
    // An idle worker must not keep the process alive; a busy one must (its answer is awaited).
    this.worker.ref();
    this.inFlight++;
    if (TIMING) this.posted = stamp();
    this.worker.postMessage({ ...job.request, id });
  }
}

export interface AnalysisBackend {
  /** The model of `doc` without its outline: what publishing its diagnostics needs. */
  analyze(doc: AnalyzerDocument, context: WorkerContext): Promise<DiagnosticsModel>;
  /** The whole model, outline included (symbols, lenses, hovers). */
  model(doc: AnalyzerDocument, context: WorkerContext): Promise<DocumentModel>;
  simulate(doc: AnalyzerDocument, context: WorkerContext, params: SimulateRequestParams): Promise<SimulateResponse>;
  forget(uri: string): void;
  /** Resolves when no analysis runs any more (workers are not terminated mid-parse). */
  dispose(): void | Promise<void>;
  /** With MMLENS_TIMING=1: the thread hop of the analysis of that version, when it was the last one answered. */
  timingOf?(uri: string, version: number): HopTiming | undefined;
}

function unwrap<T>(r: WorkerResponse, pick: (r: WorkerResponse & { ok: true }) => T | undefined): T {
  if (!r.ok) throw new Error(r.error);
  const v = pick(r);
  if (v === undefined) throw new Error('the analysis worker answered a different request');
  return v;
}

export class WorkerPool implements AnalysisBackend {
  private readonly small: Lane;
  private readonly large: Lane;

  constructor(script: WorkerScript, log: Logger) {
    this.small = new Lane('small', script, log);
    this.large = new Lane('large', script, log);
  }

  private run(lane: Lane, doc: AnalyzerDocument, request: WorkerRequestBody, coalesce: boolean): Promise<WorkerResponse> {
    return new Promise((resolve, reject) => lane.submit({ uri: doc.uri, version: doc.version, request, resolve, reject, coalesce }));
  }

  private laneOf(doc: AnalyzerDocument): Lane {
    return doc.text.length > LARGE_DOCUMENT_BYTES ? this.large : this.small;
  }

  async analyze(doc: AnalyzerDocument, context: WorkerContext): Promise<DiagnosticsModel> {
    const r = await this.run(this.laneOf(doc), doc, { type: 'analyze', context, doc }, true);
    return unwrap(r, (x) => (x.type === 'analyze' ? x.model : undefined));
  }

  async model(doc: AnalyzerDocument, context: WorkerContext): Promise<DocumentModel> {
    const r = await this.run(this.laneOf(doc), doc, { type: 'analyze', context, doc, outline: true }, true);
    return unwrap(r, (x) => (x.type === 'analyze' && hasOutline(x.model) ? x.model : undefined));
  }

  async simulate(doc: AnalyzerDocument, context: WorkerContext, params: SimulateRequestParams): Promise<SimulateResponse> {
    const r = await this.run(this.laneOf(doc), doc, { type: 'simulate', context, doc, params }, false);
    return unwrap(r, (x) => (x.type === 'simulate' ? x.result : undefined));
  }

  timingOf(uri: string, version: number): HopTiming | undefined {
    for (const lane of [this.small, this.large]) {
      const t = lane.timings.get(uri);
      if (t?.version === version) return t;
    }
    return undefined;
  }

  /** Workers started so far per lane (a cancelled analysis costs one). */
  workersStarted(): { small: number; large: number } {
    return { small: this.small.started, large: this.large.started };
  }

  forget(uri: string): void {
    this.small.forget(uri);
    this.large.forget(uri);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.small.dispose(), this.large.dispose()]);
  }
}

/** The same interface in this thread (no worker script): synchronous work, in order. */
export class InProcessBackend implements AnalysisBackend {
  private readonly host: WorkerHost;
  private nextId = 1;
  constructor(log: Logger, extra: ConstructorParameters<typeof WorkerHost>[1] = {}) {
    this.host = new WorkerHost(log, extra);
  }
  analyze(doc: AnalyzerDocument, context: WorkerContext): Promise<DiagnosticsModel> {
    const r = this.host.handle({ id: this.nextId++, type: 'analyze', context, doc });
    return Promise.resolve().then(() => unwrap(r, (x) => (x.type === 'analyze' ? x.model : undefined)));
  }
  model(doc: AnalyzerDocument, context: WorkerContext): Promise<DocumentModel> {
    const r = this.host.handle({ id: this.nextId++, type: 'analyze', context, doc, outline: true });
    return Promise.resolve().then(() => unwrap(r, (x) => (x.type === 'analyze' && hasOutline(x.model) ? x.model : undefined)));
  }
  simulate(doc: AnalyzerDocument, context: WorkerContext, params: SimulateRequestParams): Promise<SimulateResponse> {
    const r = this.host.handle({ id: this.nextId++, type: 'simulate', context, doc, params });
    return Promise.resolve().then(() => unwrap(r, (x) => (x.type === 'simulate' ? x.result : undefined)));
  }
  forget(uri: string): void {
    this.host.forget(uri);
  }
  dispose(): void {}
}
