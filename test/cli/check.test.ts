// mmlens check end to end (in-process main()): the sample series, formats, exit codes, bad inputs, and output
// identical for any worker count.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Io } from '../../cli/io';
import { main } from '../../cli/mmlens';

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

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const tmp = mkdtempSync(join(tmpdir(), 'mmlens-check-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('mmlens check', () => {
  it('the sample series on its tree: the introduced error, gcc style, with the patch and tree positions; exit 1', async () => {
    const r = await run('check', SAMPLE, '--tree', TREE);
    assert.equal(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.match(lines[0]!, /^.*gup-unlocked-v2\.mbox:76:12: information: patch 1\/3 fixes gup-convertible-to-unlocked in drivers\/misc\/foo_dma\.c:40: get_user_pages holds mmap_lock/);
    assert.ok(lines.some((l) => /^.*gup-unlocked-v2\.mbox:126:4: error: .*forbidden from 5\.7.* \[forbidden-flag-combination\]$/.test(l)));
    assert.match(r.out, /gup-unlocked-v2\.mbox:126:4: note: introduced by patch 2\/3 "foo\/mm: retry a page fault at most once" in arch\/foo\/mm\/fault\.c:59:3/);
    assert.match(r.out, /note: fix \(preferred\): Remove `flags &= ~FAULT_FLAG_ALLOW_RETRY`/);
    assert.match(r.err, /1 finding\(s\) \(1 error, 0 warning, 0 information\), 1 fixed by the patches/);
  });

  it('--exit-zero, --severity above the findings, and --disable make it exit 0', async () => {
    assert.equal((await run('check', SAMPLE, '--tree', TREE, '--exit-zero')).code, 0);
    const d = await run('check', SAMPLE, '--tree', TREE, '--disable', 'forbidden-flag-combination');
    assert.equal(d.code, 0);
    assert.doesNotMatch(d.out, /forbidden-flag-combination/);
  });

  it('--format json: findings with their patch classification', async () => {
    const r = await run('check', SAMPLE, '--tree', TREE, '--format', 'json');
    const j = JSON.parse(r.out) as { files: { findings: { rule: string; range: { start: { line: number } }; patch: { status: string; file: string; index: number } }[] }[] };
    const f = j.files[0]!.findings.find((x) => x.rule === 'forbidden-flag-combination')!;
    assert.deepEqual([f.range.start.line + 1, f.patch.status, f.patch.file, f.patch.index], [126, 'introduced', 'arch/foo/mm/fault.c', 2]);
  });

  it('usage and input errors exit 2 with one line', async () => {
    const u = await run('check', SAMPLE, '--bogus');
    assert.equal(u.code, 2);
    assert.match(u.err, /^mmlens: check: unknown option --bogus/);
    assert.equal((await run('check', SAMPLE, '--rules', 'no-such-rule')).code, 2);
    assert.equal((await run('check', SAMPLE, '--tree', join(tmp, 'missing'))).code, 2);
    assert.equal((await run('check', join(tmp, 'missing.c'))).code, 2);
    const bin = join(tmp, 'bin.c');
    writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1]));
    const b = await run('check', bin);
    assert.equal(b.code, 2);
    assert.match(b.out, /bin\.c:1:1: error: binary-file: binary file \(NUL bytes\), not C source/);
  });

  it('a directory: same output with 1 and 2 worker threads, files in walk order', async () => {
    const dir = join(tmp, 'tree');
    let n = 0;
    for (const rule of ['retry-without-tried', 'forbidden-flag-combination', 'retry-without-signal-check', 'retry-clears-allow-retry'])
      for (const name of ['positive.c', 'negative.c', 'positive-capped.c', 'second-attempt-4.19.c']) {
        const src = join(ROOT, 'test', 'fixtures', 'rules', rule, name);
        try {
          readFileSync(src);
        } catch {
          continue;
        }
        for (let k = 0; k < 4; k++) {
          const sub = join(dir, `d${k}`);
          mkdirSync(sub, { recursive: true });
          copyFileSync(src, join(sub, `${rule}-${name}`));
          n++;
        }
      }
    for (let k = 0; k < 30; k++) writeFileSync(join(dir, `plain${k}.c`), `int f${k}(void)\n{\n\treturn ${k};\n}\n`);
    assert.ok(n >= 16);
    const one = await run('check', dir, '--jobs', '1', '--format', 'json', '--era', '6.8');
    const two = await run('check', dir, '--jobs', '2', '--format', 'json', '--era', '6.8');
    assert.equal(one.code, 1);
    assert.equal(two.out, one.out);
    const j = JSON.parse(one.out) as { files: { findings: unknown[] }[] };
    assert.ok(j.files.filter((f) => f.findings.length > 0).length >= 8);
  });

  it('mmlens rules lists the catalogue', async () => {
    const r = await run('rules');
    assert.equal(r.code, 0);
    assert.match(r.out, /^retry-without-tried\s+1\s+warning/m);
    const j = JSON.parse((await run('rules', '--json')).out) as { id: string; docs: string }[];
    assert.ok(j.some((x) => x.id === 'forbidden-flag-combination' && x.docs === 'docs/rules/forbidden-flag-combination.md'));
  });
});
