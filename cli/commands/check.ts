/**
 * `mmlens check <file|dir>...`: the rule catalogue over C files, patches and series (text, JSON, SARIF).
 *
 * Exit: 0 no finding at or above --severity; 1 findings; 2 usage error, unreadable path, or an input that could
 * not be analysed (the other inputs are still checked and reported).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEra } from '../../common/era';
import { RULES } from '../../server/src/rules/registry';
import { selectRules, type RuleSelection } from '../../server/src/rules/run';
import type { Severity } from '../../server/src/rules/types';
import { analyseConfigured, applyBaselines, configureInputs, writeBaselineFile } from '../check/configured';
import { defaultJobs } from '../check/pool';
import type { ExplicitSettings } from '../../server/src/config/effective';
import type { FileReport, ReportedFinding } from '../check/report';
import { toSarif } from '../check/sarif';
import { formatReport } from '../check/text';
import { CliError, type Io } from '../io';
import { ProgressBar } from '../progress';
import { collectInputs } from '../walk';
import { analyseWithGitDir, runGitRangeCommand } from './check-git';

export const CHECK_USAGE = `usage: mmlens check <file|dir>... [options]
       mmlens check --git RANGE [options]

  Checks kernel C files (.c, .h), patches (.patch, .diff, git diff, format-patch) and mbox series (.mbox) against
  the rule catalogue (mmlens rules). Patch findings are classified introduced / fixed / pre-existing.

  --format text|json|sarif   output format (default text: file:line:col: severity: message [rule-id])
  --output FILE              write the output to FILE instead of stdout
  --era X.Y                  kernel era (default: Makefile of the tree, hints in the code, newest)
  --tree DIR                 kernel tree the patches apply to (whole functions instead of hunks)
  --rules ID,ID              only these rules           --disable ID,ID   not these rules
  --tier N                   rules of tier ≤ N (1: the core catalogue, 2: default for serious use, 3: all)
  --severity LEVEL           report findings at or above LEVEL: information (default), warning, error
  --show introduced|pre-existing|all
                             patch findings shown (default introduced; fixed ones are always listed as information)
  --jobs N                   worker threads (default: one per core)
  --max-bytes N              skip files larger than N bytes when walking directories (default 10 MB)
  --docs-url URL             base URL of the rule pages (SARIF helpUri)
  --exit-zero                exit 0 even when there are findings (errors in inputs still exit 2)
  --no-progress              no progress bar on stderr
  --config FILE              use this .mmlens.json for every input (default: the nearest one above each input)
  --no-config                ignore .mmlens.json files (flags and defaults only)
  --baseline FILE            report only findings not recorded in FILE (default: the config's "baseline");
                             recorded findings that are gone are listed as fixed
  --write-baseline FILE      record the findings shown in FILE (then exit 0)

  Flags win over .mmlens.json ('mmlens config --explain FILE' shows what applies to a file and why).

  git:
  --git RANGE                check the commits of RANGE (A..B, HEAD~3.., @{u}.., or one commit) of the repository
                             (the current directory or --git-dir): each commit on its parent's tree read from git,
                             never the work tree; merges skipped; findings reported in the files at B, with the commit
  --git-dir DIR              the repository; with series files: apply them on their base-commit's tree from DIR
                             (else on --tree, else on functions rebuilt from the hunks; a note says which)
  --base REV                 the commit a series applies to, instead of its base-commit: line
`;

const SEVERITY_RANK: Record<Severity, number> = { information: 0, warning: 1, error: 2 };

export interface CheckArgs {
  paths: string[];
  git?: string;
  gitDir?: string;
  base?: string;
  format: 'text' | 'json' | 'sarif';
  output?: string;
  era?: string;
  tree?: string;
  selection: RuleSelection;
  severity: Severity;
  show: 'introduced' | 'pre-existing' | 'all';
  jobs: number;
  maxBytes: number;
  docsUrl?: string;
  exitZero: boolean;
  progress: boolean;
  config?: string;
  noConfig: boolean;
  baseline?: string;
  writeBaseline?: string;
}

function list(v: string, flag: string): string[] {
  const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !RULES.some((r) => r.id === id));
  if (unknown.length) throw new CliError(`${flag}: unknown rule ${unknown.join(', ')} (see 'mmlens rules')`);
  return ids;
}

function parseArgs(argv: string[]): CheckArgs {
  const a: CheckArgs = { paths: [], format: 'text', selection: {}, severity: 'information', show: 'introduced', jobs: defaultJobs(), maxBytes: 10 * 1024 * 1024, exitZero: false, progress: true, noConfig: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new CliError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--format': {
        const v = value();
        if (v !== 'text' && v !== 'json' && v !== 'sarif') throw new CliError(`--format: expected text, json or sarif, not '${v}'`);
        a.format = v;
        break;
      }
      case '--json':
        a.format = 'json';
        break;
      case '--output':
      case '-o':
        a.output = value();
        break;
      case '--era': {
        const v = value();
        try {
          parseEra(v);
        } catch (e) {
          throw new CliError(`--era: ${(e as Error).message}`);
        }
        a.era = v;
        break;
      }
      case '--tree': {
        const v = value();
        if (!existsSync(v) || !statSync(v).isDirectory()) throw new CliError(`--tree: ${v} is not a directory`);
        a.tree = v;
        break;
      }
      case '--rules':
        a.selection.only = list(value(), '--rules');
        break;
      case '--disable':
        a.selection.disable = list(value(), '--disable');
        break;
      case '--tier': {
        const n = Number(value());
        if (n !== 1 && n !== 2 && n !== 3) throw new CliError('--tier takes 1, 2 or 3');
        a.selection.maxTier = n;
        break;
      }
      case '--severity': {
        const v = value();
        if (v !== 'information' && v !== 'warning' && v !== 'error') throw new CliError(`--severity: expected information, warning or error, not '${v}'`);
        a.severity = v;
        break;
      }
      case '--show': {
        const v = value();
        if (v !== 'introduced' && v !== 'pre-existing' && v !== 'all') throw new CliError(`--show: expected introduced, pre-existing or all, not '${v}'`);
        a.show = v;
        break;
      }
      case '--jobs':
      case '-j': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new CliError('--jobs takes a positive whole number');
        a.jobs = n;
        break;
      }
      case '--max-bytes': {
        const n = Number(value());
        if (!Number.isInteger(n) || n <= 0) throw new CliError('--max-bytes takes a positive whole number of bytes');
        a.maxBytes = n;
        break;
      }
      case '--docs-url':
        a.docsUrl = value();
        break;
      case '--git':
        a.git = value();
        break;
      case '--git-dir':
        a.gitDir = value();
        break;
      case '--base':
        a.base = value();
        break;
      case '--exit-zero':
        a.exitZero = true;
        break;
      case '--no-progress':
        a.progress = false;
        break;
      case '--config':
        a.config = value();
        break;
      case '--no-config':
        a.noConfig = true;
        break;
      case '--baseline':
        a.baseline = value();
        break;
      case '--write-baseline':
        a.writeBaseline = value();
        break;
      default:
        if (arg.startsWith('-')) throw new CliError(`check: unknown option ${arg} (see 'mmlens check --help')`);
        a.paths.push(arg);
    }
  }
  if (a.git !== undefined && a.paths.length > 0) throw new CliError('check: --git checks commits: name no files with it');
  if (a.base !== undefined && a.gitDir === undefined) throw new CliError('check: --base needs --git-dir (the repository holding it)');
  if (a.paths.length === 0 && a.git === undefined) throw new CliError('check: name at least one file or directory (see mmlens check --help)');
  return a;
}

/** What the flags say explicitly (they win over .mmlens.json). */
function explicitOf(a: CheckArgs): ExplicitSettings {
  return {
    ...(a.era ? { era: { value: a.era, source: '--era' } } : {}),
    ...(a.tree ? { kernelTree: { value: resolve(a.tree), source: '--tree' } } : {}),
    ...(a.selection.maxTier ? { tier: { value: a.selection.maxTier, source: '--tier' } } : {}),
    ...(a.selection.only ? { only: { value: a.selection.only, source: '--rules' } } : {}),
    ...(a.selection.disable ? { disable: { value: a.selection.disable, source: '--disable' } } : {}),
    ...(a.baseline ? { baseline: { value: resolve(a.baseline), source: '--baseline' } } : {}),
  };
}

