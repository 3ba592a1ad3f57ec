// .mmlens.json: the parser's positions, validation errors at the offending key, discovery (nearest wins),
// precedence (flags over the file), per-path and per-function overrides, the shipped JSON Schema, and
// `mmlens config --explain` / `mmlens check` reading the same file.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Ajv from 'ajv';
import type { Io } from '../../cli/io';
import { main } from '../../cli/mmlens';
import { effectiveConfig } from '../../server/src/config/effective';
import { parseJson, positionAt } from '../../server/src/config/json';
import { ConfigLoader, KNOWN_RULE_IDS, loadText } from '../../server/src/config/load';
import { RULES } from '../../server/src/rules/registry';

const ROOT = join(__dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'rules');
const tmp = mkdtempSync(join(tmpdir(), 'mmlens-config-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io: Io & { out: string; err: string } = { out: '', err: '', stdout: (s) => void (io.out += s), stderr: (s) => void (io.err += s), stderrIsTTY: false };
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('JSON parser with positions', () => {
  it('keeps the offsets of keys and values, accepts comments, and reports the first syntax error with its offset', () => {
    const text = '{\n  // why\n  "era": "6.8", /* c */\n  "rules": {"a": "off"}\n}\n';
    const r = parseJson(text);
    assert.equal(r.error, undefined);
    assert.equal(r.root?.type, 'object');
    const props = r.root!.type === 'object' ? r.root!.properties : [];
    assert.deepEqual(positionAt(text, props[0]!.keyOffset), { line: 2, column: 2 });
    assert.deepEqual(positionAt(text, props[0]!.value.offset), { line: 2, column: 9 });
    const bad = parseJson('{\n "a": 1,\n}');
    assert.equal(bad.error?.message, 'trailing comma');
    assert.deepEqual(positionAt('{\n "a": 1,\n}', bad.error!.offset), { line: 1, column: 8 });
    assert.match(parseJson('{"a": tru}').error!.message, /unexpected 'tru'/);
    assert.match(parseJson('{"a": "x').error!.message, /unterminated string/);
    assert.match(parseJson('['.repeat(100)).error!.message, /nested deeper/);
  });
});

describe('validation: every problem at its key or value, never a silent default', () => {
  it('bad era value, unknown rule, unknown key, bad level, override without paths: line and column of each', () => {
    const text = [
      '{',
      '  "era": "six",',
      '  "rules": { "no-such-rule": "off", "retry-without-tried": "loud" },',
      '  "colour": true,',
      '  "overrides": [ { "tier": 4 } ]',
      '}',
    ].join('\n');
    const l = loadText(text, '/x/.mmlens.json');
    assert.equal(l.config, undefined);
    const got = l.problems.map((p) => `${p.line + 1}:${p.column + 1}: ${p.message}`);
    assert.deepEqual(got, [
      '4:3: unknown key "colour" in the configuration (allowed: era, kernelTree, tier, rules, skip, overrides, baseline)',
      '2:10: era: expected "auto", "Makefile" or a kernel version like "6.8"',
      "3:14: rules: unknown rule \"no-such-rule\" (see 'mmlens rules')",
      '3:60: rules.retry-without-tried: expected one of off, on, error, warning, information, hint, default',
      '5:28: overrides[0].tier: expected 1, 2 or 3 (rules of tier <= N run)',
      '5:18: overrides[0]: "paths" is required (globs relative to this file: "arch/um/**")',
    ]);
  });

  it('mmlens check and mmlens config print file:line:col and exit 2 on a bad file', async () => {
    const dir = join(tmp, 'bad');
    const cfg = write(join(dir, '.mmlens.json'), '{\n  "tier": 2,\n  "rules": { "retry-without-tried": "eror" }\n}\n');
    copyFileSync(join(FIX, 'retry-without-tried', 'positive.c'), join(dir, 'a.c'));
    const r = await run('check', join(dir, 'a.c'), '--no-progress');
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err, `mmlens: invalid configuration:\n${cfg}:3:37: rules.retry-without-tried: expected one of off, on, error, warning, information, hint, default\n`);
    const c = await run('config', '--check', cfg);
    assert.equal(c.code, 2);
    assert.equal(c.err, `${cfg}:3:37: rules.retry-without-tried: expected one of off, on, error, warning, information, hint, default\n`);
    const s = write(join(tmp, 'syntax', '.mmlens.json'), '{ "era": "6.8" "tier": 1 }');
    assert.equal((await run('config', '--check', s)).err, `${s}:1:16: invalid JSON: expected ',' or '}'\n`);
  });

  it('era "Makefile" without a kernel Makefile is an error, not the default', async () => {
    const dir = join(tmp, 'nomake');
    write(join(dir, '.mmlens.json'), '{ "era": "Makefile" }');
    copyFileSync(join(FIX, 'retry-without-tried', 'positive.c'), join(dir, 'a.c'));
    const r = await run('check', join(dir, 'a.c'), '--no-progress');
    assert.equal(r.code, 2);
    assert.match(r.err, /\.mmlens\.json:1:10: era "Makefile": no kernel Makefile \(VERSION\/PATCHLEVEL\) above /);
    write(join(dir, 'Makefile'), 'VERSION = 5\nPATCHLEVEL = 4\n');
    const e = await run('config', '--explain', join(dir, 'a.c'));
    assert.match(e.out, new RegExp(`era: +5\\.4 +← ${dir}/Makefile \\(era "Makefile" at ${dir}/\\.mmlens\\.json:1:10\\)`));
  });
});

describe('discovery and precedence', () => {
  const top = join(tmp, 'tree');
  write(join(top, '.mmlens.json'), JSON.stringify({ era: '6.1', tier: 1, rules: { 'retry-without-tried': 'error' }, skip: ['drivers/staging/**'], overrides: [{ paths: ['arch/um/**'], off: true }, { paths: ['mm/**'], tier: 3 }] }, null, 1));
  write(join(top, 'sub', 'inner', '.mmlens.json'), '{ "rules": { "removed-gup-api": "off" } }');
  const loader = new ConfigLoader();

  it('the nearest file wins, without merging the one above', () => {
    assert.equal(loader.find(join(top, 'sub', 'inner', 'deep', 'x.c')), join(top, 'sub', 'inner', '.mmlens.json'));
    assert.equal(loader.find(join(top, 'sub', 'x.c')), join(top, '.mmlens.json'));
    const inner = effectiveConfig(join(top, 'sub', 'inner', 'x.c'), loader.forFile(join(top, 'sub', 'inner', 'x.c'))!.config);
    assert.equal(inner.era.value, undefined, 'era of the outer file does not leak in');
    assert.equal(inner.rules['removed-gup-api']!.value, 'off');
    assert.equal(inner.rules['retry-without-tried']!.value, RULES.find((r) => r.id === 'retry-without-tried')!.severity);
  });

  it('per-path overrides: arch/um/** off, mm/** tier 3, skip', () => {
    const cfg = loader.forFile(join(top, 'x.c'))!.config!;
    // The catalogue has tiers 1 and 2 today: tier 3 in mm/** switches on every rule above the file's tier 1.
    const tier3 = RULES.filter((r) => r.tier > 1);
    assert.ok(tier3.length > 0);
    const drivers = effectiveConfig(join(top, 'drivers', 'x.c'), cfg);
    for (const r of RULES) assert.equal(drivers.rules[r.id]!.value === 'off', r.tier > 1 && r.id !== 'retry-without-tried', r.id);
    assert.equal(drivers.rules['retry-without-tried']!.value, 'error');
    const mm = effectiveConfig(join(top, 'mm', 'gup.c'), cfg);
    for (const r of tier3) assert.notEqual(mm.rules[r.id]!.value, 'off', r.id);
    assert.match(mm.rules[tier3[0]!.id]!.source, /^tier 3 at .*\.mmlens\.json:\d+:\d+$/);
    const um = effectiveConfig(join(top, 'arch', 'um', 'kernel', 'trap.c'), cfg);
    assert.ok(RULES.every((r) => um.rules[r.id]!.value === 'off'));
    assert.deepEqual(um.selection.only, []);
    assert.equal(effectiveConfig(join(top, 'arch', 'x86', 'mm', 'fault.c'), cfg).rules['retry-without-tried']!.value, 'error');
    assert.equal(effectiveConfig(join(top, 'drivers', 'staging', 'a', 'b.c'), cfg).skipped?.value, 'drivers/staging/**');
  });

  it('flags win over the file: --era, --tier, --disable, --rules', () => {
    const cfg = loader.forFile(join(top, 'x.c'))!.config!;
    const e = effectiveConfig(join(top, 'mm', 'x.c'), cfg, { era: { value: '5.4', source: '--era' }, tier: { value: 2, source: '--tier' }, disable: { value: ['retry-without-tried'], source: '--disable' } });
    assert.deepEqual(e.era, { value: '5.4', source: '--era' });
    assert.deepEqual(e.rules['retry-without-tried'], { value: 'off', source: '--disable' });
    for (const r of RULES.filter((x) => x.tier === 2)) assert.notEqual(e.rules[r.id]!.value, 'off', `--tier 2 replaces the file's tier 1 (${r.id})`);
    const t1 = effectiveConfig(join(top, 'mm', 'x.c'), cfg, { tier: { value: 1, source: '--tier' } });
    for (const r of RULES.filter((x) => x.tier === 2)) assert.deepEqual(t1.rules[r.id], { value: 'off', source: 'tier 1 at --tier' }, `--tier 1 replaces the override's tier 3 (${r.id})`);
    const only = effectiveConfig(join(top, 'x.c'), cfg, { only: { value: ['removed-gup-api'], source: '--rules' } });
    assert.deepEqual(Object.entries(only.rules).filter(([, v]) => v.value !== 'off').map(([k]) => k), ['removed-gup-api']);
  });

  it('end to end: the file changes severities and suppresses per function; --no-config and flags override it', async () => {
    const dir = join(tmp, 'e2e');
    const c = join(dir, 'drivers', 'a.c');
    mkdirSync(join(dir, 'drivers'), { recursive: true });
    copyFileSync(join(FIX, 'retry-without-tried', 'positive.c'), c);
    const base = await run('check', c, '--no-progress', '--no-config');
    const warnings = base.out.split('\n').filter((l) => /: warning: .*\[retry-without-tried\]$/.test(l));
    assert.equal(warnings.length, 3);
    write(join(dir, '.mmlens.json'), JSON.stringify({ rules: { 'retry-without-tried': 'error' }, overrides: [{ paths: ['drivers/*.c'], functions: ['*'], rules: { 'removed-gup-api': 'off' } }] }));
    const r = await run('check', c, '--no-progress');
    assert.equal(r.out.split('\n').filter((l) => /: error: .*\[retry-without-tried\]$/.test(l)).length, 3);
    assert.doesNotMatch(r.out, /\[removed-gup-api\]/);
    const d = await run('check', c, '--no-progress', '--disable', 'retry-without-tried');
    assert.doesNotMatch(d.out, /retry-without-tried\]/);
    const x = await run('config', '--explain', c);
    assert.equal(x.code, 0);
    assert.match(x.out, new RegExp(`retry-without-tried +error +← "error" at ${dir}/\\.mmlens\\.json:1:\\d+`));
    assert.match(x.out, /function overrides \(applied per finding\): \* at /);
  });
});

