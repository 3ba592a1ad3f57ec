/**
 * The standing fuzz campaign (issue #11): seeded mutants of the fixtures through
 *  - the in-process parsers and facts (parsePatchDocument + facts for patches, C facts for C files);
 *  - the real CLI, bundled like dist/mmlens.js, one child process per input under a time limit (some inputs are
 *    directory trees with symbolic link loops);
 *  - the real language server, bundled like dist/server.js, over stdio: rapid didOpen/didChange edits, malformed
 *    JSON-RPC messages, and a mmLens/facts liveness request under the time limit every few inputs.
 * Reports per target: inputs tried, outcome / exit-code histogram, crashes, hangs, worst time, worst memory; saves
 * every crashing or hanging input under --save (default test/fixtures/hardening/fuzz-found/).
 *
 *   node --import tsx bench/fuzz/campaign.ts [--seed 1] [--inprocess 20000] [--cli 300] [--server 2000] [--limit-ms 20000]
 *
 * Exit 0 when no crash and no hang, 1 otherwise. A CI slice runs from test/hardening/fuzz.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { factsForCFile, factsForPatchInput, budgetExceededIn } from '../../server/src/facts/compute';
import { loadCorpus, mutant, type Seed } from './mutate';
import { runBulk } from './bulk';

const ROOT = join(__dirname, '..', '..');

export interface TargetReport {
  target: 'in-process' | 'in-process-bulk' | 'cli' | 'server';
  inputs: number;
  /** Time histogram (label → inputs), where measured per input. */
  times?: Record<string, number>;
  /** What else the figures need to be read right (e.g. how many inputs went through the rules). */
  note?: string;
  histogram: Record<string, number>;
  crashes: { input: string; detail: string }[];
  hangs: { input: string; detail: string }[];
  worstMs: number;
  worstInput: string;
  worstRssMb: number;
  seconds: number;
}

export interface CampaignOptions {
  seed: number;
  inprocess: number;
  /** Small mutants through every in-process parser on worker threads (bench/fuzz/bulk.ts). */
  bulk?: number;
  /** Worker threads of the bulk target (default 2). */
  workers?: number;
  /** Every deepEvery-th bulk mutant also goes through the rules (default 10). */
  deepEvery?: number;
  cli: number;
  server: number;
  limitMs: number;
  /** Where crashing / hanging inputs are written (undefined: not saved). */
  save?: string;
  log?: (s: string) => void;
}

function newReport(target: TargetReport['target']): TargetReport {
  return { target, inputs: 0, histogram: {}, crashes: [], hangs: [], worstMs: 0, worstInput: '', worstRssMb: 0, seconds: 0 };
}
const bump = (h: Record<string, number>, k: string): void => {
  h[k] = (h[k] ?? 0) + 1;
};

function saveInput(opts: CampaignOptions, tag: string, kind: Seed['kind'], bytes: Buffer): string {
  if (!opts.save) return '(not saved)';
  mkdirSync(opts.save, { recursive: true });
  const p = join(opts.save, `${tag}.${kind === 'c' ? 'c' : 'patch'}`);
  writeFileSync(p, bytes);
  return p;
}

/** In-process: the parsers must never throw; time and memory are measured per input. */
export function runInProcess(opts: CampaignOptions, corpus: Seed[]): TargetReport {
  const rep = newReport('in-process');
  const t0 = performance.now();
  for (let i = 0; i < opts.inprocess; i++) {
    const m = mutant(corpus, opts.seed, i);
    const id = `seed${opts.seed}-inproc-${i}`;
    const t = performance.now();
    try {
      const f = m.kind === 'patch' ? factsForPatchInput(m.bytes, `${id}.patch`, { budgetMs: opts.limitMs }) : factsForCFile(m.bytes.toString('utf8'), `${id}.c`, { budgetMs: opts.limitMs });
      if (budgetExceededIn(f).length) bump(rep.histogram, 'budget-exceeded');
      else if (f.kind === 'patch' && f.issues.some((x) => x.severity === 'error')) bump(rep.histogram, 'input-errors');
      else bump(rep.histogram, 'ok');
    } catch (e) {
      bump(rep.histogram, 'threw');
      rep.crashes.push({ input: saveInput(opts, id, m.kind, m.bytes), detail: `${m.from} ${m.ops.join('+')}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}` });
    }
    const ms = performance.now() - t;
    if (ms > rep.worstMs) {
      rep.worstMs = ms;
      rep.worstInput = `${id} (${m.from} ${m.ops.join('+')}, ${m.bytes.length} bytes)`;
    }
    if (ms > opts.limitMs * 1.5) rep.hangs.push({ input: saveInput(opts, id, m.kind, m.bytes), detail: `${ms.toFixed(0)} ms` });
    rep.inputs++;
    if ((i & 255) === 0) rep.worstRssMb = Math.max(rep.worstRssMb, process.memoryUsage().rss / 1048576);
  }
  rep.worstRssMb = Math.max(rep.worstRssMb, process.memoryUsage().rss / 1048576);
  rep.seconds = (performance.now() - t0) / 1000;
  return rep;
}

