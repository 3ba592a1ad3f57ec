import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyFault,
  findVma,
  fork,
  insertVma,
  madvise,
  makeVma,
  mremap,
  munmap,
  populateAnon,
  readContents,
} from '../../../simulator/src/model';
import {
  type UffdCtx,
  forkCtx,
  handleUserfault,
  queueEvent,
  queueUserfault,
  releaseUffd,
  uffdioContinue,
  uffdioCopy,
  uffdioMove,
  uffdioPoison,
  uffdioRegister,
  uffdioWriteprotect,
  uffdioZeropage,
  uffdRead,
} from '../../../simulator/src/uffd';
import { BASE, ctxWith, env, mmWith } from './helpers';

const SRC = 0x60000000;

function moveSetup(nr = 4) {
  const ctx = ctxWith(['MOVE']);
  let mm = mmWith('anon', nr);
  mm = insertVma(mm, makeVma({ start: SRC, len: nr * 4096, type: 'anon' }));
  mm = uffdioRegister(env(), ctx, mm, { start: BASE, len: nr * 4096, modes: ['MISSING'] }).mm;
  return { ctx, mm };
}

test('selftest move: missing faults resolved by MOVE (ALLOW_SRC_HOLES); dst gets the data and src becomes empty', () => {
  let { ctx, mm } = moveSetup(4);
  for (let i = 0; i < 4; i += 2) mm = populateAnon(mm, SRC + i * 4096, 100 + i);
  const d = handleUserfault({ era: '6.19', ctx, reason: 'MISSING', address: BASE, flags: ['ALLOW_RETRY'], task: 'f' });
  if (d.kind !== 'block') throw new Error('block');
  ctx = queueUserfault(ctx, d);
  const r = uffdioMove(env(), ctx, mm, { dst: BASE, src: SRC, len: 4 * 4096, mode: ['ALLOW_SRC_HOLES'] });
  assert.deepEqual(r.result, { ioctl: 'MOVE', errno: null, out: 4 * 4096 });
  assert.deepEqual(r.wake.tasks, ['f']);
  assert.deepEqual([0, 1, 2, 3].map((i) => readContents(r.mm, BASE + i * 4096)), [100, 0, 102, 0]);
  assert.deepEqual([0, 1, 2, 3].map((i) => r.mm.ptes[String(SRC + i * 4096)]), [undefined, undefined, undefined, undefined]);
  assert.equal(classifyFault(r.mm, BASE, 'write').kind, 'spurious');
  assert.equal(classifyFault(r.mm, BASE + 4096, 'read').kind, 'userfault-missing');
});

test('behaviour 8 / MOVE: a hole in the source is -ENOENT without ALLOW_SRC_HOLES (partial count after moved pages)', () => {
  const { ctx } = moveSetup(2);
  let { mm } = moveSetup(2);
  assert.deepEqual(uffdioMove(env(), ctx, mm, { dst: BASE, src: SRC, len: 4096 }).result, { ioctl: 'MOVE', errno: 'ENOENT', out: '-ENOENT' });
  mm = populateAnon(mm, SRC, 1);
  assert.deepEqual(uffdioMove(env(), ctx, mm, { dst: BASE, src: SRC, len: 8192 }).result, { ioctl: 'MOVE', errno: 'EAGAIN', out: 4096 });
});

test('behaviour 8 / MOVE: a populated destination is -EEXIST', () => {
  const s = moveSetup(1);
  const { ctx } = s;
  const mm = populateAnon(populateAnon(s.mm, SRC, 1), BASE, 2);
  assert.deepEqual(uffdioMove(env(), ctx, mm, { dst: BASE, src: SRC, len: 4096 }).result, { ioctl: 'MOVE', errno: 'EEXIST', out: '-EEXIST' });
});

test('behaviour 8 / MOVE: a shared source page (mapcount > 1 after fork) is -EBUSY', () => {
  const s = moveSetup(1);
  const { ctx } = s;
  const mm = populateAnon(s.mm, SRC, 1);
  const f = fork(mm, { childId: 'child' });
  assert.deepEqual(uffdioMove(env(), ctx, f.parent, { dst: BASE, src: SRC, len: 4096 }).result, { ioctl: 'MOVE', errno: 'EBUSY', out: '-EBUSY' });
});

