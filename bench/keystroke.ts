/**
 * Keystroke latency: textDocument/didChange → textDocument/publishDiagnostics of that version, through the bundled
 * language server over --stdio (analysis in its worker thread, the real rule catalogue), one keystroke at a time
 * (each edit waits for the previous one's diagnostics), on
 *   - a generated 5,000-line kernel C file (GUP callers, fault-retry loops, plain code), and
 *   - a generated 20-patch mbox series (no tree: functions rebuilt from the hunks),
 * next to, for the same edits in this process: the Analyzer alone (no transport, no worker: what the worker runs),
 * (for the C file) its incremental C facts alone (c/incremental.ts: reparse on the old tree, changed functions
 * extracted), the whole-file analysis every keystroke used to run (checkCText: full parse, every function's facts
 * and rules; the baseline), tree-sitter's full parse of the same text, and tree-sitter's incremental reparse
 * (tree.edit + parse(text, oldTree)).
 * For the series, the tree-sitter figures are for the post-image of the edited hunk (the C text the edit lands in).
 *
 *   node --import tsx bench/keystroke.ts [--edits 240] [--lines 5000] [--patches 20] [--debounce 0]
 * (--file PATH: that C file instead of the generated one; --patches 0: the C file only; --phases: the server stamps each phase of every keystroke, MMLENS_TIMING=1, and
 * the table shows where the time went)
 *
 * The server runs with --debounce-ms=0 by default (the editor default is 300 ms, which every figure would include:
 * the debounce is a wait by design, not work). The edits alternate typing a character at the end of a line inside a
 * function and deleting it again, at pseudo-random lines (fixed seed). No assertions: figures only.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { parseEra } from '../common/era';
import { IncrementalCFacts } from '../server/src/c/incremental';
import { checkCText } from '../server/src/rules/check-c';
import { Analyzer } from '../server/src/lsp/analyzer';
import { resolveSettings } from '../common/settings';
import { buildServerBundle } from '../test/server/bundle';
import { TestClient } from '../test/server/lsp-client';
import { kernelCFile as cFile, kernelFunction as fn } from './gen/kernel-c';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const EDITS = Math.max(2, arg('--edits', 240));
const LINES = arg('--lines', 5000);
/** --file PATH: a real C file (e.g. a kernel tree's mm/memory.c) instead of the generated one. */
const FILE = process.argv.includes('--file') ? process.argv[process.argv.indexOf('--file') + 1] : undefined;
const PATCHES = arg('--patches', 20);
const DEBOUNCE = arg('--debounce', 0);
const PHASES = process.argv.includes('--phases');

/** What the server's MMLENS_TIMING=1 line holds (ms since the epoch). */
interface ServerStamps {
  version: number;
  changed: number;
  run: number;
  posted?: number;
  received?: number;
  answered?: number;
  responded?: number;
  published: number;
}

/** --phases: where each keystroke's time went, from the client's and the server's stamps. */
function printPhases(edits: number, sent: Map<number, { sent: number; received: number }>, stamps: Map<number, ServerStamps>): void {
  const phases: [string, (c: { sent: number; received: number }, s: ServerStamps) => number | undefined][] = [
    ['client → server (stdio, JSON-RPC, document update)', (c, s) => s.changed - c.sent],
    ['debounce timer', (_c, s) => s.run - s.changed],
    ['posted to the worker', (_c, s) => (s.posted ?? s.run) - s.run],
    ['worker picks it up (clone in, thread wake-up)', (_c, s) => (s.received !== undefined && s.posted !== undefined ? s.received - s.posted : undefined)],
    ['analysis in the worker', (_c, s) => (s.answered !== undefined && s.received !== undefined ? s.answered - s.received : undefined)],
    ['answer back (clone out, thread wake-up)', (_c, s) => (s.responded !== undefined && s.answered !== undefined ? s.responded - s.answered : undefined)],
    ['publish (diagnostics handed to JSON-RPC)', (_c, s) => s.published - (s.responded ?? s.run)],
    ['server → client (stdio, JSON-RPC)', (c, s) => c.received - s.published],
  ];
  console.log(`    phases of the didChange → publishDiagnostics row (MMLENS_TIMING=1, ${stamps.size} of ${edits} edits stamped):`);
  for (const [name, f] of phases) {
    const xs: number[] = [];
    for (const [v, c] of sent) {
      const s = stamps.get(v);
      const x = s ? f(c, s) : undefined;
      if (x !== undefined) xs.push(x);
    }
    if (xs.length) console.log(row(`      ${name}`, xs));
  }
}

