/**
 * "Simulate this fault path": extract the path at a document line (extract.ts), put it into a preset scenario, run
 * the simulator (public API only: validateScenario, simulate, renderers), and for a hunk run the pre-image and the
 * post-image side by side. Never throws for bad input: the answer says what went wrong.
 */
import { parseEra } from '../../../common/era';
import type { FunctionFacts } from '../c/types';
import type { SideFacts } from '../facts/types';
import {
  compareRuns,
  renderComparisonSvg,
  renderComparisonText,
  renderRunText,
  renderTimelineSvg,
  simulate,
  validateScenario,
  type RunResult,
  type Scenario,
  type TraceStep,
} from '../../../simulator/src/index';
import type { Analyzer } from '../lsp/analyzer';
import type { AnalyzerDocument } from '../lsp/types';
import { extractAt } from './extract';
import { validateOverrides, validateSeed } from './overrides';
import { loadPreset, presetNames } from './presets';
import type { ExtractedPath, SideOverrides, SimulatedEvent, SimulatedSide, SimulateOverrides, SimulateRequestParams, SimulateResponse } from './types';

export const DEFAULT_FAULT_PATH_PRESET = 'postcopy-missing';
export const DEFAULT_GUP_PRESET = 'file-io-writer-before';

interface Located {
  extracted: ExtractedPath;
  /** file line → document line, for linking events back (identity for C files). */
  toDocument: (fileLine: number) => number | undefined;
}

/** The scenario built for one side, and the tasks that run the extracted code (their events link to its lines). */
export interface BuiltScenario {
  scenario: Scenario;
  tasks: string[];
  applied: SimulatedSide['applied'];
}

/** The overrides for one side: the common ones, then that side's own. */
export function sideOverrides(o: SimulateOverrides | undefined, label: SimulatedSide['label']): SideOverrides {
  const own = label === 'before' ? o?.sides?.before : label === 'after' ? o?.sides?.after : undefined;
  return {
    ...(o?.faultPath || own?.faultPath ? { faultPath: { ...(o?.faultPath ?? {}), ...(own?.faultPath ?? {}) } } : {}),
    ...(o?.gup || own?.gup ? { gup: { ...(o?.gup ?? {}), ...(own?.gup ?? {}) } } : {}),
  };
}

/**
 * Puts the extracted path, with the side's overrides, into a copy of the preset; an error string when the preset
 * has nowhere to put it.
 */
export function buildScenario(preset: Scenario, x: ExtractedPath, over: SideOverrides & { era?: string } = {}, seed?: number): BuiltScenario | string {
  const s = JSON.parse(JSON.stringify(preset)) as Scenario;
  s.era = over.era ?? x.era;
  s.name = `${preset.name} · ${x.function}:${x.startLine}`;
  const presetSeed = s.seed ?? 1;
  const runSeed = seed ?? presetSeed;
  if (x.kind === 'fault-path') {
    // Every faulting task runs the extracted path (none keeps the preset's own handler).
    const tasks = s.tasks.filter((t) => t.faultPath !== undefined || t.script.some((op) => 'access' in op));
    if (!tasks.length) return `preset ${preset.name} has no task that faults (no access op): pick a fault preset such as ${DEFAULT_FAULT_PATH_PRESET}`;
    const faultPath = { ...x.faultPath, ...(over.faultPath ?? {}) };
    for (const task of tasks) task.faultPath = JSON.parse(JSON.stringify(faultPath)) as typeof faultPath;
    return { scenario: s, tasks: tasks.map((t) => t.id), applied: { faultPath, era: s.era, seed: runSeed, presetSeed } };
  }
  for (const t of s.tasks) {
    for (const op of t.script) {
      if ('gup' in op) {
        const { address, nr_pages } = op.gup;
        const gup = { ...x.gup!, ...(over.gup ?? {}) };
        op.gup = { ...gup, address, nr_pages };
        return { scenario: s, tasks: [t.id], applied: { gup, era: s.era, seed: runSeed, presetSeed } };
      }
    }
  }
  return `preset ${preset.name} has no GUP call to replace: pick a GUP preset such as ${DEFAULT_GUP_PRESET}`;
}

/**
 * Which extracted statement (ExtractedPath.sources field) each simulator step stands for, in the order tried: a
 * re-take of the lock at the retry label is the lock statement itself; a GUP's own fault (faultin_page) is the call.
 */
const STEP_SOURCES: Record<TraceStep, readonly string[]> = {
  'fault-entry': ['initialFlags'],
  lock: ['lock', 'lockRetake'],
  relock: ['lockRetake', 'lock'],
  unlock: ['unlock'],
  'vma-lock': ['vmaLock'],
  'vma-unlock': ['vmaUnlock'],
  'fault-call': ['faultCall'],
  'signal-check': ['signalCheck'],
  completed: ['handlesCompleted'],
  'retry-flags': ['retry.flags'],
  retry: ['backEdge'],
  'gup-call': ['gup'],
  'gup-fault': ['gup'],
  'gup-lock': ['gupLock'],
  'gup-unlock': ['gupUnlock'],
  'locked-test': ['lockedTest'],
};

