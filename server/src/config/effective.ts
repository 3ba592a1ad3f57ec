/**
 * The effective configuration of one analysed file: `.mmlens.json` (top level, then every override whose paths
 * match, in file order), under explicit flags (CLI) or editor settings, each value with where it came from.
 *
 * Precedence, lowest first: the catalogue (tier, severity) → the file's `tier` → its `rules` → matching overrides
 * (`tier`, `rules`, `off`) → flags / editor settings (`--tier` replaces every tier of the file; `--rules` keeps only
 * the rules named; `--disable` and editor `off` switch off; an editor severity replaces the file's).
 */
import { relative, sep } from 'node:path';
import { findMakefileEra } from '../era/detect';
import { formatEra } from '../../../common/era';
import { RULES } from '../rules/registry';
import type { RuleSelection } from '../rules/run';
import type { Rule, Severity } from '../rules/types';
import { ERA_FROM_MAKEFILE, type MmLensConfig, type RuleLevel, type Tier } from './schema';

/** What a rule is for one file and function: off, or on with a severity ('hint' only shows in the editor). */
export type EffectiveLevel = 'off' | Severity | 'hint';

export interface Sourced<T> {
  value: T;
  /** "default", "catalogue", "path:line:col", "--era", "editor setting kernelMmLens.era", … */
  source: string;
}

/** What the caller says explicitly: CLI flags, or the editor's settings where they are not defaults. */
export interface ExplicitSettings {
  era?: Sourced<string>;
  kernelTree?: Sourced<string>;
  tier?: Sourced<Tier>;
  only?: Sourced<string[]>;
  disable?: Sourced<string[]>;
  /** Per rule (editor settings): off, a severity or hint. */
  rules?: Record<string, Sourced<EffectiveLevel>>;
  baseline?: Sourced<string>;
}

export interface EffectiveConfig {
  /** The config file that applies (undefined: none found, or --no-config). */
  configPath?: string;
  /** The file is skipped (`skip` glob): source says which. */
  skipped?: Sourced<string>;
  /** Undefined value: auto (Makefile, hints, newest). */
  era: Sourced<string | undefined>;
  kernelTree: Sourced<string | undefined>;
  baseline: Sourced<string | undefined>;
  /** Every catalogue rule at file level (no function). */
  rules: Record<string, Sourced<EffectiveLevel>>;
  /** Rules to run for this file: every rule that is on for the file or for some function of it. */
  selection: RuleSelection;
  /** A rule's level for a finding in `fn` (function overrides included). */
  levelOf(rule: string, fn: string): Sourced<EffectiveLevel>;
  /** Problems resolving it (era "Makefile" without a Makefile): reported like config problems. */
  problems: string[];
}

/** `path` relative to the config's directory with `/` separators ("" parts outside it stay "../…"). */
export function configRelative(config: MmLensConfig, path: string): string {
  return relative(config.dir, path).split(sep).join('/');
}

function ruleState(rule: Rule, config: MmLensConfig | undefined, rel: string | undefined, fn: string | undefined, ex: ExplicitSettings): Sourced<EffectiveLevel> {
  let on = rule.tier <= 3;
  let level: EffectiveLevel = rule.severity;
  let source = `catalogue (tier ${rule.tier}, ${rule.severity})`;
  let tier: Tier = 3;
  const setTier = (t: Tier, src: string): void => {
    tier = t;
    on = rule.tier <= t;
    level = rule.severity;
    source = `tier ${t} at ${src}`;
  };
  const setRule = (v: RuleLevel, src: string): void => {
    if (v === 'off') on = false;
    else if (v === 'on') {
      on = true;
      level = rule.severity;
    } else if (v === 'default') {
      on = rule.tier <= tier;
      level = rule.severity;
    } else {
      on = true;
      level = v;
    }
    source = `"${v}" at ${src}`;
  };
  if (ex.tier) setTier(ex.tier.value, ex.tier.source);
  if (config) {
    if (config.tier && !ex.tier) setTier(config.tier.value, config.tier.at);
    const own = config.rules[rule.id];
    if (own) setRule(own.value, own.at);
    if (rel !== undefined) {
      for (const o of config.overrides) {
        if (!o.paths.some((g) => g.matchesPath(rel))) continue;
        if (o.functions && (fn === undefined || !o.functions.some((g) => g.matchesName(fn)))) continue;
        if (o.tier && !ex.tier) setTier(o.tier.value, o.tier.at);
        const r = o.rules[rule.id];
        if (r) setRule(r.value, r.at);
        if (o.off?.value) {
          on = false;
          source = `"off": true at ${o.off.at}`;
        }
      }
    }
  }
  if (ex.only && !ex.only.value.includes(rule.id)) {
    on = false;
    source = ex.only.source;
  } else if (ex.only && !on) {
    on = true;
    source = ex.only.source;
  }
  if (ex.disable?.value.includes(rule.id)) {
    on = false;
    source = ex.disable.source;
  }
  const setting = ex.rules?.[rule.id];
  if (setting) {
    on = setting.value !== 'off';
    if (on) level = setting.value;
    source = setting.source;
  }
  return { value: on ? level : 'off', source };
}

