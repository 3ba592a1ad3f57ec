import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addObject, createMm, findVma, insertVma, makeVma, populateAnon } from '../../../simulator/src/model';
import {
  handleUserfault,
  queueUserfault,
  uffdioRegister,
  uffdioUnregister,
  uffdioWake,
} from '../../../simulator/src/uffd';
import { BASE, MEM_TYPES, ctxWith, env, mmWith, pageSizeOf } from './helpers';

const COMBOS: string[][] = [[], ['MISSING'], ['WP'], ['MISSING', 'WP'], ['MINOR'], ['MISSING', 'MINOR'], ['WP', 'MINOR'], ['MISSING', 'WP', 'MINOR']];

for (const t of MEM_TYPES) {
  for (const modes of COMBOS) {
    const name = modes.length ? modes.join('|') : 'no mode';
    test(`selftest register-ioctls (${t}, ${name})`, () => {
      const mm = mmWith(t);
      const ctx = ctxWith([]);
      const r = uffdioRegister(env(), ctx, mm, { start: BASE, len: 4 * pageSizeOf(t), modes });
      if (modes.length === 0) {
        assert.deepEqual(r.result, { ioctl: 'REGISTER', errno: 'EINVAL' });
        return;
      }
      if (t === 'anon' && modes.includes('MINOR')) {
        assert.deepEqual(r.result, { ioctl: 'REGISTER', errno: 'EINVAL' });
        return;
      }
      assert.equal(r.result.errno, null);
      const io = r.result.ioctls ?? [];
      if (modes.includes('MISSING')) assert.ok(io.includes('COPY'));
      assert.equal(io.includes('WRITEPROTECT'), modes.includes('WP'));
      assert.equal(io.includes('CONTINUE'), modes.includes('MINOR'));
      assert.equal(io.includes('ZEROPAGE'), !t.startsWith('hugetlb'));
      assert.equal(io.includes('MOVE'), !t.startsWith('hugetlb'));
      assert.ok(io.includes('WAKE') && io.includes('POISON'));
      assert.deepEqual(findVma(r.mm, BASE)?.uffd, { ctxId: 'u1', modes });
    });
  }
}

test('register-ioctls for MISSING on anon, exact set (6.19)', () => {
  const r = uffdioRegister(env(), ctxWith([]), mmWith('anon'), { start: BASE, len: 4 * 4096, modes: ['MISSING'] });
  assert.deepEqual(r.result.ioctls, ['WAKE', 'COPY', 'ZEROPAGE', 'MOVE', 'POISON']);
});

test('register-ioctls per era: 5.6 MISSING gives WAKE|COPY|ZEROPAGE; 5.6 WP is -EINVAL; 5.12 MINOR is -EINVAL', () => {
  const r = uffdioRegister(env('5.6'), ctxWith([], '5.6'), mmWith('anon'), { start: BASE, len: 4096, modes: ['MISSING'] });
  assert.deepEqual(r.result.ioctls, ['WAKE', 'COPY', 'ZEROPAGE']);
  assert.equal(uffdioRegister(env('5.6'), ctxWith([], '5.6'), mmWith('anon'), { start: BASE, len: 4096, modes: ['WP'] }).result.errno, 'EINVAL');
  assert.equal(uffdioRegister(env('5.12'), ctxWith([], '5.12'), mmWith('shmem'), { start: BASE, len: 4096, modes: ['MINOR'] }).result.errno, 'EINVAL');
});

test('register: WP on shmem needs 5.19 (pte markers); hugetlb/shmem need 4.11', () => {
  assert.equal(uffdioRegister(env('5.18'), ctxWith([], '5.18'), mmWith('shmem'), { start: BASE, len: 4096, modes: ['WP'] }).result.errno, 'EINVAL');
  assert.equal(uffdioRegister(env('5.19'), ctxWith([], '5.19'), mmWith('shmem'), { start: BASE, len: 4096, modes: ['WP'] }).result.errno, null);
  assert.equal(uffdioRegister(env('4.10'), ctxWith([], '4.10'), mmWith('shmem'), { start: BASE, len: 4096, modes: ['MISSING'] }).result.errno, 'EINVAL');
});

