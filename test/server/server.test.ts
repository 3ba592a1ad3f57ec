// The protocol layer in process (real connection over in-memory pipes): capabilities, debounce, onSave, settings
// push and pull, close, facts, time budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from 'vscode-jsonrpc/node';
import { RULES } from '../../server/src/rules/registry';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import {
  FIXTURES,
  SAMPLE_SERIES,
  SAMPLE_TREE,
  EXPECTED_INITIALIZE_RESULT,
  TRUNCATED_HUNK_LINE,
  fileUri,
  fixturePath,
  fixtureText,
  fixtureUri,
  lineOf,
} from './fixtures';
import { codesOf, inProcessServer } from './lsp-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RULE_IDS = new Set(RULES.map((r) => r.id));
/** Parse problems only: the truncated-hunk fixtures also carry a rule finding (their GUP conversion). */
function parseOnly<D extends { code?: string | number }>(ds: D[]): D[] {
  return ds.filter((d) => !RULE_IDS.has(String(d.code)));
}

test('initialize: capabilities snapshot (incremental sync, save, workspace folders, facts request)', async () => {
  const { client, dispose } = inProcessServer();
  try {
    assert.deepEqual(await client.initialize({}), EXPECTED_INITIALIZE_RESULT);
  } finally {
    await dispose();
  }
});

test('onType: open is analysed at once; a burst of edits publishes once, for the last version', async () => {
  const { client, dispose } = inProcessServer({ debounceMs: 150 });
  try {
    await client.initialize({ initializationOptions: { era: 'auto', run: 'onType' } });
    await client.initialized();
    const uri = fixtureUri(FIXTURES.truncated);
    const broken = fixtureText(FIXTURES.truncated);
    const fixed = fixtureText(FIXTURES.truncatedFixed);
    await client.open(uri, 'diff', broken, 1);
    const first = await client.nextDiagnostics(uri, 0);
    assert.equal(first.version, 1);
    assert.deepEqual(parseOnly(first.diagnostics), [
      {
        range: {
          start: { line: TRUNCATED_HUNK_LINE, character: 0 },
          end: { line: TRUNCATED_HUNK_LINE, character: lineOf(broken, TRUNCATED_HUNK_LINE).length },
        },
        severity: DiagnosticSeverity.Error,
        code: 'truncated-hunk',
        source: 'kernel-mm-lens',
        message: 'truncated hunk: header declares 7 old / 5 new lines, body has 5 / 3 before the end of the input',
      },
    ]);
    const mark = client.diagnostics.length;
    await client.change(uri, 2, [{ text: fixed }]);
    await client.change(uri, 3, [{ text: broken }]);
    await client.change(uri, 4, [{ text: fixed }]);
    const last = await client.nextDiagnostics(uri, mark);
    assert.equal(last.version, 4);
    assert.deepEqual(parseOnly(last.diagnostics), []);
    await sleep(300);
    assert.equal(client.published(uri).length, 2, 'versions 2 and 3 were never published');
  } finally {
    await dispose();
  }
});

test('onSave: edits are not analysed until the document is saved', async () => {
  const { client, dispose } = inProcessServer({ debounceMs: 50 });
  try {
    await client.initialize({ initializationOptions: { run: 'onSave' } });
    await client.initialized();
    const uri = fixtureUri(FIXTURES.truncated);
    await client.open(uri, 'diff', fixtureText(FIXTURES.truncated), 1);
    assert.deepEqual(parseOnly((await client.nextDiagnostics(uri, 0)).diagnostics).map((d) => d.code), ['truncated-hunk']);
    await client.change(uri, 2, [{ text: fixtureText(FIXTURES.truncatedFixed) }]);
    await sleep(250);
    assert.equal(client.published(uri).length, 1, 'no analysis on change');
    const mark = client.diagnostics.length;
    await client.save(uri);
    const saved = await client.nextDiagnostics(uri, mark);
    assert.deepEqual([saved.version, parseOnly(saved.diagnostics)], [2, []]);
  } finally {
    await dispose();
  }
});

test('close clears the diagnostics of the document', async () => {
  const { client, dispose } = inProcessServer();
  try {
    await client.initialize({});
    await client.initialized();
    const uri = fixtureUri(FIXTURES.truncated);
    await client.open(uri, 'diff', fixtureText(FIXTURES.truncated), 1);
    await client.nextDiagnostics(uri, 0);
    const mark = client.diagnostics.length;
    await client.close(uri);
    const cleared = await client.nextDiagnostics(uri, mark, (p) => p.diagnostics.length === 0);
    assert.equal(cleared.version, undefined);
    await sleep(100);
    assert.equal(client.published(uri).at(-1), cleared, 'nothing published after the close');
  } finally {
    await dispose();
  }
});

