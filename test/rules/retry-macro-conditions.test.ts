// Regression (real s390 do_exception, 4.19–5.6): a condition `IS_ENABLED(CONFIG_PGSTE) && gmap && (flags & …)` on the
// retry path reads the flags outside the macro's arguments; it made the path "flags unknown" and hid the retry from
// every rule. Only a macro whose own arguments name the flags makes a statement opaque.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brief, check, fixture } from './helpers';

describe('retry analyses through macro conditions', () => {
  const text = fixture('forbidden-flag-combination/s390-pgste-4.19.c');
  const clear = text.split('\n').findIndex((l) => l.includes('flags &= ~(FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT);')) + 1;

  it('as 5.8 code the ≤5.6 second attempt is the forbidden combination; as 4.19 code nothing fires', () => {
    assert.deepEqual(brief(check(text, 'forbidden-flag-combination', '5.8')).map(([r, l]) => [r, l]), [['forbidden-flag-combination', clear]]);
    assert.deepEqual(check(text, undefined, '4.19'), []);
  });

  it('a macro whose arguments name the flags still makes the path unknown (no TRIED verdict)', () => {
    const hidden = text.replace('flags |= FAULT_FLAG_TRIED;', 'KNOB_MARK_TRIED(flags);');
    assert.deepEqual(check(hidden, 'retry-without-tried', '4.19'), []);
    assert.equal(check(text.replace('flags |= FAULT_FLAG_TRIED;', 'knob_note();'), 'retry-without-tried', '4.19').length, 1);
  });
});
