import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addCachePage, classifyFault, readContents, populateAnon, applyFault } from '../../../simulator/src/model';
import {
  formatIoctlResult,
  handleUserfault,
  queueUserfault,
  uffdioContinue,
  uffdioCopy,
  uffdioPoison,
  uffdioRegister,
  uffdioWriteprotect,
  uffdioZeropage,
  uffdRead,
} from '../../../simulator/src/uffd';
import { ALIAS, BASE, MEM_TYPES, ctxWith, env, mmWith, pageSizeOf } from './helpers';

function registered(t: Parameters<typeof mmWith>[0], modes: string[], features: string[] = [], nr = 4, era = '6.19') {
  const ctx = ctxWith(features, era);
  const r = uffdioRegister(env(era), ctx, mmWith(t, nr, { alias: true }), { start: BASE, len: nr * pageSizeOf(t), modes });
  if (r.result.errno !== null) throw new Error(`register: ${r.result.errno}`);
  return { ctx, mm: r.mm, ioctls: r.result.ioctls ?? [] };
}

for (const t of MEM_TYPES) {
  test(`selftest zeropage (${t}): ZEROPAGE gives page_size and zeros where advertised, -EINVAL otherwise; repeat -EEXIST`, () => {
    const { ctx, mm, ioctls } = registered(t, ['MISSING']);
    const ps = pageSizeOf(t);
    const r = uffdioZeropage(env(), ctx, mm, { start: BASE, len: ps });
    if (ioctls.includes('ZEROPAGE')) {
      assert.deepEqual(r.result, { ioctl: 'ZEROPAGE', errno: null, out: ps });
      assert.equal(readContents(r.mm, BASE), 0);
      assert.deepEqual(uffdioZeropage(env(), ctx, r.mm, { start: BASE, len: ps }).result, { ioctl: 'ZEROPAGE', errno: 'EEXIST', out: '-EEXIST' });
    } else {
      assert.ok(t.startsWith('hugetlb'));
      assert.deepEqual(r.result, { ioctl: 'ZEROPAGE', errno: 'EINVAL', out: '-EINVAL' });
    }
  });
}

test('selftest zeropage: repeat on a mapped page gives -EEXIST (anon, after COPY)', () => {
  const { ctx, mm } = registered('anon', ['MISSING']);
  const c = uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096, contents: 42 });
  assert.equal(formatIoctlResult(uffdioZeropage(env(), ctx, c.mm, { start: BASE, len: 4096 }).result), '-EEXIST');
});

test('behaviour 2 / 8: COPY fills the page, wakes the faulter; a repeat gives -EEXIST in .copy, then WAKE', () => {
  let { ctx } = registered('anon', ['MISSING']);
  const { mm } = registered('anon', ['MISSING']);
  assert.equal(classifyFault(mm, BASE + 8, 'read').kind, 'userfault-missing');
  const d = handleUserfault({ era: '6.19', ctx, reason: 'MISSING', address: BASE + 8, flags: ['ALLOW_RETRY', 'KILLABLE', 'USER'], task: 'f' });
  if (d.kind !== 'block') throw new Error('block expected');
  ctx = queueUserfault(ctx, d);
  const c = uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096, contents: 42 });
  assert.deepEqual(c.result, { ioctl: 'COPY', errno: null, out: 4096 });
  assert.deepEqual(c.wake.tasks, ['f']);
  assert.equal(readContents(c.mm, BASE), 42);
  assert.equal(classifyFault(c.mm, BASE + 8, 'write').kind, 'spurious');
  const again = uffdioCopy(env(), c.ctx, c.mm, { dst: BASE, src: 0x50000000, len: 4096 });
  assert.deepEqual(again.result, { ioctl: 'COPY', errno: 'EEXIST', out: '-EEXIST' });
  assert.equal(formatIoctlResult(again.result), '-EEXIST');
});

test('a fault already woken by COPY is not reported by read() (-EAGAIN)', () => {
  let { ctx } = registered('anon', ['MISSING']);
  const { mm } = registered('anon', ['MISSING']);
  const d = handleUserfault({ era: '6.19', ctx, reason: 'MISSING', address: BASE, flags: ['ALLOW_RETRY'], task: 'f' });
  if (d.kind !== 'block') throw new Error('block expected');
  ctx = queueUserfault(ctx, d);
  const c = uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096 });
  assert.deepEqual(uffdRead(c.ctx), { kind: 'error', ctx: c.ctx, errno: 'EAGAIN' });
});

