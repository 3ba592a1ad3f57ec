/**
 * Baselines: the findings a tree had when a team adopted mmlens, so CI fails only on new ones.
 *
 * A finding is matched by its fingerprint (rule, function, normalised statement text, occurrence: no line number,
 * so lines inserted above it do not matter) within its file; when no entry has that fingerprint, by rule and
 * statement text alone within the file (the function was renamed, or another finding of the same statement in the
 * function appeared or went). Each entry matches at most one finding. Entries left over are fixed.
 */
import { readFileSync } from 'node:fs';
import { formatProblem, type ConfigProblem } from './schema';
import { parseJson, positionAt, toValue } from './json';

export const BASELINE_FORMAT = 'mmlens-baseline';

export interface BaselineEntry {
  /** The input file relative to the baseline file's directory, `/` separators. */
  path: string;
  /** Patch findings: the tree file the finding is in. */
  treeFile?: string;
  rule: string;
  function: string;
  statement: string;
  fingerprint: string;
}

export interface Baseline {
  format: typeof BASELINE_FORMAT;
  version: 1;
  entries: BaselineEntry[];
}

export interface Baselinable {
  rule: string;
  function: string;
  statement: string;
  fingerprint: string;
}

export function makeBaseline(entries: BaselineEntry[]): Baseline {
  const sorted = [...entries].sort((a, b) => cmp(a.path, b.path) || cmp(a.treeFile ?? '', b.treeFile ?? '') || cmp(a.rule, b.rule) || cmp(a.function, b.function) || cmp(a.statement, b.statement) || cmp(a.fingerprint, b.fingerprint));
  return { format: BASELINE_FORMAT, version: 1, entries: sorted };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function serializeBaseline(b: Baseline): string {
  return '{\n "format": "mmlens-baseline",\n "version": 1,\n "entries": [\n' + b.entries.map((e) => '  ' + JSON.stringify(e)).join(',\n') + (b.entries.length ? '\n' : '') + ' ]\n}\n';
}

/** Parses a baseline file's text; problems at their position. */
export function parseBaseline(text: string, path: string): { baseline?: Baseline; problems: ConfigProblem[] } {
  const problem = (offset: number, length: number, message: string): { problems: ConfigProblem[] } => {
    const p = positionAt(text, offset);
    return { problems: [{ path, line: p.line, column: p.column, offset, length, message }] };
  };
  const parsed = parseJson(text);
  if (parsed.error) return problem(parsed.error.offset, parsed.error.length, `invalid JSON: ${parsed.error.message}`);
  const root = parsed.root!;
  if (root.type !== 'object') return problem(root.offset, root.length, 'not a baseline: expected an object written by mmlens check --write-baseline');
  const fmt = root.properties.find((p) => p.key === 'format');
  if (!fmt || toValue(fmt.value) !== BASELINE_FORMAT) return problem(fmt?.value.offset ?? root.offset, fmt?.value.length ?? 1, `not a baseline: "format" must be "${BASELINE_FORMAT}"`);
  const ver = root.properties.find((p) => p.key === 'version');
  if (!ver || toValue(ver.value) !== 1) return problem(ver?.value.offset ?? root.offset, ver?.value.length ?? 1, 'unsupported baseline version (this mmlens reads version 1)');
  const list = root.properties.find((p) => p.key === 'entries');
  if (!list || list.value.type !== 'array') return problem(list?.value.offset ?? root.offset, list?.value.length ?? 1, '"entries" must be an array');
  const entries: BaselineEntry[] = [];
  for (const it of list.value.items) {
    const v = toValue(it) as Partial<Record<keyof BaselineEntry, unknown>> | null;
    const ok =
      typeof v === 'object' && v !== null && !Array.isArray(v) &&
      (['path', 'rule', 'function', 'statement', 'fingerprint'] as const).every((k) => typeof v[k] === 'string') &&
      (v.treeFile === undefined || typeof v.treeFile === 'string');
    if (!ok) return problem(it.offset, it.length, 'baseline entry: expected { "path", "rule", "function", "statement", "fingerprint" } strings');
    const e = v as BaselineEntry;
    entries.push({ path: e.path, ...(e.treeFile !== undefined ? { treeFile: e.treeFile } : {}), rule: e.rule, function: e.function, statement: e.statement, fingerprint: e.fingerprint });
  }
  return { baseline: { format: BASELINE_FORMAT, version: 1, entries }, problems: [] };
}

/** Reads a baseline file; throws an Error with `file:line:col: message` when it is unreadable or invalid. */
export function readBaseline(path: string): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the baseline: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const r = parseBaseline(text, path);
  if (!r.baseline) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.baseline;
}

/**
 * Matches the findings of one file against the baseline entries of that file. Returns, per finding, whether it is
 * baselined, and the entries nothing matched (fixed).
 */
export function matchFile<F extends Baselinable>(findings: readonly F[], entries: readonly BaselineEntry[], treeFileOf: (f: F) => string | undefined = () => undefined): { baselined: boolean[]; fixed: BaselineEntry[] } {
  const left = new Set(entries.map((_e, i) => i));
  const baselined = findings.map(() => false);
  const take = (pred: (e: BaselineEntry) => boolean): boolean => {
    for (const i of left)
      if (pred(entries[i]!)) {
        left.delete(i);
        return true;
      }
    return false;
  };
  // Exact fingerprints first, so a fallback match never steals another finding's own entry.
  findings.forEach((f, k) => {
    baselined[k] = take((e) => e.fingerprint === f.fingerprint && e.rule === f.rule && (e.treeFile ?? undefined) === treeFileOf(f));
  });
  findings.forEach((f, k) => {
    if (!baselined[k] && f.statement !== '') baselined[k] = take((e) => e.rule === f.rule && e.statement === f.statement && (e.treeFile ?? undefined) === treeFileOf(f));
  });
  return { baselined, fixed: [...left].sort((a, b) => a - b).map((i) => entries[i]!) };
}
