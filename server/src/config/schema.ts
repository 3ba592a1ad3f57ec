/**
 * What `.mmlens.json` may say, and its validation with positions. schemas/mmlens.schema.json describes the same
 * format for editors (completion, hovers); test/common/config checks that the two agree on the examples there.
 *
 *   {
 *     "era": "6.8",                       // or "auto" (Makefile, hints, newest) or "Makefile" (the tree's, required)
 *     "kernelTree": "../linux",           // the tree patches apply to, relative to this file
 *     "tier": 2,                          // rules of tier <= 2
 *     "rules": { "gup-convertible-to-unlocked": "off", "retry-without-tried": "error" },
 *     "skip": ["drivers/staging/**"],     // never analysed
 *     "overrides": [
 *       { "paths": ["arch/um/**"], "off": true },
 *       { "paths": ["mm/**"], "tier": 3 },
 *       { "paths": ["mm/gup.c"], "functions": ["__get_user_pages*"], "rules": { "removed-gup-api": "off" } }
 *     ],
 *     "baseline": "mmlens-baseline.json"  // findings recorded by `mmlens check --write-baseline`
 *   }
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { tryParseEra } from '../../../common/era';
import { Glob } from './glob';
import { parseJson, positionAt, type JsonNode, type JsonProperty } from './json';

export const CONFIG_FILE_NAME = '.mmlens.json';

/** Per rule: off, on (catalogue severity even above the tier), a severity, or default (the catalogue's, by tier). */
export type RuleLevel = 'off' | 'on' | 'error' | 'warning' | 'information' | 'hint' | 'default';
export const RULE_LEVELS: readonly RuleLevel[] = ['off', 'on', 'error', 'warning', 'information', 'hint', 'default'];
export type Tier = 1 | 2 | 3;
export const ERA_FROM_MAKEFILE = 'Makefile';

/** A value and where it was written: `path:line:col` (1-based). */
export interface Located<T> {
  value: T;
  at: string;
}

export interface ConfigOverride {
  at: string;
  paths: Glob[];
  functions?: Glob[];
  off?: Located<boolean>;
  tier?: Located<Tier>;
  rules: Record<string, Located<RuleLevel>>;
}

export interface MmLensConfig {
  path: string;
  dir: string;
  era?: Located<string>;
  /** Absolute. */
  kernelTree?: Located<string>;
  tier?: Located<Tier>;
  rules: Record<string, Located<RuleLevel>>;
  skip: Located<Glob>[];
  overrides: ConfigOverride[];
  /** Absolute. */
  baseline?: Located<string>;
}

export interface ConfigProblem {
  path: string;
  /** 0-based. */
  line: number;
  column: number;
  offset: number;
  length: number;
  message: string;
}

/** `path:line:col: message` (1-based), as the CLI prints it. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.path}:${p.line + 1}:${p.column + 1}: ${p.message}`;
}

const TOP_KEYS = ['$schema', 'era', 'kernelTree', 'tier', 'rules', 'skip', 'overrides', 'baseline'];
const OVERRIDE_KEYS = ['paths', 'functions', 'off', 'tier', 'rules'];

/**
 * Parses and validates a config file's text. Every problem is reported at its key or value; a file with problems
 * gives no config (the caller reports them: never a silent default).
 */
