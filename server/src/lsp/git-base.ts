/**
 * A patch or series opened inside a git checkout is analysed on its `base-commit:` when the repository has it
 * (files read from git, not the work tree), else on the work tree; the status line says which. Commits do not
 * change, so a commit's files are cached (a few entries); a base the repository lacks is asked again next time.
 */
import { basename } from 'node:path';
import type { FactsOptions } from '../facts/compute';
import { baseCommitOf, commitTreeFactsOptions, findCheckout, readCommitTreeSync, treePathsOf, type CommitTree } from '../git/base-tree';
import type { PatchDocument } from '../series/types';

export interface GitBase {
  /** Options replacing the work tree's (empty when the work tree is used). */
  options: FactsOptions;
  /** One line for the log: which tree the document is analysed on, and why. */
  status: string;
}

const cache = new Map<string, CommitTree>();
const CACHE_MAX = 16;

/** undefined when the document is not inside a git checkout (nothing to say). */
export function gitBaseFor(from: string | undefined, doc: PatchDocument, workTree: string | undefined): GitBase | undefined {
  const checkout = from ? findCheckout(from) : undefined;
  if (!checkout) return undefined;
  const base = baseCommitOf(doc);
  const fallback = workTree ? `the work tree ${workTree}` : 'functions rebuilt from the hunks (no kernel tree)';
  if (!base) return { options: {}, status: `no base-commit: analysed on ${fallback}` };
  const paths = treePathsOf(doc);
  const key = `${checkout}\0${base}\0${paths.join('\0')}`;
  let tree = cache.get(key);
  if (!tree) {
    tree = readCommitTreeSync(checkout, checkout, base, paths);
    if (tree) {
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(key, tree);
    }
  }
  if (!tree) {
    const why = `base-commit ${base.slice(0, 12)} is not in the repository ${checkout}`;
    return { options: { treeNote: `${workTree ?? ''}${workTree ? ' (the work tree: ' : ''}${why}${workTree ? ')' : '; functions rebuilt from the hunks'}` }, status: `${why}: analysed on ${fallback}` };
  }
  const short = tree.commit.slice(0, 12);
  return {
    options: { ...commitTreeFactsOptions(tree), treeNote: `git base-commit ${short} of ${checkout} (not the work tree)` },
    status: `analysed on base-commit ${short} of ${basename(checkout)} (${checkout}), files read from git`,
  };
}