test('COPY: partial copy stops at a present page: -EAGAIN with the partial count', () => {
  const { ctx, mm } = registered('anon', ['MISSING']);
  const pre = populateAnon(mm, BASE + 2 * 4096, 9);
  const c = uffdioCopy(env(), ctx, pre, { dst: BASE, src: 0x50000000, len: 4 * 4096, contents: [1, 2, 3, 4] });
  assert.deepEqual(c.result, { ioctl: 'COPY', errno: 'EAGAIN', out: 8192 });
  assert.equal(formatIoctlResult(c.result), '8192');
  assert.deepEqual([0, 1, 2, 3].map((i) => readContents(c.mm, BASE + i * 4096)), [1, 2, 9, 0]);
});

test('COPY: DONTWAKE does not wake; outside a registered vma -ENOENT; mode WP on a non-WP vma -EINVAL', () => {
  let { ctx } = registered('anon', ['MISSING']);
  const { mm } = registered('anon', ['MISSING']);
  const d = handleUserfault({ era: '6.19', ctx, reason: 'MISSING', address: BASE, flags: ['ALLOW_RETRY'], task: 'f' });
  if (d.kind !== 'block') throw new Error('block expected');
  ctx = queueUserfault(ctx, d);
  const c = uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096, mode: ['DONTWAKE'] });
  assert.deepEqual(c.wake.tasks, []);
  assert.equal(c.ctx.waiters.length, 1);
  assert.deepEqual(uffdioCopy(env(), ctx, mm, { dst: 0x90000000, src: 0x50000000, len: 4096 }).result, { ioctl: 'COPY', errno: 'ENOENT', out: '-ENOENT' });
  assert.deepEqual(uffdioCopy(env(), ctx, mm, { dst: BASE + 3 * 4096, src: 0x50000000, len: 2 * 4096 }).result.out, '-ENOENT');
  assert.deepEqual(uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096, mode: ['WP'] }).result, { ioctl: 'COPY', errno: 'EINVAL', out: '-EINVAL' });
});

test('COPY: unknown mode or bad range -EINVAL without the out-field; mm gone -ESRCH; COPY_MODE_WP unknown in 5.6', () => {
  const { ctx, mm } = registered('anon', ['MISSING']);
  assert.deepEqual(uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096, mode: ['X'] }).result, { ioctl: 'COPY', errno: 'EINVAL' });
  assert.deepEqual(uffdioCopy(env(), ctx, mm, { dst: BASE + 1, src: 0x50000000, len: 4096 }).result, { ioctl: 'COPY', errno: 'EINVAL' });
  assert.deepEqual(uffdioCopy(env(), ctx, { ...mm, exited: true }, { dst: BASE, src: 0x50000000, len: 4096 }).result, { ioctl: 'COPY', errno: 'ESRCH' });
  const old = registered('anon', ['MISSING'], [], 4, '5.6');
  assert.deepEqual(uffdioCopy(env('5.6'), old.ctx, old.mm, { dst: BASE, src: 0x50000000, len: 4096, mode: ['WP'] }).result, { ioctl: 'COPY', errno: 'EINVAL' });
});

test('COPY: a fatal signal after a partial copy stops with the partial count; unreadable src -EFAULT', () => {
  const { ctx, mm } = registered('anon', ['MISSING']);
  const c = uffdioCopy({ era: '6.19', caller: { fatalSignalPending: true } }, ctx, mm, { dst: BASE, src: 0x50000000, len: 3 * 4096 });
  assert.deepEqual(c.result, { ioctl: 'COPY', errno: 'EAGAIN', out: 4096 });
  assert.deepEqual(uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096, srcUnreadable: true }).result.out, '-EFAULT');
});

test('COPY with MODE_WP installs a write-protected pte: a later write is a WP userfault', () => {
  const { ctx, mm } = registered('anon', ['MISSING', 'WP']);
  const c = uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096, mode: ['WP'], contents: 5 });
  assert.deepEqual(c.mm.ptes[String(BASE)], { kind: 'present', page: 1, writable: false, uffdWp: true });
  assert.equal(classifyFault(c.mm, BASE, 'write').kind, 'userfault-wp');
  assert.equal(classifyFault(c.mm, BASE, 'read').kind, 'spurious');
});

test('COPY into shared shmem puts the page in the page cache (visible through the alias)', () => {
  const { ctx, mm } = registered('shmem', ['MISSING']);
  const c = uffdioCopy(env(), ctx, mm, { dst: BASE, src: 0x50000000, len: 4096, contents: 77 });
  assert.equal(c.result.errno, null);
  assert.equal(classifyFault(c.mm, ALIAS, 'read').kind, 'map-from-cache');
  const a = applyFault(c.mm, ALIAS, 'read', classifyFault(c.mm, ALIAS, 'read'));
  assert.equal(readContents(a.mm, ALIAS), 77);
});

