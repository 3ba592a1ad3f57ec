/**
 * Runs the rule catalogue over facts: per function, per rule, per era of the document's range (a finding is kept
 * when every era of the range yields it: "fire only when the verdict is the same for every era in the range").
 * Never throws: a rule that fails is reported as an internal error and the others still run.
 */
import { compareEra, formatEra } from '../../../common/era';
import type { CFacts, FunctionFacts, Range } from '../c/types';
import { erasBetween, formatRange, rangeInside, type DocumentEras } from './eras';
import { RULES } from './registry';
import type { Finding, Rule, RuleContext, RuleFinding } from './types';

export interface RuleSelection {
  /** Only these rule ids (default: all). */
  only?: string[];
  /** Never these rule ids. */
  disable?: string[];
  /** Highest tier run (default 3: all). */
  maxTier?: 1 | 2 | 3;
}

export function selectRules(sel: RuleSelection = {}, all: readonly Rule[] = RULES): Rule[] {
  return all.filter(
    (r) =>
      (!sel.only || sel.only.includes(r.id)) && !(sel.disable ?? []).includes(r.id) && r.tier <= (sel.maxTier ?? 3),
  );
}

export interface CheckInput {
  facts: CFacts;
  path: string;
  eras: DocumentEras;
  /** Text of a 0-based file line; undefined when unknown. */
  line: (n: number) => string | undefined;
  /** The facts come from hunks without the file (functions rebuilt from fragments). */
  fragment: boolean;
  rules?: readonly Rule[];
}

export interface InternalError {
  rule: string;
  function: string;
  message: string;
}

export interface CheckResult {
  findings: Finding[];
  internalErrors: InternalError[];
}

const key = (r: Range): string => `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;

/** The file is in the core mm/ directory (mm/gup.c, mm/damon/…), not an arch's arch/<x>/mm/. */
export function isUnderMm(path: string): boolean {
  const p = path.replace(/\\/g, '/');
  return /(?:^|\/)mm\/(?:[^/]+\/)*[^/]+$/.test(p) && !/(?:^|\/)arch\/[^/]+\/mm\//.test(p);
}

/** Normalised statement text of a line (whitespace collapsed), for fingerprints. */
function normalise(s: string | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim();
}

/** FNV-1a 32-bit, hex. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function hasFacts(fn: FunctionFacts): boolean {
  if (fn.analysed === false) return false;
  return fn.gupCalls.length + fn.lockOps.length + fn.faultCalls.length + fn.retryLoops.length + fn.flagUpdates.length + fn.signalChecks.length > 0;
}

/** Runs one rule on one function over the document's eras; returns the findings every era agrees on. */
function runRule(rule: Rule, fn: FunctionFacts, input: CheckInput, base: Omit<RuleContext, 'era'>): RuleFinding[] {
  const { eras } = input;
  if (!rangeInside(eras.from, eras.to, rule.eras)) return [];
  const list = erasBetween(eras.from, eras.to);
  // The representative era's findings are the ones shown (its messages and fixes).
  const rep = list.find((e) => compareEra(e, eras.era) === 0) ?? list[list.length - 1]!;
  const shown = rule.check(fn, { ...base, era: rep });
  if (shown.length === 0 || list.length === 1) return shown;
  let keep = new Set(shown.map((f) => key(f.range)));
  for (const e of list) {
    if (e === rep) continue;
    const here = new Set(rule.check(fn, { ...base, era: e }).map((f) => key(f.range)));
    keep = new Set([...keep].filter((k) => here.has(k)));
    if (keep.size === 0) return [];
  }
  const note = eras.fromHints
    ? ` (holds for every era ${formatRange(eras.from, eras.to)} the code's hints allow)`
    : '';
  return shown.filter((f) => keep.has(key(f.range))).map((f) => ({ ...f, message: f.message + note }));
}

/** What checkFunction() needs besides the function: the selected rules and the context every rule gets. */
export interface CheckSetup {
  rules: Rule[];
  base: Omit<RuleContext, 'era'>;
}

export function checkSetup(input: CheckInput, sel: RuleSelection = {}): CheckSetup {
  return {
    rules: selectRules(sel, input.rules ?? RULES),
    base: { path: input.path, inMm: isUnderMm(input.path), file: input.facts, line: input.line, fragment: input.fragment },
  };
}

/** Findings of one function (in line order; empty for a function without facts). Fingerprints count per function. */
export function checkFunction(fn: FunctionFacts, input: CheckInput, setup: CheckSetup): CheckResult {
  const findings: Finding[] = [];
  const internalErrors: InternalError[] = [];
  if (!hasFacts(fn)) return { findings, internalErrors };
  const seen = new Map<string, number>();
  for (const rule of setup.rules) {
    let out: RuleFinding[];
    try {
      out = runRule(rule, fn, input, setup.base);
    } catch (e) {
      internalErrors.push({ rule: rule.id, function: fn.name, message: (e as Error).message ?? String(e) });
      continue;
    }
    for (const f of out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column)) {
      const stmt = normalise(setup.base.line(f.range.start.line));
      const k = `${rule.id}\u0000${fn.name}\u0000${stmt}`;
      const n = seen.get(k) ?? 0;
      seen.set(k, n + 1);
      findings.push({ ...f, rule: rule.id, severity: rule.severity, function: fn.name, statement: stmt, fingerprint: hash(`${k}\u0000${n}`) });
    }
  }
  return { findings, internalErrors };
}

/** The order findings are reported in: by position, then rule id. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column || a.rule.localeCompare(b.rule));
}

export function checkFacts(input: CheckInput, sel: RuleSelection = {}): CheckResult {
  const setup = checkSetup(input, sel);
  const findings: Finding[] = [];
  const internalErrors: InternalError[] = [];
  for (const fn of input.facts.functions) {
    const r = checkFunction(fn, input, setup);
    findings.push(...r.findings);
    internalErrors.push(...r.internalErrors);
  }
  return { findings: sortFindings(findings), internalErrors };
}

export function eraLabel(eras: DocumentEras): string {
  return eras.fromHints ? formatRange(eras.from, eras.to) : formatEra(eras.era);
}
