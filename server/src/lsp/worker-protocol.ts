// Messages between the language server's main thread and its analysis workers (plain JSON through postMessage).
import type { MmLensSettings } from '../../../common/settings';
import type { DiagnosticsModel, DocumentModel } from './analyzer';
import type { AnalyzerDocument } from './types';
import type { SimulateRequestParams, SimulateResponse } from '../simulate/types';

export const WORKER_KIND = 'mmlens-analysis';

export interface WorkerContext {
  settings: MmLensSettings;
  roots: string[];
  docsRoot: string | undefined;
  /** Bumped when a .mmlens.json is saved in the editor: analyses cached under the old one are dropped. */
  configStamp?: number;
}

export type WorkerRequestBody =
  /** `outline`: with the symbols, lenses and GUP sites (requests that read them); without, what publishing needs. */
  | { type: 'analyze'; context: WorkerContext; doc: AnalyzerDocument; outline?: boolean }
  | { type: 'simulate'; context: WorkerContext; doc: AnalyzerDocument; params: SimulateRequestParams };

export type WorkerRequest = WorkerRequestBody & { id: number };

export type WorkerResponse =
  | { id: number; ok: true; type: 'analyze'; model: DiagnosticsModel | DocumentModel }
  | { id: number; ok: true; type: 'simulate'; result: SimulateResponse }
  | { id: number; ok: false; error: string };
