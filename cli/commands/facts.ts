/**
 * `mmlens facts <file|dir>...`: the facts the analysis extracts (GUP call sites with argument roles, mmap lock
 * operations, fault calls, fault-retry loops, the era), for C files, patches and series, as text or JSON.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseEra } from '../../common/era';
import type { CFacts } from '../../server/src/c/types';
import { budgetExceededIn, factsForCFile, factsForPatchInput, type FactsOptions } from '../../server/src/facts/compute';
import { budgetText, formatFacts } from '../../server/src/facts/format';
import type { InputFacts } from '../../server/src/facts/types';
import { CliError, type Io } from '../io';
import { ProgressBar } from '../progress';
import { collectInputs, type InputFile } from '../walk';

interface FactsArgs {
  paths: string[];
  json: boolean;
  cfg: boolean;
  progress: boolean;
  maxBytes: number;
  followLinks: boolean;
  opts: FactsOptions;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

function parseArgs(argv: string[]): FactsArgs {
  const a: FactsArgs = { paths: [], json: false, cfg: false, progress: true, maxBytes: DEFAULT_MAX_BYTES, followLinks: false, opts: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new CliError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--json') a.json = true;
    else if (arg === '--cfg') a.cfg = true;
    else if (arg === '--no-progress') a.progress = false;
    else if (arg === '--follow' || arg === '-L') a.followLinks = true;
    else if (arg === '--budget-ms') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new CliError('--budget-ms takes a whole number of milliseconds (0: no budget)');
      a.opts.budgetMs = n;
    }
    else if (arg === '--era') {
      const v = value();
      try {
        parseEra(v);
      } catch (e) {
        throw new CliError(`--era: ${(e as Error).message}`);
      }
      a.opts.era = v;
    } else if (arg === '--tree') a.opts.tree = treeDir(value());
    else if (arg === '--max-bytes') {
      const n = Number(value());
      if (!Number.isInteger(n) || n <= 0) throw new CliError('--max-bytes takes a positive whole number of bytes');
      a.maxBytes = n;
    } else if (arg.startsWith('-')) throw new CliError(`facts: unknown option ${arg}`);
    else a.paths.push(arg);
  }
  if (a.paths.length === 0) throw new CliError('facts: name at least one file or directory (usage: mmlens facts <file|dir>... [--json] [--era X.Y] [--tree DIR])');
  return a;
}

/** --tree must name a readable directory: a typo must not silently fall back to hunk fragments. */
function treeDir(p: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`--tree ${p}: ${code === 'ENOENT' ? 'no such directory' : `cannot read (${code ?? (e as Error).message})`}`);
  }
  if (!isDir) throw new CliError(`--tree ${p}: not a directory (name the root of a kernel tree)`);
  return p;
}

/** Where the first NUL byte is, as a 1-based line and column (bytes), for the binary-file message. */
function nulPosition(bytes: Buffer): { line: number; column: number } {
  const at = bytes.indexOf(0);
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(10); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: at - lineStart + 1 };
}

/** Keeps the functions that carry facts: a kernel tree would otherwise print every function of every file. */
function trimForOutput(f: CFacts, keepCfg: boolean): CFacts {
  const functions = f.functions
    .filter((fn) => fn.gupCalls.length || fn.lockOps.length || fn.faultCalls.length || fn.retryLoops.length)
    .map((fn) => (keepCfg ? fn : { ...fn, cfg: { entry: fn.cfg.entry, exit: fn.cfg.exit, nodes: [], edges: [] } }));
  return { ...f, functions };
}

function trimInput(f: InputFacts, keepCfg: boolean): InputFacts {
  if (f.kind === 'c') return { ...f, facts: trimForOutput(f.facts, keepCfg) };
  return {
    ...f,
    patches: f.patches.map((p) => ({
      ...p,
      files: p.files.map((file) => ({
        ...file,
        ...(file.pre ? { pre: { ...file.pre, units: file.pre.units.map((u) => ({ ...u, facts: trimForOutput(u.facts, keepCfg) })) } } : {}),
        ...(file.post ? { post: { ...file.post, units: file.post.units.map((u) => ({ ...u, facts: trimForOutput(u.facts, keepCfg) })) } } : {}),
      })),
    })),
  };
}

