/**
 * `mmlens check` with `.mmlens.json` and baselines: the per-file effective configuration (flags win), the analysis
 * grouped by what differs between files (era, tree, rules to run), rule levels applied per finding (function
 * overrides included), and baseline filtering / writing.
 */
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { makeBaseline, matchFile, readBaseline, serializeBaseline, type Baseline, type BaselineEntry } from '../../server/src/config/baseline';
import { effectiveConfig, type EffectiveConfig, type ExplicitSettings } from '../../server/src/config/effective';
import { ConfigLoader } from '../../server/src/config/load';
import { formatProblem } from '../../server/src/config/schema';
import { CliError } from '../io';
import type { InputFile } from '../walk';
import { analyseAll, type PoolOptions } from './pool';
import type { AnalyseOptions } from './analyse';
import type { FileReport, ReportedFinding } from './report';

export interface ConfigFlags {
  /** --config FILE: this file for every input instead of the nearest one. */
  config?: string;
  /** --no-config. */
  noConfig?: boolean;
  explicit: ExplicitSettings;
}

/** The effective configuration of every input; an invalid config file is a CliError listing `file:line:col` problems. */
export function configureInputs(files: InputFile[], flags: ConfigFlags): EffectiveConfig[] {
  const loader = new ConfigLoader({ cacheDirectories: true });
  const reported = new Set<string>();
  const problems: string[] = [];
  const out = files.map((f) => {
    const loaded = flags.noConfig ? undefined : flags.config ? loader.load(flags.config) : loader.forFile(f.path);
    if (loaded && loaded.problems.length) {
      if (!reported.has(loaded.path)) problems.push(...loaded.problems.map(formatProblem));
      reported.add(loaded.path);
    }
    const eff = effectiveConfig(f.path, loaded?.config, flags.explicit);
    for (const p of eff.problems)
      if (!reported.has(p)) {
        problems.push(p);
        reported.add(p);
      }
    return eff;
  });
  if (problems.length) throw new CliError(`invalid configuration:\n${problems.join('\n')}`);
  return out;
}

/** Analyses the inputs that are not skipped, one analyseAll per distinct (era, tree, rules), reports in input order. */
export async function analyseConfigured(files: InputFile[], effs: EffectiveConfig[], base: AnalyseOptions, pool: PoolOptions): Promise<(FileReport | undefined)[]> {
  const groups = new Map<string, number[]>();
  files.forEach((_f, i) => {
    const e = effs[i]!;
    if (e.skipped) return;
    const k = JSON.stringify([e.era.value ?? null, e.kernelTree.value ?? null, e.selection.only ?? null]);
    const g = groups.get(k) ?? [];
    g.push(i);
    groups.set(k, g);
  });
  const out: (FileReport | undefined)[] = new Array<FileReport | undefined>(files.length).fill(undefined);
  let done = 0;
  for (const idx of groups.values()) {
    const e = effs[idx[0]!]!;
    const opts: AnalyseOptions = {
      ...base,
      ...(e.era.value ? { era: e.era.value } : {}),
      ...(e.kernelTree.value ? { tree: e.kernelTree.value } : {}),
      selection: e.selection,
    };
    const reports = await analyseAll(
      idx.map((i) => files[i]!),
      opts,
      { ...(pool.jobs !== undefined ? { jobs: pool.jobs } : {}), onReport: (r) => pool.onReport?.(r, ++done) },
    );
    reports.forEach((r, k) => {
      out[idx[k]!] = applyLevels(r, effs[idx[k]!]!);
    });
  }
  return out;
}

/** Drops findings whose rule is off for their function, and sets the configured severity ('hint' → information). */
export function applyLevels(r: FileReport, eff: EffectiveConfig): FileReport {
  const findings: ReportedFinding[] = [];
  for (const f of r.findings) {
    const level = eff.levelOf(f.rule, f.function).value;
    if (level === 'off') continue;
    findings.push({ ...f, severity: level === 'hint' ? 'information' : level });
  }
  return { ...r, findings };
}

const posix = (p: string): string => p.split(sep).join('/');

/** The baseline key of a finding's input: its path relative to the baseline file's directory. */
function keyPath(baselineFile: string, input: string): string {
  return posix(relative(dirname(resolve(baselineFile)), resolve(input)));
}

const counted = (f: ReportedFinding): boolean => f.patch?.status !== 'fixed';

/** Writes the shown findings (not the ones patches fix) as a baseline. Returns how many were recorded. */
export function writeBaselineFile(file: string, reports: FileReport[], shown: ReportedFinding[][]): number {
  const entries: BaselineEntry[] = [];
  reports.forEach((r, i) => {
    for (const f of shown[i]!.filter(counted))
      entries.push({ path: keyPath(file, r.path), ...(f.patch ? { treeFile: f.patch.file } : {}), rule: f.rule, function: f.function, statement: f.statement, fingerprint: f.fingerprint });
  });
  writeFileSync(file, serializeBaseline(makeBaseline(entries)));
  return entries.length;
}

export interface BaselineOutcome {
  /** The shown findings without the baselined ones. */
  shown: ReportedFinding[][];
  baselined: number;
  /** Entries of analysed files that matched nothing. */
  fixed: (BaselineEntry & { baseline: string })[];
}

/** Filters the shown findings by each input's baseline (flag, else its config's `baseline`). */
export function applyBaselines(reports: FileReport[], shown: ReportedFinding[][], baselineOf: (i: number) => string | undefined): BaselineOutcome {
  const loaded = new Map<string, Baseline>();
  const load = (p: string): Baseline => {
    let b = loaded.get(p);
    if (!b) {
      try {
        b = readBaseline(p);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      loaded.set(p, b);
    }
    return b;
  };
  const out: BaselineOutcome = { shown: [], baselined: 0, fixed: [] };
  reports.forEach((r, i) => {
    const file = baselineOf(i);
    if (!file) {
      out.shown.push(shown[i]!);
      return;
    }
    const b = load(file);
    const path = keyPath(file, r.path);
    const entries = b.entries.filter((e) => e.path === path);
    const candidates = shown[i]!.filter(counted);
    const m = matchFile(candidates, entries, (f) => f.patch?.file);
    const drop = new Set(candidates.filter((_f, k) => m.baselined[k]));
    out.baselined += drop.size;
    out.shown.push(shown[i]!.filter((f) => !drop.has(f)));
    for (const e of m.fixed) out.fixed.push({ ...e, baseline: file });
  });
  return out;
}
