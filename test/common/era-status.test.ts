// The status bar text, tooltip and picker items of the era (common/era-status.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMON_ERAS, TYPE_ERA_LABEL, eraPickItems, eraStatusText, eraStatusTooltip, validateTypedEra } from '../../common/era-status';
import type { DocumentEraInfo } from '../../common/protocol';

const HINTS: DocumentEraInfo = { era: '5.7', range: { from: '3.18', to: '5.7' }, sourceKind: 'patch-hints', source: 'hints in the code: mmap_sem field (≤5.7)' };
const MAKEFILE: DocumentEraInfo = { era: '6.8', range: { from: '6.8', to: '6.8' }, sourceKind: 'makefile', source: 'Makefile VERSION/PATCHLEVEL (/k/Makefile)' };
const SETTING: DocumentEraInfo = { era: '5.10', range: { from: '5.10', to: '5.10' }, sourceKind: 'setting', source: 'explicit setting' };

test('status text: the era or range and a one-word source', () => {
  assert.equal(eraStatusText(HINTS), 'MM era 3.18–5.7 (hints)');
  assert.equal(eraStatusText(MAKEFILE), 'MM era 6.8 (Makefile)');
  assert.equal(eraStatusText(SETTING), 'MM era 5.10 (setting)');
  assert.equal(eraStatusText({ ...MAKEFILE, sourceKind: 'default', source: 'default (newest era, 6.19)' }), 'MM era 6.8 (default)');
  assert.equal(eraStatusText(undefined), 'MM era: not analysed');
});

test('tooltip: the full source, the range rule, and what a click does', () => {
  assert.equal(
    eraStatusTooltip(HINTS, 'linux'),
    'Kernel MM Lens: era 3.18–5.7 from hints in the code: mmap_sem field (≤5.7) (rules fire only when every era of the range agrees; analysed as 5.7). Click to set kernelMmLens.era for the folder linux.',
  );
  assert.equal(eraStatusTooltip(MAKEFILE, undefined), 'Kernel MM Lens: era 6.8 from Makefile VERSION/PATCHLEVEL (/k/Makefile). Click to set kernelMmLens.era.');
});

test('picker: auto, the ends of the detected range, the common versions, type one; the current setting marked', () => {
  const items = eraPickItems(HINTS, '6.1');
  assert.deepEqual(
    items.map((i) => i.label),
    ['auto', '3.18', '5.7', ...COMMON_ERAS, TYPE_ERA_LABEL],
  );
  assert.equal(items.find((i) => i.label === '6.1')?.description, 'current setting · long-term kernel');
  assert.equal(items.at(-1)?.value, undefined);
  // One detected era (a Makefile) is offered once; a version already listed is not repeated.
  assert.deepEqual(eraPickItems({ ...MAKEFILE, era: '6.1', range: { from: '6.1', to: '6.1' } }, 'auto').map((i) => i.label).slice(0, 3), ['auto', '6.1', '4.19']);
  assert.match(eraPickItems(undefined, 'auto')[0]!.description ?? '', /^current setting · /);
});

test('typed versions are validated like the setting', () => {
  assert.equal(validateTypedEra(' 5.6 '), undefined);
  assert.equal(validateTypedEra('v6.4.1'), undefined);
  assert.equal(validateTypedEra('auto'), undefined);
  assert.match(validateTypedEra('six') ?? '', /kernel version such as 6\.8/);
});
