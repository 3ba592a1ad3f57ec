import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  availableFeatures,
  createUffd,
  ioctlAvailable,
  uffdioApi,
  uffdioCopy,
  uffdRead,
} from '../../../simulator/src/uffd';
import { createMm } from '../../../simulator/src/model';
import { env } from './helpers';

function fresh(era = '6.19') {
  const c = createUffd(env(era), { id: 'u', mmId: 'mm' });
  if (!c.ok) throw new Error(c.errno);
  return c.ctx;
}

test('creation: without UFFD_USER_MODE_ONLY an unprivileged caller gets -EPERM (6.19, sysctl 0)', () => {
  assert.deepEqual(createUffd({ era: '6.19', caller: {} }, { id: 'u', mmId: 'mm' }), { ok: false, errno: 'EPERM' });
});

test('creation: UFFD_USER_MODE_ONLY, CAP_SYS_PTRACE, the sysctl or /dev/userfaultfd allow it', () => {
  assert.equal(createUffd({ era: '6.19', caller: {} }, { id: 'u', mmId: 'mm', flags: { userModeOnly: true } }).ok, true);
  assert.equal(createUffd({ era: '6.19', caller: { capSysPtrace: true } }, { id: 'u', mmId: 'mm' }).ok, true);
  assert.equal(createUffd({ era: '6.19', caller: { unprivilegedUserfaultfd: true } }, { id: 'u', mmId: 'mm' }).ok, true);
  assert.equal(createUffd({ era: '6.19', caller: {} }, { id: 'u', mmId: 'mm', viaDevice: true }).ok, true);
});

test('creation: unknown flags -EINVAL; UFFD_USER_MODE_ONLY is unknown before 5.11; 5.10 sysctl defaults to 1', () => {
  assert.deepEqual(createUffd(env(), { id: 'u', mmId: 'mm', unknownFlags: true }), { ok: false, errno: 'EINVAL' });
  assert.deepEqual(createUffd(env('5.10'), { id: 'u', mmId: 'mm', flags: { userModeOnly: true } }), { ok: false, errno: 'EINVAL' });
  assert.equal(createUffd({ era: '5.10', caller: {} }, { id: 'u', mmId: 'mm' }).ok, true);
});

test('selftest UFFDIO_API: api=0xab fails with -EINVAL and a zeroed struct', () => {
  const r = uffdioApi(env(), fresh(), { api: 0xab, features: [] });
  assert.deepEqual(r.result, { ioctl: 'API', errno: 'EINVAL', features: [], ioctls: [] });
  assert.equal(r.ctx.initialized, false);
});

test('selftest UFFDIO_API: feature bit 63 fails with -EINVAL', () => {
  const r = uffdioApi(env(), fresh(), { api: 0xaa, features: 1n << 63n });
  assert.equal(r.result.errno, 'EINVAL');
  assert.equal(r.ctx.initialized, false);
});

test('selftest UFFDIO_API: api=UFFD_API, features=0 succeeds with all features and REGISTER|UNREGISTER|API', () => {
  const r = uffdioApi(env(), fresh(), { api: 0xaa, features: 0n });
  assert.equal(r.result.errno, null);
  assert.deepEqual(r.result.ioctls, ['REGISTER', 'UNREGISTER', 'API']);
  assert.equal(r.result.features?.length, 17);
  assert.deepEqual(r.ctx.features, []);
  assert.equal(r.ctx.initialized, true);
});

test('selftest UFFDIO_API: a second UFFDIO_API on the same fd fails with -EINVAL', () => {
  const first = uffdioApi(env(), fresh(), { api: 0xaa, features: [] });
  const second = uffdioApi(env(), first.ctx, { api: 0xaa, features: [] });
  assert.deepEqual(second.result, { ioctl: 'API', errno: 'EINVAL', features: [], ioctls: [] });
});

test('UFFDIO_API: EVENT_FORK without CAP_SYS_PTRACE is -EPERM', () => {
  const r = uffdioApi({ era: '6.19', caller: {} }, fresh(), { api: 0xaa, features: ['EVENT_FORK'] });
  assert.equal(r.result.errno, 'EPERM');
});

test('UFFDIO_API: WP_ASYNC implies WP_UNPOPULATED', () => {
  const r = uffdioApi(env(), fresh(), { api: 0xaa, features: ['WP_ASYNC', 'PAGEFAULT_FLAG_WP'] });
  assert.deepEqual(r.ctx.features, ['PAGEFAULT_FLAG_WP', 'WP_UNPOPULATED', 'WP_ASYNC']);
});

test('UFFDIO_API: a feature the era lacks is -EINVAL (MOVE in 6.5, WP_UNPOPULATED in 6.3, EVENT_FORK in 4.10)', () => {
  assert.equal(uffdioApi(env('6.5'), fresh('6.5'), { api: 0xaa, features: ['MOVE'] }).result.errno, 'EINVAL');
  assert.equal(uffdioApi(env('6.8'), fresh('6.8'), { api: 0xaa, features: ['MOVE'] }).result.errno, null);
  assert.equal(uffdioApi(env('6.3'), fresh('6.3'), { api: 0xaa, features: ['WP_UNPOPULATED'] }).result.errno, 'EINVAL');
  assert.equal(uffdioApi(env('4.10'), fresh('4.10'), { api: 0xaa, features: ['EVENT_FORK'] }).result.errno, 'EINVAL');
  assert.equal(uffdioApi(env('4.11'), fresh('4.11'), { api: 0xaa, features: ['EVENT_FORK'] }).result.errno, null);
});

test('feature availability per era', () => {
  assert.deepEqual(availableFeatures('4.10'), []);
  assert.deepEqual(availableFeatures('4.15'), [
    'EVENT_FORK', 'EVENT_REMAP', 'EVENT_REMOVE', 'MISSING_HUGETLBFS', 'MISSING_SHMEM', 'EVENT_UNMAP', 'SIGBUS', 'THREAD_ID',
  ]);
  assert.ok(availableFeatures('5.15').includes('MINOR_SHMEM'));
  assert.ok(!availableFeatures('5.18').includes('WP_HUGETLBFS_SHMEM'));
  assert.ok(availableFeatures('5.19').includes('WP_HUGETLBFS_SHMEM'));
});

test('ioctl availability: WRITEPROTECT 5.7, CONTINUE 5.13, MOVE and POISON 6.8', () => {
  assert.deepEqual(
    [ioctlAvailable('5.6', 'WRITEPROTECT'), ioctlAvailable('5.7', 'WRITEPROTECT'), ioctlAvailable('5.12', 'CONTINUE'),
      ioctlAvailable('5.13', 'CONTINUE'), ioctlAvailable('6.5', 'MOVE'), ioctlAvailable('6.8', 'MOVE'), ioctlAvailable('6.5', 'POISON'), ioctlAvailable('6.8', 'POISON')],
    [false, true, false, true, false, true, false, true],
  );
});

test('before UFFDIO_API every other ioctl and read() return -EINVAL', () => {
  const ctx = fresh();
  assert.deepEqual(uffdioCopy(env(), ctx, createMm('mm'), { dst: 0x40000000, src: 0x50000000, len: 4096 }).result, { ioctl: 'COPY', errno: 'EINVAL' });
  assert.deepEqual(uffdRead(ctx), { kind: 'error', ctx, errno: 'EINVAL' });
});
