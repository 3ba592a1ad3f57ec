/**
 * The standing fuzz campaign (issue #11): seeded mutants of the fixtures through
 *  - the in-process parsers and facts (parsePatchDocument + facts for patches, C facts for C files);
 *  - the real CLI, bundled like dist/mmlens.js, one child process per input under a time limit (some inputs are
 *    directory trees with symbolic link loops);
 *  - the real language server, bundled like dist/server.js, over stdio: didOpen/didChange edits (half in rapid
 *    bursts, half each awaited through a mmLens/facts request under the time limit), malformed JSON-RPC messages.
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
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { factsForCFile, factsForPatchInput, budgetExceededIn } from '../../server/src/facts/compute';
import { loadCorpus, mutant, smallMutant, type Seed } from './mutate';
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
  /** Of the CLI inputs, how many run one process each (the rest in batches of cliBatch). Default: all of them. */
  cliSingle?: number;
  cliBatch?: number;
  server: number;
  /** Inputs per server process (default 2500). */
  serverSession?: number;
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

/** The CLI commands a batch runs, in turn (facts and the rules, every output format). */
const BATCH_COMMANDS: string[][] = [
  ['facts', '--json'],
  ['check', '--format', 'text'],
  ['check', '--format', 'json'],
  ['facts'],
  ['check', '--format', 'sarif'],
];

interface CliRun {
  label: string;
  ms: number;
  rssMb: number;
  /** Why the run is a defect ('' when it is not): killed past the limit, an undocumented exit, a stack trace, output that does not parse. */
  defect: '' | 'hang' | 'crash';
  detail: string;
}

function runCliOnce(cli: string, args: string[], targets: string[], limitMs: number): CliRun {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args, ...targets], { env: childEnv(), timeout: limitMs, killSignal: 'SIGKILL', maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' });
  const ms = performance.now() - t;
  const stderr = r.stderr ?? '';
  const rss = /FUZZ-MAXRSS-KB (\d+)/.exec(stderr);
  const rssMb = rss ? Number(rss[1]) / 1024 : 0;
  if (r.error || r.signal) {
    const label = `killed(${r.signal ?? (r.error as NodeJS.ErrnoException).code})`;
    return { label, ms, rssMb, defect: 'hang', detail: `${label} after ${ms.toFixed(0)} ms` };
  }
  const label = `exit ${r.status}`;
  if (![0, 1, 2].includes(r.status ?? -1) || STACK_RE.test(stderr)) return { label, ms, rssMb, defect: 'crash', detail: `${label}: ${stderr.slice(0, 300)}` };
  // JSON and SARIF output must parse, whatever the inputs were.
  if ((args.includes('--json') || args.includes('json') || args.includes('sarif')) && r.status !== 2) {
    try {
      JSON.parse(r.stdout);
    } catch (e) {
      return { label, ms, rssMb, defect: 'crash', detail: `${label}: output is not JSON (${(e as Error).message})` };
    }
  }
  return { label, ms, rssMb, defect: '', detail: '' };
}

/**
 * The real CLI: batches of `cliBatch` mutants (a directory per invocation of facts or check, in turn; per-file budget,
 * per-invocation limit; a crashing or hanging batch is bisected down to the input, which is saved) plus `cliSingle`
 * single-input runs (sometimes multi-MB, sometimes a directory tree with symbolic link loops), each under the limit.
 */
