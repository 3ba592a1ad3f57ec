import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type MmState,
  addCachePage,
  addObject,
  applyFault,
  classifyFault,
  cloneMm,
  completeIo,
  completeSwapIo,
  createMm,
  findVma,
  fork,
  hashMm,
  insertVma,
  makeVma,
  mmap,
  mprotect,
  munmap,
  populateAnon,
  readContents,
  swapOut,
  userfaultMustWait,
} from '../../../simulator/src/model';

const A = 0x40000000;

function anonMm(pages = 4): MmState {
  return insertVma(createMm('mm'), makeVma({ start: A, len: pages * 4096, type: 'anon' }));
}

test('findVma: containment, holes and the end boundary', () => {
  const mm = insertVma(anonMm(2), makeVma({ start: A + 0x10000, len: 4096, type: 'anon' }));
  assert.equal(findVma(mm, A)?.start, A);
  assert.equal(findVma(mm, A + 8191)?.start, A);
  assert.equal(findVma(mm, A + 8192), undefined);
  assert.equal(findVma(mm, A + 0x10000)?.start, A + 0x10000);
});

test('cloneMm is deep: changing the clone leaves the original', () => {
  const mm = populateAnon(anonMm(), A, 5);
  const c = cloneMm(mm);
  c.vmas[0].prot.write = false;
  c.pages['1'].contents = 99;
  assert.equal(mm.vmas[0].prot.write, true);
  assert.equal(readContents(mm, A), 5);
});

test('hashMm is canonical: insertion order and page ids do not matter, contents do', () => {
  const a = populateAnon(populateAnon(anonMm(), A, 1), A + 4096, 2);
  const b = populateAnon(populateAnon(anonMm(), A + 4096, 2), A, 1);
  assert.notDeepEqual(a.ptes, b.ptes);
  assert.equal(hashMm(a), hashMm(b));
  assert.notEqual(hashMm(a), hashMm(populateAnon(populateAnon(anonMm(), A, 1), A + 4096, 3)));
  assert.equal(typeof hashMm(a), 'string');
});

test('classify: no vma → sigsegv; write to a read-only vma → sigsegv access', () => {
  assert.deepEqual(classifyFault(anonMm(), 0x90000000, 'read'), { kind: 'sigsegv', reason: 'no-vma' });
  const ro = insertVma(createMm(), makeVma({ start: A, len: 4096, type: 'anon', prot: { write: false } }));
  assert.deepEqual(classifyFault(ro, A, 'write'), { kind: 'sigsegv', reason: 'access' });
  assert.deepEqual(classifyFault(ro, A, 'exec'), { kind: 'sigsegv', reason: 'access' });
});

test('classify anon: read of none → zero page, write → new page; then write to the zero page is COW', () => {
  const mm = anonMm();
  assert.deepEqual(classifyFault(mm, A, 'read'), { kind: 'anon-fill', zeroPage: true, uffdWp: false });
  assert.deepEqual(classifyFault(mm, A, 'write'), { kind: 'anon-fill', zeroPage: false, uffdWp: false });
  const r = applyFault(mm, A, 'read', classifyFault(mm, A, 'read'));
  assert.deepEqual(classifyFault(r.mm, A, 'write'), { kind: 'cow', reuse: false });
  const w = applyFault(r.mm, A, 'write', classifyFault(r.mm, A, 'write'));
  assert.equal(w.needsRefault, false);
  assert.equal(classifyFault(w.mm, A, 'write').kind, 'spurious');
});

test('classify file: missing page needs I/O with the read latency; after completeIo it maps from cache', () => {
  let mm = addObject(createMm(), { id: 'f', kind: 'file', size: 8192, readLatency: 300 });
  mm = insertVma(mm, makeVma({ start: A, len: 8192, type: 'file', shared: false, object: 'f', prot: { write: false } }));
  assert.deepEqual(classifyFault(mm, A + 4096, 'read'), { kind: 'needs-io', object: 'f', index: 1, latency: 300 });
  mm = completeIo(mm, 'f', 1);
  const need = classifyFault(mm, A + 4096, 'read');
  assert.equal(need.kind, 'map-from-cache');
  assert.equal(readContents(applyFault(mm, A + 4096, 'read', need).mm, A + 4096), 2);
});

test('classify file: beyond EOF → sigbus; HWPOISON cache page → sigbus-poison; pfnmap hole → sigbus', () => {
  let mm = addObject(createMm(), { id: 'f', kind: 'file', size: 4096 });
  mm = insertVma(mm, makeVma({ start: A, len: 8192, type: 'file', object: 'f' }));
  mm = addCachePage(mm, 'f', 0, 1, { hwpoison: true });
  assert.deepEqual(classifyFault(mm, A + 4096, 'read'), { kind: 'sigbus', reason: 'beyond-eof' });
  assert.deepEqual(classifyFault(mm, A, 'read'), { kind: 'sigbus-poison' });
  const pf = insertVma(createMm(), makeVma({ start: A, len: 4096, type: 'pfnmap' }));
  assert.deepEqual(classifyFault(pf, A, 'read'), { kind: 'sigbus', reason: 'pfnmap' });
});

