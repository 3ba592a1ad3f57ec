// The editor features through the real server and a real JSON-RPC client (in-memory pipes; the bundled server over
// --stdio is covered by e2e.test.ts and nvim.test.ts): rule findings as diagnostics while typing, a quick fix
// applied and the finding gone, fixAll, hover, symbols, code lenses, the simulate request, per-rule settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, type ClientCapabilities, type CodeAction, type CodeLens, type DocumentSymbol, type Hover, type PublishDiagnosticsParams, type TextEdit } from 'vscode-languageserver-protocol';
import { InProcessBackend } from '../../server/src/lsp/worker-pool';
import { silentLogger } from '../../server/src/lsp/types';
import type { SimulateResponse } from '../../server/src/simulate/types';
import { CLIENT_CAPABILITIES, inProcessServer } from './lsp-client';
import { FAKE_RULE_ID, fakeRule } from './editor-rules';
import { root } from './fixtures';

const FIXTURE = join(root, 'test', 'fixtures', 'editor', 'fault.c');
const TEXT = readFileSync(FIXTURE, 'utf8');
const URI = pathToFileURL(FIXTURE).href;
const GUP_LINE = TEXT.split('\n').findIndex((l) => l.includes('get_user_pages('));
const RETRY_LINE = TEXT.split('\n').findIndex((l) => l.startsWith('retry:'));
const HOOK_LINE = TEXT.split('\n').findIndex((l) => l.includes('toy_count_retry'));

const WITH_DOCUMENT_CHANGES: ClientCapabilities = { ...CLIENT_CAPABILITIES, workspace: { ...CLIENT_CAPABILITIES.workspace, workspaceEdit: { documentChanges: true } } };

function server(capabilities: ClientCapabilities = WITH_DOCUMENT_CHANGES, init: unknown = { era: '6.8' }) {
  const s = inProcessServer({ debounceMs: 20, worker: new InProcessBackend(silentLogger, { rules: [fakeRule] }) });
  return {
    ...s,
    start: async () => {
      await s.client.initialize({ capabilities, initializationOptions: init });
      await s.client.initialized();
    },
  };
}

const withRule = (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === FAKE_RULE_ID);

function apply(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('x', 'c', 1, text), edits);
}

test('C file: the finding is a diagnostic with code, related information and fixes; the preferred quick fix removes it', async () => {
  const { client, dispose, start } = server();
  try {
    await start();
    await client.open(URI, 'c', TEXT, 1);
    const published = await client.nextDiagnostics(URI, 0, withRule);
    assert.equal(published.version, 1);
    assert.equal(published.diagnostics.length, 1);
    const d = published.diagnostics[0]!;
    assert.equal(d.severity, DiagnosticSeverity.Warning);
    assert.equal(d.source, 'kernel-mm-lens');
    assert.deepEqual(d.range.start, { line: GUP_LINE, character: 7 });
    assert.match(d.message as string, /holds mmap_lock across the I\/O/);
    assert.equal(d.relatedInformation?.length, 1);
    assert.equal(d.relatedInformation![0]!.message, 'mmap_lock taken here');
    assert.equal(d.relatedInformation![0]!.location.range.start.line, GUP_LINE - 1);
    // No docs/rules page for a test rule: no codeDescription rather than a dead link.
    assert.equal(d.codeDescription, undefined);

    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: URI },
      range: d.range,
      context: { diagnostics: [d] },
    })) as CodeAction[];
    assert.deepEqual(
      actions.map((a) => [a.title, a.kind, a.isPreferred === true]),
      [
        ['Use get_user_pages_fast', 'quickfix', true],
        ['Use get_user_pages_fast', 'refactor.rewrite', false],
        ['Use pin_user_pages', 'quickfix', false],
      ],
    );
    const change = actions[0]!.edit!.documentChanges![0] as { textDocument: { version: number }; edits: TextEdit[] };
    assert.equal(change.textDocument.version, 1);
    const fixed = apply(TEXT, change.edits);
    assert.match(fixed.split('\n')[GUP_LINE]!, /get_user_pages_fast\(addr, 1, FOLL_WRITE, pages\);/);

    const from = client.diagnostics.length;
    await client.change(URI, 2, [{ text: fixed }]);
    const after = await client.nextDiagnostics(URI, from, (p) => p.version === 2);
    assert.deepEqual(after.diagnostics, []);
  } finally {
    await dispose();
  }
});

