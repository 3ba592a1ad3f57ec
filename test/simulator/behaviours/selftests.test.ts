/** Rows of the uffd selftest table (userfaultfd.md) that the model covers, run through the engine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, attempts, ioctls, outcome, run, scenario, task } from './helpers';

test('selftest UFFDIO_API: api 0xab fails; api UFFD_API succeeds; a second UFFDIO_API fails; ioctls before API are -EINVAL', () => {
  const r = run(
    scenario('6.8', { vmas: [{ id: 'a', pages: 2, type: 'anon' }], uffds: [{ id: 'u', api: false }] }, [
      {
        id: 'm',
        script: [
          { uffdio: { uffd: 'u', ioctl: 'REGISTER', address: 'a+0', pages: 2, mode: ['MISSING'] } },
          { uffdio: { uffd: 'u', ioctl: 'API', api: 0xab } },
          { uffdio: { uffd: 'u', ioctl: 'API' } },
          { uffdio: { uffd: 'u', ioctl: 'API' } },
        ],
      },
    ]),
  );
  assert.deepEqual(ioctls(r), ['UFFDIO_REGISTER -EINVAL', 'UFFDIO_API -EINVAL', 'UFFDIO_API 0', 'UFFDIO_API -EINVAL']);
});

test('selftest register-ioctls and zeropage: mode 0 and MINOR on anon are -EINVAL; ZEROPAGE then a repeat gives -EEXIST; hugetlb has no ZEROPAGE', () => {
  const r = run(
    scenario('6.8', { vmas: [{ id: 'a', pages: 2, type: 'anon' }], uffds: [{ id: 'u' }] }, [
      {
        id: 'm',
        script: [
          { uffdio: { uffd: 'u', ioctl: 'REGISTER', address: 'a+0', pages: 2, mode: [] } },
          { uffdio: { uffd: 'u', ioctl: 'REGISTER', address: 'a+0', pages: 2, mode: ['MINOR'] } },
          { uffdio: { uffd: 'u', ioctl: 'REGISTER', address: 'a+0', pages: 2, mode: ['MISSING'] } },
          { uffdio: { uffd: 'u', ioctl: 'ZEROPAGE', address: 'a+0' } },
          { uffdio: { uffd: 'u', ioctl: 'ZEROPAGE', address: 'a+0' } },
        ],
      },
    ]),
  );
  assert.deepEqual(ioctls(r), ['UFFDIO_REGISTER -EINVAL', 'UFFDIO_REGISTER -EINVAL', 'UFFDIO_REGISTER 0', 'UFFDIO_ZEROPAGE 0', 'UFFDIO_ZEROPAGE -EEXIST']);
  const h = run(
    scenario('6.8', { vmas: [{ id: 'h', pages: 1, type: 'hugetlb', uffd: { ctx: 'u', modes: ['MISSING'] } }], uffds: [{ id: 'u', features: ['MISSING_HUGETLBFS'] }] }, [
      { id: 'm', script: [{ uffdio: { uffd: 'u', ioctl: 'ZEROPAGE', address: 'h+0' } }] },
    ]),
  );
  assert.deepEqual(ioctls(h), ['UFFDIO_ZEROPAGE -EINVAL']);
});

test('selftest poison: a page resolved by POISON gives SIGBUS on access, the COPY-resolved one reads fine', () => {
  const r = run(
    scenario('6.8', { vmas: [{ id: 'a', pages: 2, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }], uffds: [{ id: 'u', features: ['POISON'] }] }, [
      { id: 'app', script: [access('a+0', 'read'), access('a+1', 'read')] },
      { id: 'mon', script: [{ uffd_serve: { uffd: 'u', resolve: 'COPY' } }, { uffd_serve: { uffd: 'u', resolve: 'POISON' } }] },
    ]),
  );
  assert.deepEqual(ioctls(r), ['UFFDIO_COPY 0', 'UFFDIO_POISON 0']);
  assert.equal(outcome(r, 'app'), 'SIGBUS');
  assert.deepEqual(task(r, 'app').attempts.map((a) => a.result.join('|')), ['RETRY', '0', 'RETRY', 'HWPOISON']);
});

test('selftest minor: reads through the registered shmem mapping give exactly one MINOR fault per page, resolved by CONTINUE; a second CONTINUE is -EEXIST', () => {
  const r = run(
    scenario(
      '6.8',
      {
        vmas: [{ id: 's', pages: 2, type: 'shmem', file: 'shf', uffd: { ctx: 'u', modes: ['MINOR'] } }],
        files: [{ id: 'shf', pages: [{ index: 0, cached: true }, { index: 1, cached: true }] }],
        uffds: [{ id: 'u', features: ['MINOR_SHMEM'] }],
      },
      [
        { id: 'app', script: [access('s+0', 'read'), access('s+1', 'read')] },
        { id: 'mon', script: [{ uffd_serve: { uffd: 'u', count: 2, resolve: 'CONTINUE' } }, { uffdio: { uffd: 'u', ioctl: 'CONTINUE', address: 's+0' } }] },
      ],
    ),
  );
  assert.equal(outcome(r, 'app'), 'ok');
  assert.equal(r.metrics.uffdMessagesRead, 2);
  assert.deepEqual(
    r.trace.filter((e) => e.kind === 'uffd-message' && e.label.startsWith('read')).map((e) => e.details?.flags),
    [['MINOR'], ['MINOR']],
  );
  assert.deepEqual(ioctls(r), ['UFFDIO_CONTINUE 0', 'UFFDIO_CONTINUE 0', 'UFFDIO_CONTINUE -EEXIST']);
});

test('selftest move: missing faults resolved by UFFDIO_MOVE from a populated source', () => {
  const r = run(
    scenario(
      '6.8',
      {
        vmas: [
          { id: 'dst', pages: 2, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } },
          { id: 'src', pages: 2, type: 'anon', ptes: [{ index: 0, state: 'present-rw' }, { index: 1, state: 'present-rw' }] },
        ],
        uffds: [{ id: 'u', features: ['MOVE'] }],
      },
      [
        { id: 'app', script: [access('dst+0', 'read'), access('dst+1', 'read')] },
        { id: 'mon', script: [{ uffd_serve: { uffd: 'u', count: 2, resolve: 'MOVE', moveFrom: 'src' } }] },
      ],
    ),
  );
  assert.equal(outcome(r, 'app'), 'ok');
  assert.deepEqual(ioctls(r), ['UFFDIO_MOVE 0', 'UFFDIO_MOVE 0']);
  assert.equal(r.metrics.uffdMessagesRead, 2);
});

test('a non-fatal signal to a task blocked in a userfault (INTERRUPTIBLE, 5.7+) returns to user; the access re-faults as a new fault', () => {
  const r = run(
    scenario('6.8', { vmas: [{ id: 'a', pages: 1, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }], uffds: [{ id: 'u' }] }, [
      { id: 'app', faultPath: { vmaLock: false }, script: [access('a+0')] },
      { id: 'mon', script: [{ uffd_serve: { uffd: 'u', resolve: 'COPY', latencyUs: 300 } }] },
    ], { signals: [{ at: 100, task: 'app', signal: 'SIGUSR1' }] }),
  );
  assert.equal(outcome(r, 'app'), 'ok');
  assert.equal(task(r, 'app').faults, 2);
  assert.deepEqual(attempts(r, 'app'), [
    'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released',
    'WRITE|ALLOW_RETRY|KILLABLE|USER|INTERRUPTIBLE → RETRY released',
    'WRITE|ALLOW_RETRY|KILLABLE|TRIED|USER|INTERRUPTIBLE → 0',
  ]);
});

test('fixup_user_fault: with ALLOW_RETRY and *unlocked it waits for the monitor; without ALLOW_RETRY the userfault is -EFAULT', () => {
  for (const era of ['5.6', '6.8']) {
    const mem = { vmas: [{ id: 'a', pages: 1, type: 'anon' as const, uffd: { ctx: 'u', modes: ['MISSING' as const] } }], uffds: [{ id: 'u' }] };
    const r = run(scenario(era, mem, [
      { id: 'k', script: [{ fixup_user_fault: { address: 'a+0', write: true, allowRetry: true, unlocked: true } }] },
      { id: 'mon', script: [{ uffd_serve: { uffd: 'u', resolve: 'COPY', latencyUs: 30 } }] },
    ]));
    assert.equal(outcome(r, 'k'), 'ok', era);
    assert.equal(task(r, 'k').retries, 1);
    const plain = run(scenario(era, mem, [{ id: 'k', script: [{ fixup_user_fault: { address: 'a+0', write: true } }] }]));
    assert.deepEqual(task(plain, 'k').outcome, { kind: 'error', errno: 'EFAULT', where: 'fixup_user_fault' });
  }
});

test('FOLL_NOWAIT: RETRY with the lock still held, no wait; the caller unlocks', () => {
  const r = run(
    scenario('6.8', { vmas: [{ id: 'm', pages: 1, type: 'file', file: 'f', shared: true }], files: [{ id: 'f', pages: [{ index: 0, ioLatencyUs: 100 }] }] }, [
      { id: 'kvm', script: [{ gup: { variant: 'get_user_pages_remote', address: 'm+0', nr_pages: 1, gup_flags: ['FOLL_NOWAIT'], locked: true } }] },
    ]),
  );
  assert.equal(outcome(r, 'kvm'), 'ok(0)');
  assert.deepEqual(attempts(r, 'kvm'), ['ALLOW_RETRY|RETRY_NOWAIT|KILLABLE → RETRY|MAJOR']);
  assert.equal(r.metrics.mmapLock.readHoldMax, 1);
});