/** The findings shown for a report, by --show and --severity (fixed findings always, as information). */
export function shownFindings(r: FileReport, show: CheckArgs['show'], severity: Severity): ReportedFinding[] {
  return r.findings.filter((f) => {
    const st = f.patch?.status;
    if (st === 'fixed') return true;
    if (st === 'pre-existing' && show === 'introduced') return false;
    if (st === 'introduced' && show === 'pre-existing') return false;
    return SEVERITY_RANK[f.severity] >= SEVERITY_RANK[severity];
  });
}

/** Directory with docs/rules next to the running tool (source checkout or installed package). */
export function docsRoot(): string | undefined {
  for (const up of [join(__dirname, '..'), join(__dirname, '..', '..')]) if (existsSync(join(up, 'docs', 'rules'))) return up;
  return undefined;
}

export async function runCheckCommand(argv: string[], io: Io, version: string): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(CHECK_USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (args.git !== undefined) return runGitRangeCommand(args, io, version);
  const { files, skipped } = collectInputs(args.paths, args.maxBytes);
  for (const s of skipped) io.stderr(`mmlens: ${s.path}: skipped (${s.reason})\n`);
  const bar = new ProgressBar(io, files.length, args.progress && io.stderrIsTTY === true && files.length > 1);
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  const analyseOpts = { ...(args.era ? { era: args.era } : {}), ...(args.tree ? { tree: args.tree } : {}), selection: args.selection };
  const poolOpts = {
    jobs: args.jobs,
    onReport: (r: FileReport, done: number) => {
      bytes += r.bytes;
      bar.update(done, bytes, r.path);
    },
  };
  const effs = configureInputs(files, { ...(args.config ? { config: args.config } : {}), noConfig: args.noConfig, explicit: explicitOf(args) });
  // Series on their base-commit (--git-dir) use the flags only; everything else gets its .mmlens.json.
  const all: (FileReport | undefined)[] =
    args.gitDir !== undefined ? await analyseWithGitDir(files, args.gitDir, args.base, analyseOpts, poolOpts, io) : await analyseConfigured(files, effs, {}, poolOpts);
  bar.done();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const kept = all.flatMap((r, i) => (r ? [i] : []));
  const reports = kept.map((i) => all[i]!);
  if (kept.length < files.length) io.stderr(`mmlens: ${files.length - kept.length} file(s) skipped by the configuration ("skip")\n`);
  let shown = reports.map((r) => shownFindings(r, args.show, args.severity));
  if (args.writeBaseline) {
    const n = writeBaselineFile(args.writeBaseline, reports, shown);
    io.stderr(`mmlens: ${n} finding(s) recorded in the baseline ${args.writeBaseline}\n`);
    for (const r of reports) for (const e of r.errors) io.stderr(`mmlens: ${r.path}:${e.line + 1}:${e.column + 1}: ${e.code}: ${e.message}\n`);
    return reports.some((r) => r.errors.length > 0) ? 2 : 0;
  }
  const b = applyBaselines(reports, shown, (k) => effs[kept[k]!]!.baseline.value);
  shown = b.shown;
  let out = '';
  if (args.format === 'text') for (let i = 0; i < reports.length; i++) out += formatReport(reports[i]!, shown[i]!);
  else if (args.format === 'json')
    out =
      JSON.stringify(
        {
          format: 1,
          tool: { name: 'mmlens', version },
          files: reports.map((r, i) => ({ path: r.path, kind: r.kind, era: r.era, errors: r.errors, internalErrors: r.internalErrors, findings: shown[i] })),
          ...(b.baselined || b.fixed.length ? { baseline: { baselined: b.baselined, fixed: b.fixed } } : {}),
        },
        null,
        1,
      ) + '\n';
  else {
    const root = docsRoot();
    const sarif = toSarif(
      reports.map((r, i) => ({ ...r, findings: shown[i]! })),
      selectRules(args.selection),
      { version, baseDir: resolve('.'), ...(root ? { docsRoot: root } : {}), ...(args.docsUrl ? { docsUrl: args.docsUrl } : {}) },
    );
    out = JSON.stringify(sarif, null, 1) + '\n';
  }
  if (args.output) writeFileSync(args.output, out);
  else io.stdout(out);
  for (const r of reports) for (const e of r.internalErrors) io.stderr(`mmlens: ${r.path}: internal error in rule ${e.rule} (function ${e.function}): ${e.message}\n`);
  if (args.format !== 'text') for (const r of reports) for (const e of r.errors) io.stderr(`mmlens: ${r.path}:${e.line + 1}:${e.column + 1}: ${e.code}: ${e.message}\n`);
  const counted = shown.flat().filter((f) => f.patch?.status !== 'fixed');
  const by = (s: Severity): number => counted.filter((f) => f.severity === s).length;
  const fixed = shown.flat().length - counted.length;
  if (args.format === 'text' || args.output)
    io.stderr(
      `mmlens: ${files.length} file(s), ${(bytes / 1e6).toFixed(1)} MB in ${secs.toFixed(2)} s: ${counted.length} finding(s)` +
        ` (${by('error')} error, ${by('warning')} warning, ${by('information')} information)${fixed ? `, ${fixed} fixed by the patches` : ''}\n`,
    );
  if (b.baselined || b.fixed.length) io.stderr(`mmlens: baseline: ${b.baselined} finding(s) baselined, ${b.fixed.length} fixed since the baseline\n`);
  for (const e of b.fixed) io.stderr(`mmlens: ${e.path}: fixed since the baseline: ${e.rule} in ${e.function || '(top level)'}${e.treeFile ? ` (${e.treeFile})` : ''}: ${e.statement}\n`);
  if (reports.some((r) => r.errors.length > 0)) return 2;
  return counted.length > 0 && !args.exitZero ? 1 : 0;
}
