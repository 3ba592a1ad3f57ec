/**
 * Helpers for rule tests: run the catalogue (or one rule) on a C fixture for an era and get compact findings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCText } from '../../server/src/rules/check-c';
import { ruleById } from '../../server/src/rules/registry';
import type { Finding } from '../../server/src/rules/types';

export const RULE_FIXTURES = join(__dirname, '..', 'fixtures', 'rules');

export function fixture(rel: string): string {
  return readFileSync(join(RULE_FIXTURES, rel), 'utf8');
}

/**
 * Findings of `ruleId` (or of every rule when undefined) on C text. `era`: an explicit era ("5.7"), or undefined to
 * let detection decide (hints → an era range).
 */
export function check(text: string, ruleId: string | undefined, era: string | undefined, path = 'arch/foo/mm/fault.c'): Finding[] {
  const rule = ruleId === undefined ? undefined : ruleById(ruleId);
  if (ruleId !== undefined && !rule) throw new Error(`no rule ${ruleId} in the registry`);
  const r = checkCText(text, path, { ...(era ? { era } : {}), ...(rule ? { rules: [rule] } : {}) });
  if (r.internalErrors.length) throw new Error(`internal errors: ${JSON.stringify(r.internalErrors)}`);
  return r.findings;
}

/** [rule, 1-based line, message] triples, sorted: for exact assertions. */
export function brief(fs: Finding[]): [string, number, string][] {
  return fs.map((f) => [f.rule, f.range.start.line + 1, f.message]);
}

/** Applies a fix's edits to text (edits in file coordinates, non-overlapping). */
export function applyEdits(text: string, edits: { range: { start: { line: number; column: number }; end: { line: number; column: number } }; newText: string }[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; column: number }): number => {
    let o = 0;
    for (let i = 0; i < p.line; i++) o += lines[i]!.length + 1;
    return o + p.column;
  };
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