test('classify registered: MISSING on anon none pte, MINOR on a cached shmem page, WP on a uffd-wp pte', () => {
  const reg = (mm: MmState, modes: Array<'MISSING' | 'WP' | 'MINOR'>): MmState => ({ ...mm, vmas: mm.vmas.map((v) => ({ ...v, uffd: { ctxId: 'u', modes } })) });
  assert.deepEqual(classifyFault(reg(anonMm(), ['MISSING']), A, 'read'), { kind: 'userfault-missing', ctxId: 'u', pageSize: 4096 });
  let sh = addObject(createMm(), { id: 's', kind: 'shmem', size: 8192 });
  sh = insertVma(sh, makeVma({ start: A, len: 8192, type: 'shmem', object: 's' }));
  sh = addCachePage(sh, 's', 0, 4);
  assert.equal(classifyFault(reg(sh, ['MISSING', 'MINOR']), A, 'read').kind, 'userfault-minor');
  assert.equal(classifyFault(reg(sh, ['MISSING', 'MINOR']), A + 4096, 'read').kind, 'userfault-missing');
  const wp = reg(populateAnon(anonMm(), A, 1, { uffdWp: true }), ['WP']);
  assert.deepEqual(classifyFault(wp, A, 'write'), { kind: 'userfault-wp', ctxId: 'u', pageSize: 4096 });
  assert.deepEqual(classifyFault(wp, A, 'read'), { kind: 'spurious' });
});

test('behaviour 5: a uffd-wp write to a swapped-out page needs swap-in first, then a WP userfault', () => {
  let mm = populateAnon(anonMm(), A, 8, { uffdWp: true });
  mm = { ...mm, vmas: mm.vmas.map((v) => ({ ...v, uffd: { ctxId: 'u', modes: ['WP'] } })) };
  mm = swapOut(mm, A, 500);
  assert.deepEqual(classifyFault(mm, A, 'write'), { kind: 'swap-in', latency: 500, thenUserfaultWp: true });
  mm = completeSwapIo(mm, A);
  const need = classifyFault(mm, A, 'write');
  assert.deepEqual(need, { kind: 'swap-in', latency: 0, thenUserfaultWp: true });
  const r = applyFault(mm, A, 'write', need);
  assert.equal(r.needsRefault, true);
  assert.equal(readContents(r.mm, A), 8);
  assert.equal(classifyFault(r.mm, A, 'write').kind, 'userfault-wp');
  assert.equal(userfaultMustWait(r.mm, A, 'WP'), true);
});

test('userfaultMustWait: none pte waits for MISSING; a filled pte does not', () => {
  const mm = anonMm();
  assert.equal(userfaultMustWait(mm, A, 'MISSING'), true);
  assert.equal(userfaultMustWait(populateAnon(mm, A, 1), A, 'MISSING'), false);
});

test('fork: private anon pages become shared COW (mapcount 2, read-only); a write in the parent copies', () => {
  const mm = populateAnon(anonMm(), A, 6);
  const f = fork(mm, { childId: 'c' });
  assert.equal(f.parent.pages['1'].mapcount, 2);
  assert.deepEqual(classifyFault(f.parent, A, 'write'), { kind: 'cow', reuse: false });
  const w = applyFault(f.parent, A, 'write', classifyFault(f.parent, A, 'write'));
  assert.equal(readContents(w.mm, A), 6);
  assert.notEqual((w.mm.ptes[String(A)] as { page: number }).page, 1);
  assert.equal(f.child.id, 'c');
  assert.equal(readContents(f.child, A), 6);
});

test('mmap / munmap / mprotect: placement, MAP_FIXED replaces, holes give -ENOMEM to mprotect', () => {
  const m1 = mmap(createMm(), { len: 8192, type: 'anon' });
  assert.equal(m1.errno, null);
  assert.equal(m1.addr, 0x10000000);
  const m2 = mmap(m1.mm, { len: 4096, type: 'anon', fixed: true, addr: 0x10001000, prot: { write: false } });
  assert.deepEqual(m2.mm.vmas.map((v) => [v.start, v.end, v.prot.write]), [[0x10000000, 0x10001000, true], [0x10001000, 0x10002000, false]]);
  const u = munmap(m2.mm, 0x10000000, 4096);
  assert.equal(findVma(u.mm, 0x10000000), undefined);
  assert.equal(mprotect(u.mm, 0x10000000, 8192, { read: true, write: true, exec: false }).errno, 'ENOMEM');
  const p = mprotect(populateAnon(anonMm(1), A, 1), A, 4096, { read: true, write: false, exec: false });
  assert.deepEqual(p.mm.ptes[String(A)], { kind: 'present', page: 1, writable: false, uffdWp: false });
  assert.equal(munmap(anonMm(), A + 1, 4096).errno, 'EINVAL');
});

test('operations never mutate their input state', () => {
  const mm = populateAnon(anonMm(), A, 1);
  const before = hashMm(mm);
  munmap(mm, A, 4096);
  mprotect(mm, A, 4096, { read: true, write: false, exec: false });
  applyFault(mm, A + 4096, 'write', classifyFault(mm, A + 4096, 'write'));
  fork(mm, { childId: 'c' });
  assert.equal(hashMm(mm), before);
});
