// The editor features with the REAL rule catalogue through the bundled server (built like dist/server.js, run over
// --stdio in a child process, analysis in its worker thread), driven by a real JSON-RPC client as an editor would:
// diagnostics while typing on a C file and on a series, quick fixes applied end to end (the workspace edit applied
// to the client's text, sent back as incremental didChange, the finding gone; in a series and in a single .patch,
// which must still apply with `git apply --check` on the sample tree after the earlier patches), fixAll, hover,
// document symbols, code lenses, and the simulate command on a C fault path, a GUP call and a hunk (before/after).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DiagnosticSeverity,
  type CodeAction,
  type CodeLens,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type TextDocumentContentChangeEvent,
  type TextEdit,
} from 'vscode-languageserver-protocol';
import type { SimulateResponse } from '../../server/src/simulate/types';
import { buildServerBundle } from './bundle';
import { SAMPLE_SERIES, SAMPLE_TREE, fileUri, root } from './fixtures';
import { CLIENT_CAPABILITIES, TestClient } from './lsp-client';

const C_FILE = join(root, 'test', 'fixtures', 'editor', 'fault.c');
const C_TEXT = readFileSync(C_FILE, 'utf8');
const C_URI = fileUri(C_FILE);
const C_LINES = C_TEXT.split('\n');
const GUP_LINE = C_LINES.findIndex((l) => l.includes('get_user_pages('));
const RETRY_LINE = C_LINES.findIndex((l) => l.startsWith('retry:'));
const HOOK_LINE = C_LINES.findIndex((l) => l.includes('toy_count_retry'));

const SERIES_TEXT = readFileSync(SAMPLE_SERIES, 'utf8');
const SERIES_URI = fileUri(SAMPLE_SERIES);

/** The mails of an mbox (split before each "From <sha> Mon Sep 17 …" line); [0] is the cover letter. */
function mails(text: string): string[] {
  return text.split(/^(?=From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m).filter((m) => m.length > 0);
}

/** Each edit as an incremental content change, last position first, so the earlier ranges stay valid. */
function asChanges(edits: TextEdit[]): TextDocumentContentChangeEvent[] {
  return [...edits]
    .sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)
    .map((e) => ({ range: e.range, text: e.newText }));
}

function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'plaintext', 1, text), edits);
}

/** The edits of a code action's workspace edit for one document (documentChanges, as this client asks for). */
function editsOf(a: CodeAction, uri: string, version: number): TextEdit[] {
  const changes = a.edit?.documentChanges ?? [];
  assert.equal(changes.length, 1, `one document change in ${a.title}`);
  const c = changes[0] as { textDocument: { uri: string; version: number }; edits: TextEdit[] };
  assert.deepEqual(c.textDocument, { uri, version });
  return c.edits;
}

function git(cwd: string, ...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.error) assert.fail(`git does not run: ${String(r.error)} (\`npm test\` installs it through test/setup.sh)`);
  return { status: r.status, stderr: r.stderr };
}

/** `git apply [--check]` of a patch text in `tree` (a plain directory: git apply works like patch(1) there). */
function gitApply(tree: string, patch: string, check: boolean): { status: number | null; stderr: string } {
  const file = join(tree, '..', `apply-${Math.random().toString(36).slice(2)}.patch`);
  writeFileSync(file, patch);
  try {
    return git(tree, 'apply', ...(check ? ['--check'] : []), file);
  } finally {
    rmSync(file, { force: true });
  }
}

const lensSummary = (ls: CodeLens[]) => ls.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments]);
const symbolTree = (ss: DocumentSymbol[]): unknown[] => ss.map((s) => (s.children?.length ? [s.name, symbolTree(s.children)] : s.name));
const hoverText = (h: Hover | null): string => ((h?.contents ?? { value: '' }) as { value: string }).value;
/** Lanes of the SVG timeline: "mmap_lock" and "task:<id>" (its data-lane test hooks). */
const lanes = (svg: string): string[] => [...svg.matchAll(/data-lane="([^"]+)"/g)].map((m) => m[1]!);

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