test('MOVE: -EINVAL when ctx->mm != current->mm (no out-field), shared vma, different protections, VM_LOCKED, dst registered with another ctx, non-anon', () => {
  const { ctx, mm } = moveSetup(1);
  const m = populateAnon(mm, SRC, 1);
  assert.deepEqual(uffdioMove({ era: '6.19', caller: { mmId: 'other' } }, ctx, m, { dst: BASE, src: SRC, len: 4096 }).result, { ioctl: 'MOVE', errno: 'EINVAL' });
  const other = ctxWith(['MOVE'], '6.19', 'other-ctx');
  assert.equal(uffdioMove(env(), other, m, { dst: BASE, src: SRC, len: 4096 }).result.out, '-EINVAL');
  const ro = { ...m, vmas: m.vmas.map((v) => (v.start === SRC ? { ...v, prot: { read: true, write: false, exec: false } } : v)) };
  assert.equal(uffdioMove(env(), ctx, ro, { dst: BASE, src: SRC, len: 4096 }).result.out, '-EINVAL');
  const locked = { ...m, vmas: m.vmas.map((v) => (v.start === SRC ? { ...v, locked: true } : v)) };
  assert.equal(uffdioMove(env(), ctx, locked, { dst: BASE, src: SRC, len: 4096 }).result.out, '-EINVAL');
  const sh = registeredShmem();
  assert.equal(uffdioMove(env(), sh.ctx, sh.mm, { dst: BASE, src: SRC, len: 4096 }).result.out, '-EINVAL');
});

function registeredShmem() {
  const ctx = ctxWith(['MOVE']);
  let mm = mmWith('shmem', 1);
  mm = insertVma(mm, makeVma({ start: SRC, len: 4096, type: 'anon' }));
  mm = uffdioRegister(env(), ctx, mm, { start: BASE, len: 4096, modes: ['MISSING'] }).mm;
  return { ctx, mm: populateAnon(mm, SRC, 1) };
}

test('MOVE does not exist before 6.8: -EINVAL', () => {
  const { ctx, mm } = moveSetup(1);
  assert.deepEqual(uffdioMove(env('6.5'), ctx, mm, { dst: BASE, src: SRC, len: 4096 }).result, { ioctl: 'MOVE', errno: 'EINVAL' });
});

// ---------------------------------------------------------------------------------------------------------------
// Events, mmap_changing, read()

function withEvents(features: string[]) {
  const ctx = ctxWith(features);
  const mm = uffdioRegister(env(), ctx, mmWith('shmem', 4), { start: BASE, len: 4 * 4096, modes: ['MISSING'] }).mm;
  return { ctx, mm, fmap: { [ctx.id]: ctx.features } };
}

