/**
 * mmlens simulate --from <file>:<line> [--preset NAME] [--era X.Y] [--tree DIR] [--seed N] [--set K=V]... [--svg F] [--json]
 * The fault path (or GUP call) at a line of a .c file or a .patch/.mbox (a hunk header: before/after), extracted and
 * run in a preset scenario — the same code as the editor's "Simulate this fault path". `--set` changes a parameter of
 * the extraction before the run, like the panel's form (the server's checks and messages).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveSettings } from '../../common/settings';
import { Analyzer, lensKind } from '../../server/src/lsp/analyzer';
import { simulateAt } from '../../server/src/simulate/run';
import type { SimulateOverrides } from '../../server/src/simulate/types';

export interface FromIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

function value(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `--set` keys: the simulator's field, and how its value is read. */
const SET_KEYS: Record<string, { path: string[]; kind: 'flags' | 'bool' | 'int' | 'max' | 'name' }> = {
  initialFlags: { path: ['faultPath', 'initialFlags'], kind: 'flags' },
  'retry.set': { path: ['faultPath', 'retry', 'set'], kind: 'flags' },
  'retry.clear': { path: ['faultPath', 'retry', 'clear'], kind: 'flags' },
  'retry.max': { path: ['faultPath', 'retry', 'max'], kind: 'max' },
  signalCheck: { path: ['faultPath', 'signalCheck'], kind: 'name' },
  lockRetake: { path: ['faultPath', 'lockRetake'], kind: 'name' },
  vmaLock: { path: ['faultPath', 'vmaLock'], kind: 'bool' },
  vmaLockTried: { path: ['faultPath', 'vmaLockTried'], kind: 'name' },
  handlesCompleted: { path: ['faultPath', 'handlesCompleted'], kind: 'bool' },
  unlockAfterRetry: { path: ['faultPath', 'unlockAfterRetry'], kind: 'bool' },
  variant: { path: ['gup', 'variant'], kind: 'name' },
  gup_flags: { path: ['gup', 'gup_flags'], kind: 'flags' },
  locked: { path: ['gup', 'locked'], kind: 'bool' },
  lockedValue: { path: ['gup', 'lockedValue'], kind: 'int' },
  vmas: { path: ['gup', 'vmas'], kind: 'bool' },
  era: { path: ['era'], kind: 'name' },
};
const SET_ALIASES: Record<string, string> = { flags: 'initialFlags', set: 'retry.set', clear: 'retry.clear', max: 'retry.max', foll: 'gup_flags' };

/**
 * `--set K=V` arguments as overrides (values checked later by the server, like the panel's): K is a key of SET_KEYS
 * or an alias, optionally `before.`/`after.` for one side of a hunk; flag lists are `|` or `,` separated
 * (FAULT_FLAG_ prefixes allowed), `max=unbounded`. A string names a malformed argument.
 */
export function parseSetArgs(values: string[]): SimulateOverrides | string {
  const out: Record<string, unknown> = {};
  for (const arg of values) {
    const eq = arg.indexOf('=');
    if (eq <= 0) return `--set needs KEY=VALUE, got '${arg}'`;
    let key = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1).trim();
    let side: string | undefined;
    const m = /^(before|after)\.(.+)$/.exec(key);
    if (m) [side, key] = [m[1], m[2]!];
    key = SET_ALIASES[key] ?? key;
    const spec = SET_KEYS[key];
    if (!spec) return `--set: unknown parameter '${arg.slice(0, eq)}' (known: ${[...Object.keys(SET_KEYS), ...Object.keys(SET_ALIASES)].join(', ')})`;
    if (side && spec.path[0] === 'era') return `--set: era applies to both sides ('${arg}')`;
    let v: unknown;
    switch (spec.kind) {
      case 'flags':
        v = value.split(/[|,\s]+/).filter((n) => n).map((n) => n.replace(/^FAULT_FLAG_/, ''));
        break;
      case 'bool':
        if (value !== 'true' && value !== 'false') return `--set ${key}: expected true or false, got '${value}'`;
        v = value === 'true';
        break;
      case 'int':
        if (!/^-?\d+$/.test(value)) return `--set ${key}: expected an integer, got '${value}'`;
        v = Number(value);
        break;
      case 'max':
        if (value === 'unbounded' || value === 'null' || value === '') v = null;
        else if (/^\d+$/.test(value)) v = Number(value);
        else return `--set ${key}: expected a number of retries or 'unbounded', got '${value}'`;
        break;
      default:
        v = value;
    }
    let o = side ? (((out.sides ??= {}) as Record<string, unknown>)[side] ??= {}) as Record<string, unknown> : out;
    for (const k of spec.path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[spec.path[spec.path.length - 1]!] = v;
  }
  return out as SimulateOverrides;
}

