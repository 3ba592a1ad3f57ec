import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEra, compareEra, eraInRange, eraAtLeast, tryParseEra, EraParseError, formatEra } from '../../common/era';

test('parseEra accepts tags, sublevels and -rc and keeps major.minor', () => {
  assert.deepEqual(parseEra('5.7'), { major: 5, minor: 7 });
  assert.deepEqual(parseEra('v6.4'), { major: 6, minor: 4 });
  assert.deepEqual(parseEra('6.4.1'), { major: 6, minor: 4 });
  assert.deepEqual(parseEra('6.8-rc3'), { major: 6, minor: 8 });
});

test('parseEra rejects garbage with a clear error', () => {
  assert.throws(() => parseEra('linux'), EraParseError);
  assert.equal(tryParseEra('5'), undefined);
});

test('eras compare numerically, not as strings (4.10 > 4.9)', () => {
  assert.ok(compareEra('4.10', '4.9') > 0);
  assert.ok(compareEra('5.6', '5.7') < 0);
  assert.equal(compareEra('6.4', { major: 6, minor: 4 }), 0);
});

test('eraInRange is inclusive at both ends and open when an end is omitted', () => {
  assert.ok(eraInRange('4.9', '4.9', '6.4'));
  assert.ok(eraInRange('6.4', '4.9', '6.4'));
  assert.ok(!eraInRange('6.5', '4.9', '6.4'));
  assert.ok(eraInRange('6.19', '5.7'));
  assert.ok(!eraAtLeast('5.6', '5.7'));
  assert.equal(formatEra(parseEra('v5.10')), '5.10');
});
