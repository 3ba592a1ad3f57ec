// nowait-retry-lock-leak: after RETRY with RETRY_NOWAIT (lock still held) the path treats the lock as dropped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, fixture } from './helpers';

const ID = 'nowait-retry-lock-leak';
const lines = (text: string, era: string): [number, string][] =>
  check(text, ID, era).map((f) => [f.range.start.line + 1, f.message]);

describe(ID, () => {
  it('fires on the ≤4.4 faultin_page shape (*nonblocking = 0 even with FOLL_NOWAIT); silent on the 4.16+ guarded shape', () => {
    const src = fixture(`${ID}/faultin-page.c`);
    for (const era of ['3.19', '4.4']) {
      const got = lines(src, era);
      assert.deepEqual(got.map((g) => g[0]), [30], era);
      assert.match(got[0]![1], /^on VM_FAULT_RETRY with FAULT_FLAG_RETRY_NOWAIT the callee kept mmap_sem, but `\*nonblocking = 0` tells the caller it was dropped/);
    }
    // 4.19: the fixed helper (3-argument handle_mm_fault) is silent.
    assert.ok(!lines(src, '4.19').some((g) => g[0] > 35));
  });

  it('a caller that always passes RETRY_NOWAIT and returns on RETRY without its unlock: fires; with the unlock: silent', () => {
    const src = fixture(`${ID}/nowait-caller.c`);
    for (const era of ['5.8', '6.1', '6.19']) {
      const got = lines(src, era);
      assert.deepEqual(got.map((g) => g[0]), [10], era);
      assert.match(got[0]![1], /^returns on VM_FAULT_RETRY with FAULT_FLAG_RETRY_NOWAIT still holding mmap_lock/);
    }
  });

  it('related: the fault call', () => {
    const f = check(fixture(`${ID}/nowait-caller.c`), ID, '6.1')[0]!;
    assert.deepEqual(f.related.map((r) => r.range.start.line + 1), [8]);
  });

  it('an ordinary handler (no RETRY_NOWAIT): silent', () => {
    assert.deepEqual(lines(fixture('unlock-after-retry/correct-handlers.c').replace(/FAULT_FLAG_RETRY_NOWAIT/g, 'FAULT_FLAG_KILLABLE'), '6.1'), []);
  });
});
