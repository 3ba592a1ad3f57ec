/**
 * The repository `mmlens check --git` reads: where it is, whether it is shallow, and the commits of a range. Every
 * problem is one plain line (a CliError): not a git repository, git missing, unknown revision, no upstream.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from '../io';

export interface Repo {
  /** Directory git commands run in. */
  cwd: string;
  /** Top level of the checkout (the git directory of a bare repository). */
  root: string;
  bare: boolean;
  /** Commits whose parents a shallow clone does not have. */
  shallow: Set<string>;
}

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw new CliError(`git: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed (no git on the PATH)' : r.error.message}`);
  return { ok: r.status === 0, out: r.stdout, err: r.stderr };
}

/** git's own reason, without "fatal: ", first line. */
function reason(err: string): string {
  return (err.split('\n').find((l) => l.trim()) ?? 'git failed').replace(/^(fatal|error): /, '').trim();
}

export function openRepo(dir: string, what: string): Repo {
  const cwd = resolve(dir);
  if (!existsSync(cwd)) throw new CliError(`${what}: ${dir} does not exist`);
  const r = git(cwd, ['rev-parse', '--absolute-git-dir', '--is-bare-repository', '--git-path', 'shallow']);
  if (!r.ok) throw new CliError(`${what}: ${cwd} is not a git repository (or any of its parents)`);
  const [gitDir, bare, shallowPath] = r.out.split('\n');
  const isBare = bare === 'true';
  let root = gitDir!;
  if (!isBare) {
    const t = git(cwd, ['rev-parse', '--show-toplevel']);
    if (t.ok && t.out.trim()) root = t.out.trim();
  }
  const sp = resolve(cwd, shallowPath ?? 'shallow');
  const shallow = new Set(existsSync(sp) ? readFileSync(sp, 'utf8').split('\n').filter(Boolean) : []);
  return { cwd, root, bare: isBare, shallow };
}

/** Full id of a revision, or a one-line error naming it (git's reason when it has one, e.g. no upstream). */
export function verifyRevision(repo: Repo, rev: string, spec: string): string {
  const r = git(repo.cwd, ['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`]);
  if (r.ok) return r.out.trim();
  const why = reason(r.err);
  if (/upstream|no such branch|ambiguous/i.test(why) && !/Needed a single revision/.test(why)) throw new CliError(`--git ${spec}: ${why}`);
  throw new CliError(`--git ${spec}: unknown revision '${rev}'`);
}

/** What `git log` is given for a range spec: A..B, A..., ..B, A...B, or one commit. Ends are verified first. */
export function rangeArgs(repo: Repo, spec: string): { args: string[]; tip: string } {
  if (spec.startsWith('-')) throw new CliError(`--git ${spec}: a revision range cannot start with '-'`);
  const m = /^(.*?)(\.\.\.?)(.*)$/.exec(spec);
  if (!m) {
    const id = verifyRevision(repo, spec, spec);
    return { args: ['--no-walk', id], tip: id };
  }
  const [, a, dots, b] = m;
  const from = verifyRevision(repo, a || 'HEAD', spec);
  const to = verifyRevision(repo, b || 'HEAD', spec);
  return { args: dots === '..' ? [`${from}..${to}`] : [`${from}...${to}`], tip: to };
}

export interface CommitChunk {
  id: string;
  parents: string[];
  subject: string;
  /** The commit's diff against its first parent (empty for merges: their diffs are not produced). */
  diff: string;
}

/**
 * The commits of the range, oldest first (topological), each with its diff: ONE `git log -p` process, read as a
 * stream (records start with a NUL byte, which no text diff holds).
 */
export async function* commitsOf(repo: Repo, args: string[]): AsyncGenerator<CommitChunk> {
  const proc = spawn(
    'git',
    [
      '-c', 'core.quotePath=false',
      'log', '--reverse', '--topo-order', '--no-color', '--no-ext-diff', '--no-textconv', '-p', '--full-index', '-M',
      '--diff-merges=off', '--src-prefix=a/', '--dst-prefix=b/', '--format=%x00%H%x00%P%x00%s%x00',
      ...args, '--',
    ],
    { cwd: repo.cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((res) => proc.on('close', (code) => res(code)));
  let fields: Buffer[] = [];
  let partial: Buffer[] = [];
  const make = (f: Buffer[]): CommitChunk => ({
    id: f[0]!.toString('utf8'),
    parents: f[1]!.toString('utf8').split(' ').filter(Boolean),
    subject: f[2]!.toString('utf8'),
    diff: f[3]!.toString('utf8').replace(/^\n+/, ''),
  });
  let started = false;
  for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
    let at = 0;
    for (;;) {
      const z = chunk.indexOf(0, at);
      if (z < 0) {
        partial.push(chunk.subarray(at));
        break;
      }
      partial.push(chunk.subarray(at, z));
      const field = Buffer.concat(partial);
      partial = [];
      at = z + 1;
      if (!started) {
        started = true; // the text before the first NUL is empty
        continue;
      }
      fields.push(field);
      if (fields.length === 4) {
        yield make(fields);
        fields = [];
      }
    }
  }
  if (started) {
    fields.push(Buffer.concat(partial));
    if (fields.length === 4) yield make(fields);
  }
  const code = await exited;
  if (code !== 0) throw new CliError(`--git: git log failed: ${reason(err)}`);
}
