// Regressions for false positives found by running every rule over real kernel trees of several eras (issue #7).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { brief, check } from './helpers';

const F = (n: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'rules-real', n), 'utf8');

describe('rules on real-tree shapes', () => {
  it('__get_user_pages_unlocked outside mm/ builds in 4.9 (exported until 4.10): no removed-gup-api before 4.10', () => {
    const t = F('kvm-slow-pin-4.9.c');
    assert.deepEqual(check(t, undefined, '4.9', 'virt/kvm/guest_pin.c'), []);
    assert.deepEqual(
      brief(check(t, 'removed-gup-api', '4.10', 'virt/kvm/guest_pin.c')).map(([r, l, m]) => [r, l, /not part of the API after 4\.9 \(unexported in 4\.10\)/.test(m)]),
      [['removed-gup-api', 16, true]],
    );
  });
});