/** The file line (0-based) of each step of the extracted code, from the extraction's sources. */
export function stepLines(x: ExtractedPath): Partial<Record<TraceStep, number>> {
  const field = new Map<string, number>();
  for (const src of x.sources) if (!field.has(src.field)) field.set(src.field, src.line);
  // The retry path's flag update: its first statement (≤5.6: `flags &= ~ALLOW_RETRY; flags |= TRIED;`).
  const updates = x.sources.filter((src) => src.field === 'retry.set' || src.field === 'retry.clear').map((src) => src.line);
  if (updates.length) field.set('retry.flags', Math.min(...updates));
  const out: Partial<Record<TraceStep, number>> = {};
  for (const [step, fields] of Object.entries(STEP_SOURCES) as [TraceStep, readonly string[]][]) {
    const f = fields.find((name) => field.has(name));
    if (f !== undefined) out[step] = field.get(f)!;
  }
  return out;
}

/** The run's events; those of the tasks running the extracted code, with a step it has a line for, carry the line. */
export function linkEvents(result: RunResult, x: ExtractedPath, tasks: readonly string[], toDocument: (fileLine: number) => number | undefined): SimulatedEvent[] {
  const lines = stepLines(x);
  const ours = new Set(tasks);
  return result.trace.map((e) => {
    const ev: SimulatedEvent = { t: e.t, seq: e.seq, task: e.task, label: e.label };
    if (e.step && ours.has(e.task)) {
      ev.step = e.step;
      const fileLine = lines[e.step];
      const doc = fileLine !== undefined ? toDocument(fileLine) : undefined;
      if (doc !== undefined) ev.documentLine = doc;
    }
    return ev;
  });
}

/** "ok", "ok(1)", "-EFAULT", "SIGBUS", "bug: …", "deadlock (waits for …)" … */
export function outcomeText(o: RunResult['tasks'][number]['outcome']): string {
  switch (o.kind) {
    case 'ok':
      return o.value === undefined ? 'ok' : `ok(${o.value})`;
    case 'error':
      return `-${o.errno}${o.where ? ` (${o.where})` : ''}`;
    case 'signal':
      return o.signal;
    case 'bug':
      return `BUG: ${o.assertion}`;
    case 'killed':
      return 'killed (SIGKILL)';
    case 'deadlock':
      return `deadlock (waits for ${o.waitsFor})`;
    case 'livelock':
      return 'livelock';
    default:
      return o.kind;
  }
}

function fnAt(functions: FunctionFacts[], line: number): FunctionFacts | undefined {
  return functions.find((f) => f.range.start.line <= line && line <= f.range.end.line && f.analysed !== false);
}

function runSide(label: SimulatedSide['label'], loc: Located, preset: Scenario, overrides: SimulateOverrides, seed: number | undefined): SimulatedSide | string {
  const built = buildScenario(preset, loc.extracted, { ...sideOverrides(overrides, label), ...(overrides.era ? { era: overrides.era } : {}) }, seed);
  if (typeof built === 'string') return built;
  const v = validateScenario(built.scenario);
  if (!v.ok) return `the scenario built from ${preset.name} is invalid in ${built.scenario.era}: ${v.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`;
  const result: RunResult = simulate(v.scenario, seed !== undefined ? { seed } : {});
  const events = linkEvents(result, loc.extracted, built.tasks, loc.toDocument);
  return {
    label,
    extracted: loc.extracted,
    applied: { ...built.applied, seed: result.seed },
    verdict: result.verdict,
    text: renderRunText(result),
    svg: renderTimelineSvg(result),
    events,
    outcomes: result.tasks.map((t) => ({ task: t.id, outcome: outcomeText(t.outcome) })),
    ...({ result } as object),
  } as SimulatedSide & { result: RunResult };
}

function locateInC(analyzer: Analyzer, doc: AnalyzerDocument, line: number): Located | string {
  const facts = analyzer.cFileFacts(doc.uri);
  if (!facts) return 'not a C file the analysis knows';
  const fn = fnAt(facts.facts.functions, line);
  if (!fn) return `line ${line + 1} is not inside a function with mm facts`;
  const lines = doc.text.split('\n');
  const extracted = extractAt({ fn, era: parseEra(facts.era.era), line, text: (n) => lines[n]?.replace(/\r$/, '') });
  if (!extracted) return `no fault-retry loop or GUP call at line ${line + 1} of ${fn.name}()`;
  return { extracted, toDocument: (l) => l };
}

function locateInSide(side: SideFacts, era: string, docLines: Set<number>, text: (fileLine: number) => string | undefined): Located | undefined {
  const toDoc = new Map(side.lines.map(([f, d]) => [f, d]));
  const toFile = new Map(side.lines.filter(([, d]) => docLines.has(d)).map(([f, d, c]) => [d, { f, c }]));
  const changed = [...toFile.values()].filter((v) => v.c !== 'context').map((v) => v.f);
  const candidates = changed.length ? changed : [...toFile.values()].map((v) => v.f);
  for (const unit of side.units) {
    for (const fileLine of candidates) {
      const fn = fnAt(unit.facts.functions, fileLine);
      if (!fn) continue;
      // Prefer the loop or GUP call the changed line belongs to.
      const x = extractAt({ fn, era: parseEra(era), line: fileLine, text });
      if (x) return { extracted: x, toDocument: (l) => toDoc.get(l) };
    }
  }
  return undefined;
}