function values(argv: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name && argv[i + 1] !== undefined) out.push(argv[++i]!);
    else if (argv[i]!.startsWith(`${name}=`)) out.push(argv[i]!.slice(name.length + 1));
  }
  return out;
}

export function runSimulateFrom(argv: string[], io: FromIo): number {
  const from = value(argv, '--from');
  const m = from ? /^(.*):(\d+)$/.exec(from) : null;
  if (!m || Number(m[2]) < 1) {
    io.stderr('mmlens simulate: --from needs <file>:<line> (1-based line)\n');
    return 2;
  }
  const path = resolve(m[1]!);
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    text = readFileSync(path, 'utf8');
  } catch {
    io.stderr(`mmlens simulate: cannot read ${m[1]}\n`);
    return 2;
  }
  const uri = pathToFileURL(path).href;
  const kind = lensKind('', uri);
  if (kind === 'other') {
    io.stderr(`mmlens simulate: ${m[1]} is neither C (.c/.h) nor a patch (.patch/.diff/.mbox/.mbx/.eml)\n`);
    return 2;
  }
  const era = value(argv, '--era');
  const tree = value(argv, '--tree');
  const seed = value(argv, '--seed');
  if (seed !== undefined && !/^\d+$/.test(seed)) {
    io.stderr(`mmlens simulate: --seed expects a non-negative integer, got '${seed}'\n`);
    return 2;
  }
  const overrides = parseSetArgs(values(argv, '--set'));
  if (typeof overrides === 'string') {
    io.stderr(`mmlens simulate: ${overrides}\n`);
    return 2;
  }
  const analyzer = new Analyzer({ settings: resolveSettings({ ...(era ? { era } : {}), ...(tree ? { kernelTree: tree } : {}), maxFileSize: 64 * 1024 * 1024 }) });
  const doc = { uri, languageId: kind === 'c' ? 'c' : 'diff', text, version: 1 };
  analyzer.update(doc);
  const preset = value(argv, '--preset');
  const hasOverrides = Object.keys(overrides).length > 0;
  const r = simulateAt(analyzer, doc, { uri, line: Number(m[2]) - 1, ...(preset ? { preset } : {}), ...(seed ? { seed: Number(seed) } : {}), ...(hasOverrides ? { overrides } : {}) });
  if (argv.includes('--json')) {
    io.stdout(JSON.stringify(r, null, 2) + '\n');
    return r.ok ? 0 : 1;
  }
  if (!r.ok) {
    io.stderr(`mmlens simulate: ${r.message}\n`);
    return 1;
  }
  for (const s of r.sides) {
    const x = s.extracted;
    io.stdout(`── ${s.label}: ${x.function}() lines ${x.startLine}–${x.endLine}, era ${x.era}, preset ${r.preset}\n`);
    io.stdout(`${x.kind === 'gup' ? 'gup' : 'faultPath'}: ${JSON.stringify(x.kind === 'gup' ? x.gup : x.faultPath)}\n`);
    if (hasOverrides) io.stdout(`run with: ${JSON.stringify(x.kind === 'gup' ? s.applied.gup : s.applied.faultPath)}, era ${s.applied.era}\n`);
    for (const n of x.notModelled) io.stdout(`not modelled: ${n}\n`);
    io.stdout(s.text.endsWith('\n') ? s.text : s.text + '\n');
  }
  if (r.comparison) io.stdout(r.comparison.text.endsWith('\n') ? r.comparison.text : r.comparison.text + '\n');
  const svg = value(argv, '--svg');
  if (svg) writeFileSync(svg, r.comparison?.svg ?? r.sides[0]!.svg);
  return 0;
}