function hasFacts(f: InputFacts): boolean {
  if (f.kind === 'patch') return true;
  const x = f.facts;
  return x.functions.length > 0 || x.orphans.gupCalls.length + x.orphans.lockOps.length + x.orphans.faultCalls.length > 0;
}

interface Totals {
  files: number;
  bytes: number;
  gup: number;
  locks: number;
  faults: number;
  loops: number;
  failed: number;
}

function count(f: InputFacts, t: Totals): void {
  const add = (c: CFacts): void => {
    for (const fn of c.functions) {
      t.gup += fn.gupCalls.length;
      t.locks += fn.lockOps.length;
      t.faults += fn.faultCalls.length;
      t.loops += fn.retryLoops.filter((r) => !r.oneShotVmaFallback).length;
    }
  };
  if (f.kind === 'c') add(f.facts);
  else for (const p of f.patches) for (const file of p.files) for (const s of [file.pre, file.post]) for (const u of s?.units ?? []) add(u.facts);
}

/** Reads and analyses one input; returns undefined (after reporting) when the file is not analysable. */
function analyse(file: InputFile, opts: FactsOptions, io: Io): InputFacts | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file.path);
  } catch (e) {
    io.stderr(`mmlens: ${file.path}:1:1: unreadable: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return undefined;
  }
  if (file.kind === 'patch') return factsForPatchInput(bytes, file.path, opts);
  if (bytes.subarray(0, 8192).includes(0)) {
    const at = nulPosition(bytes);
    io.stderr(`mmlens: ${file.path}:${at.line}:${at.column}: binary-file: binary file (NUL byte), not C source\n`);
    return undefined;
  }
  return factsForCFile(bytes.toString('utf8'), file.path, opts);
}

export async function runFactsCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv);
  const { files, skipped } = collectInputs(args.paths, { maxBytes: args.maxBytes, followLinks: args.followLinks });
  for (const s of skipped) io.stderr(`mmlens: ${s.path}: skipped (${s.reason})\n`);
  const bar = new ProgressBar(io, files.length, args.progress && io.stderrIsTTY === true && files.length > 1);
  const totals: Totals = { files: 0, bytes: 0, gup: 0, locks: 0, faults: 0, loops: 0, failed: 0 };
  const t0 = process.hrtime.bigint();
  const results: InputFacts[] = [];
  let inputErrors = 0;
  for (const file of files) {
    bar.update(totals.files, totals.bytes, file.path);
    const f = analyse(file, args.opts, io);
    totals.files++;
    totals.bytes += file.size;
    if (!f) {
      totals.failed++;
      continue;
    }
    const over = budgetExceededIn(f);
    if (over.length) {
      // One problem per input: the rest of its C was not parsed either (the budget is shared).
      io.stderr(`mmlens: ${file.path}:${over[0]!.line + 1}:1: parse-budget-exceeded: skipped: parse budget exceeded (${budgetText(over[0]!)}; --budget-ms)\n`);
      inputErrors++;
    }
    if (f.kind === 'patch') {
      const errors = f.issues.filter((i) => i.severity === 'error');
      if (errors.length) {
        inputErrors++;
        for (const e of errors) io.stderr(`mmlens: ${file.path}:${e.position.line + 1}:${e.position.column + 1}: ${e.code}: ${e.message}\n`);
      }
      if (f.patches.length === 0 && errors.length === 0) {
        io.stderr(`mmlens: ${file.path}:1:1: no-patch: no patch found in this file\n`);
        inputErrors++;
      }
    }
    count(f, totals);
    if (args.json) results.push(trimInput(f, args.cfg));
    else if (files.length === 1 || hasFacts(f)) io.stdout(formatFacts(f) + (files.length > 1 ? '\n' : ''));
  }
  bar.done();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (args.json) io.stdout(JSON.stringify({ format: 1, files: results }, null, 1) + '\n');
  else if (files.length > 1)
    io.stdout(
      `${totals.files} file(s), ${(totals.bytes / 1e6).toFixed(1)} MB in ${secs.toFixed(2)} s: ` +
        `${totals.gup} GUP call(s), ${totals.locks} lock operation(s), ${totals.faults} fault call(s), ${totals.loops} retry loop(s)\n`,
    );
  return totals.failed > 0 || inputErrors > 0 ? 1 : 0;
}
