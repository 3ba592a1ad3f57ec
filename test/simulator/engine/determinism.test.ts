/** Same scenario + seed → byte-identical result; another seed changes only the jitter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../../simulator/src';
import { access, scenario } from '../behaviours/helpers';

const sc = scenario(
  '6.8',
  { vmas: [{ id: 'guest', pages: 4, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }], uffds: [{ id: 'u' }] },
  [
    { id: 'vcpu', script: [access('guest+0'), access('guest+1'), access('guest+2')] },
    { id: 'monitor', script: [{ uffd_serve: { uffd: 'u', count: 3, resolve: 'COPY', latencyUs: 400 } }] },
  ],
  { timing: { jitterUs: 100 } },
);

test('same scenario and seed give byte-identical JSON', () => {
  const a = JSON.stringify(simulate(sc, { seed: 42 }));
  const b = JSON.stringify(simulate(sc, { seed: 42 }));
  assert.equal(a, b);
});

test('a different seed changes the jitter only: same outcomes, same event sequence, different times', () => {
  const a = simulate(sc, { seed: 1 });
  const b = simulate(sc, { seed: 2 });
  assert.deepEqual(a.tasks.map((t) => t.outcome), b.tasks.map((t) => t.outcome));
  assert.deepEqual(a.trace.map((e) => `${e.task} ${e.kind} ${e.label}`), b.trace.map((e) => `${e.task} ${e.kind} ${e.label}`));
  assert.notEqual(a.endTime, b.endTime);
  for (const r of [a, b]) {
    // 3 × (400 µs + jitter in [0, 100]) of network latency, plus per-step costs.
    assert.ok(r.endTime >= 3 * 400 && r.endTime <= 3 * 500 + 20, String(r.endTime));
  }
});

test('without jitter the seed does not matter', () => {
  const plain = { ...sc, timing: {} };
  assert.equal(JSON.stringify({ ...simulate(plain, { seed: 1 }), seed: 0 }), JSON.stringify({ ...simulate(plain, { seed: 99 }), seed: 0 }));
});

test('trace events are totally ordered by (t, seq) and carry a lock snapshot', () => {
  const r = simulate(sc, { seed: 7 });
  for (let i = 1; i < r.trace.length; i++) {
    const p = r.trace[i - 1];
    const e = r.trace[i];
    assert.ok(e.t > p.t || (e.t === p.t && e.seq > p.seq));
    assert.ok(Array.isArray(e.lock.readers) && Array.isArray(e.lock.queuedWriters));
  }
});