// ── inputs ───────────────────────────────────────────────────────────────────────────────────────────────────────

/** A 20-patch series: each patch adds a locked get_user_pages caller to its own file, in one hunk. */
function series(patches: number): string {
  const mails: string[] = [];
  for (let k = 1; k <= patches; k++) {
    const body = fn(0).replace(/drv0/g, `drv${k}`).split('\n').slice(0, -1);
    const ctx = ['', 'static int helper(void)', '{', '\treturn 0;', '}'];
    const hunk = [...ctx.slice(2).map((l) => ` ${l}`), '+', ...body.map((l) => `+${l}`)];
    mails.push(`From 0000000000000000000000000000000000000${String(k).padStart(3, '0')} Mon Sep 17 00:00:00 2001
From: Bench <bench@example.org>
Date: Tue, 5 Mar 2024 10:00:00 +0100
Subject: [PATCH ${k}/${patches}] drivers/bench${k}: pin user pages

Adds drv${k}_pin().

Signed-off-by: Bench <bench@example.org>
---
 drivers/bench/b${k}.c | ${body.length + 1} ${'+'.repeat(Math.min(body.length + 1, 20))}
 1 file changed, ${body.length + 1} insertions(+)

diff --git a/drivers/bench/b${k}.c b/drivers/bench/b${k}.c
index 1111111..2222222 100644
--- a/drivers/bench/b${k}.c
+++ b/drivers/bench/b${k}.c
@@ -40,3 +40,${3 + body.length + 1} @@ static int helper(void)
${hunk.join('\n')}
-- 
2.39.5

`);
  }
  return mails.join('');
}

// ── edits ────────────────────────────────────────────────────────────────────────────────────────────────────────

interface Edit {
  line: number;
  character: number;
  insert: string;
  deleteCount: number;
  /** End of the deleted range when it is not on `line` (a deleted line break). */
  end?: { line: number; character: number };
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * Pairs of keystrokes at the end of an eligible line: type 'x' then delete it (three pairs in four), or press Enter
 * then delete the line break (one pair in four, C file only: every line below moves).
 */
function makeEdits(text: string, eligible: (line: string) => boolean, n: number, lineBreaks: boolean): Edit[] {
  const lines = text.split('\n');
  const candidates = lines.map((l, i) => (eligible(l) ? i : -1)).filter((i) => i >= 0);
  const rand = rng(0x5eed);
  const out: Edit[] = [];
  while (out.length < n) {
    const line = candidates[Math.floor(rand() * candidates.length)]!;
    const character = lines[line]!.length;
    if (lineBreaks && out.length % 8 === 6) {
      out.push({ line, character, insert: '\n', deleteCount: 0 }, { line, character, insert: '', deleteCount: 1, end: { line: line + 1, character: 0 } });
    } else out.push({ line, character, insert: 'x', deleteCount: 0 }, { line, character, insert: '', deleteCount: 1 });
  }
  return out.slice(0, n);
}

function offsetOf(text: string, line: number, character: number): number {
  let off = 0;
  for (let l = 0; l < line; l++) off = text.indexOf('\n', off) + 1;
  return off + character;
}

function applyEdit(text: string, e: Edit): string {
  const off = offsetOf(text, e.line, e.character);
  return text.slice(0, off) + e.insert + text.slice(off + e.deleteCount);
}

// ── figures ──────────────────────────────────────────────────────────────────────────────────────────────────────

function stats(xs: number[]): { median: number; p95: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1]!, mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}

function row(what: string, xs: number[]): string {
  const s = stats(xs);
  const f = (v: number) => v.toFixed(2).padStart(8);
  return `  ${what.padEnd(58)} ${f(s.median)} ${f(s.p95)} ${f(s.max)} ${f(s.mean)}`;
}

const HEADER = `  ${'ms per edit'.padEnd(58)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)} ${'mean'.padStart(8)}`;

