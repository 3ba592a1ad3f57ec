// Real git repositories for the `check --git` tests, built in a temporary folder from the sample tree and the
// sample series (applied with `git am`), plus a binary file, a rename, a deleted file, a merge and a non-mm commit.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const SAMPLE = join(ROOT, 'samples', 'series', 'gup-unlocked-v2.mbox');

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.org',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.org',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: ENV });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

export interface Fixture {
  dir: string;
  /** Commit ids by name. */
  ids: Record<'base' | 'p1' | 'p2' | 'p3' | 'binary' | 'rename' | 'deleted' | 'side' | 'merge' | 'docs', string>;
}

/**
 * base ── p1 ── p2 ── p3 ── binary ── rename ── deleted ── merge ── docs
 *                                        └─── side ───────┘
 * p2 introduces the forbidden-flag-combination error in arch/foo/mm/fault.c:59; `rename` moves that file to
 * fault_32.c and adds two lines above it (the finding is at fault_32.c:61 at the tip).
 */
export function buildFixture(dir: string): Fixture {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'master');
  cpSync(join(ROOT, 'samples', 'tree'), dir, { recursive: true });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base tree');
  const id = (): string => git(dir, 'rev-parse', 'HEAD');
  const base = id();
  git(dir, 'am', '-q', '--empty=drop', SAMPLE);
  const [p1, p2, p3] = git(dir, 'rev-list', '--reverse', `${base}..HEAD`).split('\n') as [string, string, string];
  mkdirSync(join(dir, 'firmware'), { recursive: true });
  writeFileSync(join(dir, 'firmware', 'foo.bin'), Buffer.from([0, 1, 2, 0, 255, 0]));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'firmware: add foo blob');
  const binary = id();
  git(dir, 'mv', 'arch/foo/mm/fault.c', 'arch/foo/mm/fault_32.c');
  const f = join(dir, 'arch', 'foo', 'mm', 'fault_32.c');
  const lines = readFileSync(f, 'utf8').split('\n');
  lines.splice(1, 0, '/* 32-bit foo faults */', '');
  writeFileSync(f, lines.join('\n'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'foo/mm: rename fault.c to fault_32.c');
  const rename = id();
  git(dir, 'rm', '-q', 'drivers/misc/bar_remote.c');
  git(dir, 'commit', '-q', '-m', 'misc: remove bar_remote');
  const deleted = id();
  git(dir, 'checkout', '-q', '-b', 'side', p3);
  writeFileSync(join(dir, 'NOTES'), 'side branch notes\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'notes: add side notes');
  const side = id();
  git(dir, 'checkout', '-q', 'master');
  git(dir, 'merge', '-q', '--no-ff', '-m', 'Merge branch side', 'side');
  const merge = id();
  writeFileSync(join(dir, 'README'), 'foo kernel\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'README: describe the tree');
  const docs = id();
  return { dir, ids: { base, p1, p2, p3, binary, rename, deleted, side, merge, docs } };
}