export async function runCli(opts: CampaignOptions, corpus: Seed[], work: string): Promise<TargetReport> {
  const rep = newReport('cli');
  const t0 = performance.now();
  const cli = await bundle(join(__dirname, 'cli-entry.ts'), work, 'mmlens-fuzz.js');
  // Beside it, as dist/ has them: the worker threads of `check --jobs N` (without it, a pool run exits 70).
  await bundle(join(ROOT, 'cli', 'check', 'worker-entry.ts'), work, 'check-worker.js');
  const budget = ['--budget-ms', String(Math.floor(opts.limitMs / 4))];
  const batchSize = Math.max(1, opts.cliBatch ?? 50);
  const batchLimitMs = opts.limitMs * 3;
  let worstBatchMs = 0;
  let invocations = 0;
  const note = (r: CliRun, what: string): void => {
    rep.worstRssMb = Math.max(rep.worstRssMb, r.rssMb);
    invocations++;
    if (r.ms > rep.worstMs) {
      rep.worstMs = r.ms;
      rep.worstInput = what;
    }
  };
  const singles = Math.min(opts.cli, opts.cliSingle ?? opts.cli);
  const batched = opts.cli - singles;
  // Batches: small mutants with, one in 25, a regular one (50–200 KB lines, deep nesting).
  for (let b = 0, done = 0; done < batched; b++) {
    const n = Math.min(batchSize, batched - done);
    const dir = join(work, `batch-${b}`);
    mkdirSync(dir);
    const files: { path: string; kind: Seed['kind']; bytes: Buffer; what: string }[] = [];
    for (let k = 0; k < n; k++) {
      const idx = 3_000_000 + done + k;
      const m = idx % 25 === 0 ? mutant(corpus, opts.seed, idx) : smallMutant(corpus, opts.seed, idx);
      const path = join(dir, `m${idx}.${m.kind === 'c' ? 'c' : 'patch'}`);
      writeFileSync(path, m.bytes);
      files.push({ path, kind: m.kind, bytes: m.bytes, what: `seed${opts.seed}-cli-${idx} (${m.from} ${m.ops.join('+')}, ${m.bytes.length} bytes)` });
    }
    const cmd = BATCH_COMMANDS[b % BATCH_COMMANDS.length]!;
    const args = [...cmd, '--no-progress', ...(cmd[0] === 'facts' ? budget : ['--no-config', '--jobs', b % 10 === 9 ? '2' : '1'])];
    const r = runCliOnce(cli, args, [dir], batchLimitMs);
    note(r, `batch ${b} (${n} inputs, mmlens ${args.join(' ')})`);
    worstBatchMs = Math.max(worstBatchMs, r.ms);
    bump(rep.histogram, `batch ${cmd.join(' ')}: ${r.label}`);
    if (r.defect) {
      // Bisect: the half that still fails, down to one input (a defect no single input shows is reported whole).
      let suspects = files;
      while (suspects.length > 1) {
        const half = suspects.slice(0, Math.ceil(suspects.length / 2));
        const rest = suspects.slice(half.length);
        const h = runCliOnce(cli, args, half.map((f) => f.path), batchLimitMs);
        if (h.defect) suspects = half;
        else if (runCliOnce(cli, args, rest.map((f) => f.path), batchLimitMs).defect) suspects = rest;
        else break;
      }
      const detail = `mmlens ${args.join(' ')}: ${r.detail}${suspects.length > 1 ? ` (no single input of the ${suspects.length} reproduces it alone)` : ''}`;
      const saved = suspects.map((f) => saveInput(opts, basename(f.path).replace(/\.\w+$/, `-seed${opts.seed}`), f.kind, f.bytes)).join(', ');
      (r.defect === 'hang' ? rep.hangs : rep.crashes).push({ input: saved, detail: `${suspects.map((f) => f.what).join(', ')}: ${detail}` });
    }
    rep.inputs += n;
    done += n;
    rmSync(dir, { recursive: true, force: true });
  }
  // Single inputs, one process each (multi-MB ones among them, and symlink trees).
  for (let i = 0; i < singles; i++) {
    const m = mutant(corpus, opts.seed, 1_000_000 + i, { big: true });
    const id = `seed${opts.seed}-cli-${i}`;
    let target = join(work, `${id}.${m.kind === 'c' ? 'c' : 'patch'}`);
    writeFileSync(target, m.bytes);
    const cmd = i % 4 === 3 ? ['check', '--format', pick3(i), '--no-config', '--jobs', '1'] : ['facts', '--json', ...budget];
    const args = [...cmd, '--no-progress'];
    if (i % 25 === 24) {
      // A symlink tree: the mutant twice, a `build/source -> ..` loop and two self loops; -L every other time.
      const d = join(work, `${id}-tree`);
      mkdirSync(join(d, 'mm'), { recursive: true });
      mkdirSync(join(d, 'build'));
      writeFileSync(join(d, 'mm', `x.${m.kind === 'c' ? 'c' : 'patch'}`), m.bytes);
      symlinkSync('..', join(d, 'build', 'source'));
      symlinkSync('.', join(d, 'loop1'));
      symlinkSync('..', join(d, 'mm', 'up'));
      rmSync(target);
      target = d;
      if (i % 50 === 49 && cmd[0] === 'facts') args.push('-L');
    }
    const r = runCliOnce(cli, args, [target], opts.limitMs);
    const what = `${id} (${m.from} ${m.ops.join('+')}, ${m.bytes.length} bytes, mmlens ${args.join(' ')})`;
    note(r, what);
    bump(rep.histogram, `single ${cmd[0]}: ${r.label}`);
    if (r.defect) (r.defect === 'hang' ? rep.hangs : rep.crashes).push({ input: saveInput(opts, id, m.kind, m.bytes), detail: `${what}: ${r.detail}` });
    rep.inputs++;
    rmSync(target, { recursive: true, force: true });
  }
  rep.note = `${batched} inputs in batches of ${batchSize} (one process per batch, limit ${batchLimitMs / 1000} s each, worst batch ${(worstBatchMs / 1000).toFixed(1)} s), ${singles} single-input runs; ${invocations} processes`;
  rep.seconds = (performance.now() - t0) / 1000;
  return rep;
}

