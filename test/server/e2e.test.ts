// End to end: the bundled server (built with esbuild like dist/server.js) in a child process over --stdio, driven by
// a real JSON-RPC client (vscode-jsonrpc) exactly as an editor would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
} from 'vscode-jsonrpc/node';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import { buildServerBundle } from './bundle';
import {
  EXPECTED_INITIALIZE_RESULT,
  FIXTURES,
  SAMPLE_SERIES,
  SAMPLE_TREE,
  TRUNCATED_HUNK_LINE,
  bigSeries,
  fileUri,
  fixtureText,
  fixtureUri,
  lineOf,
  randomJunkText,
} from './fixtures';
import { TestClient, codesOf } from './lsp-client';
import { RULES } from '../../server/src/rules/registry';

const RULE_IDS = new Set(RULES.map((r) => r.id));
/** Parse problems only (the truncated-hunk fixture also carries a rule finding on its GUP conversion). */
const parseOnly = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => !RULE_IDS.has(String(d.code)));

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

test('bundled server over --stdio: diagnostics, incremental edits, facts, huge and junk input, clean exit', { timeout: 120_000 }, async (t) => {
  const bundle = await buildServerBundle();
  const child = spawn(process.execPath, [bundle.path, '--stdio'], { env: bundle.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = exitOf(child);
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const client = new TestClient(connection);
  try {
    const truncatedUri = fixtureUri(FIXTURES.truncated);
    const broken = fixtureText(FIXTURES.truncated);
    const fixed = fixtureText(FIXTURES.truncatedFixed);
    const truncatedDiagnostic: Diagnostic = {
      range: {
        start: { line: TRUNCATED_HUNK_LINE, character: 0 },
        end: { line: TRUNCATED_HUNK_LINE, character: lineOf(broken, TRUNCATED_HUNK_LINE).length },
      },
      severity: DiagnosticSeverity.Error,
      code: 'truncated-hunk',
      source: 'kernel-mm-lens',
      message: 'truncated hunk: header declares 7 old / 5 new lines, body has 5 / 3 before the end of the input',
    };

    await t.test('initialize: the capabilities snapshot', async () => {
      const result = await client.initialize({
        rootUri: fileUri(SAMPLE_TREE),
        workspaceFolders: [{ uri: fileUri(SAMPLE_TREE), name: 'tree' }],
        initializationOptions: { era: 'auto', run: 'onType', maxFileSize: 2 * 1024 * 1024, trace: { server: 'off' } },
      });
      assert.deepEqual(result, EXPECTED_INITIALIZE_RESULT);
      await client.initialized();
    });

    await t.test('didOpen of a truncated patch publishes the exact diagnostic', async () => {
      await client.open(truncatedUri, 'diff', broken, 1);
      const p = await client.nextDiagnostics(truncatedUri, 0);
      assert.equal(p.version, 1);
      assert.deepEqual(parseOnly(p.diagnostics), [truncatedDiagnostic]);
    });

    await t.test('didChange to the fixed text clears the diagnostics', async () => {
      const mark = client.diagnostics.length;
      await client.change(truncatedUri, 2, [{ text: fixed }]);
      const p = await client.nextDiagnostics(truncatedUri, mark);
      assert.deepEqual([p.version, parseOnly(p.diagnostics)], [2, []]);
    });

    await t.test('an incremental edit (delete the tail) brings the truncated-hunk error back', async () => {
      const mark = client.diagnostics.length;
      const lines = fixed.split('\n').length - 1;
      await client.change(truncatedUri, 3, [{ range: { start: { line: 23, character: 0 }, end: { line: lines, character: 0 } }, text: '' }]);
      const p = await client.nextDiagnostics(truncatedUri, mark);
      assert.deepEqual([p.version, parseOnly(p.diagnostics)], [3, [truncatedDiagnostic]]);
    });

    await t.test('mmLens/facts on the sample series: facts from the sample tree', async () => {
      const uri = fileUri(SAMPLE_SERIES);
      await client.open(uri, 'kernel-mbox', readFileSync(SAMPLE_SERIES, 'utf8'), 1);
      const result = (await client.facts(uri)) as { text: string };
      assert.match(result.text, /get_user_pages_unlocked/);
      assert.match(result.text, /mbox series, v2, 3 patch\(es\), cover letter/);
      assert.ok(result.text.includes(`files read from ${SAMPLE_TREE}`), result.text.slice(0, 300));
      // The rules through the bundled server: patch 1 fixes a GUP under the lock (information), patch 2 introduces
      // a forbidden flag combination (error, on the added line 126 of the mbox).
      const ds = (await client.nextDiagnostics(uri, 0)).diagnostics;
      assert.deepEqual(
        ds.map((d) => [d.code, d.range.start.line + 1, d.severity]),
        [
          ['gup-convertible-to-unlocked', 76, DiagnosticSeverity.Information],
          ['forbidden-flag-combination', 126, DiagnosticSeverity.Error],
        ],
      );
    });

    const junkUri = 'untitled:junk.diff';
    const bigUri = 'untitled:big.mbox';
    const big = bigSeries(10 * 1024 * 1024);

    await t.test('2 MB of random bytes and a 10 MB series, over the 2 MB cap: one not-analysed note each', async () => {
      const mark = client.diagnostics.length;
      await client.open(junkUri, 'diff', randomJunkText(2 * 1024 * 1024), 1);
      await client.open(bigUri, 'kernel-mbox', big.text, 1);
      assert.deepEqual(codesOf(await client.nextDiagnostics(junkUri, mark)), ['not-analysed-too-large']);
      assert.deepEqual(codesOf(await client.nextDiagnostics(bigUri, mark)), ['not-analysed-too-large']);
    });

    await t.test('cap raised to 64 MB: both are really analysed and the server lives', async () => {
      const mark = client.diagnostics.length;
      await client.configure({ kernelMmLens: { maxFileSize: 64 * 1024 * 1024 } });
      const junk = await client.nextDiagnostics(junkUri, mark, undefined, 60_000);
      assert.ok(!codesOf(junk).includes('internal-error') && !codesOf(junk).includes('not-analysed-too-large'), JSON.stringify(junk.diagnostics.slice(0, 3)));
      const series = await client.nextDiagnostics(bigUri, mark, undefined, 60_000);
      assert.equal(series.diagnostics.length, 1200 - big.count);
      assert.ok(series.diagnostics.every((d) => d.code === 'series-missing-patch'));
      const facts = (await client.facts(truncatedUri)) as { text: string };
      assert.match(facts.text, /get_user_pages_unlocked/, 'a later request is answered');
    });

    await t.test('no error was logged', () => {
      assert.deepEqual(client.logs.filter((l) => l.type === 1), []);
    });

    await t.test('shutdown + exit: the process exits with code 0', async () => {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      const { code, signal } = await exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, `stderr:\n${stderr}`);
      assert.doesNotMatch(stderr, /uncaught|unhandled/i);
    });
  } finally {
    connection.dispose();
    if (child.exitCode === null && child.signalCode === null) child.kill();
    bundle.dispose();
  }
});

test('bundled server over --node-ipc (the VS Code transport): initialize, diagnostics, clean exit', { timeout: 60_000 }, async () => {
  const bundle = await buildServerBundle();
  const child = fork(bundle.path, ['--node-ipc'], { env: bundle.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = exitOf(child);
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const client = new TestClient(connection);
  try {
    assert.deepEqual(await client.initialize({}), EXPECTED_INITIALIZE_RESULT);
    await client.initialized();
    const uri = fixtureUri(FIXTURES.truncatedCrlf);
    await client.open(uri, 'diff', fixtureText(FIXTURES.truncatedCrlf), 7);
    const p = await client.nextDiagnostics(uri, 0);
    assert.equal(p.version, 7);
    assert.deepEqual(codesOf({ ...p, diagnostics: parseOnly(p.diagnostics) }), ['truncated-hunk']);
    assert.deepEqual(parseOnly(p.diagnostics)[0]!.range.start, { line: TRUNCATED_HUNK_LINE, character: 0 });
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    assert.deepEqual(await exited, { code: 0, signal: null }, `stderr:\n${stderr}`);
  } finally {
    connection.dispose();
    if (child.exitCode === null && child.signalCode === null) child.kill();
    bundle.dispose();
  }
});
