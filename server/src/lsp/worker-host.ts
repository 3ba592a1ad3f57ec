/**
 * What runs inside an analysis worker (and, without workers, in the main thread): one Analyzer whose settings and
 * roots follow each request's context, answering analyze and simulate requests. Never throws.
 */
import { Analyzer, type AnalyzerOptions } from './analyzer';
import { errorMessage, type Logger } from './types';
import type { WorkerContext, WorkerRequest, WorkerResponse } from './worker-protocol';
import { simulateAt } from '../simulate/run';

export class WorkerHost {
  private analyzer: Analyzer | undefined;
  private contextKey = '';

  constructor(
    private readonly log: Logger,
    private readonly extra: Pick<AnalyzerOptions, 'rules' | 'checkPatch'> = {},
  ) {}

  private analyzerFor(context: WorkerContext): Analyzer {
    const key = JSON.stringify(context);
    if (!this.analyzer || key !== this.contextKey) {
      const docsRoot = context.docsRoot;
      if (!this.analyzer) {
        this.analyzer = new Analyzer({ settings: context.settings, workspaceRoots: context.roots, log: this.log, ...(docsRoot ? { docsRoot } : {}), ...this.extra });
      } else {
        this.analyzer.setSettings(context.settings);
        this.analyzer.setWorkspaceRoots(context.roots);
      }
      this.contextKey = key;
    }
    return this.analyzer;
  }

  handle(req: WorkerRequest): WorkerResponse {
    try {
      const analyzer = this.analyzerFor(req.context);
      if (req.type === 'analyze') return { id: req.id, ok: true, type: 'analyze', model: analyzer.model(req.doc) };
      analyzer.update(req.doc);
      return { id: req.id, ok: true, type: 'simulate', result: simulateAt(analyzer, req.doc, req.params) };
    } catch (error) {
      return { id: req.id, ok: false, error: errorMessage(error) };
    }
  }

  forget(uri: string): void {
    this.analyzer?.forget(uri);
  }
}
