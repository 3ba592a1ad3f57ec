/**
 * The git side of `mmlens check`: `--git RANGE` (commits of a repository) and `--git-dir DIR` (series on their
 * base-commit). Output formats are check's own (text.ts, sarif.ts); locations are files of the range's tip.
 *
 * Exit: 0 no finding at or above --severity; 1 findings; 2 usage error, repository problem (not a repository,
 * unknown revision) or a commit that could not be checked (the other commits are still checked and reported).
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { selectRules } from '../../server/src/rules/run';
import type { Severity } from '../../server/src/rules/types';
import { CatFile } from '../../server/src/git/cat-file';
import type { AnalyseOptions } from '../check/analyse';
import { checkGitRange, shortId, type CommitResult } from '../check/git-range';
import { openRepo } from '../check/git-repo';
import { analyseSeriesOnGit } from '../check/git-series';
import { analyseAll, type PoolOptions } from '../check/pool';
import type { FileReport } from '../check/report';
import { toSarif } from '../check/sarif';
import { formatFinding } from '../check/text';
import type { Io } from '../io';
import type { InputFile } from '../walk';
import { docsRoot, shownFindings, type CheckArgs } from './check';

function commitLine(c: CommitResult): string {
  return `commit ${shortId(c.id)} "${c.subject}"`;
}

export async function runGitRangeCommand(args: CheckArgs, io: Io, version: string): Promise<number> {
  const repo = openRepo(args.gitDir ?? '.', args.gitDir !== undefined ? '--git-dir' : '--git');
  const spec = args.git!;
  const t0 = process.hrtime.bigint();
  const res = await checkGitRange(repo, spec, { ...(args.era ? { era: args.era } : {}), selection: args.selection }, (c) => {
    for (const n of c.notes) io.stderr(`mmlens: ${commitLine(c)}: note: ${n}\n`);
    for (const e of c.errors) io.stderr(`mmlens: ${commitLine(c)}: error: ${e.code}: ${e.message}\n`);
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const shown = res.reports.map((r) => shownFindings(r, args.show, args.severity));
  const cwd = process.cwd();
  const display = (file: string): string => relative(cwd, join(repo.root, file)) || file;
  let out = '';
  if (args.format === 'text') {
    // Grouped by commit, oldest first; each finding at its place in the tip's files.
    for (const c of res.commits) {
      const mine = res.reports.flatMap((r, i) => shown[i]!.filter((f) => f.patch?.commit?.id === c.id).map((f) => ({ path: display(r.path), f })));
      if (mine.length === 0) continue;
      out += `${commitLine(c)} (${c.index}/${res.commits.length})\n`;
      for (const { path, f } of mine) out += formatFinding(path, f);
    }
  } else if (args.format === 'json') {
    out =
      JSON.stringify(
        {
          format: 1,
          tool: { name: 'mmlens', version },
          git: { range: spec, repository: repo.root, tip: res.tip },
          commits: res.commits.map((c) => ({ commit: c.id, index: c.index, subject: c.subject, status: c.status, era: c.era, notes: c.notes, errors: c.errors })),
          files: res.reports.map((r, i) => ({ path: r.path, kind: r.kind, findings: shown[i] })),
        },
        null,
        1,
      ) + '\n';
  } else {
    const root = docsRoot();
    const sarif = toSarif(
      res.reports.map((r, i) => ({ ...r, path: join(repo.root, r.path), findings: shown[i]! })),
      selectRules(args.selection),
      { version, baseDir: repo.root, ...(root ? { docsRoot: root } : {}), ...(args.docsUrl ? { docsUrl: args.docsUrl } : {}) },
    );
    const run = sarif.runs[0]!;
    run.versionControlProvenance = [{ repositoryUri: 'file://' + encodeURI(repo.root), revisionId: res.tip }];
    out = JSON.stringify(sarif, null, 1) + '\n';
  }
  if (args.output) writeFileSync(args.output, out);
  else io.stdout(out);
  const counted = shown.flat().filter((f) => f.patch?.status !== 'fixed');
  const by = (s: Severity): number => counted.filter((f) => f.severity === s).length;
  const fixed = shown.flat().length - counted.length;
  const n = (s: CommitResult['status']): number => res.commits.filter((c) => c.status === s).length;
  const failed = n('error');
  io.stderr(
    `mmlens: ${res.commits.length} commit(s) in ${spec}: ${n('checked')} checked, ${n('no-mm')} naming no mm identifier (not parsed), ` +
      `${n('merge')} merge(s) skipped${failed ? `, ${failed} not checked (errors above)` : ''} in ${secs.toFixed(2)} s: ` +
      `${counted.length} finding(s) (${by('error')} error, ${by('warning')} warning, ${by('information')} information)${fixed ? `, ${fixed} fixed by the commits` : ''}\n`,
  );
  if (failed > 0) return 2;
  return counted.length > 0 && !args.exitZero ? 1 : 0;
}

/** check FILES --git-dir DIR: series on their base-commit (in-process: one cat-file process); C files as usual. */
export async function analyseWithGitDir(files: InputFile[], gitDir: string, base: string | undefined, opts: AnalyseOptions, pool: PoolOptions, io: Io): Promise<FileReport[]> {
  const repo = openRepo(gitDir, '--git-dir');
  const out = new Array<FileReport>(files.length);
  const cFiles = files.map((f, i) => ({ f, i })).filter((x) => x.f.kind === 'c');
  const cReports = await analyseAll(cFiles.map((x) => x.f), opts, { ...(pool.jobs ? { jobs: pool.jobs } : {}) });
  cFiles.forEach((x, k) => (out[x.i] = cReports[k]!));
  const cat = new CatFile(repo.cwd);
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      if (f.kind !== 'patch') continue;
      const r = await analyseSeriesOnGit(f.path, repo, cat, base, opts);
      io.stderr(`mmlens: ${f.path}: ${r.note}\n`);
      out[i] = r.report;
    }
  } finally {
    cat.close();
  }
  out.forEach((r, i) => pool.onReport?.(r, i + 1));
  return out;
}

