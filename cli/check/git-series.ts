/**
 * `mmlens check SERIES --git-dir DIR`: a series (.mbox, `b4 am` output, format-patch files) whose `base-commit:` (or
 * `--base REV`) is in the repository is applied patch by patch on that commit's tree in memory, files read from git;
 * when it is not, a note says so and the series is checked on `--tree` or on functions rebuilt from the hunks.
 */
import { readFileSync } from 'node:fs';
import { readCommitTree, baseCommitOf, treePathsOf } from '../../server/src/git/base-tree';
import type { CatFile } from '../../server/src/git/cat-file';
import { parsePatchDocument } from '../../server/src/series';
import { analyseFile, type AnalyseOptions } from './analyse';
import type { Repo } from './git-repo';
import type { FileReport } from './report';

export interface SeriesOnGit {
  report: FileReport;
  /** One line: which tree the series was checked on. */
  note: string;
}

export async function analyseSeriesOnGit(path: string, repo: Repo, cat: CatFile, base: string | undefined, opts: AnalyseOptions): Promise<SeriesOnGit> {
  let rev = base;
  let paths: string[] = [];
  try {
    const doc = parsePatchDocument(readFileSync(path), { uri: path });
    rev ??= baseCommitOf(doc);
    paths = treePathsOf(doc);
  } catch {
    /* unreadable: analyseFile reports it */
  }
  const fallback = opts.tree ? `checked on --tree ${opts.tree}` : 'checked on functions rebuilt from the hunks (no --tree)';
  if (!rev) return { report: analyseFile(path, 'patch', opts), note: `no base-commit in the series (and no --base): ${fallback}` };
  const tree = /^[\w./@{}^~-]+$/.test(rev) ? await readCommitTree(cat, repo.root, rev, paths) : undefined;
  if (!tree) return { report: analyseFile(path, 'patch', opts), note: `base-commit ${rev} is not in ${repo.root}: ${fallback}` };
  const { tree: _unused, ...rest } = opts;
  void _unused;
  return {
    report: analyseFile(path, 'patch', { ...rest, commitTree: tree }),
    note: `applied on ${base ? '--base' : 'base-commit'} ${tree.commit.slice(0, 12)} of ${repo.root} (files read from git)`,
  };
}
