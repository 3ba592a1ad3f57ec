/**
 * Issue #10 item 3: faults under the per-VMA lock (≥6.4). access_error() runs before the fault; what
 * lock_vma_under_rcu() accepts and what a swap-in under the VMA lock does follow each era's source:
 * 6.4–6.5 anonymous VMAs with an anon_vma and without userfaultfd, swap-in → RETRY; 6.6 uffd VMAs and swap-in
 * handled; 6.7 file VMAs too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario } from '../../../simulator/src/scenario/types';
import { access, attempts, outcome, run, scenario } from '../behaviours/helpers';

const F57 = 'ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE';

test('item 3: a write to a read-only VMA is SIGSEGV under the VMA lock path too (6.3 and 6.4), with no fault attempt', () => {
  const mem: Scenario['memory'] = { vmas: [{ id: 'ro', pages: 2, type: 'anon', prot: 'r', ptes: [{ index: 1, state: 'present-rw' }] }] };
  for (const era of ['6.3', '6.4', '6.8']) {
    const r = run(scenario(era, mem, [{ id: 'app', script: [access('ro+0', 'write')] }]));
    assert.equal(outcome(r, 'app'), 'SIGSEGV', era);
    assert.deepEqual(attempts(r, 'app'), [], era);
  }
  const r64 = run(scenario('6.4', mem, [{ id: 'app', script: [access('ro+0', 'write')] }]));
  assert.ok(r64.trace.some((e) => e.task === 'app' && e.label === 'access_error under the VMA lock: fall back to mmap_lock'));
});

test('item 3: 6.4 lock_vma_under_rcu needs an anon_vma (a fresh VMA falls back); a VMA with a mapped page is locked', () => {
  const fresh = run(scenario('6.4', { vmas: [{ id: 'buf', pages: 2, type: 'anon' }] }, [{ id: 'app', script: [access('buf+0')] }]));
  assert.deepEqual(attempts(fresh, 'app'), [`WRITE|${F57} → 0`]);
  assert.ok(fresh.trace.some((e) => e.label === 'lock_vma_under_rcu: no anon_vma yet: fall back to mmap_lock'));
  const used = run(scenario('6.4', { vmas: [{ id: 'buf', pages: 2, type: 'anon', ptes: [{ index: 1, state: 'present-rw' }] }] }, [{ id: 'app', script: [access('buf+0')] }]));
  assert.deepEqual(attempts(used, 'app'), [`WRITE|${F57}|VMA_LOCK → 0`]);
});

test('item 3: userfaultfd VMAs: 6.5 lock_vma_under_rcu refuses them (mmap_lock path), 6.6 handles the userfault under the VMA lock', () => {
  const mem: Scenario['memory'] = {
    vmas: [{ id: 'buf', pages: 2, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] }, ptes: [{ index: 1, state: 'present-rw' }] }],
    uffds: [{ id: 'u' }],
  };
  const sc = (era: string) =>
    scenario(era, mem, [{ id: 'app', script: [access('buf+0')] }, { id: 'mon', script: [{ uffd_serve: { uffd: 'u', resolve: 'COPY', latencyUs: 50 } }] }]);
  const r65 = run(sc('6.5'));
  assert.equal(outcome(r65, 'app'), 'ok');
  assert.deepEqual(attempts(r65, 'app'), [`WRITE|${F57} → RETRY released`, `WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0`]);
  const r66 = run(sc('6.6'));
  assert.equal(outcome(r66, 'app'), 'ok');
  assert.deepEqual(attempts(r66, 'app'), [`WRITE|${F57}|VMA_LOCK → RETRY released`, `WRITE|${F57} → 0`]);
});

test('item 3: swap-in under the VMA lock: 6.5 do_swap_page returns RETRY at once (then mmap_lock), 6.6 swaps in under the VMA lock', () => {
  const mem: Scenario['memory'] = { vmas: [{ id: 'buf', pages: 1, type: 'anon', ptes: [{ index: 0, state: 'swap' }] }], swapInLatencyUs: 0 };
  const r65 = run(scenario('6.5', mem, [{ id: 'app', script: [access('buf+0', 'read')] }]));
  assert.deepEqual(attempts(r65, 'app'), [`${F57}|VMA_LOCK → RETRY released`, `${F57} → 0`]);
  const r66 = run(scenario('6.6', mem, [{ id: 'app', script: [access('buf+0', 'read')] }]));
  assert.deepEqual(attempts(r66, 'app'), [`${F57}|VMA_LOCK → 0`]);
});

test('item 3: file VMAs: 6.6 falls back to mmap_lock (anonymous only), 6.7 faults under the VMA lock', () => {
  const mem: Scenario['memory'] = { vmas: [{ id: 'map', pages: 1, type: 'file', file: 'f', shared: true }], files: [{ id: 'f', pages: [{ index: 0, cached: true }] }] };
  const r66 = run(scenario('6.6', mem, [{ id: 'app', script: [access('map+0', 'read')] }]));
  assert.deepEqual(attempts(r66, 'app'), [`${F57} → 0`]);
  assert.ok(r66.trace.some((e) => e.label === 'lock_vma_under_rcu: not an anonymous vma: fall back to mmap_lock'));
  const r67 = run(scenario('6.7', mem, [{ id: 'app', script: [access('map+0', 'read')] }]));
  assert.deepEqual(attempts(r67, 'app'), [`${F57}|VMA_LOCK → 0`]);
});