function locateInPatch(analyzer: Analyzer, doc: AnalyzerDocument, line: number): { before?: Located; after?: Located; single?: Located } | string {
  const facts = analyzer.patchDocumentFacts(doc.uri);
  const parsed = analyzer.patchDocument(doc.uri);
  if (!facts || !parsed) return 'not a patch the analysis knows';
  const docText = doc.text.split('\n');
  for (const p of parsed.patches) {
    for (const f of p.files) {
      for (const h of f.hunks) {
        const hunkLines = new Set(h.lines.map((l) => l.position.line));
        const onHeader = h.position.line === line;
        if (!onHeader && !hunkLines.has(line)) continue;
        const path = f.newPath ?? f.oldPath;
        const pf = facts.patches.flatMap((x) => x.files).find((x) => (x.newPath ?? x.oldPath) === path && (x.post?.lines.some(([, d]) => hunkLines.has(d)) || x.pre?.lines.some(([, d]) => hunkLines.has(d))));
        if (!pf) return `no C facts for ${path ?? 'this file'} at line ${line + 1}`;
        // File text per side, from the document lines the side maps (enough for the extractor's sources).
        const textOf = (side: SideFacts) => {
          const m = new Map(side.lines.map(([fl, d]) => [fl, docText[d]?.replace(/\r$/, '').slice(1)]));
          return (n: number) => m.get(n);
        };
        const target = onHeader ? hunkLines : new Set([line]);
        const after = pf.post ? locateInSide(pf.post, facts.era.era, target, textOf(pf.post)) : undefined;
        const before = pf.pre ? locateInSide(pf.pre, facts.era.era, target, textOf(pf.pre)) : undefined;
        if (!onHeader) {
          const single = after ?? before;
          return single ? { single } : `no fault-retry loop or GUP call at line ${line + 1}`;
        }
        if (!after && !before) return `the hunk at line ${line + 1} changes no fault-retry loop or GUP call`;
        return { ...(before ? { before } : {}), ...(after ? { after } : {}) };
      }
    }
  }
  return `line ${line + 1} is not in a hunk`;
}

export function simulateAt(analyzer: Analyzer, doc: AnalyzerDocument, params: SimulateRequestParams): SimulateResponse {
  const presets = presetNames();
  const fail = (message: string, preset = typeof params.preset === 'string' ? params.preset : ''): SimulateResponse => ({ ok: false, message, preset, presets, sides: [] });
  const overrides = validateOverrides(params.overrides);
  if (typeof overrides === 'string') return fail(overrides);
  const seed = validateSeed(params.seed);
  if (typeof seed === 'string') return fail(seed);
  if (params.preset !== undefined && typeof params.preset !== 'string') return fail(`invalid parameter: preset: expected a preset name (presets: ${presets.join(', ')})`);
  if (!Number.isInteger(params.line) || params.line < 0) return fail(`invalid parameter: line: expected a 0-based line number, got ${JSON.stringify(params.line)}`);
  const kind = analyzer.kindOf(doc.uri);
  let located: { before?: Located; after?: Located; single?: Located } | string;
  if (kind === 'c') {
    const l = locateInC(analyzer, doc, params.line);
    located = typeof l === 'string' ? l : { single: l };
  } else if (kind === 'patch') located = locateInPatch(analyzer, doc, params.line);
  else return fail('simulation works on C files and patches');
  if (typeof located === 'string') return fail(located);
  const first = located.single ?? located.after ?? located.before!;
  const presetName = params.preset ?? (first.extracted.kind === 'gup' ? DEFAULT_GUP_PRESET : DEFAULT_FAULT_PATH_PRESET);
  const preset = loadPreset(presetName);
  if (!preset) return fail(`no preset named ${presetName} (presets: ${presets.join(', ')})`, presetName);
  const sides: (SimulatedSide & { result?: RunResult })[] = [];
  const order: [SimulatedSide['label'], Located | undefined][] = located.single
    ? [['this path', located.single]]
    : [['before', located.before], ['after', located.after]];
  for (const [label, loc] of order) {
    if (!loc) continue;
    const side = runSide(label, loc, preset, overrides, seed);
    if (typeof side === 'string') return fail(side, presetName);
    sides.push(side);
  }
  const response: SimulateResponse = { ok: true, preset: presetName, presets, sides: sides.map(({ result: _r, ...s }) => s) };
  const a = sides[0]?.result;
  const b = sides[1]?.result;
  if (a && b) response.comparison = { text: renderComparisonText(compareRuns(a, b)), svg: renderComparisonSvg(a, b) };
  return response;
}