/** tree-sitter full parse and incremental reparse for each edit of `text` (edits given in C-text coordinates). */
function treeSitterFigures(texts: { before: string; edit: Edit }[]): { full: number[]; incremental: number[] } {
  const parser = new Parser();
  parser.setLanguage(C as unknown as Parser.Language);
  const full: number[] = [];
  const incremental: number[] = [];
  for (const { before, edit } of texts) {
    const after = applyEdit(before, edit);
    let t0 = performance.now();
    parser.parse(after);
    full.push(performance.now() - t0);
    const old = parser.parse(before);
    const start = offsetOf(before, edit.line, edit.character);
    t0 = performance.now();
    old.edit({
      startIndex: start,
      oldEndIndex: start + edit.deleteCount,
      newEndIndex: start + edit.insert.length,
      startPosition: { row: edit.line, column: edit.character },
      oldEndPosition: edit.end ? { row: edit.end.line, column: edit.end.character } : { row: edit.line, column: edit.character + edit.deleteCount },
      newEndPosition: edit.insert === '\n' ? { row: edit.line + 1, column: 0 } : { row: edit.line, column: edit.character + edit.insert.length },
    });
    parser.parse(after, old);
    incremental.push(performance.now() - t0);
  }
  return { full, incremental };
}

async function run(
  label: string,
  uri: string,
  languageId: string,
  text: string,
  edits: Edit[],
  treeSitterInput: (before: string, e: Edit) => { before: string; edit: Edit },
): Promise<() => void> {
  const bundle = await buildServerBundle();
  const env = PHASES ? { ...bundle.env, MMLENS_TIMING: '1' } : bundle.env;
  const child = spawn(process.execPath, [bundle.path, '--stdio', `--debounce-ms=${DEBOUNCE}`], { env, stdio: ['pipe', 'pipe', PHASES ? 'pipe' : 'inherit'] });
  // --phases: the server's `mmlens-timing` lines (server/src/lsp/timing.ts) by version; anything else to our stderr.
  const stamps = new Map<number, ServerStamps>();
  const sent = new Map<number, { sent: number; received: number }>();
  if (PHASES) {
    let rest = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('mmlens-timing ')) {
          const t = JSON.parse(line.slice('mmlens-timing '.length)) as ServerStamps;
          stamps.set(t.version, t);
        } else process.stderr.write(`${line}\n`);
      }
    });
  }
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const client = new TestClient(connection);
  const lsp: number[] = [];
  let findings: number;
  try {
    await client.initialize({ initializationOptions: { era: '6.8', run: 'onType', maxFileSize: 8 * 1024 * 1024 } });
    await client.initialized();
    await client.open(uri, languageId, text, 1);
    const first = await client.nextDiagnostics(uri, 0, (p) => p.version === 1, 120_000);
    findings = first.diagnostics.length;
    let current = text;
    let version = 1;
    for (const e of edits) {
      version++;
      // The test client keeps every publish; a real client keeps the last one (240 × 100 KB kept made the bench's own
      // GC part of the measured server → client time).
      client.diagnostics.length = 0;
      const from = 0;
      const t0 = performance.now();
      await client.change(uri, version, [
        { range: { start: { line: e.line, character: e.character }, end: e.end ?? { line: e.line, character: e.character + e.deleteCount } }, text: e.insert },
      ]);
      const v = version;
      await client.nextDiagnostics(uri, from, (p) => p.version === v, 60_000);
      lsp.push(performance.now() - t0);
      if (PHASES) sent.set(v, { sent: performance.timeOrigin + t0, received: performance.timeOrigin + performance.now() });
      current = applyEdit(current, e);
    }
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill();
    bundle.dispose();
  }

  // The same edits in this process: the Analyzer (what the worker runs), tree-sitter full and incremental. Run after
  // every server run (main): their garbage made this process's GC pause for 1–2.5 s in the next server run, while a
  // publishDiagnostics sat unread (its bytes had arrived 4 ms after the server sent them).
  return () => {
    const analyzer = new Analyzer({ settings: resolveSettings({ era: '6.8', maxFileSize: 8 * 1024 * 1024 }) });
    const inProcess: number[] = [];
    const factsOnly: number[] = [];
    const wholeFile: number[] = [];
    let fallbacks = 0;
    let local = 0;
    /** Why edits reparsed the whole tree (IncrementalStats.notLocal), and how many. */
    const wholeWhy = new Map<string, number>();
    const factsWhen = { local: [] as number[], whole: [] as number[] };
    const incremental = new IncrementalCFacts();
    const era = parseEra('6.8');
    const tsInputs: { before: string; edit: Edit }[] = [];
    let current = text;
    analyzer.model({ uri, languageId, text: current, version: 1 });
    edits.forEach((e, i) => {
      tsInputs.push(treeSitterInput(current, e));
      current = applyEdit(current, e);
      const t0 = performance.now();
      analyzer.model({ uri, languageId, text: current, version: i + 2 });
      inProcess.push(performance.now() - t0);
      if (languageId === 'c') {
        if (i === 0) incremental.extract(text, { era });
        const t1 = performance.now();
        incremental.extract(current, { era });
        factsOnly.push(performance.now() - t1);
        if (incremental.stats.fallback) fallbacks++;
        if (incremental.stats.local) local++;
        else {
          const why = incremental.stats.notLocal ?? 'first run';
          wholeWhy.set(why, (wholeWhy.get(why) ?? 0) + 1);
        }
        factsWhen[incremental.stats.local ? 'local' : 'whole'].push(factsOnly[factsOnly.length - 1]!);
        const t2 = performance.now();
        checkCText(current, '/bench/mm/keystroke.c', { era: '6.8' });
        wholeFile.push(performance.now() - t2);
      }
    });
    const ts = treeSitterFigures(tsInputs);

    console.log(`\n${label}: ${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KB, ${findings} diagnostics, ${edits.length} edits`);
    console.log(HEADER);
    console.log(row(`didChange → publishDiagnostics (stdio server, debounce ${DEBOUNCE} ms)`, lsp));
    console.log(row('Analyzer.model in process (no transport, no worker)', inProcess));
    if (factsOnly.length) {
      console.log(row('  of which C facts (incremental: reparse + changed functions)', factsOnly));
      if (factsWhen.local.length) console.log(row('    edits that parsed the edited function alone', factsWhen.local));
      if (factsWhen.whole.length) console.log(row('    edits that reparsed the whole tree', factsWhen.whole));
      console.log(row('whole-file facts + rules (checkCText, no reuse: the baseline)', wholeFile));
    }
    if (PHASES) printPhases(edits.length, sent, stamps);
    console.log(row('tree-sitter full parse of the same text', ts.full));
    console.log(row('tree-sitter incremental reparse (edit + old tree)', ts.incremental));
    if (wholeFile.length) {
      const p95 = stats(lsp).p95;
      console.log(`  didChange → publishDiagnostics p95 ${p95.toFixed(1)} ms: ${p95 <= 20 ? 'meets' : 'misses'} the 20 ms goal; ` +
        `median ${(stats(wholeFile).median / stats(lsp).median).toFixed(1)}× faster than the whole-file baseline; ` +
        `${local} of ${edits.length} edits parsed the edited function alone; ` +
        `${fallbacks} read the whole file (parse errors outside functions)`);
      if (wholeWhy.size) console.log(`  whole-tree reparses, why: ${[...wholeWhy].sort((x, y) => y[1] - x[1]).map(([why, n]) => `${n} ${why}`).join('; ')}`);
    }
  };
}