test('register: unknown mode bits -EINVAL', () => {
  assert.equal(uffdioRegister(env(), ctxWith([]), mmWith('anon'), { start: BASE, len: 4096, modes: ['BIT3'] }).result.errno, 'EINVAL');
});

test('register: bad ranges -EINVAL (unaligned, zero length, below mmap_min_addr, beyond TASK_SIZE)', () => {
  const mm = mmWith('anon');
  const ctx = ctxWith([]);
  for (const [start, len] of [[BASE + 1, 4096], [BASE, 0], [BASE, 100], [0x1000, 4096], [mm.taskSize, 4096], [mm.taskSize - 4096, 8192]]) {
    assert.equal(uffdioRegister(env(), ctx, mm, { start, len, modes: ['MISSING'] }).result.errno, 'EINVAL', `${start} ${len}`);
  }
});

test('register: no vma in the range -EINVAL; mm gone -ENOMEM', () => {
  assert.equal(uffdioRegister(env(), ctxWith([]), mmWith('anon'), { start: 0x90000000, len: 4096, modes: ['MISSING'] }).result.errno, 'EINVAL');
  assert.equal(uffdioRegister(env(), ctxWith([]), { ...mmWith('anon'), exited: true }, { start: BASE, len: 4096, modes: ['MISSING'] }).result.errno, 'ENOMEM');
});

test('register: vma that cannot userfault (file, dax, pfnmap) -EINVAL', () => {
  for (const type of ['file', 'dax', 'pfnmap'] as const) {
    let mm = addObject(createMm('mm'), { id: 'f', kind: type === 'dax' ? 'dax' : 'file', size: 1 << 20 });
    mm = insertVma(mm, makeVma({ start: BASE, len: 4096, type, shared: true, object: 'f' }));
    assert.equal(uffdioRegister(env(), ctxWith([]), mm, { start: BASE, len: 4096, modes: ['MISSING'] }).result.errno, 'EINVAL', type);
  }
});

test('register: hugetlb start or end not huge-page aligned -EINVAL', () => {
  const mm = mmWith('hugetlb');
  assert.equal(uffdioRegister(env(), ctxWith([]), mm, { start: BASE + 4096, len: 0x200000 - 4096, modes: ['MISSING'] }).result.errno, 'EINVAL');
  assert.equal(uffdioRegister(env(), ctxWith([]), mm, { start: BASE, len: 0x200000 + 4096, modes: ['MISSING'] }).result.errno, 'EINVAL');
});

test('register: a vma without VM_MAYWRITE gives -EPERM', () => {
  let mm = addObject(createMm('mm'), { id: 's', kind: 'shmem', size: 1 << 20 });
  mm = insertVma(mm, makeVma({ start: BASE, len: 4096, type: 'shmem', shared: true, object: 's', mayWrite: false, prot: { write: false } }));
  assert.equal(uffdioRegister(env(), ctxWith([]), mm, { start: BASE, len: 4096, modes: ['MISSING'] }).result.errno, 'EPERM');
});

test('register: range already registered with a different ctx gives -EBUSY; same ctx re-registers', () => {
  const a = uffdioRegister(env(), ctxWith([], '6.19', 'A'), mmWith('anon'), { start: BASE, len: 4096, modes: ['MISSING'] });
  assert.equal(uffdioRegister(env(), ctxWith([], '6.19', 'B'), a.mm, { start: BASE, len: 8192, modes: ['MISSING'] }).result.errno, 'EBUSY');
  const again = uffdioRegister(env(), ctxWith([], '6.19', 'A'), a.mm, { start: BASE, len: 4096, modes: ['WP'] });
  assert.equal(again.result.errno, null);
  assert.deepEqual(findVma(again.mm, BASE)?.uffd, { ctxId: 'A', modes: ['WP'] });
});

