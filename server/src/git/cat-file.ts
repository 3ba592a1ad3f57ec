/**
 * Reading git objects through `git cat-file --batch`: a long-lived process for the command line (one process for a
 * whole range of commits, requests pipelined), and one synchronous batch for the language server (one process per
 * analysis, every blob of the analysis in it; the analysis itself is synchronous). Objects are named as git does:
 * a full id, `<rev>:<path>`, `<rev>^{commit}`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

/** Parses `cat-file --batch` output from `buf` at `at`: undefined when incomplete; null object for "missing". */
function parseEntry(buf: Buffer, at: number): { object: GitObject | null; next: number } | undefined {
  const nl = buf.indexOf(10, at);
  if (nl < 0) return undefined;
  const header = buf.toString('utf8', at, nl);
  // "<name> missing", "<name> ambiguous", or "<oid> <type> <size>"
  const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
  if (!m) return { object: null, next: nl + 1 };
  const size = Number(m[3]);
  if (buf.length < nl + 1 + size + 1) return undefined;
  return { object: { oid: m[1]!, type: m[2]!, content: buf.subarray(nl + 1, nl + 1 + size) }, next: nl + 1 + size + 1 };
}

/** A name cat-file can read on one line (no newline; a path with a newline cannot be asked for). */
function checkName(name: string): void {
  if (name.includes('\n')) throw new Error(`git object name with a newline: ${JSON.stringify(name)}`);
}

/** One long-lived `git cat-file --batch`: read() may be called many times, concurrently; answers come in order. */
export class CatFile {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (o: GitObject | null) => void; reject: (e: Error) => void }[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private failed: Error | undefined;
  private stderr = '';
  /** Objects read (for the bench and tests: one process, many objects). */
  reads = 0;

  constructor(cwd: string, git = 'git') {
    this.proc = spawn(git, ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d: Buffer) => this.onData(d));
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    const fail = (e: Error): void => {
      this.failed = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.proc.on('error', (e) => fail(new Error(`git cat-file: ${e.message}`)));
    this.proc.on('exit', (code) => {
      if (this.waiting.length) fail(new Error(`git cat-file exited (${code ?? 'signal'}): ${this.stderr.trim().split('\n')[0] ?? ''}`));
    });
    this.proc.stdin.on('error', () => {
      /* the exit handler reports it */
    });
  }

  /** Process id (tests check that one process serves every read). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let at = 0;
    while (this.waiting.length) {
      const e = parseEntry(this.buf, at);
      if (!e) break;
      at = e.next;
      // A copy: the chunk buffer is reused by later concatenations only when sliced; keep results independent.
      this.waiting.shift()!.resolve(e.object ? { ...e.object, content: Buffer.from(e.object.content) } : null);
    }
    this.buf = at >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(at);
  }

  /** The object, or null when git has no such object (missing, ambiguous, bad path). */
  read(name: string): Promise<GitObject | null> {
    if (this.failed) return Promise.reject(this.failed);
    checkName(name);
    this.reads++;
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(name + '\n');
    });
  }

  async readText(name: string): Promise<string | undefined> {
    const o = await this.read(name);
    return o && o.type === 'blob' ? o.content.toString('utf8') : undefined;
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** Reads many objects with one synchronous `git cat-file --batch` run: one entry per name, null when absent. */
export function readObjectsSync(cwd: string, names: readonly string[], git = 'git'): (GitObject | null)[] | undefined {
  for (const n of names) checkName(n);
  if (names.length === 0) return [];
  const r = spawnSync(git, ['cat-file', '--batch'], { cwd, input: names.join('\n') + '\n', maxBuffer: 1 << 30 });
  if (r.status !== 0 || !r.stdout) return undefined;
  const out: (GitObject | null)[] = [];
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const e = parseEntry(r.stdout, at);
    if (!e) return undefined;
    out.push(e.object);
    at = e.next;
  }
  return out;
}