test('diagnostics while typing: an incremental edit that adds a second get_user_pages call adds a second finding', async () => {
  const { client, dispose, start } = server();
  try {
    await start();
    await client.open(URI, 'c', TEXT, 1);
    await client.nextDiagnostics(URI, 0, withRule);
    const from = client.diagnostics.length;
    const line = TEXT.split('\n')[GUP_LINE]!;
    await client.change(URI, 2, [{ range: { start: { line: GUP_LINE + 1, character: 0 }, end: { line: GUP_LINE + 1, character: 0 } }, text: line.replace('ret =', 'ret +=') + '\n' }]);
    await client.change(URI, 3, [{ range: { start: { line: GUP_LINE + 1, character: 1 }, end: { line: GUP_LINE + 1, character: 1 } }, text: '' }]);
    const p = await client.nextDiagnostics(URI, from, (x) => x.version === 3);
    assert.deepEqual(p.diagnostics.map((d) => [d.code, d.range.start.line]), [[FAKE_RULE_ID, GUP_LINE], [FAKE_RULE_ID, GUP_LINE + 1]]);
    // The burst published once, for the last version only.
    assert.deepEqual(client.published(URI).slice(from).map((x) => x.version), [3]);
  } finally {
    await dispose();
  }
});

test('source.fixAll.mmlens applies every preferred fix; plain edits when the client has no documentChanges', async () => {
  const { client, dispose, start } = server(CLIENT_CAPABILITIES);
  try {
    await start();
    const lines = TEXT.split('\n');
    lines.splice(GUP_LINE + 1, 0, lines[GUP_LINE]!.replace('ret =', 'ret +='));
    const text = lines.join('\n');
    await client.open(URI, 'c', text, 1);
    await client.nextDiagnostics(URI, 0, withRule);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: URI },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    })) as CodeAction[];
    assert.equal(actions.length, 1);
    assert.equal(actions[0]!.kind, 'source.fixAll.mmlens');
    const edits = actions[0]!.edit!.changes![URI]!;
    assert.equal(edits.length, 2);
    assert.equal(apply(text, edits).match(/get_user_pages_fast\(/g)?.length, 2);
  } finally {
    await dispose();
  }
});

test('relatedInformation only for clients that support it; per-rule settings: severity override and off', async () => {
  const caps = { ...CLIENT_CAPABILITIES, textDocument: { ...CLIENT_CAPABILITIES.textDocument, publishDiagnostics: {} } };
  const { client, dispose, start } = server(caps, { era: '6.8', rules: { [FAKE_RULE_ID]: 'error' } });
  try {
    await start();
    await client.open(URI, 'c', TEXT, 1);
    const p = await client.nextDiagnostics(URI, 0, withRule);
    assert.equal(p.diagnostics[0]!.relatedInformation, undefined);
    assert.equal(p.diagnostics[0]!.severity, DiagnosticSeverity.Error);
    const from = client.diagnostics.length;
    await client.configure({ kernelMmLens: { era: '6.8', rules: { [FAKE_RULE_ID]: 'off' } } });
    const off = await client.nextDiagnostics(URI, from);
    assert.deepEqual(off.diagnostics, []);
  } finally {
    await dispose();
  }
});

