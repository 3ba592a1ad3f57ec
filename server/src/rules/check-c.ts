/**
 * Findings of a C file's text: facts (server/src/facts) → rules (run.ts). The CLI, the server and tests use this
 * for .c/.h inputs; patches go through check-patch.ts. IncrementalCCheck is the same for one document checked
 * version after version (the language server): facts per function come from c/incremental.ts, and each function's
 * findings are kept with them.
 */
import { lineStarts } from '../../../common/lines';
import { IncrementalCFacts, Interner, shiftLines } from '../c/incremental';
import type { FunctionFacts } from '../c/types';
import { factsForCFile, type FactsOptions } from '../facts/compute';
import type { CFileFacts } from '../facts/types';
import { documentEras } from './eras';
import { checkFacts, checkFunction, checkSetup, sortFindings, type CheckInput, type CheckResult, type RuleSelection } from './run';
import type { Finding, Rule } from './types';

export interface CFileCheck extends CheckResult {
  facts: CFileFacts;
}

export type CCheckOptions = FactsOptions & { selection?: RuleSelection; rules?: readonly Rule[] };

/**
 * Lines of a text (without their CR), read on demand from an index of line starts built on first use (or given: the
 * incremental facts have the text's index already).
 */
function lineReader(text: string, known?: Int32Array): (n: number) => string | undefined {
  let starts = known;
  return (n) => {
    starts ??= lineStarts(text);
    if (!(n >= 0 && n < starts.length)) return undefined;
    const end = n + 1 < starts.length ? starts[n + 1]! - 1 : text.length;
    const line = text.slice(starts[n], end);
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
}

function checkInput(facts: CFileFacts, path: string, text: string, opts: CCheckOptions, starts?: Int32Array): CheckInput {
  return {
    facts: facts.facts,
    path,
    eras: documentEras(facts.era),
    line: lineReader(text, starts),
    fragment: false,
    ...(opts.rules ? { rules: opts.rules } : {}),
  };
}

export function checkCText(text: string, path: string, opts: CCheckOptions = {}): CFileCheck {
  const facts = factsForCFile(text, path, opts);
  return { ...checkFacts(checkInput(facts, path, text, opts), opts.selection), facts };
}

/** One function's findings, at `row` (the line its facts started on when they were checked). */
interface KeptFindings {
  result: CheckResult;
  row: number;
  /** A message names a line number: only valid where it was computed. */
  positional: boolean;
  run: number;
}

/** A message that names a file line ("line 12", "lines 12, 14"): moving the function would make it wrong. */
const NAMES_A_LINE = /\blines? \d/;

/** Checks one document again and again: same results as checkCText, for the functions that changed only. */
export class IncrementalCCheck {
  readonly facts = new IncrementalCFacts();
  private readonly kept = new Map<string, KeptFindings>();
  private run = 0;
  private readonly contexts = new Interner(1000);
  /** Functions whose findings were reused / computed in the last check. */
  stats = { reused: 0, checked: 0 };

  check(text: string, path: string, opts: CCheckOptions = {}): CFileCheck {
    this.run++;
    this.stats = { reused: 0, checked: 0 };
    const facts = factsForCFile(text, path, { ...opts, cExtractor: this.facts });
    const input = checkInput(facts, path, text, opts, this.facts.lineStartsOf(text));
    const setup = checkSetup(input, opts.selection);
    const context = this.contexts.number(JSON.stringify([path, input.eras, opts.selection ?? null, setup.rules.map((r) => r.id)]));
    const findings: Finding[] = [];
    const internalErrors: CheckResult['internalErrors'] = [];
    for (const fn of facts.facts.functions) {
      const r = this.checkOne(fn, input, setup, context);
      findings.push(...r.findings);
      internalErrors.push(...r.internalErrors);
    }
    for (const [k, v] of this.kept) if (this.run - v.run > 2) this.kept.delete(k);
    return { findings: sortFindings(findings), internalErrors, facts };
  }

  private checkOne(fn: FunctionFacts, input: CheckInput, setup: ReturnType<typeof checkSetup>, context: number): CheckResult {
    const factsKey = this.facts.keyOf(fn);
    if (factsKey === undefined) return checkFunction(fn, input, setup);
    const first = fn.range.start.line;
    const last = fn.range.end.line;
    // The rules read whole lines: the first and last line's text around the function is part of what they saw.
    const key = `${context}\u0001${factsKey}\u0001${input.line(first) ?? ''}\u0001${input.line(last) ?? ''}`;
    const k = this.kept.get(key);
    if (k && (!k.positional || k.row === first)) {
      k.run = this.run;
      if (k.row !== first) {
        k.result = shiftLines(k.result, first - k.row);
        k.row = first;
      }
      this.stats.reused++;
      return k.result;
    }
    // A rule reading a line outside the function saw text the key does not hold: not kept.
    let outside = false;
    const line = (n: number): string | undefined => {
      if (n < first || n > last) outside = true;
      return input.line(n);
    };
    const result = checkFunction(fn, { ...input, line }, { ...setup, base: { ...setup.base, line } });
    this.stats.checked++;
    if (!outside) {
      const positional = result.findings.some((f) => NAMES_A_LINE.test(f.message) || f.related.some((r) => NAMES_A_LINE.test(r.message)));
      this.kept.set(key, { result, row: first, positional, run: this.run });
    }
    return result;
  }
}
