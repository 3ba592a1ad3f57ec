/** simulator.md "Behaviours it must reproduce": one named case per behaviour, with exact outcomes and metrics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario, TaskSpec } from '../../../simulator/src/scenario/types';
import { explore } from '../../../simulator/src/explore';
import { access, attempts, ioctls, outcome, run, scenario, task } from './helpers';

const anonUffd = (features: string[] = []): Scenario['memory'] => ({
  vmas: [{ id: 'buf', pages: 4, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }, { id: 'scratch', pages: 1, type: 'anon' }],
  uffds: [{ id: 'u', features }],
});

const fuseFile = (servedBy?: string): Scenario['memory'] => ({
  vmas: [{ id: 'map', pages: 2, type: 'file', file: 'f', shared: true }, { id: 'other', pages: 1, type: 'anon' }],
  files: [{ id: 'f', pages: [{ index: 0, ioLatencyUs: 1000, ...(servedBy ? { servedBy } : {}) }] }],
});

test('behaviour 1: a userfault without ALLOW_RETRY is VM_FAULT_SIGBUS; get_user_pages turns it into -EFAULT', () => {
  for (const era of ['4.19', '6.8']) {
    const r = run(scenario(era, anonUffd(), [{ id: 'dio', script: [{ gup: { variant: 'get_user_pages', address: 'buf+0', nr_pages: 1, gup_flags: ['FOLL_WRITE'] } }] }]));
    assert.equal(outcome(r, 'dio'), '-EFAULT', era);
    assert.deepEqual(attempts(r, 'dio'), ['WRITE → SIGBUS']);
    assert.equal(task(r, 'dio').blockedInUffd, 0);
  }
  // A ≤5.6 retry attempt (ALLOW_RETRY cleared) that meets the userfault again: the monitor only WAKEs.
  const r = run(
    scenario('5.6', anonUffd(), [
      { id: 'app', script: [access('buf+0')] },
      { id: 'mon', script: [{ uffd_serve: { uffd: 'u', resolve: 'WAKE', latencyUs: 50 } }] },
    ]),
  );
  assert.equal(outcome(r, 'app'), 'SIGBUS');
  assert.deepEqual(attempts(r, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER → RETRY|MAJOR released', 'WRITE|KILLABLE|TRIED|USER → SIGBUS']);
});

test('behaviour 2: with ALLOW_RETRY the userfault queues a message, drops mmap_lock, blocks; COPY wakes it; the retry succeeds', () => {
  const r = run(
    scenario('6.8', anonUffd(), [
      { id: 'vcpu', faultPath: { vmaLock: false }, script: [access('buf+1')] },
      { id: 'monitor', script: [{ uffd_serve: { uffd: 'u', resolve: 'COPY', latencyUs: 500 } }] },
      { id: 'qemu', startUs: 100, script: [{ munmap: { address: 'scratch+0', pages: 1 } }] },
    ]),
  );
  assert.equal(outcome(r, 'vcpu'), 'ok');
  assert.deepEqual(attempts(r, 'vcpu'), [
    'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released',
    'WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
  ]);
  assert.equal(task(r, 'vcpu').blockedInUffd, 500);
  assert.equal(r.metrics.uffdMessagesRead, 1);
  assert.deepEqual(ioctls(r), ['UFFDIO_COPY 0']);
  // mmap_lock not held while blocked; the writer got it at once.
  const block = r.trace.find((e) => e.task === 'vcpu' && e.kind === 'uffd-block');
  assert.deepEqual(block?.lock.readers, []);
  assert.equal(r.metrics.mmapLock.writerWaitMax, 0);
  assert.equal(r.metrics.mmapLock.readHoldMax, 1);
  assert.equal(task(r, 'qemu').endTime, 105);
});

test('behaviour 3: a lock held across a daemon-served I/O wait makes the writer wait, readers queue behind it, and deadlocks if the daemon needs the write lock', () => {
  const tasks = (fused: TaskSpec[]): TaskSpec[] => [
    { id: 'dio', script: [{ gup: { variant: 'get_user_pages', address: 'map+0', nr_pages: 1 } }] },
    ...fused,
    { id: 'ps', startUs: 200, script: [{ proc_read: {} }] },
  ];
  // I/O after a latency: writer waits for the whole I/O, /proc reader queues behind the writer.
  const slow = run(scenario('6.8', fuseFile(), tasks([{ id: 'writer', startUs: 100, script: [{ munmap: { address: 'other+0', pages: 1 } }] }])));
  assert.equal(outcome(slow, 'dio'), 'ok(1)');
  assert.equal(task(slow, 'writer').lockWait, 901);
  assert.equal(task(slow, 'ps').lockWait, 806);
  const queued = slow.trace.find((e) => e.task === 'ps' && e.kind === 'lock-request');
  assert.deepEqual(queued?.lock, { readers: ['dio'], writer: null, queuedWriters: ['writer'], queuedReaders: [] });
  // The daemon serving the I/O needs mmap_lock for write: deadlock naming every task and what it waits for.
  const fused: TaskSpec = {
    id: 'fused',
    script: [{ wait_io_request: { file: 'f', page: 0 } }, { mmap: { id: 'buf', pages: 1 } }, { complete_io: { file: 'f', page: 0, afterUs: 100 } }],
  };
  const dl = run(scenario('6.8', fuseFile('fused'), tasks([fused])));
  assert.deepEqual(
    dl.tasks.map((t) => [t.id, t.outcome]),
    [
      ['dio', { kind: 'deadlock', waitsFor: 'page obj:f:0 (read I/O served by fused) holding mmap_lock(read)' }],
      ['fused', { kind: 'deadlock', waitsFor: 'mmap_lock(write) held for read by dio' }],
      ['ps', { kind: 'deadlock', waitsFor: 'mmap_lock(read) queued behind writer fused (readers holding: dio)' }],
    ],
  );
  // A userfault without ALLOW_RETRY does not block at all (behaviour 1), so no deadlock through uffd.
  const uf = run(scenario('6.8', anonUffd(), [{ id: 'dio', script: [{ gup: { variant: 'get_user_pages', address: 'buf+0', nr_pages: 1 } }] }]));
  assert.equal(outcome(uf, 'dio'), '-EFAULT');
  // With get_user_pages_unlocked the daemon gets the lock: no deadlock.
  const ok = run(
    scenario('6.8', fuseFile('fused'), [
      { id: 'dio', script: [{ gup: { variant: 'get_user_pages_unlocked', address: 'map+0', nr_pages: 1 } }] },
      fused,
      { id: 'ps', startUs: 200, script: [{ proc_read: {} }] },
    ]),
  );
  assert.deepEqual(ok.tasks.map((t) => outcome(ok, t.id)), ['ok(1)', 'ok', 'ok']);
});

test('behaviour 4: writer wait with get_user_pages_unlocked (0 µs) < with get_user_pages holding the lock through the I/O (901 µs)', () => {
  const writerWait = (variant: 'get_user_pages' | 'get_user_pages_unlocked'): { wait: number; hold: number; attempts: string[] } => {
    const r = run(
      scenario('6.8', fuseFile(), [
        { id: 'dio', script: [{ gup: { variant, address: 'map+0', nr_pages: 1 } }] },
        { id: 'writer', startUs: 100, script: [{ munmap: { address: 'other+0', pages: 1 } }] },
      ]),
    );
    return { wait: r.metrics.mmapLock.writerWaitMax, hold: r.metrics.mmapLock.readHoldMax, attempts: attempts(r, 'dio') };
  };
  const locked = writerWait('get_user_pages');
  const unlocked = writerWait('get_user_pages_unlocked');
  assert.equal(locked.wait, 901);
  assert.equal(locked.hold, 1001);
  assert.deepEqual(locked.attempts, [' → MAJOR']);
  assert.equal(unlocked.wait, 0);
  assert.equal(unlocked.hold, 1);
  assert.deepEqual(unlocked.attempts, ['ALLOW_RETRY|KILLABLE → RETRY|MAJOR released', 'ALLOW_RETRY|KILLABLE|TRIED → 0']);
  assert.ok(unlocked.wait < locked.wait);
});

const wpSwapped = (faultPath?: TaskSpec['faultPath']): Scenario =>
  scenario(
    '5.7',
    {
      vmas: [{ id: 'mem', pages: 1, type: 'anon', uffd: { ctx: 'u', modes: ['WP'] }, ptes: [{ index: 0, state: 'swap', wp: true }] }],
      uffds: [{ id: 'u' }],
      swapInLatencyUs: 300,
    },
    [
      { id: 'app', ...(faultPath ? { faultPath } : {}), script: [access('mem+0')] },
      { id: 'mon', script: [{ uffd_serve: { uffd: 'u', resolve: 'WRITEPROTECT', latencyUs: 50 } }] },
    ],
  );

test('behaviour 5: ≥5.7 retries keep ALLOW_RETRY and set TRIED; a uffd-wp write to a swapped page re-faults after the swap-in (5.7 do_swap_page clears FAULT_FLAG_WRITE), so even the ≤5.6 single retry gets the write-protect fault with ALLOW_RETRY', () => {
  const multi = run(wpSwapped());
  assert.equal(outcome(multi, 'app'), 'ok');
  assert.deepEqual(attempts(multi, 'app'), [
    'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY|MAJOR released',
    'WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
    'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released',
    'WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
  ]);
  assert.equal(task(multi, 'app').endTime, 354);
  const single = run(wpSwapped({ retry: { set: ['TRIED'], clear: ['ALLOW_RETRY'], max: 1 }, signalCheck: 'fatal' }));
  assert.equal(outcome(single, 'app'), 'ok');
  assert.deepEqual(attempts(single, 'app'), [
    'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY|MAJOR released',
    'WRITE|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
    'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released',
    'WRITE|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
  ]);
  // Only the first attempt drops the lock for a page wait: a TRIED attempt sleeps on the page lock holding it.
  const r = run(
    scenario('6.8', { vmas: [{ id: 'map', pages: 1, type: 'file', file: 'f', shared: true }], files: [{ id: 'f', pages: [{ index: 0, cached: true }] }] }, [
      { id: 'locker', script: [{ page_lock_hold: { address: 'map+0', holdUs: 50, rounds: 2 } }] },
      { id: 'app', startUs: 10, faultPath: { vmaLock: false }, script: [access('map+0', 'read')] },
    ]),
  );
  const waits = r.trace.filter((e) => e.task === 'app' && e.kind === 'page-lock-wait').map((e) => e.details?.lockHeld);
  assert.deepEqual(waits, [false, true]);
  assert.deepEqual(attempts(r, 'app'), ['ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released', 'ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0']);
});

test('behaviour 6: closing the uffd while a fault is blocked: the fault is woken after the unregister and refaults, in every era (issue #10: the ≤4.12 SIGBUS was wrong)', () => {
  const close = (era: string) =>
    run(
      scenario(era, anonUffd(), [
        { id: 'app', faultPath: { vmaLock: false }, script: [access('buf+0')] },
        { id: 'mon', script: [{ sleep: { us: 100 } }, { uffd_close: { uffd: 'u' } }] },
      ]),
    );
  const now = close('6.8');
  assert.equal(outcome(now, 'app'), 'ok');
  assert.deepEqual(attempts(now, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released', 'WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0']);
  assert.equal(task(now, 'app').endTime, 101);
  const old = close('4.12');
  assert.equal(outcome(old, 'app'), 'ok');
  assert.deepEqual(attempts(old, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER → RETRY|MAJOR released', 'WRITE|KILLABLE|TRIED|USER → 0']);
  assert.equal(task(old, 'app').endTime, 101);
  assert.equal(outcome(close('4.13'), 'app'), 'ok');
});

test('behaviour 7: UFFD_FEATURE_SIGBUS raises SIGBUS immediately, no message', () => {
  const r = run(
    scenario('6.8', anonUffd(['SIGBUS']), [
      { id: 'app', script: [access('buf+0')] },
      { id: 'mon', startUs: 10, script: [{ uffd_read: { uffd: 'u', nonblock: true } }] },
    ]),
  );
  assert.equal(outcome(r, 'app'), 'SIGBUS');
  assert.equal(task(r, 'app').endTime, 1);
  assert.equal(task(r, 'app').blockedInUffd, 0);
  assert.equal(r.metrics.uffdMessagesRead, 0);
});

test('behaviour 8: COPY on a present page -EEXIST then WAKE; COPY/ZEROPAGE with an unread event -EAGAIN; MOVE -ENOENT/-EEXIST/-EBUSY', () => {
  const r = run(
    scenario(
      '6.8',
      {
        vmas: [
          { id: 'dst', pages: 4, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] }, ptes: [{ index: 0, state: 'present-rw' }, { index: 3, state: 'present-rw' }] },
          { id: 'src', pages: 4, type: 'anon', ptes: [{ index: 1, state: 'present-rw' }, { index: 2, state: 'present-rw', mapcount: 2 }, { index: 3, state: 'present-rw' }] },
        ],
        uffds: [{ id: 'u', features: ['MOVE'] }],
      },
      [
        {
          id: 'mon',
          script: [
            { uffdio: { uffd: 'u', ioctl: 'COPY', address: 'dst+0' } },
            { uffdio: { uffd: 'u', ioctl: 'WAKE', address: 'dst+0' } },
            { uffdio: { uffd: 'u', ioctl: 'MOVE', address: 'dst+1', src: 'src+0' } },
            { uffdio: { uffd: 'u', ioctl: 'MOVE', address: 'dst+1', src: 'src+0', mode: ['ALLOW_SRC_HOLES'] } },
            { uffdio: { uffd: 'u', ioctl: 'MOVE', address: 'dst+3', src: 'src+3' } },
            { uffdio: { uffd: 'u', ioctl: 'MOVE', address: 'dst+2', src: 'src+2' } },
            { uffdio: { uffd: 'u', ioctl: 'MOVE', address: 'dst+1', src: 'src+1' } },
          ],
        },
      ],
    ),
  );
  assert.deepEqual(ioctls(r), [
    'UFFDIO_COPY -EEXIST',
    'UFFDIO_WAKE 0',
    'UFFDIO_MOVE -ENOENT',
    'UFFDIO_MOVE 0',
    'UFFDIO_MOVE -EEXIST',
    'UFFDIO_MOVE -EBUSY',
    'UFFDIO_MOVE 0',
  ]);
  const ev = run(
    scenario('6.8', { vmas: [{ id: 'shm', pages: 2, type: 'shmem', uffd: { ctx: 'u', modes: ['MISSING'] } }], uffds: [{ id: 'u', features: ['EVENT_REMOVE', 'MISSING_SHMEM'] }] }, [
      { id: 'app', script: [{ madvise: { address: 'shm+0', pages: 1, advice: 'REMOVE' } }] },
      {
        id: 'mon',
        startUs: 10,
        script: [
          { uffdio: { uffd: 'u', ioctl: 'COPY', address: 'shm+1' } },
          { uffdio: { uffd: 'u', ioctl: 'ZEROPAGE', address: 'shm+1' } },
          { uffd_read: { uffd: 'u' } },
          { uffdio: { uffd: 'u', ioctl: 'COPY', address: 'shm+1' } },
        ],
      },
    ]),
  );
  assert.deepEqual(ioctls(ev), ['UFFDIO_COPY -EAGAIN', 'UFFDIO_ZEROPAGE -EAGAIN', 'UFFDIO_COPY 0']);
  assert.equal(outcome(ev, 'app'), 'ok');
  // The serve loop's __copy_page: -EEXIST (page filled concurrently) is followed by UFFDIO_WAKE.
  const race = run(
    scenario('6.8', anonUffd(), [
      { id: 'app', faultPath: { vmaLock: false }, script: [access('buf+0')] },
      { id: 'filler', startUs: 20, script: [{ uffdio: { uffd: 'u', ioctl: 'COPY', address: 'buf+0', mode: ['DONTWAKE'] } }] },
      { id: 'mon', script: [{ uffd_serve: { uffd: 'u', resolve: 'COPY', latencyUs: 100 } }] },
    ]),
  );
  assert.deepEqual(ioctls(race), ['UFFDIO_COPY 0', 'UFFDIO_COPY -EEXIST', 'UFFDIO_WAKE 0']);
  assert.equal(outcome(race, 'app'), 'ok');
});

test('behaviour 9: vmas with a lock-dropping GUP: BUG (4.0–6.2), -EINVAL (6.3–6.4)', () => {
  const gup = (era: string) =>
    run(scenario(era, { vmas: [{ id: 'buf', pages: 2, type: 'anon' }] }, [{ id: 'drv', script: [{ gup: { variant: 'get_user_pages_remote', address: 'buf+0', nr_pages: 2, locked: true, vmas: true } }] }]));
  for (const era of ['4.19', '6.2']) {
    assert.deepEqual(task(gup(era), 'drv').outcome, { kind: 'bug', assertion: 'BUG_ON(vmas): if VM_FAULT_RETRY can be returned, vmas become invalid' }, era);
  }
  for (const era of ['6.3', '6.4']) {
    assert.deepEqual(task(gup(era), 'drv').outcome, { kind: 'error', errno: 'EINVAL', where: 'WARN_ON_ONCE(vmas) with a lock-dropping call' }, era);
  }
  // Without locked the same call is fine: the vmas stay valid while the caller holds the lock.
  const r = run(scenario('6.2', { vmas: [{ id: 'buf', pages: 2, type: 'anon' }] }, [{ id: 'drv', script: [{ gup: { variant: 'get_user_pages_remote', address: 'buf+0', nr_pages: 2, vmas: true } }] }]));
  assert.equal(outcome(r, 'drv'), 'ok(2)');
});

test('behaviour 10: FOLL_LONGTERM on FS DAX → -EOPNOTSUPP; through a variant that rejects it → -EINVAL', () => {
  const pin = (era: string, variant: string, type: 'anon' | 'dax', flags: string[]) =>
    outcome(
      run(scenario(era, { vmas: [{ id: 'buf', pages: 2, type }] }, [{ id: 'rdma', script: [{ gup: JSON.parse(JSON.stringify({ variant, address: 'buf+0', nr_pages: 2, gup_flags: [...flags, 'FOLL_WRITE'] })) }] }])),
      'rdma',
    );
  assert.equal(pin('6.8', 'pin_user_pages', 'dax', ['FOLL_LONGTERM']), '-EOPNOTSUPP');
  assert.equal(pin('6.8', 'pin_user_pages', 'anon', ['FOLL_LONGTERM']), 'ok(2)');
  assert.equal(pin('6.8', 'get_user_pages', 'anon', ['FOLL_LONGTERM']), '-EINVAL');
  assert.equal(pin('5.10', 'get_user_pages_unlocked', 'anon', ['FOLL_LONGTERM']), '-EINVAL');
  assert.equal(pin('5.10', 'get_user_pages', 'anon', ['FOLL_LONGTERM']), 'ok(2)');
  assert.equal(pin('5.10', 'get_user_pages', 'dax', ['FOLL_LONGTERM']), '-EOPNOTSUPP');
  assert.equal(pin('4.19', 'get_user_pages_longterm', 'dax', []), '-EOPNOTSUPP');
});

test('behaviour 11: SIGKILL at t=500 ends the task within one retry with the signal check; without it the run reports a livelock with the cycle', () => {
  const kill = (signalCheck: 'fault_signal_pending' | 'none') =>
    run(scenario('6.8', anonUffd(), [{ id: 'app', faultPath: { signalCheck, vmaLock: false }, script: [access('buf+0')] }], { signals: [{ at: 500, task: 'app', signal: 'SIGKILL' }] }));
  const checked = kill('fault_signal_pending');
  assert.deepEqual(task(checked, 'app').outcome, { kind: 'killed', signal: 'SIGKILL' });
  assert.equal(task(checked, 'app').endTime, 500);
  assert.deepEqual(attempts(checked, 'app'), ['WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released']);
  const unchecked = kill('none');
  assert.deepEqual(task(unchecked, 'app').outcome, {
    kind: 'livelock',
    cycle: [
      'app: handle_mm_fault(0x10000000, WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE)',
      'app: mmap_read_unlock',
      'app: handle_mm_fault(WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE) → RETRY (lock released)',
      'app: retry with WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE',
      'app: mmap_read_lock',
      'app: mmap_lock(read) taken',
    ],
  });
  assert.match(unchecked.verdict, /^app: livelock/);
});

test('behaviour 12: missing FAULT_FLAG_TRIED — ≥5.7 starvation under page contention; ≤5.6 the retry un-charges the readahead miss counter', () => {
  const contention = (set: ('TRIED')[]) =>
    run(
      scenario('6.8', { vmas: [{ id: 'map', pages: 1, type: 'file', file: 'f', shared: true }], files: [{ id: 'f', pages: [{ index: 0, cached: true }] }] }, [
        { id: 'locker', script: [{ page_lock_hold: { address: 'map+0', holdUs: 50, rounds: 0 } }] },
        { id: 'app', startUs: 10, faultPath: { retry: { set, clear: [] }, vmaLock: false }, script: [access('map+0', 'read')] },
      ]),
    );
  const withTried = contention(['TRIED']);
  assert.equal(outcome(withTried, 'app'), 'ok');
  assert.equal(task(withTried, 'app').endTime, 100);
  assert.deepEqual(attempts(withTried, 'app'), ['ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released', 'ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0']);
  const without = contention([]);
  const o = task(without, 'app').outcome;
  assert.equal(o.kind, 'livelock');
  assert.ok(o.kind === 'livelock' && o.cycle.includes('app: wait for page obj:f:0 with the lock dropped'));
  assert.ok(task(without, 'app').attempts.every((a) => !a.flags.includes('TRIED') && a.lockReleased));
  // ≤5.6: four random-ish faults on uncached pages. With TRIED the miss counter counts them; without, the retry's
  // page-cache hit decrements it again (45cac65b0fcd, 3.8), so mmap_miss stays 0 and random access is never detected.
  const ra = (set: ('TRIED')[]) =>
    run(
      scenario('5.4', { vmas: [{ id: 'map', pages: 4, type: 'file', file: 'f', shared: true }], files: [{ id: 'f', pages: [] }] }, [
        { id: 'app', faultPath: { retry: { set, clear: ['ALLOW_RETRY'], max: 1 } }, script: [0, 1, 2, 3].map((i) => access(`map+${i}`, 'read')) },
      ]),
    ).metrics.readaheadMisses;
  assert.deepEqual(ra(['TRIED']), { f: 4 });
  assert.deepEqual(ra([]), { f: 0 });
});

test('behaviour 3 (exploration): the FUSE-like deadlock is found with its shortest schedule and the states explored', () => {
  const sc = scenario('6.8', fuseFile('fused'), [
    { id: 'dio', script: [{ gup: { variant: 'get_user_pages', address: 'map+0', nr_pages: 1 } }] },
    { id: 'fused', script: [{ wait_io_request: { file: 'f', page: 0 } }, { mmap: { id: 'buf', pages: 1 } }, { complete_io: { file: 'f', page: 0, afterUs: 100 } }] },
  ]);
  const r = explore(sc, { maxStates: 10_000 });
  assert.equal(r.boundHit, false);
  assert.equal(r.statesExplored, 7);
  const dl = r.bad.find((b) => b.kind === 'deadlock');
  assert.ok(dl);
  assert.deepEqual(dl.tasks.sort(), ['dio', 'fused']);
  assert.equal(dl.schedule.length, 3);
  assert.match(dl.schedule[0], /^dio: get_user_pages/);
  assert.match(dl.schedule[2], /^fused: daemon picked up the read request/);
});
