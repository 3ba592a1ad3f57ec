// common/settings.ts is the one schema for the `kernelMmLens` section; package.json must agree with it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINED_FINDINGS, DEFAULT_SETTINGS, RUN_MODES, SETTINGS_SECTION, RULE_SETTINGS, TRACE_LEVELS, isValidEraSetting, resolveSettings } from '../../common/settings';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown; enum?: unknown[]; pattern?: string }> } };
};
const props = manifest.contributes.configuration.properties;

describe('settings: common/settings.ts and package.json agree', () => {
  test('the contributed keys are exactly the settings interface, under kernelMmLens', () => {
    assert.deepEqual(Object.keys(props).sort(), [
      `${SETTINGS_SECTION}.baselinedFindings`,
      `${SETTINGS_SECTION}.era`,
      `${SETTINGS_SECTION}.kernelTree`,
      `${SETTINGS_SECTION}.maxFileSize`,
      `${SETTINGS_SECTION}.rules`,
      `${SETTINGS_SECTION}.run`,
      `${SETTINGS_SECTION}.showPreExisting`,
      `${SETTINGS_SECTION}.trace.server`,
    ]);
  });

  test('the manifest defaults are the shared defaults', () => {
    assert.equal(props['kernelMmLens.era']!.default, DEFAULT_SETTINGS.era);
    assert.equal(props['kernelMmLens.run']!.default, DEFAULT_SETTINGS.run);
    assert.equal(props['kernelMmLens.maxFileSize']!.default, DEFAULT_SETTINGS.maxFileSize);
    assert.equal(props['kernelMmLens.trace.server']!.default, DEFAULT_SETTINGS.trace.server);
    assert.deepEqual(props['kernelMmLens.rules']!.default, DEFAULT_SETTINGS.rules);
    assert.equal(props['kernelMmLens.showPreExisting']!.default, DEFAULT_SETTINGS.showPreExisting);
    assert.equal(props['kernelMmLens.kernelTree']!.default, DEFAULT_SETTINGS.kernelTree);
    assert.equal(props['kernelMmLens.baselinedFindings']!.default, DEFAULT_SETTINGS.baselinedFindings);
    assert.deepEqual(props['kernelMmLens.baselinedFindings']!.enum, [...BASELINED_FINDINGS]);
  });

  test('per-rule values: the manifest enum is the shared one', () => {
    const rules = props['kernelMmLens.rules'] as { additionalProperties?: { enum?: unknown[] } };
    assert.deepEqual(rules.additionalProperties?.enum, [...RULE_SETTINGS]);
  });

  test('the manifest enums are the shared enums', () => {
    assert.deepEqual(props['kernelMmLens.run']!.enum, [...RUN_MODES]);
    assert.deepEqual(props['kernelMmLens.trace.server']!.enum, [...TRACE_LEVELS]);
  });

  test('the era pattern in the manifest accepts what the era parser accepts', () => {
    const pattern = new RegExp(props['kernelMmLens.era']!.pattern ?? '(?!)');
    for (const ok of ['auto', '6.8', 'v5.10', '6.4.1', '6.8-rc3']) {
      assert.match(ok, pattern, ok);
      assert.ok(isValidEraSetting(ok), ok);
    }
    for (const bad of ['latest', '6', 'linux-6.8', '']) {
      assert.doesNotMatch(bad, pattern, bad);
      assert.ok(!isValidEraSetting(bad), bad);
    }
  });
});

describe('settings: resolveSettings', () => {
  test('nothing sent gives the defaults', () => {
    assert.deepEqual(resolveSettings(undefined), DEFAULT_SETTINGS);
    assert.deepEqual(resolveSettings({}), DEFAULT_SETTINGS);
  });

  test('valid values are kept', () => {
    assert.deepEqual(resolveSettings({ era: '6.8', run: 'onSave', maxFileSize: 1000.7, trace: { server: 'verbose' } }), {
      era: '6.8',
      run: 'onSave',
      maxFileSize: 1000,
      trace: { server: 'verbose' },
      rules: {},
      showPreExisting: false,
      kernelTree: '',
      baselinedFindings: 'dim',
    });
    const r = resolveSettings({ rules: { 'retry-without-tried': 'error', 'gup-convertible-to-unlocked': 'off' }, showPreExisting: true, kernelTree: ' /src/linux ' });
    assert.deepEqual(r.rules, { 'retry-without-tried': 'error', 'gup-convertible-to-unlocked': 'off' });
    assert.equal(r.showPreExisting, true);
    assert.equal(r.kernelTree, '/src/linux');
  });

  test('invalid values fall back to the default, one problem each, never a throw', () => {
    const problems: string[] = [];
    const s = resolveSettings(
      { era: 'latest', run: 'always', maxFileSize: -1, trace: { server: 'loud' }, rules: { x: 'loud' }, showPreExisting: 'yes', kernelTree: 3 },
      (p) => problems.push(p),
    );
    assert.deepEqual(s, DEFAULT_SETTINGS);
    assert.equal(problems.length, 7);
    assert.match(problems[0]!, /kernelMmLens\.era/);
    const notAnObject: string[] = [];
    assert.deepEqual(resolveSettings('6.8', (p) => notAnObject.push(p)), DEFAULT_SETTINGS);
    assert.equal(notAnObject.length, 1);
  });

  test('the result is a fresh object: changing it does not change the defaults', () => {
    const s = resolveSettings(undefined);
    s.trace.server = 'verbose';
    assert.equal(DEFAULT_SETTINGS.trace.server, 'off');
  });
});
