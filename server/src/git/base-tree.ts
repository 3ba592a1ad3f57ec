/**
 * A patch or series on the tree of a git commit (its `base-commit:`, or any revision): the files the patches read
 * are taken from git's object store, never from the work tree, and handed to the facts code as `readTreeFile`. The
 * era comes from that commit's Makefile (seeded into the facts' Makefile cache, so the era source names it).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Era } from '../../../common/era';
import { parseMakefileVersion } from '../era/detect';
import type { FactsOptions } from '../facts/compute';
import type { PatchDocument } from '../series/types';
import { readObjectsSync, type CatFile, type GitObject } from './cat-file';

/** The files of one commit that an analysis reads (C files the patches change, and the Makefile). */
export interface CommitTree {
  /** Full commit id. */
  commit: string;
  /** Directory the virtual tree is rooted at (the checkout's top level, or the git directory of a bare repository). */
  root: string;
  /** Tree path → text (null: not in that commit). */
  files: Map<string, string | null>;
  makefile: { era: Era; path: string } | null;
}

/** The series' base-commit: the cover letter's, else the first patch's that names one. */
export function baseCommitOf(doc: PatchDocument): string | undefined {
  return doc.cover?.baseCommit?.sha ?? doc.patches.find((p) => p.baseCommit)?.baseCommit?.sha;
}

/** Old paths of the C files the document's patches change (what the facts code reads from the tree). */
export function treePathsOf(doc: PatchDocument): string[] {
  const out = new Set<string>();
  for (const p of doc.patches)
    for (const f of p.files) if (f.oldPath !== null && !f.binary && /\.[ch]$/i.test(f.oldPath)) out.add(f.oldPath);
  return [...out];
}

/** The nearest directory at or above `from` holding `.git` (a directory, or a file for worktrees); no process. */
export function findCheckout(from: string): string | undefined {
  let dir = resolve(from);
  for (let i = 0; i < 128; i++) {
    if (existsSync(join(dir, '.git'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

function short(id: string): string {
  return id.slice(0, 12);
}

function makefileOf(commit: string, o: GitObject | null): CommitTree['makefile'] {
  const era = o && o.type === 'blob' ? parseMakefileVersion(o.content.toString('utf8', 0, Math.min(o.content.length, 64 * 1024))) : undefined;
  return era ? { era, path: `${short(commit)}:Makefile` } : null;
}

function text(o: GitObject | null): string | null {
  return o && o.type === 'blob' ? o.content.toString('utf8') : null;
}

/** Reads a commit's files with one synchronous cat-file run (the language server); undefined when git has no such commit. */
export function readCommitTreeSync(repo: string, root: string, rev: string, paths: readonly string[]): CommitTree | undefined {
  const got = readObjectsSync(repo, [`${rev}^{commit}`]);
  const c = got?.[0];
  if (!c || c.type !== 'commit') return undefined;
  const objs = readObjectsSync(repo, [`${c.oid}:Makefile`, ...paths.map((p) => `${c.oid}:${p}`)]);
  if (!objs) return undefined;
  const files = new Map<string, string | null>();
  paths.forEach((p, i) => files.set(p, text(objs[i + 1] ?? null)));
  return { commit: c.oid, root: resolve(root), files, makefile: makefileOf(c.oid, objs[0] ?? null) };
}

/** Same with the command line's long-lived cat-file process. */
export async function readCommitTree(cat: CatFile, root: string, rev: string, paths: readonly string[]): Promise<CommitTree | undefined> {
  const c = await cat.read(`${rev}^{commit}`);
  if (!c || c.type !== 'commit') return undefined;
  const [mk, ...objs] = await Promise.all([cat.read(`${c.oid}:Makefile`), ...paths.map((p) => cat.read(`${c.oid}:${p}`))]);
  const files = new Map<string, string | null>();
  paths.forEach((p, i) => files.set(p, text(objs[i] ?? null)));
  return { commit: c.oid, root: resolve(root), files, makefile: makefileOf(c.oid, mk ?? null) };
}

/** Facts options reading the tree from the commit: files outside the read set are absent. */
export function commitTreeFactsOptions(t: CommitTree): Required<Pick<FactsOptions, 'tree' | 'readTreeFile' | 'makefileCache'>> {
  const makefileCache = new Map<string, { era: Era; path: string } | null>();
  // resolveEra looks the Makefile up from <root>/Makefile: from <root> when the work tree has it, else from the file.
  makefileCache.set(t.root, t.makefile);
  makefileCache.set(join(t.root, 'Makefile'), t.makefile);
  return {
    tree: t.root,
    makefileCache,
    readTreeFile: (abs) => {
      const rel = relative(t.root, abs);
      if (rel.startsWith('..') || rel === '') return undefined;
      return t.files.get(rel.split(sep).join('/')) ?? undefined;
    },
  };
}
