/** mmap_lock is a fair rwsem: a queued writer blocks new readers; grants are FIFO. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rwsemAcquire, rwsemRelease } from '../../../simulator/src/engine/locks';
import type { SimState } from '../../../simulator/src/engine/state';
import { initState } from '../../../simulator/src/engine/init';
import { run, scenario, task } from '../behaviours/helpers';

function state(): SimState {
  return initState(scenario('6.8', { vmas: [{ id: 'a', pages: 1, type: 'anon' }] }, [{ id: 'x', script: [] }]), 1, 'timed').S;
}

test('a queued writer blocks new readers; release hands over FIFO (readers batch, then the writer)', () => {
  const S = state();
  assert.equal(rwsemAcquire(S, 'r1', 'read'), true);
  assert.equal(rwsemAcquire(S, 'w1', 'write'), false);
  assert.equal(rwsemAcquire(S, 'r2', 'read'), false, 'reader queues behind the writer');
  assert.equal(rwsemAcquire(S, 'r3', 'read'), false);
  assert.deepEqual(rwsemRelease(S, 'r1', 'read').granted, ['w1']);
  assert.deepEqual(rwsemRelease(S, 'w1', 'write').granted, ['r2', 'r3']);
  assert.deepEqual(S.rwsem.readers, ['r2', 'r3']);
});

test('unlocking a lock the task does not hold is reported', () => {
  const S = state();
  assert.equal(rwsemRelease(S, 'nobody', 'read').ok, false);
});

test('timed run: a reader arriving behind a waiting writer waits for both the holder and the writer', () => {
  const r = run(
    scenario('6.8', { vmas: [{ id: 'a', pages: 1, type: 'anon' }] }, [
      { id: 'holder', script: [{ mmap_read_lock: { holdUs: 100 } }] },
      { id: 'writer', startUs: 10, script: [{ munmap: { address: 'a+0', pages: 1, holdUs: 30 } }] },
      { id: 'reader', startUs: 20, script: [{ proc_read: { holdUs: 1 } }] },
    ]),
  );
  assert.equal(task(r, 'writer').lockWait, 90);
  assert.equal(task(r, 'reader').lockWait, 110);
  assert.equal(r.metrics.mmapLock.writerWaitMax, 90);
  assert.equal(r.metrics.mmapLock.readHoldMax, 100);
  assert.equal(r.metrics.mmapLock.writeHoldTotal, 30);
});
