// Helpers for the end-to-end test in a real VS Code: find code-server (installed by .ci/install-code-server.sh, not a
// project dependency), package the extension, start and stop code-server, and clean up every process it left.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');

/** Where .ci/install-code-server.sh puts code-server unless told otherwise. */
export function codeServerPrefix(): string {
  return process.env.MMLENS_CODE_SERVER_PREFIX || join(homedir(), '.cache', 'mmlens', 'code-server');
}

/** The code-server launcher: $MMLENS_CODE_SERVER, else the install script's prefix; undefined when neither exists. */
export function findCodeServer(): { path?: string; looked: string[] } {
  const candidates = process.env.MMLENS_CODE_SERVER
    ? [process.env.MMLENS_CODE_SERVER]
    : [join(codeServerPrefix(), 'node_modules', '.bin', 'code-server')];
  return { path: candidates.find((p) => existsSync(p)), looked: candidates };
}

export function findChromium(): { path?: string; looked: string[] } {
  const candidates = process.env.MMLENS_CHROMIUM ? [process.env.MMLENS_CHROMIUM] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return { path: candidates.find((p) => existsSync(p)), looked: candidates };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** `npm run build` output; built here (node esbuild.mjs) when dist/ is missing. */
export function ensureBuilt(): void {
  const need = ['dist/extension.js', 'dist/server.js'];
  if (need.every((f) => existsSync(join(root, f)))) return;
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`node esbuild.mjs failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  for (const f of need) if (!existsSync(join(root, f))) throw new Error(`node esbuild.mjs did not produce ${f}`);
}

/** The flags of `npm run package` (test/manifest checks they agree): the extension page is client/README.md. */
export const VSCE_PACKAGE_ARGS = ['--allow-missing-repository', '--readme-path', 'client/README.md', '--no-rewrite-relative-links'];

/** `vsce package` into `outDir`: the .vsix a user would install (.vscodeignore decides what is in it). */
export function packageVsix(outDir: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  const out = join(outDir, `${manifest.name}-${manifest.version}.vsix`);
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', ...VSCE_PACKAGE_ARGS, '--out', out], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0 || !existsSync(out)) throw new Error(`vsce package failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return out;
}

export interface CodeServerDirs {
  userDataDir: string;
  extensionsDir: string;
  /** XDG config/data/cache homes, so code-server and Chromium write nothing under ~ (config.yaml, deviceid, crash db). */
  home: string;
}

/** Environment for every code-server process: isolated from the user's config, tagged with `marker` for cleanup. */
export function codeServerEnv(dirs: CodeServerDirs, marker: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['PASSWORD', 'HASHED_PASSWORD', 'VSCODE_PROXY_URI', 'CODE_SERVER_CONFIG', 'VSCODE_IPC_HOOK_CLI', 'NODE_OPTIONS']) delete env[k];
  return {
    ...env,
    XDG_CONFIG_HOME: join(dirs.home, 'config'),
    XDG_DATA_HOME: join(dirs.home, 'data'),
    XDG_CACHE_HOME: join(dirs.home, 'cache'),
    MMLENS_E2E_MARKER: marker,
  };
}

function baseArgs(dirs: CodeServerDirs): string[] {
  return ['--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir, '--disable-telemetry', '--disable-update-check'];
}

/** `code-server --install-extension <vsix>` (the way a user installs a .vsix). */
export function installExtension(codeServer: string, dirs: CodeServerDirs, vsix: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(codeServer, [...baseArgs(dirs), '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`code-server --install-extension failed (${r.status ?? r.signal}):\n${output}`);
  return output;
}

export interface RunningCodeServer {
  url: string;
  child: ChildProcess;
  logPath: string;
  /** Stops code-server and everything it started (its process group, then anything still tagged with the marker). */
  stop(): Promise<string[]>;
}

/** Starts code-server on 127.0.0.1:<free port> and waits (bounded) until /healthz answers. */
export async function startCodeServer(
  codeServer: string,
  dirs: CodeServerDirs,
  workspace: string,
  env: NodeJS.ProcessEnv,
  logPath: string,
  marker: string,
  timeoutMs = 60_000,
): Promise<RunningCodeServer> {
  const port = await freePort();
  const args = [
    ...baseArgs(dirs),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--log', 'info',
    workspace,
  ];
  const log = createWriteStream(logPath);
  // detached: a process group of its own, so stop() can signal code-server, its extension host and our server at once.
  const child = spawn(codeServer, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `code-server exited (${code ?? signal})`));
  const running: RunningCodeServer = {
    url: `http://127.0.0.1:${port}/`,
    child,
    logPath,
    stop: async () => {
      const killed = await stopGroup(child, marker);
      log.end();
      return killed;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await running.stop();
      throw new Error(`${exited} before it answered; log:\n${tail(logPath)}`);
    }
    try {
      const res = await fetch(`${running.url}healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return running;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`code-server did not answer on ${running.url} within ${timeoutMs} ms; log:\n${tail(logPath)}`);
    }
    await delay(250);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopGroup(child: ChildProcess, marker: string): Promise<string[]> {
  const pid = child.pid;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (alive(pid) || markedProcesses(marker).length > 0)) await delay(100);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return killMarked(marker);
}

/** Processes (ours: they carry the marker in their environment) that outlived their process group, killed by pid. */
export async function killMarked(marker: string): Promise<string[]> {
  const left = markedProcesses(marker);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline && left.some((p) => alive(p.pid))) await delay(50);
  return left.map((p) => `${p.pid} ${p.cmd}`);
}

/** Processes whose environment holds MMLENS_E2E_MARKER=<marker> (Linux /proc; empty elsewhere). */
export function markedProcesses(marker: string): { pid: number; cmd: string }[] {
  if (!existsSync('/proc/self/environ')) return [];
  const needle = `MMLENS_E2E_MARKER=${marker}`;
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, 'latin1');
      if (!environ.split('\0').includes(needle)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (/^\d+ \(.*\) Z /.test(stat)) continue; // a zombie waiting for its parent: nothing left to kill
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim().slice(0, 160);
      out.push({ pid, cmd });
    } catch {
      // exited meanwhile or not ours to read
    }
  }
  return out;
}

/** The last `n` characters of a file (logs in failure messages). */
export function tail(path: string, n = 4_000): string {
  try {
    const s = readFileSync(path, 'utf8');
    return s.length > n ? `…${s.slice(-n)}` : s;
  } catch {
    return `(no ${path})`;
  }
}

/** Every file under `dir` whose name matches `re` (the extension host logs in the user-data-dir). */
export function findFiles(dir: string, re: RegExp, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    try {
      if (statSync(p).isDirectory()) findFiles(p, re, out);
      else if (re.test(name)) out.push(p);
    } catch {
      // vanished
    }
  }
  return out;
}