async function bundle(entry: string, dir: string, name: string): Promise<string> {
  const out = join(dir, name);
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent', external: ['vscode', 'tree-sitter', 'tree-sitter-c'] });
  return out;
}
const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, NODE_PATH: join(ROOT, 'node_modules') });
const STACK_RE = /\n\s+at .+:\d+:\d+\)?\n|internal error|uncaught exception|unhandled rejection/;

/** The real CLI, one process per input, each under the time limit (SIGKILL past it: a hang). */
export async function runCli(opts: CampaignOptions, corpus: Seed[], work: string): Promise<TargetReport> {
  const rep = newReport('cli');
  const t0 = performance.now();
  const cli = await bundle(join(__dirname, 'cli-entry.ts'), work, 'mmlens-fuzz.js');
  for (let i = 0; i < opts.cli; i++) {
    const m = mutant(corpus, opts.seed, 1_000_000 + i, { big: true });
    const id = `seed${opts.seed}-cli-${i}`;
    let target = join(work, `${id}.${m.kind === 'c' ? 'c' : 'patch'}`);
    writeFileSync(target, m.bytes);
    const args = ['facts', '--json', '--no-progress', '--budget-ms', String(Math.floor(opts.limitMs / 4))];
    if (i % 25 === 24) {
      // A symlink tree: the mutant twice, a `build/source -> ..` loop and two self loops; -L every other time.
      const d = join(work, `${id}-tree`);
      mkdirSync(join(d, 'mm'), { recursive: true });
      mkdirSync(join(d, 'build'));
      writeFileSync(join(d, 'mm', `x.${m.kind === 'c' ? 'c' : 'patch'}`), m.bytes);
      symlinkSync('..', join(d, 'build', 'source'));
      symlinkSync('.', join(d, 'loop1'));
      symlinkSync('..', join(d, 'mm', 'up'));
      target = d;
      if (i % 50 === 49) args.push('-L');
    }
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, ...args, target], { env: childEnv(), timeout: opts.limitMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
    const ms = performance.now() - t;
    const stderr = r.stderr ?? '';
    const rss = /FUZZ-MAXRSS-KB (\d+)/.exec(stderr);
    if (rss) rep.worstRssMb = Math.max(rep.worstRssMb, Number(rss[1]) / 1024);
    const label = r.error || r.signal ? `killed(${r.signal ?? (r.error as NodeJS.ErrnoException).code})` : `exit ${r.status}`;
    bump(rep.histogram, label);
    if (r.signal || r.error) rep.hangs.push({ input: saveInput(opts, id, m.kind, m.bytes), detail: `${m.from} ${m.ops.join('+')}: ${label} after ${ms.toFixed(0)} ms` });
    else if (![0, 1, 2].includes(r.status ?? -1) || STACK_RE.test(stderr))
      rep.crashes.push({ input: saveInput(opts, id, m.kind, m.bytes), detail: `${m.from} ${m.ops.join('+')}: ${label}: ${stderr.slice(0, 300)}` });
    if (ms > rep.worstMs) {
      rep.worstMs = ms;
      rep.worstInput = `${id} (${m.from} ${m.ops.join('+')}, ${m.bytes.length} bytes)`;
    }
    rep.inputs++;
    rmSync(target, { recursive: true, force: true });
  }
  rep.seconds = (performance.now() - t0) / 1000;
  return rep;
}