for (const t of ['shmem', 'hugetlb'] as const) {
  test(`selftest minor (${t}): filling via the alias gives no fault; registered reads are MINOR faults resolved by CONTINUE; a second CONTINUE is -EEXIST`, () => {
    const ps = pageSizeOf(t);
    const { ctx, mm } = registered(t, ['MINOR'], t === 'shmem' ? ['MINOR_SHMEM'] : ['MINOR_HUGETLBFS'], 2);
    // Fill through the non-registered alias.
    let m = mm;
    for (let i = 0; i < 2; i++) {
      const need = classifyFault(m, ALIAS + i * ps, 'write');
      assert.equal(need.kind, 'map-from-cache');
      m = applyFault(m, ALIAS + i * ps, 'write', need).mm;
    }
    const kinds = [0, 1].map((i) => classifyFault(m, BASE + i * ps, 'read').kind);
    assert.deepEqual(kinds, ['userfault-minor', 'userfault-minor']);
    const d = handleUserfault({ era: '6.19', ctx, reason: 'MINOR', address: BASE, flags: ['ALLOW_RETRY', 'USER'], task: 'r', pageSize: ps });
    assert.deepEqual(d.kind === 'block' && d.message.flags, ['MINOR']);
    const c = uffdioContinue(env(), ctx, m, { start: BASE, len: 2 * ps });
    assert.deepEqual(c.result, { ioctl: 'CONTINUE', errno: null, out: 2 * ps });
    assert.equal(classifyFault(c.mm, BASE, 'read').kind, 'spurious');
    assert.deepEqual(uffdioContinue(env(), ctx, c.mm, { start: BASE, len: ps }).result, { ioctl: 'CONTINUE', errno: 'EEXIST', out: '-EEXIST' });
  });
}

test('selftest minor-wp (shmem): CONTINUE with MODE_WP maps write-protected; the write is then a WP fault', () => {
  const { ctx, mm } = registered('shmem', ['MINOR', 'WP'], ['MINOR_SHMEM', 'WP_HUGETLBFS_SHMEM'], 1);
  const m = addCachePage(mm, 'obj', 0, 3);
  const c = uffdioContinue(env(), ctx, m, { start: BASE, len: 4096, mode: ['WP'] });
  assert.equal(c.result.errno, null);
  assert.equal(classifyFault(c.mm, BASE, 'write').kind, 'userfault-wp');
});

test('CONTINUE: no page-cache folio -EFAULT; HWPOISON folio -EIO; anon vma -EINVAL; before 5.13 -EINVAL', () => {
  const { ctx, mm } = registered('shmem', ['MINOR'], ['MINOR_SHMEM'], 2);
  assert.deepEqual(uffdioContinue(env(), ctx, mm, { start: BASE, len: 4096 }).result, { ioctl: 'CONTINUE', errno: 'EFAULT', out: '-EFAULT' });
  const p = addCachePage(mm, 'obj', 0, 3, { hwpoison: true });
  assert.deepEqual(uffdioContinue(env(), ctx, p, { start: BASE, len: 4096 }).result, { ioctl: 'CONTINUE', errno: 'EIO', out: '-EIO' });
  const a = registered('anon', ['MISSING']);
  assert.deepEqual(uffdioContinue(env(), a.ctx, a.mm, { start: BASE, len: 4096 }).result, { ioctl: 'CONTINUE', errno: 'EINVAL', out: '-EINVAL' });
  const old = registered('anon', ['MISSING'], [], 4, '5.12');
  assert.deepEqual(uffdioContinue(env('5.12'), old.ctx, old.mm, { start: BASE, len: 4096 }).result, { ioctl: 'CONTINUE', errno: 'EINVAL' });
});

for (const t of MEM_TYPES) {
  test(`selftest poison (${t}): odd pages by COPY, even pages by POISON; nr/2 accesses are sigbus-poison, others read 0`, () => {
    const ps = pageSizeOf(t);
    const nr = 4;
    const { ctx, mm } = registered(t, ['MISSING'], ['POISON'], nr);
    let m = mm;
    for (let i = 0; i < nr; i++) {
      const r = i % 2 === 1
        ? uffdioCopy(env(), ctx, m, { dst: BASE + i * ps, src: 0x50000000, len: ps, contents: 0 })
        : uffdioPoison(env(), ctx, m, { start: BASE + i * ps, len: ps });
      assert.deepEqual(r.result.out, ps);
      m = r.mm;
    }
    const kinds = Array.from({ length: nr }, (_, i) => classifyFault(m, BASE + i * ps, 'read').kind);
    assert.deepEqual(kinds, ['sigbus-poison', 'spurious', 'sigbus-poison', 'spurious']);
    assert.equal(readContents(m, BASE + ps), 0);
  });
}