test('pushed settings (VS Code style, section inside settings) re-analyse every open document', async () => {
  const { client, dispose } = inProcessServer();
  try {
    await client.initialize({ initializationOptions: { run: 'onType' } });
    await client.initialized();
    const uri = fixtureUri(FIXTURES.truncated);
    await client.open(uri, 'diff', fixtureText(FIXTURES.truncated), 1);
    await client.nextDiagnostics(uri, 0);
    const mark = client.diagnostics.length;
    await client.configure({ kernelMmLens: { maxFileSize: 10 } });
    const p = await client.nextDiagnostics(uri, mark);
    assert.deepEqual(codesOf(p), ['not-analysed-too-large']);
    assert.equal(client.configurationRequests.length, 0, 'initializationOptions given: nothing pulled');
  } finally {
    await dispose();
  }
});

test('pull-model client (no initializationOptions, empty didChangeConfiguration): the section is requested', async () => {
  const { client, dispose } = inProcessServer({ debounceMs: 50 });
  try {
    client.configuration = (section) => (section === 'kernelMmLens' ? { run: 'onSave', era: 'bogus' } : null);
    await client.initialize({});
    await client.initialized();
    await client.waitFor('workspace/configuration', () => (client.configurationRequests.includes('kernelMmLens') ? true : undefined));
    const warning = await client.waitFor('settings warning', () => client.logs.find((l) => /kernelMmLens\.era: "bogus"/.test(l.message)));
    assert.equal(warning.type, 2);
    const uri = fixtureUri(FIXTURES.truncated);
    await client.open(uri, 'diff', fixtureText(FIXTURES.truncated), 1);
    await client.nextDiagnostics(uri, 0);
    await client.change(uri, 2, [{ text: fixtureText(FIXTURES.truncatedFixed) }]);
    await sleep(200);
    assert.equal(client.published(uri).length, 1, 'run: onSave came from the pulled settings');
    const before = client.configurationRequests.length;
    await client.configure(null);
    await client.waitFor('second pull', () => (client.configurationRequests.length > before ? true : undefined));
  } finally {
    await dispose();
  }
});

test('time budget: a slow analysis is reported in the log (budget forced below any run)', async () => {
  const { client, dispose } = inProcessServer({ timeBudgetMs: -1 });
  try {
    await client.initialize({});
    await client.initialized();
    const uri = fixtureUri(FIXTURES.truncated);
    await client.open(uri, 'diff', fixtureText(FIXTURES.truncated), 1);
    const log = await client.waitFor('budget warning', () => client.logs.find((l) => l.message.includes('budget')));
    assert.equal(log.type, 2, 'a warning');
    assert.match(log.message, /analysing file:.*truncated\.patch took \d+ ms, over the -1 ms budget/);
  } finally {
    await dispose();
  }
});

test('facts: unsaved text of an open document, a file on disk that is not open, invalid params', async () => {
  const { client, dispose } = inProcessServer();
  try {
    await client.initialize({ workspaceFolders: [{ uri: fileUri(SAMPLE_TREE), name: 'tree' }] });
    await client.initialized();
    const uri = fixtureUri(FIXTURES.truncated);
    await client.open(uri, 'diff', fixtureText(FIXTURES.truncated), 1);
    const edited = fixtureText(FIXTURES.truncatedFixed).replace('get_user_pages_unlocked(', 'pin_user_pages_unlocked(');
    await client.change(uri, 2, [{ text: edited }]);
    const open = (await client.facts(uri)) as { text: string };
    assert.match(open.text, /pin_user_pages_unlocked/, 'the edit is seen before any debounced analysis');
    assert.match(open.text, /era 6\.8 from Makefile/, 'the workspace kernel tree gives the era');
    const disk = (await client.facts(fileUri(SAMPLE_SERIES))) as { text: string };
    assert.match(disk.text, /get_user_pages_unlocked/);
    await assert.rejects(client.facts(undefined as unknown as string), (e: unknown) => e instanceof ResponseError && e.code === -32602);
  } finally {
    await dispose();
  }
});

test('workspace folders added later: an untitled C buffer takes the era of the new kernel tree', async () => {
  const { client, dispose } = inProcessServer();
  try {
    await client.initialize({ workspaceFolders: [], initializationOptions: { run: 'onType' } });
    await client.initialized();
    const uri = 'untitled:Untitled-1';
    await client.open(uri, 'c', fixtureText(FIXTURES.treePin), 1);
    assert.match(((await client.facts(uri)) as { text: string }).text, /^untitled:Untitled-1: C, era 6\.\d+(?:–6\.19)? from (hints|default)/);
    await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', {
      event: { added: [{ uri: fileUri(fixturePath(FIXTURES.tree)), name: 'tree' }], removed: [] },
    });
    // Messages are handled in order: the request below sees the new roots.
    const after = ((await client.facts(uri)) as { text: string }).text;
    assert.match(after, /Untitled-1: C, era 5\.10 from Makefile/);
  } finally {
    await dispose();
  }
});