export function parseConfig(text: string, path: string, knownRules: readonly string[]): { config?: MmLensConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (offset: number, length: number, message: string): void => {
    const pos = positionAt(text, offset);
    problems.push({ path, line: pos.line, column: pos.column, offset, length, message });
  };
  const at = (offset: number): string => {
    const pos = positionAt(text, offset);
    return `${path}:${pos.line + 1}:${pos.column + 1}`;
  };
  const parsed = parseJson(text);
  if (parsed.error) {
    problem(parsed.error.offset, parsed.error.length, `invalid JSON: ${parsed.error.message}`);
    return { problems };
  }
  const root = parsed.root!;
  if (root.type !== 'object') {
    problem(root.offset, root.length, 'expected an object ({ "era": …, "rules": { … } })');
    return { problems };
  }
  const dir = dirname(path);
  const config: MmLensConfig = { path, dir, rules: {}, skip: [], overrides: [] };
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(dir, p));

  const unknownKeys = (props: JsonProperty[], allowed: string[], where: string): void => {
    const seen = new Set<string>();
    for (const p of props) {
      if (!allowed.includes(p.key)) problem(p.keyOffset, p.keyLength, `unknown key "${p.key}" in ${where} (allowed: ${allowed.filter((k) => k !== '$schema').join(', ')})`);
      else if (seen.has(p.key)) problem(p.keyOffset, p.keyLength, `"${p.key}" is given twice`);
      seen.add(p.key);
    }
  };
  const tierOf = (v: JsonNode, key: string): Located<Tier> | undefined => {
    if (v.type === 'number' && (v.value === 1 || v.value === 2 || v.value === 3)) return { value: v.value, at: at(v.offset) };
    problem(v.offset, v.length, `${key}: expected 1, 2 or 3 (rules of tier <= N run)`);
    return undefined;
  };
  const rulesOf = (v: JsonNode, key: string): Record<string, Located<RuleLevel>> => {
    const out: Record<string, Located<RuleLevel>> = {};
    if (v.type !== 'object') {
      problem(v.offset, v.length, `${key}: expected an object of rule id → ${RULE_LEVELS.join(' | ')}`);
      return out;
    }
    for (const p of v.properties) {
      if (!knownRules.includes(p.key)) {
        problem(p.keyOffset, p.keyLength, `${key}: unknown rule "${p.key}" (see 'mmlens rules')`);
        continue;
      }
      if (p.value.type === 'string' && (RULE_LEVELS as readonly string[]).includes(p.value.value))
        out[p.key] = { value: p.value.value as RuleLevel, at: at(p.keyOffset) };
      else problem(p.value.offset, p.value.length, `${key}.${p.key}: expected one of ${RULE_LEVELS.join(', ')}`);
    }
    return out;
  };
  const globsOf = (v: JsonNode, key: string): { glob: Glob; offset: number }[] => {
    if (v.type !== 'array' || v.items.length === 0) {
      problem(v.offset, v.length, `${key}: expected a non-empty array of glob strings ("arch/um/**")`);
      return [];
    }
    const out: { glob: Glob; offset: number }[] = [];
    for (const it of v.items) {
      if (it.type === 'string' && it.value.trim() !== '') out.push({ glob: new Glob(it.value.trim()), offset: it.offset });
      else problem(it.offset, it.length, `${key}: expected a glob string`);
    }
    return out;
  };

  unknownKeys(root.properties, TOP_KEYS, 'the configuration');
  for (const p of root.properties) {
    const v = p.value;
    switch (p.key) {
      case 'era':
        if (v.type === 'string' && (v.value === 'auto' || v.value === ERA_FROM_MAKEFILE || tryParseEra(v.value) !== undefined))
          config.era = { value: v.value, at: at(v.offset) };
        else problem(v.offset, v.length, `era: expected "auto", "${ERA_FROM_MAKEFILE}" or a kernel version like "6.8"`);
        break;
      case 'kernelTree':
        if (v.type === 'string' && v.value.trim() !== '') config.kernelTree = { value: abs(v.value.trim()), at: at(v.offset) };
        else problem(v.offset, v.length, 'kernelTree: expected a directory path (relative to this file)');
        break;
      case 'baseline':
        if (v.type === 'string' && v.value.trim() !== '') config.baseline = { value: abs(v.value.trim()), at: at(v.offset) };
        else problem(v.offset, v.length, 'baseline: expected a file path (relative to this file)');
        break;
      case 'tier': {
        const t = tierOf(v, 'tier');
        if (t) config.tier = t;
        break;
      }
      case 'rules':
        config.rules = rulesOf(v, 'rules');
        break;
      case 'skip':
        config.skip = globsOf(v, 'skip').map((g) => ({ value: g.glob, at: at(g.offset) }));
        break;
      case 'overrides':
        if (v.type !== 'array') {
          problem(v.offset, v.length, 'overrides: expected an array of { "paths": [...], ... }');
          break;
        }
        v.items.forEach((o, k) => {
          const key = `overrides[${k}]`;
          if (o.type !== 'object') {
            problem(o.offset, o.length, `${key}: expected an object { "paths": [...], "off" | "tier" | "rules" | "functions" }`);
            return;
          }
          unknownKeys(o.properties, OVERRIDE_KEYS, key);
          const ov: ConfigOverride = { at: at(o.offset), paths: [], rules: {} };
          let hasPaths = false;
          for (const q of o.properties) {
            const w = q.value;
            if (q.key === 'paths') {
              hasPaths = true;
              ov.paths = globsOf(w, `${key}.paths`).map((g) => g.glob);
            } else if (q.key === 'functions') ov.functions = globsOf(w, `${key}.functions`).map((g) => g.glob);
            else if (q.key === 'off') {
              if (w.type === 'boolean') ov.off = { value: w.value, at: at(w.offset) };
              else problem(w.offset, w.length, `${key}.off: expected true or false`);
            } else if (q.key === 'tier') {
              const t = tierOf(w, `${key}.tier`);
              if (t) ov.tier = t;
            } else if (q.key === 'rules') ov.rules = rulesOf(w, `${key}.rules`);
          }
          if (!hasPaths) problem(o.offset, 1, `${key}: "paths" is required (globs relative to this file: "arch/um/**")`);
          config.overrides.push(ov);
        });
        break;
      case '$schema':
        if (v.type !== 'string') problem(v.offset, v.length, '$schema: expected a string');
        break;
    }
  }
  return problems.length ? { problems } : { config, problems };
}