test('POISON: -EEXIST on a present pte; without FEATURE_POISON -EINVAL; before 6.8 -EINVAL', () => {
  const { ctx, mm } = registered('anon', ['MISSING'], ['POISON']);
  const pre = populateAnon(mm, BASE, 1);
  assert.deepEqual(uffdioPoison(env(), ctx, pre, { start: BASE, len: 4096 }).result, { ioctl: 'POISON', errno: 'EEXIST', out: '-EEXIST' });
  const nf = registered('anon', ['MISSING']);
  assert.deepEqual(uffdioPoison(env(), nf.ctx, nf.mm, { start: BASE, len: 4096 }).result, { ioctl: 'POISON', errno: 'EINVAL' });
  const old = registered('anon', ['MISSING'], [], 4, '6.5');
  assert.deepEqual(uffdioPoison(env('6.5'), old.ctx, old.mm, { start: BASE, len: 4096 }).result, { ioctl: 'POISON', errno: 'EINVAL' });
});

test('selftest wp-unpopulated: WP on a none pte installs a marker; unprotect removes it; a read fault on a marker works', () => {
  const { ctx, mm } = registered('anon', ['WP'], ['PAGEFAULT_FLAG_WP', 'WP_UNPOPULATED'], 1);
  const w = uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['WP'] });
  assert.equal(w.result.errno, null);
  assert.deepEqual(w.mm.ptes[String(BASE)], { kind: 'wp-marker' });
  const read = classifyFault(w.mm, BASE, 'read');
  assert.deepEqual(read, { kind: 'anon-fill', zeroPage: true, uffdWp: true });
  const after = applyFault(w.mm, BASE, 'read', read);
  assert.equal(readContents(after.mm, BASE), 0);
  assert.equal(classifyFault(after.mm, BASE, 'write').kind, 'userfault-wp');
  const u = uffdioWriteprotect(env(), ctx, w.mm, { start: BASE, len: 4096, mode: [] });
  assert.equal(u.mm.ptes[String(BASE)], undefined);
});

test('wp-unpopulated: without the feature anon none ptes get no marker (a write just fills)', () => {
  const { ctx, mm } = registered('anon', ['WP'], ['PAGEFAULT_FLAG_WP'], 1);
  const w = uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['WP'] });
  assert.equal(w.mm.ptes[String(BASE)], undefined);
  assert.equal(classifyFault(w.mm, BASE, 'write').kind, 'anon-fill');
});

test('WRITEPROTECT on shmem none ptes installs markers (5.19+)', () => {
  const { ctx, mm } = registered('shmem', ['WP'], ['WP_HUGETLBFS_SHMEM'], 1);
  const w = uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['WP'] });
  assert.deepEqual(w.mm.ptes[String(BASE)], { kind: 'wp-marker' });
});

test('WRITEPROTECT: WP|DONTWAKE -EINVAL; unknown mode -EINVAL; not WP-registered -ENOENT; no vma -ENOENT; 5.6 -EINVAL', () => {
  const { ctx, mm } = registered('anon', ['MISSING']);
  assert.deepEqual(uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['WP', 'DONTWAKE'] }).result, { ioctl: 'WRITEPROTECT', errno: 'EINVAL' });
  assert.equal(uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['X'] }).result.errno, 'EINVAL');
  assert.equal(uffdioWriteprotect(env(), ctx, mm, { start: BASE, len: 4096, mode: ['WP'] }).result.errno, 'ENOENT');
  assert.equal(uffdioWriteprotect(env(), ctx, mm, { start: 0x90000000, len: 4096, mode: ['WP'] }).result.errno, 'ENOENT');
  const old = registered('anon', ['MISSING'], [], 4, '5.6');
  assert.equal(uffdioWriteprotect(env('5.6'), old.ctx, old.mm, { start: BASE, len: 4096, mode: ['WP'] }).result.errno, 'EINVAL');
});

test('selftest sigbus-wp flow: WP a present page, write → WP userfault; unprotect wakes and the write reuses the page', () => {
  let { ctx } = registered('anon', ['WP'], ['PAGEFAULT_FLAG_WP']);
  const { mm } = registered('anon', ['WP'], ['PAGEFAULT_FLAG_WP']);
  const m = populateAnon(mm, BASE, 11);
  const w = uffdioWriteprotect(env(), ctx, m, { start: BASE, len: 4096, mode: ['WP'] });
  assert.equal(classifyFault(w.mm, BASE, 'write').kind, 'userfault-wp');
  const d = handleUserfault({ era: '6.19', ctx, reason: 'WP', address: BASE, flags: ['ALLOW_RETRY', 'WRITE'], task: 'f' });
  if (d.kind !== 'block') throw new Error('block');
  ctx = queueUserfault(ctx, d);
  const u = uffdioWriteprotect(env(), ctx, w.mm, { start: BASE, len: 4096, mode: [] });
  assert.deepEqual(u.wake.tasks, ['f']);
  assert.equal(classifyFault(u.mm, BASE, 'write').kind, 'spurious');
});
