/**
 * mmlens simulate — run the mm + userfaultfd simulator on a scenario file or a preset.
 *
 *   mmlens simulate <scenario.json|preset> [--seed N] [--svg out.svg] [--json] [--trace]
 *   mmlens simulate <scenario.json|preset> --explore [--max-states N] [--json]
 *   mmlens simulate <before.json|preset> --compare <after.json|preset|result.json> [--svg out.svg] [--json]
 *   mmlens simulate <result.json> [--svg out.svg] [--trace]     (a RunResult saved with --json)
 *   mmlens simulate --list-presets
 *
 * Exit codes: 0 the simulation completed and was printed (whatever the outcome of the tasks: a SIGBUS or a
 * deadlock is a finding, not a failure of the command); 2 usage error, unreadable file, invalid scenario (with the
 * validator's field paths); 1 the simulator itself failed.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { explore, simulate, validateScenario, type RunResult, type Scenario } from '../../simulator/src/index';
import { compareRuns, renderComparisonSvg, renderComparisonText } from '../../simulator/src/render/compare';
import { renderTimelineSvg } from '../../simulator/src/render/svg-timeline';
import { renderExploreText, renderRunText } from '../../simulator/src/render/text';

import { runSimulateFrom } from './simulate-from';

export interface SimulateIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const SIMULATE_USAGE = `usage: mmlens simulate <scenario.json|preset|result.json> [options]
       mmlens simulate --list-presets
       mmlens simulate --from <file.c|file.patch>:<line> [--preset NAME] [--era X.Y] [--tree DIR] [--seed N]
                       [--set KEY=VALUE]... [--svg F] [--json]

Runs the mm + userfaultfd simulator: one timed run (default), all interleavings (--explore), or two runs
side by side (--compare); a RunResult saved with --json is printed/drawn again without re-running. Prints the verdict, per-task outcomes and attempts, and the metrics.

options:
  --seed N           seed of the timed run (default: the scenario's seed)
  --svg FILE         write the timeline picture (with --compare: both runs stacked on one time scale)
  --json             print the RunResult (or ExploreResult, or the comparison) as JSON
  --trace            append the event trace to the text output
  --explore          explore every interleaving instead of one timed run
  --max-states N     bound on distinct states for --explore (default 20000)
  --compare OTHER    compare with another scenario, preset or saved RunResult JSON (the "after" run)
  --list-presets     list the preset scenarios with their descriptions
  --set KEY=VALUE    with --from: change an extracted parameter before the run (repeatable): flags (initial
                     flags), retry.set, retry.clear, retry.max, signalCheck, lockRetake, vmaLock, handlesCompleted,
                     variant, gup_flags, locked, vmas, era; before./after. for one side of a hunk;
                     e.g. --set retry.set= --set 'retry.clear=ALLOW_RETRY|TRIED'
  -h, --help         this text
`;

class UsageError extends Error {}

interface Args {
  target?: string;
  seed?: number;
  svg?: string;
  json: boolean;
  trace: boolean;
  explore: boolean;
  maxStates?: number;
  compare?: string;
  listPresets: boolean;
  help: boolean;
}

function parseIntArg(name: string, v: string | undefined, min: number): number {
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} expects a non-negative integer, got '${v}'`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} expects an integer ≥ ${min}, got '${v}'`);
  return n;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, trace: false, explore: false, listPresets: false, help: false };
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const take = (name: string): string => {
      if (inline !== undefined) return inline;
      const v = value(i, name);
      i++;
      return v;
    };
    switch (arg) {
      case '--seed':
        a.seed = parseIntArg('--seed', take('--seed'), 0);
        break;
      case '--max-states':
        a.maxStates = parseIntArg('--max-states', take('--max-states'), 1);
        break;
      case '--svg':
        a.svg = take('--svg');
        break;
      case '--compare':
        a.compare = take('--compare');
        break;
      case '--json':
        a.json = true;
        break;
      case '--trace':
        a.trace = true;
        break;
      case '--explore':
        a.explore = true;
        break;
      case '--list-presets':
        a.listPresets = true;
        break;
      case '-h':
      case '--help':
        a.help = true;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${argv[i]}'`);
        if (a.target !== undefined) throw new UsageError(`one scenario at a time (got '${a.target}' and '${arg}'; use --compare for two)`);
        a.target = argv[i];
    }
  }
  if (a.help || a.listPresets) return a;
  if (a.target === undefined) throw new UsageError('missing scenario: a scenario JSON file or a preset name (see --list-presets)');
  if (a.maxStates !== undefined && !a.explore) throw new UsageError('--max-states only applies to --explore');
  if (a.explore && a.compare !== undefined) throw new UsageError('--explore and --compare cannot be combined');
  if (a.explore && a.svg !== undefined) throw new UsageError('--svg draws a timed run; it cannot be combined with --explore');
  if (a.explore && a.seed !== undefined) throw new UsageError('--seed applies to timed runs; --explore covers every interleaving');
  if (a.explore && a.trace) throw new UsageError('--trace applies to timed runs, not to --explore');
  return a;
}

/** The preset folder: the first `simulator/scenarios` found walking up from `start` (source tree or dist/). */
export function findPresetsDir(start: string = __dirname): string | null {
  let dir = resolve(start);
  for (;;) {
    const p = join(dir, 'simulator', 'scenarios');
    if (existsSync(p) && statSync(p).isDirectory()) return p;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export interface PresetInfo {
  name: string;
  file: string;
  description: string;
}

export function listPresets(dir: string | null = findPresetsDir()): PresetInfo[] {
  if (!dir) return [];
  const out: PresetInfo[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const file = join(dir, f);
    let description = '';
    try {
      const j: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (j && typeof j === 'object' && 'description' in j && typeof j.description === 'string') description = j.description;
    } catch {
      description = '(unreadable)';
    }
    out.push({ name: basename(f, '.json'), file, description });
  }
  return out;
}

/** Where a scenario argument points: an existing file, else a preset of that name. */
function resolveTarget(arg: string): string {
  if (existsSync(arg)) {
    if (statSync(arg).isDirectory()) throw new UsageError(`${arg} is a directory, not a scenario file`);
    return arg;
  }
  const dir = findPresetsDir();
  const name = arg.endsWith('.json') ? basename(arg, '.json') : arg;
  if (dir && !arg.includes('/') && existsSync(join(dir, `${name}.json`))) return join(dir, `${name}.json`);
  const looksLikeFile = arg.endsWith('.json') || arg.includes('/');
  throw new UsageError(looksLikeFile ? `cannot read ${arg}: no such file` : `no such scenario file or preset '${arg}' (see mmlens simulate --list-presets)`);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : '';
    throw new UsageError(`cannot read ${file}${code ? `: ${code}` : ''}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UsageError(`${file} is not valid JSON: ${msg}`);
  }
}

class InvalidScenario extends Error {
  constructor(
    readonly file: string,
    readonly errors: Array<{ path: string; message: string }>,
  ) {
    super(`invalid scenario ${file}`);
  }
}

/** A scenario to run, or a saved RunResult (from --json) to print, draw or compare again. */
function loadTarget(arg: string): { scenario: Scenario; file: string } | { saved: RunResult; file: string } {
  const file = resolveTarget(arg);
  const j = readJson(file);
  if (isRunResult(j)) return { saved: j, file };
  const v = validateScenario(j);
  if (!v.ok) throw new InvalidScenario(file, v.errors);
  return { scenario: v.scenario, file };
}

function isRunResult(j: unknown): j is RunResult {
  return (
    typeof j === 'object' &&
    j !== null &&
    'format' in j &&
    j.format === 1 &&
    'trace' in j &&
    Array.isArray(j.trace) &&
    'tasks' in j &&
    Array.isArray(j.tasks) &&
    'metrics' in j
  );
}

/** The "after" side of --compare: a saved RunResult, or a scenario/preset run with the same seed. */
function loadOther(arg: string, seed: number | undefined): RunResult {
  const file = resolveTarget(arg);
  const j = readJson(file);
  if (isRunResult(j)) return j;
  const v = validateScenario(j);
  if (!v.ok) throw new InvalidScenario(file, v.errors);
  return simulate(v.scenario, seed === undefined ? {} : { seed });
}

function writeOut(file: string, content: string): void {
  try {
    writeFileSync(file, content);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'error';
    throw new UsageError(`cannot write ${file}: ${code}`);
  }
}

function kb(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`;
}

export async function runSimulateCommand(argv: string[], io: SimulateIo): Promise<number> {
  if (argv.includes('--from')) return runSimulateFrom(argv, io);
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mmlens simulate: ${e.message}\n(try 'mmlens simulate --help')\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }
  try {
    if (args.listPresets) {
      const dir = findPresetsDir();
      const presets = listPresets(dir);
      if (args.json) {
        io.stdout(JSON.stringify(presets.map((p) => ({ name: p.name, description: p.description })), null, 2) + '\n');
        return 0;
      }
      if (presets.length === 0) {
        io.stdout(dir ? `no presets in ${dir}\n` : 'no preset folder (simulator/scenarios) found\n');
        return 0;
      }
      const w = Math.max(...presets.map((p) => p.name.length));
      for (const p of presets) io.stdout(`${p.name.padEnd(w)}  ${p.description}\n`);
      return 0;
    }

    const target = loadTarget(args.target as string);
    if ('saved' in target && (args.explore || args.seed !== undefined)) {
      throw new UsageError(`${target.file} is a saved RunResult, not a scenario: --explore and --seed need a scenario`);
    }

    if (args.explore && 'scenario' in target) {
      const res = explore(target.scenario, args.maxStates === undefined ? {} : { maxStates: args.maxStates });
      io.stdout(args.json ? JSON.stringify(res, null, 2) + '\n' : renderExploreText(res));
      return 0;
    }

    const before =
      'saved' in target ? target.saved : simulate(target.scenario, args.seed === undefined ? {} : { seed: args.seed });

    if (args.compare !== undefined) {
      const after = loadOther(args.compare, args.seed);
      const cmp = compareRuns(before, after);
      if (args.json) io.stdout(JSON.stringify(cmp, null, 2) + '\n');
      else {
        io.stdout(`before: ${before.verdict}\nafter:  ${after.verdict}\n\n`);
        io.stdout(renderComparisonText(cmp, { onlyChanged: !args.trace }));
      }
      if (args.svg !== undefined) {
        const svg = renderComparisonSvg(before, after);
        writeOut(args.svg, svg);
        (args.json ? io.stderr : io.stdout)(`wrote ${args.svg} (${kb(Buffer.byteLength(svg))})\n`);
      }
      return 0;
    }

    io.stdout(args.json ? JSON.stringify(before, null, 2) + '\n' : renderRunText(before, { trace: args.trace }));
    if (args.svg !== undefined) {
      const svg = renderTimelineSvg(before);
      writeOut(args.svg, svg);
      (args.json ? io.stderr : io.stdout)(`wrote ${args.svg} (${kb(Buffer.byteLength(svg))})\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mmlens simulate: ${e.message}\n`);
      return 2;
    }
    if (e instanceof InvalidScenario) {
      io.stderr(`mmlens simulate: invalid scenario ${e.file} (${e.errors.length} error${e.errors.length === 1 ? '' : 's'}):\n`);
      for (const er of e.errors.slice(0, 50)) io.stderr(`  ${er.path}: ${er.message}\n`);
      if (e.errors.length > 50) io.stderr(`  … ${e.errors.length - 50} more\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    io.stderr(`mmlens simulate: the simulator failed: ${msg}\n`);
    return 1;
  }
}
