/**
 * The `kernelMmLens` configuration section: one schema with defaults, shared by the VS Code client (client/) and
 * the language server (server/) so the two never drift. package.json's `contributes.configuration` mirrors these
 * defaults; test/manifest checks that they agree.
 *
 * Pure: no `vscode` import (the server and the CLI load this file too).
 */
import { tryParseEra } from './era';

/** The configuration section the client forwards and the server reads. */
export const SETTINGS_SECTION = 'kernelMmLens';

/** When the server re-analyses a document: on every change (debounced) or only when it is saved. */
export type RunMode = 'onType' | 'onSave';
export const RUN_MODES: readonly RunMode[] = ['onType', 'onSave'];

/** LSP message tracing, read by vscode-languageclient itself from `kernelMmLens.trace.server`. */
export type TraceLevel = 'off' | 'messages' | 'verbose';
export const TRACE_LEVELS: readonly TraceLevel[] = ['off', 'messages', 'verbose'];

export interface MmLensSettings {
  /** Kernel era the rules are evaluated for: "auto" (guess from the tree or the series' base-commit) or "6.8". */
  era: string;
  run: RunMode;
  /** Documents larger than this many bytes are not analysed (generated headers in kernel trees are huge). */
  maxFileSize: number;
  trace: { server: TraceLevel };
  /** Per-rule override: "off" disables the rule, a severity replaces the catalogue's. Rules not named keep theirs. */
  rules: Record<string, RuleSetting>;
  /** Patches: also show findings present before and after the patch (pre-existing), as information. */
  showPreExisting: boolean;
  /** Kernel tree the patched files are read from (whole functions for patches); "" = the workspace's kernel tree. */
  kernelTree: string;
  /** Findings recorded in the .mmlens.json baseline: dim (hint severity), hide, or show like the others. */
  baselinedFindings: BaselinedFindings;
}

export type BaselinedFindings = 'dim' | 'hide' | 'show';
export const BASELINED_FINDINGS: readonly BaselinedFindings[] = ['dim', 'hide', 'show'];

/** What `kernelMmLens.rules.<id>` may say. */
export type RuleSetting = 'off' | 'error' | 'warning' | 'information' | 'hint' | 'default';
export const RULE_SETTINGS: readonly RuleSetting[] = ['off', 'error', 'warning', 'information', 'hint', 'default'];

export const ERA_AUTO = 'auto';

export const DEFAULT_SETTINGS: Readonly<MmLensSettings> = Object.freeze({
  era: ERA_AUTO,
  run: 'onType',
  maxFileSize: 2 * 1024 * 1024,
  trace: Object.freeze({ server: 'off' }),
  rules: Object.freeze({}) as Record<string, RuleSetting>,
  showPreExisting: false,
  kernelTree: '',
  baselinedFindings: 'dim',
});

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneOf<T extends string>(allowed: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v);
}

/** True for "auto" and for anything common/era.ts parses ("6.8", "v5.10", "6.4.1"). */
export function isValidEraSetting(v: string): boolean {
  return v === ERA_AUTO || tryParseEra(v) !== undefined;
}

/**
 * Turns whatever the editor sent (possibly partial, possibly hand-edited JSON) into complete settings. Invalid
 * values fall back to the default and are reported through `onProblem`, never thrown.
 */
export function resolveSettings(raw: unknown, onProblem: (message: string) => void = () => {}): MmLensSettings {
  const d = DEFAULT_SETTINGS;
  const out: MmLensSettings = {
    era: d.era,
    run: d.run,
    maxFileSize: d.maxFileSize,
    trace: { server: d.trace.server },
    rules: {},
    showPreExisting: d.showPreExisting,
    kernelTree: d.kernelTree,
    baselinedFindings: d.baselinedFindings,
  };
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) {
    onProblem(`${SETTINGS_SECTION}: expected an object, got ${typeof raw}; using defaults`);
    return out;
  }
  if (raw.era !== undefined) {
    if (typeof raw.era === 'string' && isValidEraSetting(raw.era.trim())) out.era = raw.era.trim();
    else onProblem(`${SETTINGS_SECTION}.era: ${JSON.stringify(raw.era)} is neither "auto" nor a kernel version like "6.8"`);
  }
  if (raw.run !== undefined) {
    if (oneOf(RUN_MODES, raw.run)) out.run = raw.run;
    else onProblem(`${SETTINGS_SECTION}.run: ${JSON.stringify(raw.run)} is not one of ${RUN_MODES.join(', ')}`);
  }
  if (raw.maxFileSize !== undefined) {
    if (typeof raw.maxFileSize === 'number' && Number.isFinite(raw.maxFileSize) && raw.maxFileSize >= 0) {
      out.maxFileSize = Math.floor(raw.maxFileSize);
    } else {
      onProblem(`${SETTINGS_SECTION}.maxFileSize: ${JSON.stringify(raw.maxFileSize)} is not a non-negative number`);
    }
  }
  if (raw.trace !== undefined) {
    const server = isRecord(raw.trace) ? raw.trace.server : undefined;
    if (oneOf(TRACE_LEVELS, server)) out.trace.server = server;
    else onProblem(`${SETTINGS_SECTION}.trace.server: ${JSON.stringify(server)} is not one of ${TRACE_LEVELS.join(', ')}`);
  }
  if (raw.rules !== undefined) {
    if (!isRecord(raw.rules)) onProblem(`${SETTINGS_SECTION}.rules: expected an object of rule id → ${RULE_SETTINGS.join(' | ')}`);
    else {
      for (const [id, v] of Object.entries(raw.rules)) {
        if (oneOf(RULE_SETTINGS, v)) out.rules[id] = v;
        else onProblem(`${SETTINGS_SECTION}.rules.${id}: ${JSON.stringify(v)} is not one of ${RULE_SETTINGS.join(', ')}`);
      }
    }
  }
  if (raw.showPreExisting !== undefined) {
    if (typeof raw.showPreExisting === 'boolean') out.showPreExisting = raw.showPreExisting;
    else onProblem(`${SETTINGS_SECTION}.showPreExisting: ${JSON.stringify(raw.showPreExisting)} is not a boolean`);
  }
  if (raw.kernelTree !== undefined) {
    if (typeof raw.kernelTree === 'string') out.kernelTree = raw.kernelTree.trim();
    else onProblem(`${SETTINGS_SECTION}.kernelTree: ${JSON.stringify(raw.kernelTree)} is not a path`);
  }
  if (raw.baselinedFindings !== undefined) {
    if (oneOf(BASELINED_FINDINGS, raw.baselinedFindings)) out.baselinedFindings = raw.baselinedFindings;
    else onProblem(`${SETTINGS_SECTION}.baselinedFindings: ${JSON.stringify(raw.baselinedFindings)} is not one of ${BASELINED_FINDINGS.join(', ')}`);
  }
  return out;
}