test('register splits the vma at the range; unregister merges it back', () => {
  const ctx = ctxWith([]);
  const r = uffdioRegister(env(), ctx, mmWith('anon'), { start: BASE + 4096, len: 4096, modes: ['MISSING'] });
  assert.deepEqual(r.mm.vmas.map((v) => [v.start - BASE, v.end - BASE, v.uffd?.ctxId ?? null]), [[0, 4096, null], [4096, 8192, 'u1'], [8192, 16384, null]]);
  const u = uffdioUnregister(env(), ctx, r.mm, { start: BASE + 4096, len: 4096 });
  assert.equal(u.result.errno, null);
  assert.equal(u.mm.vmas.length, 1);
});

test('unregister wakes pending MISSING faulters in the range so they do not hang', () => {
  let ctx = ctxWith([]);
  const r = uffdioRegister(env(), ctx, mmWith('anon'), { start: BASE, len: 4 * 4096, modes: ['MISSING'] });
  for (const [task, addr] of [['t1', BASE], ['t2', BASE + 3 * 4096]] as const) {
    const d = handleUserfault({ era: '6.19', ctx, reason: 'MISSING', address: addr, flags: ['ALLOW_RETRY', 'KILLABLE', 'USER'], task });
    if (d.kind !== 'block') throw new Error('expected block');
    ctx = queueUserfault(ctx, d);
  }
  const u = uffdioUnregister(env(), ctx, r.mm, { start: BASE, len: 2 * 4096 });
  assert.deepEqual(u.wake.tasks, ['t1']);
  assert.deepEqual(u.ctx.waiters.map((w) => w.task), ['t2']);
});

test('unregister: a range registered with another ctx is -EINVAL; no vma -EINVAL', () => {
  const r = uffdioRegister(env(), ctxWith([], '6.19', 'A'), mmWith('anon'), { start: BASE, len: 4096, modes: ['MISSING'] });
  assert.equal(uffdioUnregister(env(), ctxWith([], '6.19', 'B'), r.mm, { start: BASE, len: 4096 }).result.errno, 'EINVAL');
  assert.equal(uffdioUnregister(env(), ctxWith([]), r.mm, { start: 0x90000000, len: 4096 }).result.errno, 'EINVAL');
});

test('unregister of WP clears uffd-wp bits', () => {
  const ctx = ctxWith([]);
  let mm = populateAnon(mmWith('anon'), BASE, 7, { uffdWp: true });
  mm = uffdioRegister(env(), ctx, mm, { start: BASE, len: 4096, modes: ['WP'] }).mm;
  const u = uffdioUnregister(env(), ctx, mm, { start: BASE, len: 4096 });
  assert.deepEqual(u.mm.ptes[String(BASE)], { kind: 'present', page: 1, writable: true, uffdWp: false });
});

test('UFFDIO_WAKE wakes the faulters in the range; bad range -EINVAL', () => {
  let ctx = ctxWith([]);
  const d = handleUserfault({ era: '6.19', ctx, reason: 'MISSING', address: BASE + 5, flags: ['ALLOW_RETRY'], task: 't1' });
  if (d.kind !== 'block') throw new Error('expected block');
  ctx = queueUserfault(ctx, d);
  const mm = mmWith('anon');
  assert.deepEqual(uffdioWake(env(), ctx, mm, { start: BASE + 4096, len: 4096 }).wake.tasks, []);
  const w = uffdioWake(env(), ctx, mm, { start: BASE, len: 4096 });
  assert.deepEqual(w.wake.tasks, ['t1']);
  assert.equal(w.ctx.waiters.length, 0);
  assert.equal(uffdioWake(env(), ctx, mm, { start: BASE, len: 0 }).result.errno, 'EINVAL');
});