/**
 * The effective configuration of `filePath` under `config` (undefined: no file). `treePath`: for a patch's
 * findings, the tree path of the file (repository-relative, matched against the globs as if relative to the
 * config's directory: put the config at the top of the kernel tree).
 */
export function effectiveConfig(filePath: string, config: MmLensConfig | undefined, ex: ExplicitSettings = {}, rules: readonly Rule[] = RULES): EffectiveConfig {
  const rel = config ? configRelative(config, filePath) : undefined;
  const problems: string[] = [];
  let skipped: Sourced<string> | undefined;
  if (config && rel !== undefined && !rel.startsWith('../')) {
    const g = config.skip.find((s) => s.value.matchesPath(rel));
    if (g) skipped = { value: g.value.pattern, source: g.at };
  }
  const kernelTree: Sourced<string | undefined> = ex.kernelTree ?? (config?.kernelTree ? { value: config.kernelTree.value, source: config.kernelTree.at } : { value: undefined, source: 'default (the tree the file or patch sits in)' });
  let era: Sourced<string | undefined> = { value: undefined, source: 'default (auto: Makefile, hints in the code, newest)' };
  if (ex.era) era = ex.era;
  else if (config?.era && config.era.value !== 'auto') {
    if (config.era.value === ERA_FROM_MAKEFILE) {
      const found = findMakefileEra(kernelTree.value ?? filePath);
      if (found) era = { value: formatEra(found.era), source: `${found.path} (era "Makefile" at ${config.era.at})` };
      else problems.push(`${config.era.at}: era "Makefile": no kernel Makefile (VERSION/PATCHLEVEL) above ${kernelTree.value ?? filePath}`);
    } else era = { value: config.era.value, source: config.era.at };
  } else if (config?.era) era = { value: undefined, source: `auto at ${config.era.at}` };
  const baseline: Sourced<string | undefined> = ex.baseline ?? (config?.baseline ? { value: config.baseline.value, source: config.baseline.at } : { value: undefined, source: 'default (none)' });

  const fileLevel: Record<string, Sourced<EffectiveLevel>> = {};
  for (const r of rules) fileLevel[r.id] = ruleState(r, config, rel, undefined, ex);
  // Rules a function override may switch on run too (their findings are filtered per function afterwards).
  const mayBeOn = new Set(Object.entries(fileLevel).filter(([, v]) => v.value !== 'off').map(([k]) => k));
  const fnOverrides = config && rel !== undefined ? config.overrides.filter((o) => o.functions && o.paths.some((g) => g.matchesPath(rel))) : [];
  if (fnOverrides.length)
    for (const r of rules) if (!mayBeOn.has(r.id) && fnOverrides.some((o) => mayTurnOn(r, o, ex))) mayBeOn.add(r.id);
  const cache = new Map<string, Sourced<EffectiveLevel>>();
  return {
    ...(config ? { configPath: config.path } : {}),
    ...(skipped ? { skipped } : {}),
    era,
    kernelTree,
    baseline,
    rules: fileLevel,
    selection: { only: rules.filter((r) => mayBeOn.has(r.id)).map((r) => r.id) },
    levelOf(rule: string, fn: string): Sourced<EffectiveLevel> {
      if (fnOverrides.length === 0) return fileLevel[rule] ?? { value: 'off', source: 'unknown rule' };
      const k = `${rule}\u0000${fn}`;
      let v = cache.get(k);
      if (!v) {
        const r = rules.find((x) => x.id === rule);
        v = r ? ruleState(r, config, rel, fn, ex) : { value: 'off', source: 'unknown rule' };
        cache.set(k, v);
      }
      return v;
    },
    problems,
  };
}

/** Whether a function override may switch the rule on (a superset: findings are filtered per function anyway). */
function mayTurnOn(rule: Rule, o: MmLensConfig['overrides'][number], ex: ExplicitSettings): boolean {
  if (ex.disable?.value.includes(rule.id) || (ex.only && !ex.only.value.includes(rule.id)) || ex.rules?.[rule.id]?.value === 'off') return false;
  const r = o.rules[rule.id];
  return (r !== undefined && r.value !== 'off') || (o.tier !== undefined && !ex.tier && rule.tier <= o.tier.value);
}
