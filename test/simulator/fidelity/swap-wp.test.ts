/**
 * Issue #10 item 6: uffd-wp on a swapped-out page. do_swap_page() 5.7 clears FAULT_FLAG_WRITE for a reusable page
 * before the uffd-wp bit write-protects the pte, so the write-protect userfault is a new fault (with a fresh
 * ALLOW_RETRY); a page mapped twice keeps WRITE and goes on to do_wp_page in the same attempt. Modelled up to 6.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultPathSpec, Scenario } from '../../../simulator/src/scenario/types';
import { access, attempts, outcome, run, scenario } from '../behaviours/helpers';

const single: FaultPathSpec = { retry: { set: ['TRIED'], clear: ['ALLOW_RETRY'], max: 1 }, signalCheck: 'fatal', vmaLock: false };
const mem = (mapcount: number): Scenario['memory'] => ({
  vmas: [{ id: 'mem', pages: 1, type: 'anon', uffd: { ctx: 'u', modes: ['WP'] }, ptes: [{ index: 0, state: 'swap', wp: true, mapcount }] }],
  uffds: [{ id: 'u' }],
  swapInLatencyUs: 300,
});
const sc = (era: string, mapcount = 1) =>
  scenario(era, mem(mapcount), [
    { id: 'app', faultPath: single, script: [access('mem+0')] },
    { id: 'monitor', script: [{ uffd_serve: { uffd: 'u', resolve: 'WRITEPROTECT', latencyUs: 50 } }] },
  ]);

test('item 6: 5.7 and 6.1 — the write-protect fault after the swap-in is a new fault: even a single-retry handler gets there with ALLOW_RETRY', () => {
  for (const era of ['5.7', '6.1']) {
    const r = run(sc(era));
    assert.equal(outcome(r, 'app'), 'ok', era);
    assert.deepEqual(
      attempts(r, 'app'),
      [
        'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY|MAJOR released',
        'WRITE|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
        'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released',
        'WRITE|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
      ],
      era,
    );
  }
});

test('item 6: 6.2 — the same attempt goes on to do_wp_page: the single-retry handler meets the userfault without ALLOW_RETRY (SIGBUS)', () => {
  const r = run(sc('6.2'));
  assert.equal(outcome(r, 'app'), 'SIGBUS');
  assert.deepEqual(attempts(r, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY|MAJOR released', 'WRITE|KILLABLE|TRIED|USER|INTERRUPTIBLE → SIGBUS']);
});

test('item 6: 5.7 with a page mapped twice (not reusable): WRITE stays, do_wp_page in the same attempt → SIGBUS for the single-retry handler', () => {
  const r = run(sc('5.7', 2));
  assert.equal(outcome(r, 'app'), 'SIGBUS');
  assert.deepEqual(attempts(r, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY|MAJOR released', 'WRITE|KILLABLE|TRIED|USER|INTERRUPTIBLE → SIGBUS']);
});