test('hover: the GUP variant in the era with the finding; a fault flag; nothing on other words', async () => {
  const { client, dispose, start } = server();
  try {
    await start();
    await client.open(URI, 'c', TEXT, 1);
    await client.nextDiagnostics(URI, 0, withRule);
    const gup = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: GUP_LINE, character: 10 } })) as Hover;
    const value = (gup.contents as { value: string }).value;
    assert.match(value, /^\*\*get_user_pages\*\* in 6\.8: the caller holds mmap_lock for read across the whole call and the call \*\*never drops it\*\*/);
    assert.match(value, /No vmas parameter \(6\.5\+\)/);
    assert.match(value, new RegExp(`\\*\\*${FAKE_RULE_ID}\\*\\*: get_user_pages holds`));
    assert.deepEqual(gup.range, { start: { line: GUP_LINE, character: 7 }, end: { line: GUP_LINE, character: 21 } });
    const tried = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: HOOK_LINE - 1, character: 15 } })) as Hover;
    assert.match((tried.contents as { value: string }).value, /^\*\*FAULT_FLAG_TRIED\*\* in 6\.8: set on a retry: the second attempt\. !ALLOW_RETRY && TRIED is forbidden from 5\.7/);
    const none = await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: GUP_LINE, character: 2 } });
    assert.equal(none, null);
  } finally {
    await dispose();
  }
});

test('document symbols (functions with their fault path and GUP site) and code lenses', async () => {
  const { client, dispose, start } = server();
  try {
    await start();
    await client.open(URI, 'c', TEXT, 1);
    await client.nextDiagnostics(URI, 0, withRule);
    const symbols = (await client.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri: URI } })) as DocumentSymbol[];
    assert.deepEqual(
      symbols.map((s) => [s.name, (s.children ?? []).map((c) => c.name)]),
      [
        ['toy_do_page_fault', ['retry loop (retry)']],
        ['toy_pin_one', ['get_user_pages']],
      ],
    );
    const lenses = (await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as CodeLens[];
    assert.deepEqual(
      lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments]),
      [
        [RETRY_LINE, 'Simulate this fault path', 'mmlens.simulate', [{ uri: URI, line: RETRY_LINE }]],
        [GUP_LINE, 'Simulate this fault path', 'mmlens.simulate', [{ uri: URI, line: GUP_LINE }]],
      ],
    );
  } finally {
    await dispose();
  }
});

test('mmLens/simulate: the retry loop in the postcopy preset, with the unmodelled call named; the GUP call in the file-I/O preset', async () => {
  const { client, dispose, start } = server();
  try {
    await start();
    await client.open(URI, 'c', TEXT, 1);
    await client.nextDiagnostics(URI, 0, withRule);
    const r = (await client.connection.sendRequest('mmLens/simulate', { uri: URI, line: RETRY_LINE + 3 })) as SimulateResponse;
    assert.equal(r.ok, true, r.message);
    assert.equal(r.preset, 'postcopy-missing');
    assert.equal(r.sides.length, 1);
    const x = r.sides[0]!.extracted;
    assert.equal(x.kind, 'fault-path');
    assert.deepEqual(x.faultPath, {
      initialFlags: ['ALLOW_RETRY', 'KILLABLE', 'INTERRUPTIBLE'],
      retry: { set: ['TRIED'], clear: [], max: null },
      signalCheck: 'fault_signal_pending',
      lockRetake: 'retry-label',
      vmaLock: false,
      handlesCompleted: true,
    });
    assert.deepEqual(x.notModelled, [`the retry path calls toy_count_retry() (line ${HOOK_LINE + 1}): not modelled`]);
    assert.match(r.sides[0]!.svg, /^<svg/);
    assert.ok(r.sides[0]!.events.some((e) => e.documentLine !== undefined));

    const g = (await client.connection.sendRequest('mmLens/simulate', { uri: URI, line: GUP_LINE })) as SimulateResponse;
    assert.equal(g.ok, true, g.message);
    assert.equal(g.preset, 'file-io-writer-before');
    assert.deepEqual(g.sides[0]!.extracted.gup, { variant: 'get_user_pages', gup_flags: ['FOLL_WRITE'] });
    assert.match(g.sides[0]!.verdict, /dio/);

    const bad = (await client.connection.sendRequest('mmLens/simulate', { uri: URI, line: 0 })) as SimulateResponse;
    assert.equal(bad.ok, false);
    assert.equal(bad.message, 'line 1 is not inside a function with mm facts');
    const noPreset = (await client.connection.sendRequest('mmLens/simulate', { uri: URI, line: GUP_LINE, preset: 'nope' })) as SimulateResponse;
    assert.match(noPreset.message ?? '', /^no preset named nope \(presets: /);
  } finally {
    await dispose();
  }
});
