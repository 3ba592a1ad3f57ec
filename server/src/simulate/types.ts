// Requests and answers of "simulate this fault path" (server request mmLens/simulate, the CLI's --from).
import type { FaultPathSpec, GupOp, TraceStep } from '../../../simulator/src/index';

export const SIMULATE_METHOD = 'mmLens/simulate';

/** The GUP call's parameters the panel and `--set` may change (the address and page count stay the preset's). */
export type GupOverride = Partial<Pick<GupOp, 'variant' | 'gup_flags' | 'locked' | 'lockedValue' | 'vmas'>>;

/** Parameters edited in the panel (or `mmlens simulate --from … --set`): replace the extracted fields. */
export interface SimulateOverrides {
  /** Fault path fields (shallow: a `retry` given replaces the extracted `retry` whole), for every side. */
  faultPath?: FaultPathSpec;
  gup?: GupOverride;
  era?: string;
  /** Per side of a before/after (applied after the common ones). */
  sides?: { before?: SideOverrides; after?: SideOverrides };
}

export interface SideOverrides {
  faultPath?: FaultPathSpec;
  gup?: GupOverride;
}

export interface SimulateRequestParams {
  uri: string;
  /** 0-based document line: inside a retry loop, on a GUP call, or on a hunk (before/after). */
  line: number;
  /** Preset the extracted path is put into (simulator/scenarios/<name>.json); default by what was found. */
  preset?: string;
  /** Parameters edited in the panel: replace the extracted fault path / GUP op fields. Validated by the server. */
  overrides?: SimulateOverrides;
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
  /**
   * How each field was derived and where the statements the simulator's steps stand for are, with the 0-based file
   * line: initialFlags, lock, lockRetake, unlock, vmaLock, vmaUnlock, faultCall, signalCheck, handlesCompleted,
   * retry.set, retry.clear, backEdge; gup, gupLock, gupUnlock, lockedTest.
   */
  sources: { field: string; line: number; text: string }[];
}

export interface SimulatedEvent {
  t: number;
  /** The simulator's sequence number (the SVG timeline's data-seq). */
  seq: number;
  task: string;
  label: string;
  /** The statement of the code the event stands for (the simulator's TraceStep), when it stands for one. */
  step?: TraceStep;
  /** Its source line, 0-based in the document (a .c file, or the .patch/.mbox line of the side's hunk line). */
  documentLine?: number;
}

export interface SimulatedSide {
  label: 'this path' | 'before' | 'after';
  extracted: ExtractedPath;
  /** What was run: the extraction with the overrides applied (same kind as `extracted`). */
  applied: { faultPath?: FaultPathSpec; gup?: Omit<GupOp, 'address' | 'nr_pages'>; era: string; seed: number; presetSeed: number };
  verdict: string;
  text: string;
  svg: string;
  /** Trace events of the run; those of the task(s) running the extracted code carry their source line. */
  events: SimulatedEvent[];
  outcomes: { task: string; outcome: string }[];
}

export interface SimulateResponse {
  ok: boolean;
  /** Why nothing was simulated (no fault path at the line, unknown preset, invalid override or scenario…). */
  message?: string;
  preset: string;
  presets: string[];
  sides: SimulatedSide[];
  /** Before/after comparison (hunks): text and SVG. */
  comparison?: { text: string; svg: string };
}