async function main(): Promise<void> {
  console.log(`bench/keystroke: node ${process.version}, ${new Date().toISOString()}`);
  const c = FILE ? readFileSync(FILE, 'utf8') : cFile(LINES);
  const cEdits = makeEdits(c, (l) => l.startsWith('\t') && l.trim().length > 0 && !l.trim().startsWith('//'), EDITS, true);
  const cFigures = await run(FILE ?? 'C file', 'file:///bench/mm/keystroke.c', 'c', c, cEdits, (before, e) => ({ before, edit: e }));
  if (PATCHES <= 0) return cFigures();
  const mbox = series(PATCHES);
  const sEdits = makeEdits(mbox, (l) => l.startsWith('+\t') && l.length > 2, EDITS, false);
  // The post-image of the hunk holding the edit: its ' ' and '+' lines without their first column.
  const hunkPostImage = (before: string, e: Edit) => {
    const lines = before.split('\n');
    let start = e.line;
    while (!lines[start - 1]!.startsWith('@@')) start--;
    let end = e.line;
    while (end + 1 < lines.length && /^[ +-]/.test(lines[end + 1]!) && !lines[end + 1]!.startsWith('-- ')) end++;
    const post: string[] = [];
    let editLine = 0;
    for (let l = start; l <= end; l++) {
      if (lines[l]!.startsWith('-')) continue;
      if (l === e.line) editLine = post.length;
      post.push(lines[l]!.slice(1));
    }
    return { before: post.join('\n') + '\n', edit: { ...e, line: editLine, character: e.character - 1 } };
  };
  const seriesFigures = await run(`${PATCHES}-patch series`, 'file:///bench/series.mbox', 'kernel-mbox', mbox, sEdits, hunkPostImage);
  cFigures();
  seriesFigures();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
