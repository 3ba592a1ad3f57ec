// Analysis off the main thread: a large document does not hold up a small one, and a newer version cancels the
// analysis of the older one (the worker running it is replaced).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../common/settings';
import { CancelledError, WorkerPool, defaultWorkerScript } from '../../server/src/lsp/worker-pool';
import { silentLogger } from '../../server/src/lsp/types';
import { join } from 'node:path';
import { root } from './fixtures';

const context = { settings: resolveSettings({ maxFileSize: 64 * 1024 * 1024, era: '6.8' }), roots: [], docsRoot: undefined };

function bigC(functions: number): string {
  const out: string[] = [];
  for (let i = 0; i < functions; i++) {
    out.push(`static int pin_${i}(unsigned long addr, struct page **pages)\n{\n\tint ret;\n\n\tmmap_read_lock(current->mm);\n\tret = get_user_pages(addr, 1, FOLL_WRITE, pages);\n\tmmap_read_unlock(current->mm);\n\treturn ret;\n}\n`);
  }
  return out.join('\n');
}

test('worker pool: a small document is answered while a large one is still being analysed; a newer version cancels the older (answered at once, the worker kept)', { timeout: 120_000 }, async () => {
  const script = defaultWorkerScript(join(root, 'server', 'src', 'lsp'));
  assert.ok(script, 'the worker entry is found from the sources');
  const pool = new WorkerPool(script, silentLogger);
  try {
    const big = bigC(3_000);
    assert.ok(big.length > 256 * 1024, 'large enough for the large-document worker');
    const order: string[] = [];
    const large = pool.analyze({ uri: 'file:///big.c', languageId: 'c', text: big, version: 1 }, context).then(
      () => order.push('large v1'),
      (e: unknown) => order.push(e instanceof CancelledError ? 'large v1 cancelled' : `large v1 failed: ${String(e)}`),
    );
    const small = await pool.model({ uri: 'file:///small.c', languageId: 'c', text: bigC(2), version: 1 }, context);
    order.push('small');
    assert.equal(small.symbols.length, 2);
    // The edit arrives while v1 is analysed: v1 is cancelled, v2 is analysed by a fresh worker.
    const v2 = await pool.model({ uri: 'file:///big.c', languageId: 'c', text: big + '\n', version: 2 }, context);
    await large;
    assert.equal(v2.version, 2);
    assert.equal(v2.symbols.length, 3_000);
    assert.deepEqual(order, ['small', 'large v1 cancelled']);
    // The cancelled analysis is not preempted (terminating a thread inside tree-sitter aborts the process): one worker each.
    assert.deepEqual(pool.workersStarted(), { small: 1, large: 1 });
  } finally {
    pool.dispose();
  }
});

// Found by the fuzz campaign (server target, seed 11): a shutdown while an analysis was queued made the scheduler log
// "analysis of untitled:fuzz-2490.c failed: Error: server shutting down" with a stack trace.
test('worker pool: dispose answers the running and the queued analyses as cancelled (by the shutdown), not failed, and resolves when the worker is idle', { timeout: 120_000 }, async () => {
  const script = defaultWorkerScript(join(root, 'server', 'src', 'lsp'));
  assert.ok(script);
  const pool = new WorkerPool(script, silentLogger);
  const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'answered', (e: unknown) => (e instanceof CancelledError ? `cancelled: ${e.message}` : `failed: ${String(e)}`));
  const running = outcome(pool.analyze({ uri: 'file:///a.c', languageId: 'c', text: bigC(200), version: 1 }, context));
  const queued = outcome(pool.analyze({ uri: 'file:///b.c', languageId: 'c', text: bigC(2), version: 1 }, context));
  // It resolves once the worker is idle (the running analysis ends in its time; a worker stopped inside tree-sitter's
  // native code aborts the process: the server's shutdown answers after it).
  const disposed = pool.dispose();
  await disposed;
  assert.deepEqual(await Promise.all([running, queued]), ['cancelled: analysis of file:///a.c cancelled by the server shutting down', 'cancelled: analysis of file:///b.c cancelled by the server shutting down']);
});

test('worker pool: a second request for the same version (a hover or lens on a document just opened) shares the queued analysis instead of cancelling it', { timeout: 120_000 }, async () => {
  const script = defaultWorkerScript(join(root, 'server', 'src', 'lsp'));
  assert.ok(script);
  const pool = new WorkerPool(script, silentLogger);
  const outcome = (p: Promise<{ version: number }>): Promise<string> =>
    p.then((m) => `answered v${m.version}`, (e: unknown) => (e instanceof CancelledError ? 'cancelled' : `failed: ${String(e)}`));
  try {
    // A busy lane: the first document's analysis runs while the second one's two requests queue behind it.
    const busy = outcome(pool.analyze({ uri: 'file:///busy.c', languageId: 'c', text: bigC(400), version: 1 }, context));
    const doc = { uri: 'file:///opened.c', languageId: 'c', text: bigC(3), version: 1 };
    const publisher = outcome(pool.analyze(doc, context));
    const lens = outcome(pool.model(doc, context));
    const symbols = pool.model(doc, context).then((m) => m.symbols.map((x) => x.name));
    assert.deepEqual(await Promise.all([busy, publisher, lens]), ['answered v1', 'answered v1', 'answered v1']);
    // The queued analysis was asked for the outline too: one analysis answered all three.
    assert.deepEqual(await symbols, ['pin_0', 'pin_1', 'pin_2']);
    assert.deepEqual(pool.workersStarted(), { small: 1, large: 0 });
    // A newer version still cancels the older one.
    const old = outcome(pool.analyze({ ...doc, version: 2, text: doc.text + '\n' }, context));
    const newer = outcome(pool.analyze({ ...doc, version: 3, text: doc.text + '\n\n' }, context));
    assert.deepEqual(await Promise.all([old, newer]), ['cancelled', 'answered v3']);
  } finally {
    await pool.dispose();
  }
});

test('worker pool: the published analysis carries no outline; a request for it while that analysis runs is queued behind it, not cancelling it', { timeout: 120_000 }, async () => {
  const script = defaultWorkerScript(join(root, 'server', 'src', 'lsp'));
  assert.ok(script);
  const pool = new WorkerPool(script, silentLogger);
  try {
    const doc = { uri: 'file:///running.c', languageId: 'c', text: bigC(300), version: 1 };
    const published = pool.analyze(doc, context);
    // Let the first analysis reach the worker (it is running, not queued, when the outline is asked for).
    await new Promise((resolve) => setTimeout(resolve, 20));
    const outlined = pool.model(doc, context);
    const [p, o] = await Promise.all([published, outlined]);
    assert.equal(p.version, 1);
    assert.equal('symbols' in p, false);
    assert.equal(p.diagnostics.length, o.diagnostics.length);
    assert.equal(o.symbols.length, 300);
    assert.equal(o.lenses.length > 0, true);
  } finally {
    await pool.dispose();
  }
});
