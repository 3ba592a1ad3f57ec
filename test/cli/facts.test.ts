import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFactsCommand } from '../../cli/commands/facts';
import { CliError, type Io } from '../../cli/io';

const ROOT = join(__dirname, '..', '..');
const SAMPLE = join(ROOT, 'samples', 'series', 'gup-unlocked-v2.mbox');
const TREE = join(ROOT, 'samples', 'tree');

function capture(): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (s: string) => {
      io.out += s;
    },
    stderr: (s: string) => {
      io.err += s;
    },
    stderrIsTTY: false,
  };
  return io;
}

test('facts on the sample series with its tree: per patch, before/after, patch lines', async () => {
  const io = capture();
  assert.equal(await runFactsCommand([SAMPLE, '--tree', TREE], io), 0);
  assert.equal(io.err, '');
  assert.match(io.out, /mbox series, v2, 3 patch\(es\), cover letter/);
  assert.match(io.out, /era 6\.8 from Makefile VERSION\/PATCHLEVEL/);
  assert.match(io.out, /\[PATCH v2 2\/3\] foo\/mm: retry a page fault at most once/);
  assert.match(io.out, /L59 clear FAULT_FLAG_ALLOW_RETRY on flags \(retry path\)/);
  assert.match(io.out, /gup {3}get_user_pages_unlocked\(start=uaddr & PAGE_MASK, nr_pages=buf->nr_pages, pages=buf->pages, gup_flags=gup_flags\).*\[patch line 79 \+\]/);
});

test('facts --json: machine-readable, cfg left out unless --cfg', async () => {
  const io = capture();
  assert.equal(await runFactsCommand([SAMPLE, '--tree', TREE, '--json'], io), 0);
  const j = JSON.parse(io.out) as { format: number; files: { kind: string; patches: { files: { post: { units: { facts: { functions: { cfg: { nodes: unknown[] } }[] } }[] } }[] }[] }[] };
  assert.equal(j.format, 1);
  assert.equal(j.files[0].kind, 'patch');
  assert.equal(j.files[0].patches.length, 3);
  assert.equal(j.files[0].patches[1].files[0].post.units[0].facts.functions[0].cfg.nodes.length, 0);
  const io2 = capture();
  await runFactsCommand([SAMPLE, '--tree', TREE, '--json', '--cfg'], io2);
  const j2 = JSON.parse(io2.out) as typeof j;
  assert.ok(j2.files[0].patches[1].files[0].post.units[0].facts.functions[0].cfg.nodes.length > 10);
});

test('facts on a directory walks C files and prints a summary', async () => {
  const io = capture();
  assert.equal(await runFactsCommand([TREE], io), 0);
  assert.match(io.out, /^3 file\(s\), 0\.0 MB in [\d.]+ s: 2 GUP call\(s\), \d+ lock operation\(s\), 1 fault call\(s\), 1 retry loop\(s\)$/m);
});

test('facts: bad input gets a one-line error and a non-zero exit', async () => {
  await assert.rejects(runFactsCommand(['/nonexistent/x.patch'], capture()), (e: unknown) => e instanceof CliError && /no such file/.test(e.message));
  await assert.rejects(runFactsCommand([SAMPLE, '--era', 'linux'], capture()), (e: unknown) => e instanceof CliError && /--era: not a kernel version/.test(e.message));
  await assert.rejects(runFactsCommand([], capture()), CliError);

  const dir = mkdtempSync(join(tmpdir(), 'mmlens-facts-'));
  const bin = join(dir, 'blob.c');
  writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
  const io = capture();
  assert.equal(await runFactsCommand([bin], io), 1);
  assert.equal(io.err, `mmlens: ${bin}:1:5: binary-file: binary file (NUL byte), not C source\n`);

  const trunc = join(dir, 'trunc.patch');
  writeFileSync(trunc, 'diff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,5 +1,5 @@\n int a;\n-int b;\n+int c;\n');
  const io2 = capture();
  assert.equal(await runFactsCommand([trunc], io2), 1);
  assert.match(io2.err, /trunc\.patch:\d+:\d+: [a-z-]+: /);

  const none = join(dir, 'notes.patch');
  writeFileSync(none, 'just some words, no diff here\n');
  const io3 = capture();
  assert.equal(await runFactsCommand([none], io3), 1);
  assert.equal(io3.err, `mmlens: ${none}:1:1: no-patch: no patch found in this file\n`);
});

test('facts: files over --max-bytes are skipped when walking, refused when named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-big-'));
  writeFileSync(join(dir, 'big.c'), 'int x;\n'.repeat(2000));
  writeFileSync(join(dir, 'small.c'), 'int y;\n');
  const io = capture();
  assert.equal(await runFactsCommand([dir, '--max-bytes', '1000'], io), 0);
  assert.match(io.err, /big\.c: skipped \(larger than 1000 bytes\)/);
  await assert.rejects(runFactsCommand([join(dir, 'big.c'), '--max-bytes', '1000'], capture()), /over the limit/);
});
