/**
 * The engine's "consumes its input" variant (UffdEnv.consumesMm / MutateOptions.consumesMm): the same results as
 * the pure API, computed on the given mm in place; without the option the input stays untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFault, classifyFault, cloneMm, hashMm, insertVma, makeVma, mprotect, munmap } from '../../../simulator/src/model';
import { uffdioCopy, uffdioRegister, uffdioWriteprotect } from '../../../simulator/src/uffd';
import { BASE, ctxWith, env, mmWith } from './helpers';

test('consumesMm: COPY / REGISTER give the pure results and change the given mm in place', () => {
  const ctx = ctxWith(['EVENT_UNMAP']);
  const base = mmWith('anon', 4);
  const pureReg = uffdioRegister(env(), ctx, base, { start: BASE, len: 4 * 4096, modes: ['MISSING'] });
  const before = hashMm(base);
  const owned = cloneMm(base);
  const ownReg = uffdioRegister({ ...env(), consumesMm: true }, ctx, owned, { start: BASE, len: 4 * 4096, modes: ['MISSING'] });
  assert.equal(ownReg.mm, owned);
  assert.equal(hashMm(ownReg.mm), hashMm(pureReg.mm));
  assert.equal(hashMm(base), before, 'the pure call left its input alone');
  const pureCopy = uffdioCopy(env(), ctx, pureReg.mm, { dst: BASE + 4096, src: 0x7f0000000000, len: 4096 });
  const ownCopy = uffdioCopy({ ...env(), consumesMm: true }, ctx, owned, { dst: BASE + 4096, src: 0x7f0000000000, len: 4096 });
  assert.deepEqual(ownCopy.result, pureCopy.result);
  assert.equal(ownCopy.mm, owned);
  assert.equal(hashMm(owned), hashMm(pureCopy.mm));
  assert.notEqual(hashMm(pureReg.mm), hashMm(pureCopy.mm), 'the pure COPY returned a new state');
});

test('consumesMm: a WRITEPROTECT that fails on its second vma leaves the owned mm untouched (all or nothing)', () => {
  const ctx = ctxWith([]);
  let mm = mmWith('anon', 2);
  mm = uffdioRegister(env(), ctx, mm, { start: BASE, len: 2 * 4096, modes: ['WP'] }).mm;
  mm = insertVma(mm, makeVma({ start: BASE + 2 * 4096, len: 4096, type: 'anon' }));
  mm = applyFault(mm, BASE, 'write', classifyFault(mm, BASE, 'write')).mm;
  const before = hashMm(mm);
  const r = uffdioWriteprotect({ ...env(), consumesMm: true }, ctx, mm, { start: BASE, len: 3 * 4096, mode: ['WP'] });
  assert.equal(r.result.errno, 'ENOENT');
  assert.equal(hashMm(mm), before);
});

test('consumesMm: munmap / mprotect / applyFault in place equal their pure results', () => {
  const mm = mmWith('anon', 4);
  const need = classifyFault(mm, BASE, 'write');
  const pure = applyFault(mm, BASE, 'write', need);
  const owned = cloneMm(mm);
  const own = applyFault(owned, BASE, 'write', need, { consumesMm: true });
  assert.equal(own.mm, owned);
  assert.equal(hashMm(own.mm), hashMm(pure.mm));
  const pm = mprotect(pure.mm, BASE, 4096, { read: true, write: false, exec: false });
  const om = mprotect(owned, BASE, 4096, { read: true, write: false, exec: false }, { consumesMm: true });
  assert.equal(hashMm(om.mm), hashMm(pm.mm));
  const pu = munmap(pm.mm, BASE, 4096);
  const ou = munmap(owned, BASE, 4096, {}, { consumesMm: true });
  assert.equal(ou.mm, owned);
  assert.equal(hashMm(ou.mm), hashMm(pu.mm));
});