test('selftest mmap-changing: while a REMOVE event is unread, COPY/ZEROPAGE/MOVE/POISON/CONTINUE return -EAGAIN with -EAGAIN in the out-field', () => {
  const { ctx, mm, fmap } = withEvents(['EVENT_REMOVE', 'POISON', 'MOVE', 'MINOR_SHMEM']);
  const r = madvise(mm, BASE, 4096, 'REMOVE', fmap);
  assert.deepEqual(r.events, [{ ctxId: 'u1', msg: { event: 'REMOVE', start: BASE, end: BASE + 4096 } }]);
  assert.equal(r.dropsLockForEvent, true);
  const q = queueEvent(ctx, r.events[0].msg, 'remover');
  assert.equal(q.ctx.mmapChanging, 1);
  const c = q.ctx;
  const results = [
    uffdioCopy(env(), c, r.mm, { dst: BASE, src: SRC, len: 4096 }).result,
    uffdioZeropage(env(), c, r.mm, { start: BASE, len: 4096 }).result,
    uffdioMove(env(), c, r.mm, { dst: BASE, src: SRC, len: 4096 }).result,
    uffdioPoison(env(), c, r.mm, { start: BASE, len: 4096 }).result,
    uffdioContinue(env(), c, r.mm, { start: BASE, len: 4096 }).result,
  ];
  for (const res of results) assert.deepEqual({ errno: res.errno, out: res.out }, { errno: 'EAGAIN', out: '-EAGAIN' }, res.ioctl);
  assert.deepEqual(uffdioWriteprotect(env(), c, r.mm, { start: BASE, len: 4096, mode: ['WP'] }).result, { ioctl: 'WRITEPROTECT', errno: 'EAGAIN' });
  // Reading the event completes it: the producer is woken and the ioctls work again.
  const rd = uffdRead(c);
  assert.equal(rd.kind, 'msgs');
  if (rd.kind !== 'msgs') return;
  assert.deepEqual(rd.msgs, [{ event: 'REMOVE', start: BASE, end: BASE + 4096 }]);
  assert.deepEqual(rd.wake, ['remover']);
  assert.equal(rd.ctx.mmapChanging, 0);
  assert.deepEqual(uffdioZeropage(env(), rd.ctx, r.mm, { start: BASE, len: 4096 }).result, { ioctl: 'ZEROPAGE', errno: null, out: 4096 });
});

test('mmap_changing is not checked before 4.18 (COPY proceeds with an unread event)', () => {
  const ctx = ctxWith(['EVENT_REMOVE'], '4.17');
  const mm = uffdioRegister(env('4.17'), ctx, mmWith('anon', 1), { start: BASE, len: 4096, modes: ['MISSING'] }).mm;
  const c = queueEvent(ctx, { event: 'REMOVE', start: BASE, end: BASE + 4096 }, 'p').ctx;
  assert.deepEqual(uffdioCopy(env('4.17'), c, mm, { dst: BASE, src: SRC, len: 4096 }).result, { ioctl: 'COPY', errno: null, out: 4096 });
  assert.equal(uffdioCopy(env('4.18'), c, mm, { dst: BASE, src: SRC, len: 4096 }).result.errno, 'EAGAIN');
});

test('selftest events: mremap of a registered range gives REMAP (registration follows); munmap gives UNMAP; DONTNEED gives REMOVE', () => {
  const ctx = ctxWith(['EVENT_REMAP', 'EVENT_UNMAP', 'EVENT_REMOVE']);
  let mm = mmWith('anon', 4);
  mm = uffdioRegister(env(), ctx, mm, { start: BASE, len: 4 * 4096, modes: ['MISSING'] }).mm;
  mm = populateAnon(mm, BASE, 5);
  const fmap = { u1: ctx.features };
  const rm = mremap(mm, BASE, 4 * 4096, 4 * 4096, { mayMove: true, fixed: true, newAddr: 0x70000000 }, fmap);
  assert.equal(rm.errno, null);
  assert.deepEqual(rm.events.map((e) => e.msg), [
    { event: 'REMAP', from: BASE, to: 0x70000000, len: 4 * 4096 },
    { event: 'UNMAP', start: BASE, end: BASE + 4 * 4096 },
  ]);
  assert.deepEqual(findVma(rm.mm, 0x70000000)?.uffd, { ctxId: 'u1', modes: ['MISSING'] });
  assert.equal(readContents(rm.mm, 0x70000000), 5);
  assert.equal(classifyFault(rm.mm, 0x70001000, 'read').kind, 'userfault-missing');
  const dn = madvise(rm.mm, 0x70000000, 4096, 'DONTNEED', fmap);
  assert.deepEqual(dn.events.map((e) => e.msg), [{ event: 'REMOVE', start: 0x70000000, end: 0x70001000 }]);
  assert.equal(classifyFault(dn.mm, 0x70000000, 'read').kind, 'userfault-missing');
  const un = munmap(dn.mm, 0x70000000, 4 * 4096, fmap);
  assert.deepEqual(un.events.map((e) => e.msg), [{ event: 'UNMAP', start: 0x70000000, end: 0x70000000 + 4 * 4096 }]);
  assert.equal(classifyFault(un.mm, 0x70000000, 'read').kind, 'sigsegv');
});

