// Baselines end to end on real rule fixtures: --write-baseline then --baseline reports nothing; 50 lines inserted
// above every finding change nothing (and the SARIF partialFingerprints stay the same); a baselined finding whose
// statement changes reappears and its old entry is reported fixed; a renamed function stays baselined.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Io } from '../../cli/io';
import { main } from '../../cli/mmlens';
import { parseBaseline } from '../../server/src/config/baseline';

const FIX = join(__dirname, '..', 'fixtures', 'rules');
const tmp = mkdtempSync(join(tmpdir(), 'mmlens-baseline-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io: Io & { out: string; err: string } = { out: '', err: '', stdout: (s) => void (io.out += s), stderr: (s) => void (io.err += s), stderrIsTTY: false };
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

interface JsonOut {
  files: { path: string; findings: { rule: string; function: string; range: { start: { line: number } } }[] }[];
  baseline?: { baselined: number; fixed: { rule: string; statement: string }[] };
}
interface SarifOut {
  runs: { results: { ruleId: string; partialFingerprints: Record<string, string>; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[];
}

const SOURCES = ['retry-without-tried/positive.c', 'locked-not-initialized/positive.c', 'retry-without-signal-check/positive.c', 'removed-gup-api/old-forms.c'];

function setup(name: string): { dir: string; files: string[] } {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const files = SOURCES.map((s, i) => {
    const p = join(dir, `f${i}.c`);
    copyFileSync(join(FIX, s), p);
    return p;
  });
  return { dir, files };
}

/** Inserts 50 comment lines above the line of every finding (from the bottom up, so earlier lines stay put). */
function pad(path: string, lines: number[]): void {
  const text = readFileSync(path, 'utf8').split('\n');
  for (const l of [...new Set(lines)].sort((a, b) => b - a)) text.splice(l, 0, ...Array.from({ length: 50 }, (_v, k) => `/* padding ${k} */`));
  writeFileSync(path, text.join('\n'));
}

describe('baselines', () => {
  it('round trip: 50 lines inserted above every finding, none reappears; SARIF fingerprints unchanged', async () => {
    const { dir, files } = setup('round');
    const b = join(dir, 'mmlens-baseline.json');
    const before = JSON.parse((await run('check', ...files, '--no-progress', '--format', 'json')).out) as JsonOut;
    const total = before.files.reduce((n, f) => n + f.findings.length, 0);
    assert.ok(total >= 10, `fixtures give findings (${total})`);
    const sarifBefore = JSON.parse((await run('check', ...files, '--no-progress', '--format', 'sarif')).out) as SarifOut;

    const w = await run('check', ...files, '--no-progress', '--write-baseline', b);
    assert.equal(w.code, 0);
    assert.equal(w.err, `mmlens: ${total} finding(s) recorded in the baseline ${b}\n`);
    const parsed = parseBaseline(readFileSync(b, 'utf8'), b);
    assert.equal(parsed.baseline?.entries.length, total);
    assert.deepEqual([...new Set(parsed.baseline!.entries.map((e) => e.path))].sort(), ['f0.c', 'f1.c', 'f2.c', 'f3.c']);

    for (const f of before.files) pad(f.path, f.findings.map((x) => x.range.start.line));
    const moved = JSON.parse((await run('check', ...files, '--no-progress', '--format', 'json')).out) as JsonOut;
    assert.equal(moved.files.reduce((n, f) => n + f.findings.length, 0), total, 'the same findings, on other lines');
    assert.notDeepEqual(moved.files.map((f) => f.findings.map((x) => x.range.start.line)), before.files.map((f) => f.findings.map((x) => x.range.start.line)));

    const r = await run('check', ...files, '--no-progress', '--baseline', b);
    assert.equal(r.code, 0);
    assert.equal(r.out, '');
    assert.match(r.err, new RegExp(`: 0 finding\\(s\\) \\(0 error, 0 warning, 0 information\\)\\nmmlens: baseline: ${total} finding\\(s\\) baselined, 0 fixed since the baseline\\n$`));

    const sarifAfter = JSON.parse((await run('check', ...files, '--no-progress', '--format', 'sarif')).out) as SarifOut;
    const fp = (s: SarifOut): string[] => s.runs[0]!.results.map((x) => `${x.ruleId} ${x.partialFingerprints['mmlensFinding/v1']}`).sort();
    assert.equal(sarifAfter.runs[0]!.results.length, total);
    assert.deepEqual(fp(sarifAfter), fp(sarifBefore));
    assert.notDeepEqual(
      sarifAfter.runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.region.startLine),
      sarifBefore.runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.region.startLine),
    );
  });

  it("a baselined finding whose code changes reappears, and its old entry is reported fixed", async () => {
    const { dir, files } = setup('changed');
    const b = join(dir, 'b.json');
    assert.equal((await run('check', ...files, '--no-progress', '--write-baseline', b)).code, 0);
    // f0.c: the second `up_read(&mm->mmap_sem);` (bad_area) becomes another spelling that is still wrong.
    const text = readFileSync(files[0]!, 'utf8');
    const at = text.lastIndexOf('up_read(&mm->mmap_sem);');
    writeFileSync(files[0]!, text.slice(0, at) + 'up_read(&current->mm->mmap_sem);' + text.slice(at + 'up_read(&mm->mmap_sem);'.length));
    const r = await run('check', ...files, '--no-progress', '--baseline', b, '--format', 'json');
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out) as JsonOut;
    const shown = j.files.flatMap((f) => f.findings.map((x) => `${f.path.slice(dir.length + 1)} ${x.rule} ${x.range.start.line + 1}`));
    assert.deepEqual(shown, ['f0.c removed-gup-api 31']);
    assert.deepEqual(j.baseline?.fixed.map((e) => `${e.rule} ${e.statement}`), ['removed-gup-api up_read(&mm->mmap_sem);']);
    assert.match(r.err, /mmlens: f0\.c: fixed since the baseline: removed-gup-api in \w+: up_read\(&mm->mmap_sem\);\n/);
  });

  it('a renamed function keeps its findings baselined (matched by rule and statement)', async () => {
    const { dir, files } = setup('renamed');
    const b = join(dir, 'b.json');
    await run('check', files[2]!, '--no-progress', '--write-baseline', b);
    const before = JSON.parse((await run('check', files[2]!, '--no-progress', '--format', 'json')).out) as JsonOut;
    const fn = before.files[0]!.findings[0]!.function;
    assert.ok(fn.length > 0);
    writeFileSync(files[2]!, readFileSync(files[2]!, 'utf8').replaceAll(fn, `${fn}_renamed`));
    const renamed = JSON.parse((await run('check', files[2]!, '--no-progress', '--format', 'json')).out) as JsonOut;
    assert.equal(renamed.files[0]!.findings.length, before.files[0]!.findings.length);
    assert.ok(renamed.files[0]!.findings.some((x) => x.function === `${fn}_renamed`));
    const r = await run('check', files[2]!, '--no-progress', '--baseline', b, '--format', 'json');
    assert.equal(r.code, 0, r.out);
    assert.deepEqual((JSON.parse(r.out) as JsonOut).files[0]!.findings, []);
  });

  it('a bad baseline file is a file:line:col error (exit 2), not an empty baseline', async () => {
    const { dir, files } = setup('bad');
    const b = join(dir, 'b.json');
    writeFileSync(b, '{\n "format": "mmlens-baseline",\n "version": 2,\n "entries": []\n}\n');
    const r = await run('check', files[0]!, '--no-progress', '--baseline', b);
    assert.equal(r.code, 2);
    assert.equal(r.err, `mmlens: ${b}:3:13: unsupported baseline version (this mmlens reads version 1)\n`);
  });

  it('the config\'s "baseline" applies to the CLI too', async () => {
    const { dir, files } = setup('fromconfig');
    await run('check', ...files, '--no-progress', '--no-config', '--write-baseline', join(dir, 'base.json'));
    writeFileSync(join(dir, '.mmlens.json'), '{ "baseline": "base.json" }');
    const r = await run('check', ...files, '--no-progress');
    assert.equal(r.code, 0);
    assert.equal(r.out, '');
  });
});
