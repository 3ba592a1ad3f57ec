// Issue #11, items 7 and 1 (server side): the bundled server over --stdio refuses malformed didOpen params (nothing
// stored, no TypeError, no diagnostics for a bogus uri) and a second initialize, and answers mmLens/facts on a
// hostile hunk header, then honours shutdown and exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection, ResponseError } from 'vscode-jsonrpc/node';
import { buildServerBundle } from '../server/bundle';
import { TestClient } from '../server/lsp-client';
import { invalidParams } from '../../server/src/lsp/params';
import { HARDENING } from './helpers';

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

test('invalidParams: the shapes the library would choke on', () => {
  const ok = { textDocument: { uri: 'file:///a.c', languageId: 'c', version: 1, text: '' } };
  assert.equal(invalidParams('textDocument/didOpen', ok), undefined);
  assert.equal(invalidParams('textDocument/didOpen', { textDocument: 5 }), 'textDocument is not an object');
  assert.equal(invalidParams('textDocument/didOpen', { textDocument: { ...ok.textDocument, uri: 12 } }), 'textDocument.uri 12 is not a URI');
  assert.equal(invalidParams('textDocument/didOpen', { textDocument: { ...ok.textDocument, text: null } }), 'textDocument.text is not a string');
  assert.equal(invalidParams('textDocument/didOpen', null), 'params is not an object');
  assert.equal(invalidParams('textDocument/didChange', { textDocument: { uri: 'file:///a.c', version: 2 }, contentChanges: [{ range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } }, text: 'x' }] }), 'a content change has an invalid range');
  assert.equal(invalidParams('textDocument/didClose', { textDocument: { uri: 'file:///a.c' } }), undefined);
});

test('bundled server: malformed didOpen ignored, second initialize refused, hostile hunk facts answered, clean exit', { timeout: 120_000 }, async () => {
  const bundle = await buildServerBundle();
  const child = spawn(process.execPath, [bundle.path, '--stdio'], { env: bundle.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = exitOf(child);
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const client = new TestClient(connection);
  try {
    await client.initialize({});
    await client.initialized();
    const good = 'untitled:good.patch';
    await client.open(good, 'diff', 'diff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,3 +1,3 @@\n a;\n', 1);
    for (const textDocument of [
      { uri: 12, languageId: 'diff', version: 1, text: 'x' },
      { uri: 'untitled:null.patch', languageId: 'diff', version: 1, text: null },
      5,
      { uri: null, languageId: 'c', version: 1, text: 'int x;' },
    ]) await connection.sendNotification('textDocument/didOpen', { textDocument });
    await connection.sendNotification('textDocument/didOpen', 7);
    // A valid document opened after them: once its diagnostics are out, the invalid ones were handled (in order).
    const marker = 'untitled:marker.patch';
    await client.open(marker, 'diff', 'diff --git a/mm/y.c b/mm/y.c\n--- a/mm/y.c\n+++ b/mm/y.c\n@@ -1,2 +1,2 @@\n a;\n', 1);
    await client.nextDiagnostics(marker, 0);
    assert.deepEqual([...new Set(client.diagnostics.map((d) => d.uri))].sort(), [good, marker].sort());
    const warnings = client.logs.filter((l) => l.message.includes('ignored textDocument/didOpen with invalid params'));
    assert.deepEqual(warnings.map((w) => w.message.replace(/^.*\(-32602\): /, '')), [
      'textDocument.uri 12 is not a URI',
      'textDocument.text is not a string',
      'textDocument is not an object',
      'textDocument.uri null is not a URI',
      'params is not an object',
    ]);
    assert.ok(!client.logs.some((l) => /TypeError|at .*\.js:\d+/.test(l.message)), client.logs.map((l) => l.message).join('\n'));
    // Nothing stored: the server does not know 'untitled:null.patch'.
    assert.deepEqual(await client.facts('untitled:null.patch'), { text: 'untitled:null.patch: not open and not readable from disk; no facts.\n' });

    // A second initialize is refused; the open documents survive it.
    await assert.rejects(client.initialize({}), (e: unknown) => e instanceof ResponseError && e.code === -32600 && /only once/.test(e.message));
    assert.match(((await client.facts(good)) as { text: string }).text, /git-diff, 1 patch/);

    // mmLens/facts on a hunk header at 2^53 answers (it used to hang the server, which then ignored shutdown).
    const hostile = 'untitled:hostile.patch';
    await client.open(hostile, 'diff', readFileSync(join(HARDENING, 'hunk-2p53-old.patch'), 'utf8'), 1);
    const d = await client.nextDiagnostics(hostile, 0);
    assert.deepEqual(d.diagnostics.map((x) => [x.code, x.range.start.line]), [['malformed-hunk-header', 3]]);
    assert.match(((await client.facts(hostile)) as { text: string }).text, /malformed-hunk-header/);
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    assert.equal(await exited, 0);
    assert.doesNotMatch(stderr, /TypeError/);
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill();
    bundle.dispose();
  }
});