test('events: without EVENT_REMAP the moved vma is unregistered and no event is sent', () => {
  const ctx = ctxWith([]);
  const mm = uffdioRegister(env(), ctx, mmWith('anon', 1), { start: BASE, len: 4096, modes: ['MISSING'] }).mm;
  const rm = mremap(mm, BASE, 4096, 4096, { mayMove: true, fixed: true, newAddr: 0x70000000 }, { u1: [] });
  assert.deepEqual(rm.events, []);
  assert.equal(findVma(rm.mm, 0x70000000)?.uffd, undefined);
});

test('read(): pagefaults before events, oldest first; several per read; -EAGAIN when empty and O_NONBLOCK; would-block otherwise; short buffer -EINVAL', () => {
  let ctx: UffdCtx = ctxWith(['EVENT_UNMAP']);
  ctx = queueEvent(ctx, { event: 'UNMAP', start: 1, end: 2 }, 'p').ctx;
  for (const [task, a] of [['a', BASE], ['b', BASE + 4096]] as const) {
    const d = handleUserfault({ era: '6.19', ctx, reason: 'MISSING', address: a, flags: ['ALLOW_RETRY', 'WRITE'], task });
    if (d.kind !== 'block') throw new Error('block');
    ctx = queueUserfault(ctx, d);
  }
  const r = uffdRead(ctx, { bufSize: 96 });
  assert.equal(r.kind, 'msgs');
  if (r.kind !== 'msgs') return;
  assert.deepEqual(r.msgs, [
    { event: 'PAGEFAULT', address: BASE, flags: ['WRITE'] },
    { event: 'PAGEFAULT', address: BASE + 4096, flags: ['WRITE'] },
    { event: 'UNMAP', start: 1, end: 2 },
  ]);
  assert.deepEqual(r.ctx.waiters.map((w) => w.delivered), [true, true]);
  assert.deepEqual(uffdRead(r.ctx), { kind: 'error', ctx: r.ctx, errno: 'EAGAIN' });
  assert.deepEqual(uffdRead(r.ctx, { nonblock: false }), { kind: 'would-block', ctx: r.ctx });
  assert.deepEqual(uffdRead(r.ctx, { bufSize: 16 }), { kind: 'error', ctx: r.ctx, errno: 'EINVAL' });
});

test('behaviour 6 / release: close clears registrations, wakes every waiter and event producer; woken faults re-fault normally', () => {
  let ctx: UffdCtx = ctxWith(['EVENT_REMOVE']);
  const mm = uffdioRegister(env(), ctx, mmWith('anon', 2), { start: BASE, len: 8192, modes: ['MISSING'] }).mm;
  const d = handleUserfault({ era: '6.19', ctx, reason: 'MISSING', address: BASE, flags: ['ALLOW_RETRY'], task: 'f' });
  if (d.kind !== 'block') throw new Error('block');
  ctx = queueUserfault(ctx, d);
  ctx = queueEvent(ctx, { event: 'REMOVE', start: BASE, end: BASE + 4096 }, 'p').ctx;
  const r = releaseUffd(ctx, mm);
  assert.deepEqual(r.wake, { tasks: ['f', 'p'], range: 'all' });
  assert.equal(r.ctx.released, true);
  assert.equal(r.ctx.mmapChanging, 0);
  assert.equal(findVma(r.mm, BASE)?.uffd, undefined);
  assert.deepEqual(classifyFault(r.mm, BASE, 'read'), { kind: 'anon-fill', zeroPage: true, uffdWp: false });
  assert.deepEqual(queueEvent(r.ctx, { event: 'UNMAP', start: 0, end: 1 }, 'q'), { ctx: r.ctx, queued: false, producerBlocks: false });
});

test('release tears down the child ctxs of unread FORK events', () => {
  const ctx = queueEvent(ctxWith(['EVENT_FORK']), { event: 'FORK', ufd: 'child-u' }, 'parent').ctx;
  assert.deepEqual(releaseUffd(ctx, mmWith('anon')).tornDownForkCtxs, ['child-u']);
});

