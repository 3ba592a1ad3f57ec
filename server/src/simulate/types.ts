// Requests and answers of "simulate this fault path" (server request mmLens/simulate, the CLI's --from).
import type { FaultPathSpec, GupOp } from '../../../simulator/src/index';

export const SIMULATE_METHOD = 'mmLens/simulate';

export interface SimulateRequestParams {
  uri: string;
  /** 0-based document line: inside a retry loop, on a GUP call, or on a hunk (before/after). */
  line: number;
  /** Preset the extracted path is put into (simulator/scenarios/<name>.json); default by what was found. */
  preset?: string;
  /** Parameters edited in the panel: replace the extracted fault path / GUP op fields. */
  overrides?: { faultPath?: FaultPathSpec; gup?: Partial<GupOp>; era?: string };
  seed?: number;
}

/** What was extracted at the position, in simulator terms. */
export interface ExtractedPath {
  kind: 'fault-path' | 'gup';
  /** Function and 1-based line range it came from. */
  function: string;
  startLine: number;
  endLine: number;
  faultPath?: FaultPathSpec;
  gup?: Omit<GupOp, 'address' | 'nr_pages'>;
  era: string;
  /** What the code does that the simulator does not model (named, never replaced by something else). */
  notModelled: string[];
  /** How each field was derived, with the 0-based file line it came from. */
  sources: { field: string; line: number; text: string }[];
}

export interface SimulatedSide {
  label: 'this path' | 'before' | 'after';
  extracted: ExtractedPath;
  verdict: string;
  text: string;
  svg: string;
  /** Trace events with the source line (0-based, in the document) they stand for when known. */
  events: { t: number; task: string; label: string; documentLine?: number }[];
  outcomes: { task: string; outcome: string }[];
}

export interface SimulateResponse {
  ok: boolean;
  /** Why nothing was simulated (no fault path at the line, unknown preset, invalid scenario…). */
  message?: string;
  preset: string;
  presets: string[];
  sides: SimulatedSide[];
  /** Before/after comparison (hunks): text and SVG. */
  comparison?: { text: string; svg: string };
}
