// mmLens/documentInfo over LSP (in process, real connection): the era each analysed document rests on and where it
// came from, sent only to clients that opt in; and the server's first log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ClientCapabilities } from 'vscode-languageserver-protocol';
import { DOCUMENT_INFO_METHOD, type DocumentInfoParams } from '../../common/protocol';
import { SERVER_VERSION } from '../../server/src/server';
import { FIXTURES, fileUri, fixturePath, fixtureText, fixtureUri } from './fixtures';
import { CLIENT_CAPABILITIES, inProcessServer, type TestClient } from './lsp-client';

const OPTED_IN: ClientCapabilities = { ...CLIENT_CAPABILITIES, experimental: { mmLens: { documentInfo: true } } };
/** A C file naming only the mmap_sem field: hints bound the era to 3.18–5.7. */
const HINT_ONLY_C = 'static int f(struct mm_struct *mm)\n{\n\tdown_read(&mm->mmap_sem);\n\tup_read(&mm->mmap_sem);\n\treturn 0;\n}\n';
const HINT_URI = 'file:///nonexistent-mmlens-docinfo/hint.c';

function recordInfo(client: TestClient): DocumentInfoParams[] {
  const seen: DocumentInfoParams[] = [];
  client.connection.onNotification(DOCUMENT_INFO_METHOD, (p: DocumentInfoParams) => {
    seen.push(p);
  });
  return seen;
}

test('documentInfo: Makefile era, hint range, setting, and version per analysis', async () => {
  const { client, dispose } = inProcessServer({ debounceMs: 20, worker: false });
  try {
    const info = recordInfo(client);
    const tree = fixturePath(FIXTURES.tree);
    await client.initialize({ capabilities: OPTED_IN, workspaceFolders: [{ uri: fileUri(tree), name: 'tree' }], initializationOptions: { era: 'auto' } });
    await client.initialized();

    const pin = fixtureUri(FIXTURES.treePin);
    await client.open(pin, 'c', fixtureText(FIXTURES.treePin), 3);
    const fromMakefile = await client.waitFor('documentInfo of pin.c', () => info.find((i) => i.uri === pin));
    assert.deepEqual(fromMakefile, {
      uri: pin,
      version: 3,
      era: { era: '5.10', range: { from: '5.10', to: '5.10' }, sourceKind: 'makefile', source: `Makefile VERSION/PATCHLEVEL (${join(tree, 'Makefile')})` },
    });

    await client.open(HINT_URI, 'c', HINT_ONLY_C, 1);
    const fromHints = await client.waitFor('documentInfo of hint.c', () => info.find((i) => i.uri === HINT_URI));
    assert.deepEqual(fromHints.era, { era: '5.7', range: { from: '3.18', to: '5.7' }, sourceKind: 'patch-hints', source: 'hints in the code: mmap_sem field (≤5.7)' });

    // An explicit era replaces both, and every open document is re-analysed and re-announced.
    const mark = info.length;
    await client.configure({ kernelMmLens: { era: '6.1' } });
    const bySetting = await client.waitFor('documentInfo after the setting', () => {
      const after = info.slice(mark);
      const a = after.find((i) => i.uri === pin);
      const b = after.find((i) => i.uri === HINT_URI);
      return a && b ? [a, b] : undefined;
    });
    for (const i of bySetting) assert.deepEqual(i.era, { era: '6.1', range: { from: '6.1', to: '6.1' }, sourceKind: 'setting', source: 'explicit setting' });

    // A new version is announced with its version number.
    const mark2 = info.length;
    await client.change(HINT_URI, 2, [{ text: HINT_ONLY_C + '\n' }]);
    const v2 = await client.waitFor('documentInfo of version 2', () => info.slice(mark2).find((i) => i.uri === HINT_URI));
    assert.equal(v2.version, 2);
  } finally {
    await dispose();
  }
});

test('documentInfo: a document that is not analysed is announced without an era', async () => {
  const { client, dispose } = inProcessServer({ debounceMs: 20, worker: false });
  try {
    const info = recordInfo(client);
    await client.initialize({ capabilities: OPTED_IN, initializationOptions: { era: 'auto', maxFileSize: 10 } });
    await client.initialized();
    await client.open(HINT_URI, 'c', HINT_ONLY_C, 1);
    assert.deepEqual(await client.waitFor('documentInfo', () => info.find((i) => i.uri === HINT_URI)), { uri: HINT_URI, version: 1 });
  } finally {
    await dispose();
  }
});

test('documentInfo: clients that do not opt in never receive it', async () => {
  const { client, dispose } = inProcessServer({ debounceMs: 20, worker: false });
  try {
    const info = recordInfo(client);
    await client.initialize({ initializationOptions: { era: 'auto' } });
    await client.initialized();
    await client.open(HINT_URI, 'c', HINT_ONLY_C, 1);
    await client.nextDiagnostics(HINT_URI, 0);
    // Messages arrive in order: a notification for the first document would precede the second's diagnostics.
    const second = 'file:///nonexistent-mmlens-docinfo/second.c';
    await client.open(second, 'c', HINT_ONLY_C, 1);
    await client.nextDiagnostics(second, 0);
    assert.deepEqual(info, []);
  } finally {
    await dispose();
  }
});

test('the first log line names the server version, the era setting and the tree', async () => {
  const tree = fixturePath(FIXTURES.tree);
  for (const [settings, era, folders, treeText] of [
    [{ era: 'auto' }, 'auto (per document: Makefile, hints in the code, or the newest era)', [{ uri: fileUri(tree), name: 'tree' }], tree],
    [{ era: '4.19' }, '4.19 (kernelMmLens.era)', [], 'none (patches outside a tree are rebuilt from their hunks)'],
  ] as const) {
    const { client, dispose } = inProcessServer({ worker: false });
    try {
      await client.initialize({ workspaceFolders: [...folders], initializationOptions: settings });
      await client.initialized();
      const line = await client.waitFor('start line', () => client.logs.find((l) => l.message.startsWith('Kernel MM Lens server')));
      assert.deepEqual(line, { type: 3, message: `Kernel MM Lens server ${SERVER_VERSION}, era ${era}, tree ${treeText}` });
    } finally {
      await dispose();
    }
  }
});