describe('the shipped JSON Schema (contributes.jsonValidation)', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'mmlens.schema.json'), 'utf8')) as { properties: { rules: { propertyNames: { enum: string[] } } } };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { jsonValidation: { fileMatch: string; url: string }[] } };
  it('is registered for .mmlens.json and names every rule of the catalogue', () => {
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '.mmlens.json', url: './schemas/mmlens.schema.json' }]);
    assert.deepEqual([...schema.properties.rules.propertyNames.enum].sort(), [...KNOWN_RULE_IDS].sort());
  });
  it('agrees with the validator on valid and invalid examples', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const examples: [unknown, boolean][] = [
      [{ era: '6.8', tier: 2, rules: { 'retry-without-tried': 'error' }, skip: ['x/**'], overrides: [{ paths: ['arch/um/**'], off: true }, { paths: ['mm/**'], tier: 3, functions: ['f*'] }], baseline: 'b.json' }, true],
      [{ era: 'Makefile', kernelTree: '../linux' }, true],
      [{ era: 'six' }, false],
      [{ tier: 4 }, false],
      [{ rules: { 'no-such-rule': 'off' } }, false],
      [{ rules: { 'retry-without-tried': 'loud' } }, false],
      [{ overrides: [{ tier: 2 }] }, false],
      [{ overrides: [{ paths: [] }] }, false],
      [{ colour: 1 }, false],
    ];
    for (const [ex, ok] of examples) {
      assert.equal(validate(ex), ok, `schema on ${JSON.stringify(ex)}`);
      assert.equal(loadText(JSON.stringify(ex), '/x/.mmlens.json').problems.length === 0, ok, `validator on ${JSON.stringify(ex)}`);
    }
  });
});