/** Framed (correct Content-Length) but malformed JSON-RPC: bad JSON, wrong shapes, bad params, unknown methods. */
const MALFORMED: string[] = [
  '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":5}}',
  '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":12,"languageId":"c","version":1,"text":"x"}}}',
  '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"untitled:n.c","languageId":"c","version":1,"text":null}}}',
  '{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"untitled:n.c","version":"x"},"contentChanges":[{"range":{"start":{"line":-5,"character":0},"end":{"line":9e99,"character":1}},"text":"y"}]}}',
  '{"jsonrpc":"2.0","method":"textDocument/didClose","params":null}',
  '{"jsonrpc":"2.0","id":"f1","method":"mmLens/facts","params":null}',
  '{"jsonrpc":"2.0","id":"f2","method":"mmLens/facts","params":{"textDocument":{"uri":"file:///nonexistent/\\u0000.c"}}}',
  '{"jsonrpc":"2.0","id":"u1","method":"no/such/method","params":{}}',
  '{"jsonrpc":"2.0","id":"i2","method":"initialize","params":{"capabilities":{}}}',
  '{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{"settings":{"kernelMmLens":{"era":5,"maxFileSize":-1,"run":"never"}}}}',
  '{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":{}}}',
  '{"jsonrpc":"2.0",',
  '[1,2,3]',
  'null',
  '"just a string"',
  '{"id":1}',
];

/** The real server over stdio: rapid edits of mutants, malformed messages, facts under the time limit. */
export async function runServer(opts: CampaignOptions, corpus: Seed[], work: string): Promise<TargetReport> {
  const rep = newReport('server');
  const t0 = performance.now();
  const serverJs = await bundle(join(ROOT, 'server', 'src', 'main.ts'), work, 'server-fuzz.js');
  const child = spawn(process.execPath, [serverJs, '--stdio', `--budget-ms=${Math.floor(opts.limitMs / 4)}`], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s.slice(0, 10_000)));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const logs: string[] = [];
  conn.onNotification('window/logMessage', (p: { message: string }) => {
    if (STACK_RE.test(`\n${p.message}\n`) || /TypeError|RangeError/.test(p.message)) logs.push(p.message.slice(0, 300));
  });
  conn.onNotification('textDocument/publishDiagnostics', () => bump(rep.histogram, 'diagnostics published'));
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
  conn.listen();
  const withLimit = <T>(p: Promise<T>): Promise<T | 'timeout'> =>
    Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), opts.limitMs))]);
  try {
    await withLimit(conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} }));
    await conn.sendNotification('initialized', {});
    let uri = '';
    let version = 1;
    for (let i = 0; i < opts.server && exited === undefined; i++) {
      const m = mutant(corpus, opts.seed, 2_000_000 + i, { big: i % 97 === 0 });
      const text = m.bytes.toString('utf8');
      if (i % 10 === 0) {
        if (uri) await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
        uri = `untitled:fuzz-${i}.${m.kind === 'c' ? 'c' : 'patch'}`;
        version = 1;
        await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: m.kind === 'c' ? 'c' : 'diff', version, text } });
      } else {
        await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text }] });
      }
      bump(rep.histogram, i % 10 === 0 ? 'didOpen' : 'didChange');
      if (i % 20 === 7) {
        const body = MALFORMED[Math.floor(i / 20) % MALFORMED.length]!;
        child.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        bump(rep.histogram, 'malformed message');
      }
      if (i % 25 === 24 || i === opts.server - 1) {
        const t = performance.now();
        const r = await withLimit(conn.sendRequest('mmLens/facts', { textDocument: { uri } }).then(() => 'answered', () => 'error response'));
        const ms = performance.now() - t;
        bump(rep.histogram, `facts ${r}`);
        if (ms > rep.worstMs) {
          rep.worstMs = ms;
          rep.worstInput = `seed${opts.seed}-server-${i} (${m.from} ${m.ops.join('+')}, ${m.bytes.length} bytes)`;
        }
        if (r === 'timeout') {
          rep.hangs.push({ input: saveInput(opts, `seed${opts.seed}-server-${i}`, m.kind, m.bytes), detail: `mmLens/facts unanswered after ${opts.limitMs} ms` });
          break;
        }
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) rep.worstRssMb = Math.max(rep.worstRssMb, Number(hwm[1]) / 1024);
      }
      rep.inputs++;
    }
    if (exited === undefined) {
      const s = await withLimit(conn.sendRequest('shutdown'));
      await conn.sendNotification('exit');
      await withLimit(new Promise<void>((r) => (exited !== undefined ? r() : child.once('exit', () => r()))));
      if (s === 'timeout' || exited === undefined) rep.hangs.push({ input: '(shutdown)', detail: 'shutdown/exit not honoured' });
      else bump(rep.histogram, `server exit ${exited}`);
    } else rep.crashes.push({ input: `seed${opts.seed}-server`, detail: `server exited early with ${exited}: ${stderr.slice(0, 300)}` });
  } finally {
    conn.dispose();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  for (const l of logs) rep.crashes.push({ input: 'server log', detail: l });
  if (STACK_RE.test(stderr)) rep.crashes.push({ input: 'server stderr', detail: stderr.slice(0, 300) });
  rep.seconds = (performance.now() - t0) / 1000;
  return rep;
}

