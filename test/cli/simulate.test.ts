import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPresetsDir, runSimulateCommand } from '../../cli/commands/simulate';
import { fixturePath } from '../fixtures/simulator/index';
import { parseXml } from '../simulator/render/xml-check';

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function run(...argv: string[]): Promise<Captured> {
  let out = '';
  let err = '';
  const code = await runSimulateCommand(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const SCENARIO = join(__dirname, '../fixtures/simulator/uffd-copy-munmap.scenario.json');
const SCENARIO_54 = join(__dirname, '../fixtures/simulator/uffd-copy-munmap-5.4.scenario.json');
const tmp = mkdtempSync(join(tmpdir(), 'mmlens-cli-'));

function noStack(c: Captured): void {
  assert.ok(!/\n\s+at /.test(c.err), `no stack trace: ${c.err}`);
}

test('usage errors exit 2 with a one-line message', async () => {
  for (const argv of [[], ['--seed'], ['--seed', 'x', 'a.json'], ['--bogus', 'a.json'], ['a.json', 'b.json'], ['a.json', '--max-states', '5'], ['a.json', '--explore', '--svg', 'o.svg']]) {
    const c = await run(...argv);
    assert.equal(c.code, 2, `${argv.join(' ')} → ${c.code}`);
    assert.match(c.err, /^mmlens simulate: /);
    assert.equal(c.out, '');
    noStack(c);
  }
});

test('--help prints the usage and exits 0', async () => {
  const c = await run('--help');
  assert.equal(c.code, 0);
  assert.match(c.out, /usage: mmlens simulate/);
});

test('a missing file, a missing preset, bad JSON and an invalid scenario exit 2 with a clear message', async () => {
  let c = await run('no/such/file.json');
  assert.equal(c.code, 2);
  assert.match(c.err, /cannot read no\/such\/file\.json/);
  c = await run('no-such-preset');
  assert.equal(c.code, 2);
  assert.match(c.err, /no such scenario file or preset 'no-such-preset'/);
  const bad = join(tmp, 'bad.json');
  writeFileSync(bad, '{ "version": 1, ');
  c = await run(bad);
  assert.equal(c.code, 2);
  assert.match(c.err, /is not valid JSON/);
  noStack(c);
  const invalid = join(tmp, 'invalid.json');
  const sc = JSON.parse(readFileSync(SCENARIO, 'utf8')) as { tasks: Array<{ script: Array<Record<string, Record<string, unknown>>> }> };
  sc.tasks[0].script[0].access.mode = 'sideways';
  writeFileSync(invalid, JSON.stringify(sc));
  c = await run(invalid);
  assert.equal(c.code, 2);
  assert.match(c.err, /invalid scenario/);
  assert.match(c.err, /tasks\[0\]\.script\[0\]\.access\.mode/, c.err);
  noStack(c);
});

test('--list-presets lists every preset with its description', async () => {
  const dir = findPresetsDir();
  assert.ok(dir && existsSync(dir), 'simulator/scenarios found from the command module');
  const names = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  const c = await run('--list-presets');
  assert.equal(c.code, 0);
  for (const n of names) assert.match(c.out, new RegExp(`^${n.replace(/[.]/g, '\\.')}\\s+\\S`, 'm'));
  const j = await run('--list-presets', '--json');
  assert.deepEqual((JSON.parse(j.out) as Array<{ name: string }>).map((p) => p.name), names.sort());
});

test('findPresetsDir searches upward (works from dist/ too)', () => {
  const fromDist = findPresetsDir(join(__dirname, '../../dist'));
  assert.equal(fromDist, findPresetsDir());
  assert.equal(findPresetsDir(tmp), null);
});

test('a scenario file runs and prints the verdict first, per-task attempts and metrics', async () => {
  const c = await run(SCENARIO);
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /^verdict: faulter: ok/);
  assert.match(c.out, /#1 .*ALLOW_RETRY.* → RETRY \(lock released\)/);
  assert.match(c.out, /metrics\n\s+mmap_lock read hold total/);
  assert.doesNotMatch(c.out, /^trace/m);
  const t = await run(SCENARIO, '--trace');
  assert.match(t.out, /^trace \(\d+ events\)/m);
});

test('every preset runs by name, exit 0, verdict printed', async () => {
  const dir = findPresetsDir();
  assert.ok(dir);
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const c = await run(f.slice(0, -5));
    assert.equal(c.code, 0, `${f}: ${c.err}`);
    assert.match(c.out, /^verdict: /, f);
  }
});

test('--svg writes a well-formed SVG file; --json prints a RunResult', async () => {
  const out = join(tmp, 'run.svg');
  const c = await run(SCENARIO, '--svg', out, '--seed', '3');
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /wrote .*run\.svg/);
  const root = parseXml(readFileSync(out, 'utf8'));
  assert.equal(root.name, 'svg');
  const j = await run(SCENARIO, '--json', '--seed', '3');
  assert.equal(j.code, 0);
  const r = JSON.parse(j.out) as { format: number; seed: number; tasks: unknown[]; trace: unknown[] };
  assert.equal(r.format, 1);
  assert.equal(r.seed, 3);
  assert.equal(r.tasks.length, 3);
  // A saved RunResult is printed and drawn again without re-running.
  const saved = join(tmp, 'saved.json');
  writeFileSync(saved, j.out);
  const again = await run(saved, '--svg', join(tmp, 'again.svg'));
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^verdict: /);
  assert.equal(readFileSync(join(tmp, 'again.svg'), 'utf8'), readFileSync(out, 'utf8'));
});

test('--explore prints the exploration verdict; --json gives the ExploreResult', async () => {
  const c = await run(SCENARIO, '--explore', '--max-states', '500');
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /^verdict: /);
  assert.match(c.out, /\d+ states/);
  const j = await run(SCENARIO, '--explore', '--json');
  const x = JSON.parse(j.out) as { statesExplored: number; bad: unknown[] };
  assert.ok(x.statesExplored > 0);
  assert.ok(Array.isArray(x.bad));
});

test('--compare prints both verdicts and the differing rows; --json gives the comparison; --svg stacks both', async () => {
  const svg = join(tmp, 'cmp.svg');
  const c = await run(SCENARIO, '--compare', SCENARIO_54, '--svg', svg);
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /^before: .*\nafter: /);
  assert.match(c.out, /rows differ/);
  const root = parseXml(readFileSync(svg, 'utf8'));
  assert.equal(root.name, 'svg');
  const j = await run(SCENARIO, '--compare', fixturePath('uffd-copy-munmap'), '--json');
  assert.equal(j.code, 0, j.err);
  const cmp = JSON.parse(j.out) as { rows: Array<{ name: string; changed: boolean }> };
  assert.ok(cmp.rows.some((r) => r.name === 'verdict' && r.changed));
});

test('a writable-path error for --svg is a usage error', async () => {
  const c = await run(SCENARIO, '--svg', join(tmp, 'no/such/dir/x.svg'));
  assert.equal(c.code, 2);
  assert.match(c.err, /cannot write/);
});