test('selftest wp-fork: without EVENT_FORK the child loses uffd-wp (and registration)', () => {
  const ctx = ctxWith(['PAGEFAULT_FLAG_WP']);
  let mm = uffdioRegister(env(), ctx, mmWith('anon', 1), { start: BASE, len: 4096, modes: ['WP'] }).mm;
  mm = populateAnon(mm, BASE, 3);
  mm = uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['WP'] }).mm;
  const f = fork(mm, { childId: 'child', childCtxIds: { u1: 'u2' } }, { u1: ctx.features });
  assert.deepEqual(f.events, []);
  assert.equal(findVma(f.child, BASE)?.uffd, undefined);
  assert.deepEqual(f.child.ptes[String(BASE)], { kind: 'present', page: 1, writable: false, uffdWp: false });
  assert.deepEqual(f.parent.ptes[String(BASE)], { kind: 'present', page: 1, writable: false, uffdWp: true });
  assert.equal(readContents(f.child, BASE), 3);
});

test('selftest wp-fork-with-event: with EVENT_FORK the child keeps uffd-wp and the monitor gets FORK with a new ufd', () => {
  const ctx = ctxWith(['PAGEFAULT_FLAG_WP', 'EVENT_FORK']);
  let mm = uffdioRegister(env(), ctx, mmWith('anon', 1), { start: BASE, len: 4096, modes: ['WP'] }).mm;
  mm = populateAnon(mm, BASE, 3);
  mm = uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['WP'] }).mm;
  const f = fork(mm, { childId: 'child', childCtxIds: { u1: 'u2' } }, { u1: ctx.features });
  assert.deepEqual(f.events, [{ ctxId: 'u1', msg: { event: 'FORK', ufd: 'u2' } }]);
  assert.deepEqual(findVma(f.child, BASE)?.uffd, { ctxId: 'u2', modes: ['WP'] });
  assert.deepEqual(f.child.ptes[String(BASE)], { kind: 'present', page: 1, writable: false, uffdWp: true });
  const child = forkCtx(ctx, 'u2', 'child');
  assert.deepEqual([child.mmId, child.features, child.initialized], ['child', ['PAGEFAULT_FLAG_WP', 'EVENT_FORK'], true]);
  assert.equal(classifyFault(f.child, BASE, 'write').kind, 'userfault-wp');
});

test('selftest wp-fork (shmem): the uffd-wp bit persists through DONTNEED and PAGEOUT as a marker', () => {
  const ctx = ctxWith(['WP_HUGETLBFS_SHMEM']);
  let mm = uffdioRegister(env(), ctx, mmWith('shmem', 1), { start: BASE, len: 4096, modes: ['WP'] }).mm;
  mm = uffdioCopy(env(), ctx, uffdioRegister(env(), ctx, mm, { start: BASE, len: 4096, modes: ['MISSING', 'WP'] }).mm, { dst: BASE, src: SRC, len: 4096, mode: ['WP'] }).mm;
  const dn = madvise(mm, BASE, 4096, 'DONTNEED', {});
  assert.deepEqual(dn.mm.ptes[String(BASE)], { kind: 'wp-marker' });
  const po = madvise(mm, BASE, 4096, 'PAGEOUT', {});
  assert.deepEqual(po.mm.ptes[String(BASE)], { kind: 'wp-marker' });
});

test('selftest wp-unpopulated: DONTNEED zaps the anon marker', () => {
  const ctx = ctxWith(['PAGEFAULT_FLAG_WP', 'WP_UNPOPULATED']);
  let mm = uffdioRegister(env(), ctx, mmWith('anon', 1), { start: BASE, len: 4096, modes: ['WP'] }).mm;
  mm = uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['WP'] }).mm;
  assert.deepEqual(mm.ptes[String(BASE)], { kind: 'wp-marker' });
  assert.equal(madvise(mm, BASE, 4096, 'DONTNEED', {}).mm.ptes[String(BASE)], undefined);
});