export async function runCampaign(opts: CampaignOptions): Promise<TargetReport[]> {
  const corpus = loadCorpus();
  const log = opts.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'mmlens-fuzz-'));
  const out: TargetReport[] = [];
  try {
    if ((opts.bulk ?? 0) > 0) {
      const b = await runBulk({ seed: opts.seed, count: opts.bulk!, workers: opts.workers ?? 2, limitMs: opts.limitMs, deepEvery: opts.deepEvery ?? 10, save: opts.save, log }, corpus, work);
      const { deep, bytes, ...r } = b;
      log(formatReport((out[out.length] = { ...r, note: `${deep} through the rules too; ${(bytes / Math.max(1, b.inputs)).toFixed(0)} bytes per input on average` })));
    }
    if (opts.inprocess > 0) log(formatReport((out[out.length] = runInProcess(opts, corpus))));
    if (opts.cli > 0) log(formatReport((out[out.length] = await runCli(opts, corpus, work))));
    if (opts.server > 0) log(formatReport((out[out.length] = await runServer(opts, corpus, work))));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

export function formatReport(r: TargetReport): string {
  const hist = Object.entries(r.histogram).sort().map(([k, v]) => `${k}: ${v}`).join(', ');
  return [
    `${r.target}: ${r.inputs} inputs in ${r.seconds.toFixed(1)} s; ${r.crashes.length} crash(es), ${r.hangs.length} hang(s)`,
    `  outcomes: ${hist}`,
    ...(r.times ? [`  time per input: ${Object.entries(r.times).map(([k, v]) => `${k}: ${v}`).join(', ')}`] : []),
    ...(r.note ? [`  ${r.note}`] : []),
    `  worst time ${r.worstMs.toFixed(0)} ms (${r.worstInput}); worst memory ${r.worstRssMb.toFixed(0)} MB RSS`,
    ...r.crashes.slice(0, 10).map((c) => `  CRASH ${c.input}: ${c.detail}`),
    ...r.hangs.slice(0, 10).map((h) => `  HANG ${h.input}: ${h.detail}`),
  ].join('\n');
}

if (require.main === module) {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : def;
  };
  const si = process.argv.indexOf('--save');
  const opts: CampaignOptions = {
    seed: arg('--seed', 1),
    inprocess: arg('--inprocess', 20_000),
    bulk: arg('--bulk', 0),
    workers: arg('--workers', 2),
    deepEvery: arg('--deep-every', 10),
    cli: arg('--cli', 300),
    server: arg('--server', 2_000),
    limitMs: arg('--limit-ms', 20_000),
    save: si >= 0 ? process.argv[si + 1] : join(ROOT, 'test', 'fixtures', 'hardening', 'fuzz-found'),
    log: (s) => console.log(s),
  };
  console.log(`fuzz campaign: seed ${opts.seed}, limit ${opts.limitMs} ms per input, corpus ${loadCorpus().length} seeds`);
  void runCampaign(opts).then((reps) => {
    const bad = reps.reduce((n, r) => n + r.crashes.length + r.hangs.length, 0);
    console.log(bad === 0 ? 'no crash, no hang' : `${bad} crash(es)/hang(s): inputs saved under ${opts.save}`);
    process.exit(bad === 0 ? 0 : 1);
  });
}