const pick3 = (i: number): string => ['text', 'json', 'sarif'][Math.floor(i / 4) % 3]!;

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
  // Beside it, as dist/ has it: the analysis worker (without it the server analyses on its main thread, in order).
  await bundle(join(ROOT, 'server', 'src', 'analysis-worker.ts'), work, 'analysis-worker.js');
  // One long-lived server per serverSession inputs (its memory is watched across them), then a fresh one.
  const per = Math.max(1, opts.serverSession ?? 2500);
  let sessions = 0;
  const endRss: number[] = [];
  for (let from = 0; from < opts.server; from += per) {
    sessions++;
    const ok = await serverSession(opts, corpus, serverJs, from, Math.min(opts.server, from + per), rep, endRss);
    if (!ok) break;
  }
  rep.note = `${sessions} server process(es) of up to ${per} inputs; RSS at the end of each: ${endRss.map((m) => `${m.toFixed(0)} MB`).join(', ')}`;
  rep.seconds = (performance.now() - t0) / 1000;
  return rep;
}

/** One server process over inputs [from, to); false when it died or hung (the campaign stops using the server). */
async function serverSession(opts: CampaignOptions, corpus: Seed[], serverJs: string, from: number, to: number, rep: TargetReport, endRss: number[]): Promise<boolean> {
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
  const hwm = (field: 'VmHWM' | 'VmRSS'): number => {
    try {
      const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  let alive = true;
  try {
    await withLimit(conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} }));
    await conn.sendNotification('initialized', {});
    let uri = '';
    let version = 1;
    for (let i = from; i < to && exited === undefined; i++) {
      // Mostly small mutants (fast edits); one in ten a regular one; every 97th possibly multi-MB.
      const m = i % 10 === 3 || i % 97 === 0 ? mutant(corpus, opts.seed, 2_000_000 + i, { big: i % 97 === 0 }) : smallMutant(corpus, opts.seed, 2_000_000 + i);
      const text = m.bytes.toString('utf8');
      if (i % 10 === 0 || !uri) {
        if (uri) await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
        const lang = m.kind === 'c' ? 'c' : i % 20 < 10 ? 'diff' : 'kernel-mbox';
        uri = `untitled:fuzz-${i}.${m.kind === 'c' ? 'c' : lang === 'diff' ? 'patch' : 'mbox'}`;
        version = 1;
        await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: lang, version, text } });
      } else {
        await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text }] });
      }
      bump(rep.histogram, i % 10 === 0 ? 'didOpen' : 'didChange');
      if (i % 20 === 7) {
        const body = MALFORMED[Math.floor(i / 20) % MALFORMED.length]!;
        child.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        bump(rep.histogram, 'malformed message');
      }
      // Half the edits are analysed one by one (inputs 5–9 of every 10 wait for their facts), the other half come in
      // rapid bursts the server coalesces; a liveness request at least every 25 inputs and at the end either way.
      if (i % 10 >= 5 || i % 25 === 24 || i === to - 1) {
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
          alive = false;
          break;
        }
        rep.worstRssMb = Math.max(rep.worstRssMb, hwm('VmHWM'));
      }
      rep.inputs++;
    }
    if (exited === undefined && alive) {
      endRss.push(hwm('VmRSS'));
      const s = await withLimit(conn.sendRequest('shutdown'));
      await conn.sendNotification('exit');
      await withLimit(new Promise<void>((r) => (exited !== undefined ? r() : child.once('exit', () => r()))));
      if (s === 'timeout' || exited === undefined) {
        rep.hangs.push({ input: '(shutdown)', detail: 'shutdown/exit not honoured' });
        alive = false;
      } else {
        bump(rep.histogram, `server exit ${exited}`);
        // shutdown then exit: 0, as the protocol says; null is a signal (an abort), anything else a failure.
        if (exited !== 0) rep.crashes.push({ input: `seed${opts.seed}-server-${from}..${to - 1}`, detail: `after shutdown/exit the server ended with ${exited === null ? `signal ${child.signalCode}` : `exit ${exited}`}: ${stderr.slice(-300)}` });
      }
    } else if (exited !== undefined) {
      rep.crashes.push({ input: `seed${opts.seed}-server-${from}`, detail: `server exited early with ${exited}: ${stderr.slice(0, 300)}` });
      alive = false;
    }
  } finally {
    conn.dispose();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  for (const l of logs) rep.crashes.push({ input: 'server log', detail: l });
  if (STACK_RE.test(stderr)) rep.crashes.push({ input: 'server stderr', detail: stderr.slice(0, 300) });
  return alive;
}

export async function runCampaign(opts: CampaignOptions): Promise<TargetReport[]> {
  const corpus = loadCorpus();
  const log = opts.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'mmlens-fuzz-'));
  const out: TargetReport[] = [];
  try {
    if ((opts.bulk ?? 0) > 0) {
      const b = await runBulk({ seed: opts.seed, count: opts.bulk!, workers: opts.workers ?? 2, limitMs: opts.limitMs, deepEvery: opts.deepEvery ?? 10, save: opts.save, log }, corpus);
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
    cliSingle: arg('--cli-single', 300),
    cliBatch: arg('--cli-batch', 50),
    server: arg('--server', 2_000),
    serverSession: arg('--server-session', 2_500),
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
