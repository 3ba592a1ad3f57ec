/**
 * Non-cooperative events from the engine's writers (userfaultfd.md "Messages / events"): munmap / mremap /
 * madvise run model/ops.ts and queue the UNMAP / REMAP / REMOVE events it returns on the ctxs whose features
 * enable them; the producer blocks until the monitor reads the event, and mmap_changing makes COPY fail with
 * -EAGAIN meanwhile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunResult } from '../../../simulator/src/result';
import type { Scenario } from '../../../simulator/src/scenario/types';
import { ioctls, outcome, run, scenario } from './helpers';

const registered = (features: string[]): Scenario['memory'] => ({
  vmas: [{ id: 'buf', pages: 4, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }],
  uffds: [{ id: 'u', features }],
});

function firstT(r: RunResult, task: string, kind: string, labelPart: string): number {
  const e = r.trace.find((x) => x.task === task && x.kind === kind && x.label.includes(labelPart));
  if (!e) throw new Error(`no ${kind} "${labelPart}" of ${task}`);
  return e.t;
}

test('munmap of a registered range with EVENT_UNMAP: the munmap task blocks until the monitor reads UNMAP; a COPY meanwhile is -EAGAIN', () => {
  const r = run(
    scenario('6.8', registered(['EVENT_UNMAP']), [
      { id: 'app', script: [{ munmap: { address: 'buf+0', pages: 1, holdUs: 5 } }] },
      {
        id: 'mon',
        startUs: 50,
        script: [
          { uffdio: { uffd: 'u', ioctl: 'COPY', address: 'buf+1' } },
          { sleep: { us: 100 } },
          { uffd_read: { uffd: 'u' } },
          { uffdio: { uffd: 'u', ioctl: 'COPY', address: 'buf+1' } },
        ],
      },
    ]),
  );
  assert.deepEqual(ioctls(r), ['UFFDIO_COPY -EAGAIN', 'UFFDIO_COPY 0']);
  assert.equal(outcome(r, 'app'), 'ok');
  assert.equal(outcome(r, 'mon'), 'ok');
  const queued = firstT(r, 'app', 'uffd-event', 'UFFD_EVENT_UNMAP queued');
  const read = firstT(r, 'mon', 'uffd-event', 'read: UFFD_EVENT_UNMAP');
  const done = firstT(r, 'app', 'op-end', 'munmap');
  assert.ok(queued < 50, `queued at ${queued}`);
  assert.ok(read >= 150, `read at ${read}`);
  // The producer resumes only after the read.
  assert.ok(done >= read, `munmap done at ${done}, event read at ${read}`);
  assert.equal(r.metrics.uffdMessagesRead, 1);
});

test('munmap of a registered range without EVENT_UNMAP: no event, no wait, COPY is not refused', () => {
  const r = run(
    scenario('6.8', registered([]), [
      { id: 'app', script: [{ munmap: { address: 'buf+0', pages: 1, holdUs: 5 } }] },
      { id: 'mon', startUs: 50, script: [{ uffdio: { uffd: 'u', ioctl: 'COPY', address: 'buf+1' } }] },
    ]),
  );
  assert.deepEqual(ioctls(r), ['UFFDIO_COPY 0']);
  assert.equal(outcome(r, 'app'), 'ok');
  assert.equal(r.trace.filter((e) => e.kind === 'uffd-event').length, 0);
  assert.ok(firstT(r, 'app', 'op-end', 'munmap') < 50);
});

test('mremap of a registered vma with EVENT_REMAP: REMAP is delivered, the mover waits for the read, the registration follows', () => {
  const r = run(
    scenario('6.8', { ...registered(['EVENT_REMAP']), vmas: [{ id: 'buf', pages: 2, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }] }, [
      { id: 'app', script: [{ mremap: { vma: 'buf', to: '0x70000000', holdUs: 5 } }] },
      {
        id: 'mon',
        startUs: 50,
        script: [
          { uffdio: { uffd: 'u', ioctl: 'COPY', address: '0x70000000' } },
          { uffd_read: { uffd: 'u' } },
          { uffdio: { uffd: 'u', ioctl: 'COPY', address: '0x70000000' } },
        ],
      },
    ]),
  );
  assert.deepEqual(ioctls(r), ['UFFDIO_COPY -EAGAIN', 'UFFDIO_COPY 0']);
  assert.equal(outcome(r, 'app'), 'ok');
  const read = firstT(r, 'mon', 'uffd-event', 'read: UFFD_EVENT_REMAP');
  assert.ok(firstT(r, 'app', 'op-end', 'mremap') >= read);
});

test('a munmap producer killed while waiting for the read drops its event: mmap_changing falls back and COPY succeeds', () => {
  const r = run(
    scenario('6.8', registered(['EVENT_UNMAP']), [
      { id: 'app', script: [{ munmap: { address: 'buf+0', pages: 1, holdUs: 5 } }] },
      { id: 'killer', startUs: 30, script: [{ signal: { task: 'app', signal: 'SIGKILL' } }] },
      { id: 'mon', startUs: 50, script: [{ uffdio: { uffd: 'u', ioctl: 'COPY', address: 'buf+1' } }] },
    ]),
  );
  assert.equal(outcome(r, 'app'), 'killed');
  assert.deepEqual(ioctls(r), ['UFFDIO_COPY 0']);
});