test('bundled server over --stdio with the real rules: diagnostics while typing, quick fixes end to end, hover, symbols, lenses, simulate', { timeout: 180_000 }, async (t) => {
  const bundle = await buildServerBundle();
  const child = spawn(process.execPath, [bundle.path, '--stdio'], { env: bundle.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = exitOf(child);
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const shown: string[] = [];
  connection.onRequest('window/showMessageRequest', (p: { message: string }) => {
    shown.push(p.message);
    return null;
  });
  connection.onNotification('window/showMessage', (p: { message: string }) => {
    shown.push(p.message);
  });
  const client = new TestClient(connection);
  const work = mkdtempSync(join(tmpdir(), 'mmlens-editor-e2e-'));
  const request = <R>(method: string, params: unknown): Promise<R> => connection.sendRequest(method, params);
  const codeActionsAt = (uri: string, d: Diagnostic, only?: string[]) =>
    request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d], ...(only ? { only } : {}) } });
  try {
    await t.test('initialize with the sample tree as the workspace and versioned workspace edits', async () => {
      await client.initialize({
        rootUri: fileUri(SAMPLE_TREE),
        workspaceFolders: [{ uri: fileUri(SAMPLE_TREE), name: 'tree' }],
        capabilities: { ...CLIENT_CAPABILITIES, workspace: { ...CLIENT_CAPABILITIES.workspace, workspaceEdit: { documentChanges: true } } },
        initializationOptions: { era: 'auto', run: 'onType' },
      });
      await client.initialized();
    });

    // ── a C file ──────────────────────────────────────────────────────────────────────────────────────────────
    let cText = C_TEXT;
    let cVersion = 1;
    await t.test('C: didOpen publishes the real finding with code, rule page link and related lock/unlock', async () => {
      await client.open(C_URI, 'c', cText, cVersion);
      const p = await client.nextDiagnostics(C_URI, 0);
      assert.equal(p.version, 1);
      assert.deepEqual(
        p.diagnostics.map((d) => [d.code, d.range, d.severity, d.source]),
        [['gup-convertible-to-unlocked', { start: { line: GUP_LINE, character: 7 }, end: { line: GUP_LINE, character: 49 } }, DiagnosticSeverity.Information, 'kernel-mm-lens']],
      );
      const d = p.diagnostics[0]!;
      assert.match(String(d.message), /^get_user_pages holds mmap_lock for the whole call, through page-in I\/O/);
      assert.deepEqual(d.relatedInformation?.map((r) => [r.message, r.location.range.start.line]), [
        ['mmap_lock taken here', GUP_LINE - 1],
        ['mmap_lock released here', GUP_LINE + 1],
      ]);
      // The rule page shipped beside the server, as a file: URI that exists.
      const href = d.codeDescription?.href ?? '';
      assert.ok(href.startsWith('file:') && href.endsWith('/docs/rules/gup-convertible-to-unlocked.md'), href);
      assert.ok(existsSync(fileURLToPath(href)), href);
    });

    await t.test('C: hover on the GUP call names the variant, its lock contract and the finding; a fault flag; nothing elsewhere', async () => {
      const gup = await request<Hover | null>('textDocument/hover', { textDocument: { uri: C_URI }, position: { line: GUP_LINE, character: 10 } });
      assert.match(hoverText(gup), /^\*\*get_user_pages\*\* in 6\.\d+: the caller holds mmap_lock for read across the whole call and the call \*\*never drops it\*\*/);
      assert.match(hoverText(gup), /\*\*gup-convertible-to-unlocked\*\*: get_user_pages holds mmap_lock/);
      assert.deepEqual(gup?.range, { start: { line: GUP_LINE, character: 7 }, end: { line: GUP_LINE, character: 21 } });
      const tried = await request<Hover | null>('textDocument/hover', { textDocument: { uri: C_URI }, position: { line: HOOK_LINE - 1, character: 15 } });
      assert.match(hoverText(tried), /^\*\*FAULT_FLAG_TRIED\*\* in 6\.\d+: set on a retry/);
      assert.equal(await request('textDocument/hover', { textDocument: { uri: C_URI }, position: { line: GUP_LINE, character: 2 } }), null);
    });

    await t.test('C: document symbols are the functions with their fault path and GUP site', async () => {
      const symbols = await request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: C_URI } });
      assert.deepEqual(symbolTree(symbols), [
        ['toy_do_page_fault', ['retry loop (retry)']],
        ['toy_pin_one', ['get_user_pages']],
      ]);
      assert.deepEqual(symbols[1]!.children![0]!.range.start, { line: GUP_LINE, character: 7 });
    });

    await t.test('C: a "Simulate this fault path" lens above the retry loop and the GUP call', async () => {
      const lenses = await request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: C_URI } });
      assert.deepEqual(lensSummary(lenses), [
        [RETRY_LINE, 'Simulate this fault path', 'mmlens.simulate', [{ uri: C_URI, line: RETRY_LINE }]],
        [GUP_LINE, 'Simulate this fault path', 'mmlens.simulate', [{ uri: C_URI, line: GUP_LINE }]],
      ]);
    });

    await t.test('C: executing the retry-loop lens runs the postcopy preset on the extracted path and tells the verdict', async () => {
      const from = shown.length;
      const r = await request<SimulateResponse>('workspace/executeCommand', { command: 'mmlens.simulate', arguments: [{ uri: C_URI, line: RETRY_LINE }] });
      assert.equal(r.ok, true, r.message);
      assert.equal(r.preset, 'postcopy-missing');
      assert.ok(r.presets.includes('fatal-signal-unchecked') && r.presets.length === 14, r.presets.join(' '));
      assert.equal(r.sides.length, 1);
      const s = r.sides[0]!;
      assert.equal(s.label, 'this path');
      assert.deepEqual(s.extracted.faultPath, {
        initialFlags: ['ALLOW_RETRY', 'KILLABLE', 'INTERRUPTIBLE'],
        retry: { set: ['TRIED'], clear: [], max: null },
        signalCheck: 'fault_signal_pending',
        lockRetake: 'retry-label',
        vmaLock: false,
        handlesCompleted: true,
      });
      assert.deepEqual(s.extracted.notModelled, [`the retry path calls toy_count_retry() (line ${HOOK_LINE + 1}): not modelled`]);
      assert.equal(s.verdict, 'vcpu0: ok at 2404 µs, 2 retries; vcpu1: ok at 1603 µs, 1 retry; monitor: ok at 2404 µs; qemu: ok at 305 µs');
      assert.deepEqual(s.outcomes.map((o) => o.task), ['vcpu0', 'vcpu1', 'monitor', 'qemu']);
      assert.match(s.svg, /^<svg/);
      assert.deepEqual(lanes(s.svg), ['mmap_lock', 'task:vcpu0', 'task:vcpu1', 'task:monitor', 'task:qemu']);
      assert.ok(s.events.some((e) => e.documentLine !== undefined), 'events link back to source lines');
      await client.waitFor('the verdict as a message', () => (shown.length > from ? shown[from] : undefined));
      assert.equal(shown[from], `this path: ${s.verdict} (not modelled: ${s.extracted.notModelled[0]})`);
    });

    await t.test('C: mmLens/simulate on the GUP call with another preset; a line outside any function says why', async () => {
      const g = await request<SimulateResponse>('mmLens/simulate', { uri: C_URI, line: GUP_LINE, preset: 'file-io-writer-before' });
      assert.equal(g.ok, true, g.message);
      assert.deepEqual(g.sides[0]!.extracted.gup, { variant: 'get_user_pages', gup_flags: ['FOLL_WRITE'] });
      assert.equal(g.sides[0]!.verdict, 'dio: ok (1) at 2001 µs; writer: ok at 2006 µs; ps: ok at 2008 µs; max writer wait 1901 µs');
      const none = await request<SimulateResponse>('mmLens/simulate', { uri: C_URI, line: 0 });
      assert.deepEqual([none.ok, none.message], [false, 'line 1 is not inside a function with mm facts']);
    });

    await t.test('C: mmLens/simulate with overrides: the documented outcome changes, the events keep their lines, a bad value is named', async () => {
      const params = { uri: C_URI, line: RETRY_LINE, preset: 'uffd-wp-swapped-5.7' };
      const plain = await request<SimulateResponse>('mmLens/simulate', params);
      assert.equal(plain.ok, true, plain.message);
      assert.equal(plain.sides[0]!.outcomes.find((o) => o.task === 'app')?.outcome, 'ok');
      // ≤5.6 retry semantics (clear ALLOW_RETRY, one retry): the uffd-wp write's third attempt is SIGBUS (behaviour 5).
      const capped = await request<SimulateResponse>('mmLens/simulate', { ...params, overrides: { faultPath: { retry: { set: ['TRIED'], clear: ['ALLOW_RETRY'], max: 1 } } } });
      assert.equal(capped.ok, true, capped.message);
      assert.equal(capped.sides[0]!.outcomes.find((o) => o.task === 'app')?.outcome, 'SIGBUS');
      assert.deepEqual(capped.sides[0]!.applied.faultPath?.retry, { set: ['TRIED'], clear: ['ALLOW_RETRY'], max: 1 });
      const retryFlags = capped.sides[0]!.events.find((e) => e.step === 'retry-flags');
      assert.equal(retryFlags?.documentLine, C_LINES.findIndex((l) => l.includes('flags |= FAULT_FLAG_TRIED')));
      // Without the signal check a SIGKILL no longer ends the retry loop (behaviour 11).
      const killed = await request<SimulateResponse>('mmLens/simulate', { uri: C_URI, line: RETRY_LINE, preset: 'fatal-signal-checked' });
      const unchecked = await request<SimulateResponse>('mmLens/simulate', { uri: C_URI, line: RETRY_LINE, preset: 'fatal-signal-checked', overrides: { faultPath: { signalCheck: 'none' } } });
      assert.deepEqual([killed.sides[0]!.outcomes[0]!.outcome, unchecked.sides[0]!.outcomes[0]!.outcome], ['killed (SIGKILL)', 'livelock']);
      const bad = await request<SimulateResponse>('mmLens/simulate', { ...params, overrides: { faultPath: { signalCheck: 'sometimes' } } });
      assert.deepEqual([bad.ok, bad.message], [false, 'invalid parameter: faultPath.signalCheck: "sometimes" is not one of fault_signal_pending, fatal, none']);
    });

    await t.test('C: typing a second locked get_user_pages caller (three incremental edits) adds a second finding', async () => {
      const from = client.diagnostics.length;
      const end = C_LINES.length - 1; // the text ends with a newline: this line is empty
      const typed = ['static int toy_pin_two(unsigned long addr, struct page **pages)\n{\n', '\tint ret;\n\n\tmmap_read_lock(current->mm);\n', '\tret = get_user_pages(addr, 1, 0, pages);\n\tmmap_read_unlock(current->mm);\n\treturn ret;\n}\n'];
      let line = end;
      for (const text of ['\n', ...typed]) {
        cVersion++;
        await client.change(C_URI, cVersion, [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text }]);
        cText = applyEdits(cText, [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: text }]);
        line += text.split('\n').length - 1;
      }
      const p = await client.nextDiagnostics(C_URI, from, (x) => x.version === cVersion);
      const second = cText.split('\n').findIndex((l) => l.includes('get_user_pages(addr, 1, 0'));
      assert.deepEqual(p.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]), [
        ['gup-convertible-to-unlocked', GUP_LINE, 7],
        ['gup-convertible-to-unlocked', second, 7],
      ]);
    });

    await t.test('C: the preferred quick fix (→ get_user_pages_fast) applied through didChange removes that finding only', async () => {
      const d = client.published(C_URI).at(-1)!.diagnostics[0]!;
      const actions = await codeActionsAt(C_URI, d);
      assert.deepEqual(
        actions.map((a) => [a.title, a.kind, a.isPreferred === true]),
        [
          ['Replace the locked get_user_pages with get_user_pages_fast(start, nr_pages, gup_flags, pages)', 'quickfix', true],
          ['Replace the locked get_user_pages with get_user_pages_unlocked(start, nr_pages, pages, gup_flags)', 'quickfix', false],
          ['Replace the locked get_user_pages with get_user_pages_unlocked(start, nr_pages, pages, gup_flags)', 'refactor.rewrite', false],
        ],
      );
      const edits = editsOf(actions[0]!, C_URI, cVersion);
      const from = client.diagnostics.length;
      cVersion++;
      await client.change(C_URI, cVersion, asChanges(edits));
      cText = applyEdits(cText, edits);
      const fn = cText.slice(cText.indexOf('static int toy_pin_one'), cText.indexOf('static int toy_pin_two'));
      assert.equal(fn, 'static int toy_pin_one(unsigned long addr, struct page **pages)\n{\n\tstruct mm_struct *mm = current->mm;\n\tint ret;\n\n\tret = get_user_pages_fast(addr, 1, FOLL_WRITE, pages);\n\treturn ret;\n}\n\n');
      const p = await client.nextDiagnostics(C_URI, from, (x) => x.version === cVersion);
      const second = cText.split('\n').findIndex((l) => l.includes('get_user_pages(addr, 1, 0'));
      assert.deepEqual(p.diagnostics.map((d) => [d.code, d.range.start.line]), [['gup-convertible-to-unlocked', second]]);
    });

    await t.test('C: source.fixAll.mmlens applies the rest: no finding left', async () => {
      const actions = await request<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri: C_URI },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [], only: ['source.fixAll'] },
      });
      assert.deepEqual(actions.map((a) => [a.title, a.kind]), [['Kernel MM Lens: apply 1 preferred fix', 'source.fixAll.mmlens']]);
      const edits = editsOf(actions[0]!, C_URI, cVersion);
      const from = client.diagnostics.length;
      cVersion++;
      await client.change(C_URI, cVersion, asChanges(edits));
      cText = applyEdits(cText, edits);
      assert.match(cText, /\tret = get_user_pages_fast\(addr, 1, 0, pages\);\n\treturn ret;\n\}\n$/);
      const p = await client.nextDiagnostics(C_URI, from, (x) => x.version === cVersion);
      assert.deepEqual(p.diagnostics, []);
    });

    // ── the sample series ─────────────────────────────────────────────────────────────────────────────────────
    await t.test('series: introduced finding as error on its added line, fixed one as information', async () => {
      await client.open(SERIES_URI, 'kernel-mbox', SERIES_TEXT, 1);
      const p = await client.nextDiagnostics(SERIES_URI, 0);
      // `data` names the fixes; their edits stay in the server, which code actions read (the conversion below).
      const fixes = p.diagnostics.flatMap((d) => {
        const data = d.data as { rule: string; fixes: Record<string, unknown>[] };
        assert.equal(data.rule, d.code);
        return data.fixes;
      });
      assert.ok(fixes.length > 0 && fixes.every((f) => typeof f.title === 'string' && typeof f.kind === 'string' && !('edits' in f)), JSON.stringify(fixes));
      assert.deepEqual(
        p.diagnostics.map((d) => [d.code, d.range.start.line + 1, d.range.start.character, d.severity, (d.data as { status: string }).status]),
        [
          ['gup-convertible-to-unlocked', 76, 11, DiagnosticSeverity.Information, 'fixed'],
          ['forbidden-flag-combination', 126, 3, DiagnosticSeverity.Error, 'introduced'],
        ],
      );
      assert.match(String(p.diagnostics[0]!.message), /^This patch fixes gup-convertible-to-unlocked in drivers\/misc\/foo_dma\.c \(foo_dma_map_user\): before it, get_user_pages holds/);
      assert.deepEqual(p.diagnostics[1]!.relatedInformation?.map((r) => [r.message, r.location.range.start.line + 1]), [['the retry back-edge', 128]]);
      assert.ok(p.diagnostics.every((d) => d.codeDescription?.href.endsWith(`/docs/rules/${String(d.code)}.md`)));
    });

    await t.test('series: hover on the cleared flag explains it in the tree\'s era (6.8) with the finding', async () => {
      const h = await request<Hover | null>('textDocument/hover', { textDocument: { uri: SERIES_URI }, position: { line: 125, character: 15 } });
      assert.match(hoverText(h), /^\*\*FAULT_FLAG_ALLOW_RETRY\*\* in 6\.8: the callee may drop mmap_lock and return VM_FAULT_RETRY/);
      assert.match(hoverText(h), /\n\n\*\*forbidden-flag-combination\*\*: the retry passes flags with FAULT_FLAG_TRIED but without FAULT_FLAG_ALLOW_RETRY/);
      assert.deepEqual(h?.range, { start: { line: 125, character: 13 }, end: { line: 125, character: 35 } });
      const unlocked = await request<Hover | null>('textDocument/hover', { textDocument: { uri: SERIES_URI }, position: { line: 78, character: 15 } });
      assert.match(hoverText(unlocked), /^\*\*get_user_pages_unlocked\*\* in 6\.8: takes and releases mmap_lock itself .*Argument order: \(start, nr_pages, pages, gup_flags\)/s);
    });

    await t.test('series: symbols are the cover letter, the patches, their files and hunks', async () => {
      const symbols = await request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: SERIES_URI } });
      assert.deepEqual(symbolTree(symbols), [
        'mm: let GUP callers and foo faults drop mmap_lock',
        ['misc/foo_dma: use get_user_pages_unlocked()', [['drivers/misc/foo_dma.c', ['@@ -23,7 +23,6 @@ static void foo_dma_release_pages(struct page **pages, long nr)', '@@ -36,10 +35,8 @@ int foo_dma_map_user(struct foo_dma_buf *buf, unsigned long uaddr,']]]],
        ['foo/mm: retry a page fault at most once', [['arch/foo/mm/fault.c', ['@@ -31,6 +31,10 @@ asmlinkage void do_page_fault(struct pt_regs *regs, unsigned long address,', '@@ -52,6 +56,7 @@ retry:']]]],
        ['misc/bar_remote: let get_user_pages_remote() drop mmap_lock', [['drivers/misc/bar_remote.c', ['@@ -11,12 +11,14 @@ int bar_peek_remote(struct mm_struct *mm, unsigned long addr,']]]],
      ]);
      assert.deepEqual(symbols.map((s) => s.detail), ['[PATCH v2 0/3]', '[PATCH v2 1/3]', '[PATCH v2 2/3]', '[PATCH v2 3/3]']);
    });

    await t.test('series: "Simulate before/after" on each hunk that changes a retry loop or a GUP call', async () => {
      const lenses = await request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: SERIES_URI } });
      assert.deepEqual(lensSummary(lenses), [70, 121, 155].map((line) => [line, 'Simulate before/after', 'mmlens.simulate', [{ uri: SERIES_URI, line }]]));
    });

    await t.test('series: the GUP hunk before/after: get_user_pages vs get_user_pages_unlocked in the file-I/O preset, compared', async () => {
      const from = shown.length;
      const r = await request<SimulateResponse>('workspace/executeCommand', { command: 'mmlens.simulate', arguments: [{ uri: SERIES_URI, line: 70 }] });
      assert.equal(r.ok, true, r.message);
      assert.equal(r.preset, 'file-io-writer-before');
      assert.deepEqual(r.sides.map((s) => [s.label, s.extracted.function, s.extracted.gup?.variant, s.extracted.era]), [
        ['before', 'foo_dma_map_user', 'get_user_pages', '6.8'],
        ['after', 'foo_dma_map_user', 'get_user_pages_unlocked', '6.8'],
      ]);
      // Holding the lock across the direct I/O makes the writer wait ~1.9 ms before; after, the fault drops it.
      assert.deepEqual(r.sides.map((s) => s.verdict), [
        'dio: ok (1) at 2001 µs; writer: ok at 2006 µs; ps: ok at 2008 µs; max writer wait 1901 µs',
        'dio: ok (1) at 2002 µs, 1 retry; writer: ok at 105 µs; ps: ok at 202 µs',
      ]);
      for (const s of r.sides) assert.deepEqual(lanes(s.svg), ['mmap_lock', 'task:dio', 'task:writer', 'task:ps']);
      assert.match(r.comparison?.text ?? '', /^compare: file-io-writer-before · foo_dma_map_user:40 \(era 6\.8, seed 1\) {2}→ {2}file-io-writer-before · foo_dma_map_user:38 \(era 6\.8, seed 1\)\n17 of 39 rows differ/);
      assert.match(r.comparison?.svg ?? '', /^<svg/);
      await client.waitFor('the before/after verdicts as a message', () => (shown.length > from ? shown[from] : undefined));
      assert.equal(shown[from], r.sides.map((s) => `${s.label}: ${s.verdict}`).join('\n'));
    });

    await t.test('series: the retry hunk before/after: the retry path clears ALLOW_RETRY after the patch', async () => {
      const r = await request<SimulateResponse>('mmLens/simulate', { uri: SERIES_URI, line: 121 });
      assert.equal(r.ok, true, r.message);
      assert.equal(r.preset, 'postcopy-missing');
      assert.deepEqual(r.sides.map((s) => [s.label, s.extracted.function, s.extracted.faultPath?.retry]), [
        ['before', 'do_page_fault', { set: ['TRIED'], clear: [], max: null }],
        ['after', 'do_page_fault', { set: ['TRIED'], clear: ['ALLOW_RETRY'], max: 1 }],
      ]);
      assert.match(r.comparison?.text ?? '', /^compare: postcopy-missing · do_page_fault:34 .*→.*do_page_fault:38/);
      // postcopy resolves the page before the retry, so both sides end ok; a uffd-wp fault on a swapped page faults
      // again on the retry, and without ALLOW_RETRY handle_userfault() answers VM_FAULT_SIGBUS.
      const wp = await request<SimulateResponse>('mmLens/simulate', { uri: SERIES_URI, line: 121, preset: 'uffd-wp-swapped-5.7' });
      assert.equal(wp.ok, true, wp.message);
      assert.deepEqual(wp.sides.map((s) => s.outcomes.find((o) => o.task === 'app')?.outcome), ['ok', 'SIGBUS']);
    });

    await t.test('series: the quick fix removes the cleared flag, the hunk goes, the finding goes, and the series still applies', async () => {
      const d = client.published(SERIES_URI).at(-1)!.diagnostics.find((x) => x.code === 'forbidden-flag-combination')!;
      const actions = await codeActionsAt(SERIES_URI, d);
      assert.deepEqual(actions.map((a) => [a.title, a.kind, a.isPreferred === true]), [
        ['Remove `flags &= ~FAULT_FLAG_ALLOW_RETRY` (from 5.7 a retry keeps ALLOW_RETRY)', 'quickfix', true],
      ]);
      const edits = editsOf(actions[0]!, SERIES_URI, 1);
      const fixed = applyEdits(SERIES_TEXT, edits);
      // The hunk had only that added line: with it gone the hunk changes nothing and is dropped whole.
      assert.equal(fixed, SERIES_TEXT.replace(/^@@ -52,6 \+56,7 @@ retry:\n(?:[ +].*\n)+?(?=-- \n)/m, ''));
      const from = client.diagnostics.length;
      await client.change(SERIES_URI, 2, asChanges(edits));
      const p = await client.nextDiagnostics(SERIES_URI, from, (x) => x.version === 2);
      assert.deepEqual(p.diagnostics.map((x) => [x.code, x.range.start.line + 1, x.severity]), [['gup-convertible-to-unlocked', 76, DiagnosticSeverity.Information]]);

      // Each patch of the edited series applies on the sample tree after the ones before it.
      const tree = join(work, 'series-tree');
      cpSync(SAMPLE_TREE, tree, { recursive: true });
      const [, p1, p2, p3] = mails(fixed);
      // The check can fail: deleting the added line without recounting the hunk header is a corrupt patch.
      const naive = mails(SERIES_TEXT)[2]!.replace('+\t\tflags &= ~FAULT_FLAG_ALLOW_RETRY;\n', '');
      assert.notEqual(gitApply(tree, naive, true).status, 0, 'a patch with a wrong hunk count is rejected');
      for (const [i, patch] of [p1!, p2!, p3!].entries()) {
        const check = gitApply(tree, patch, true);
        assert.equal(check.status, 0, `patch ${i + 1}/3 --check: ${check.stderr}`);
        assert.equal(gitApply(tree, patch, false).status, 0);
      }
      const fault = readFileSync(join(tree, 'arch', 'foo', 'mm', 'fault.c'), 'utf8');
      assert.ok(!fault.includes('~FAULT_FLAG_ALLOW_RETRY') && fault.includes('give the fault a second chance'), fault);
    });

    // ── a single .patch whose tree is set by kernelTree ───────────────────────────────────────────────────────
    await t.test('.patch: patch 2/3 alone on a tree after patch 1 (kernelTree): the fix keeps it applicable', async () => {
      const tree = join(work, 'patch-tree');
      cpSync(SAMPLE_TREE, tree, { recursive: true });
      const [, p1, p2] = mails(SERIES_TEXT);
      assert.equal(gitApply(tree, p1!, false).status, 0);
      const file = join(work, '0002-foo-mm-retry-a-page-fault-at-most-once.patch');
      writeFileSync(file, p2!);
      const uri = fileUri(file);
      const from0 = client.diagnostics.length;
      await client.configure({ kernelMmLens: { era: 'auto', run: 'onType', kernelTree: tree } });
      await client.open(uri, 'diff', p2!, 1);
      const p = await client.nextDiagnostics(uri, from0);
      const line = p2!.split('\n').indexOf('+\t\tflags &= ~FAULT_FLAG_ALLOW_RETRY;');
      assert.deepEqual(p.diagnostics.map((d) => [d.code, d.range.start.line, d.severity]), [['forbidden-flag-combination', line, DiagnosticSeverity.Error]]);
      const actions = await codeActionsAt(uri, p.diagnostics[0]!);
      assert.equal(actions[0]?.isPreferred, true);
      const edits = editsOf(actions[0]!, uri, 1);
      const fixed = applyEdits(p2!, edits);
      const from = client.diagnostics.length;
      await client.change(uri, 2, asChanges(edits));
      assert.deepEqual((await client.nextDiagnostics(uri, from, (x) => x.version === 2)).diagnostics, []);
      writeFileSync(file, fixed);
      const check = git(tree, 'apply', '--check', file);
      assert.equal(check.status, 0, check.stderr);
    });

    await t.test('no error was logged', () => {
      assert.deepEqual(client.logs.filter((l) => l.type === 1), []);
    });

    await t.test('shutdown + exit: the process exits with code 0', async () => {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      assert.deepEqual(await exited, { code: 0, signal: null }, `stderr:\n${stderr}`);
    });
  } finally {
    connection.dispose();
    if (child.exitCode === null && child.signalCode === null) child.kill();
    bundle.dispose();
    rmSync(work, { recursive: true, force: true });
  }
});
