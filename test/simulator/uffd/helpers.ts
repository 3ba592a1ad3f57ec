// Shared setup for the uffd tests (not a test file).
import { type MmState, HPAGE_SIZE, PAGE_SIZE, addObject, createMm, insertVma, makeVma } from '../../../simulator/src/model';
import { type UffdCtx, type UffdEnv, createUffd, uffdioApi } from '../../../simulator/src/uffd';

export type MemType = 'anon' | 'shmem' | 'shmem-private' | 'hugetlb' | 'hugetlb-private';
export const MEM_TYPES: MemType[] = ['anon', 'shmem', 'shmem-private', 'hugetlb', 'hugetlb-private'];

export const BASE = 0x40000000;
export const ALIAS = 0x80000000;

export function pageSizeOf(t: MemType): number {
  return t.startsWith('hugetlb') ? HPAGE_SIZE : PAGE_SIZE;
}

/** An mm with one vma of the given type at BASE (nrPages pages of its page size); shmem/hugetlb get object 'obj'. */
export function mmWith(t: MemType, nrPages = 4, opts: { alias?: boolean } = {}): MmState {
  const ps = pageSizeOf(t);
  let mm = createMm('mm');
  const type = t === 'anon' ? 'anon' : t.startsWith('shmem') ? 'shmem' : 'hugetlb';
  if (type !== 'anon') mm = addObject(mm, { id: 'obj', kind: type, size: nrPages * ps });
  const shared = t === 'shmem' || t === 'hugetlb';
  const spec = { start: BASE, len: nrPages * ps, type, shared } as const;
  mm = insertVma(mm, type === 'anon' ? makeVma(spec) : makeVma({ ...spec, object: 'obj' }));
  if (opts.alias && type !== 'anon') {
    mm = insertVma(mm, makeVma({ start: ALIAS, len: nrPages * ps, type, shared: true, object: 'obj' }));
  }
  return mm;
}

export function env(era = '6.19', caller: UffdEnv['caller'] = { capSysPtrace: true, mmId: 'mm' }): UffdEnv {
  return { era, caller };
}

/** A ctx after UFFDIO_API with the given features. */
export function ctxWith(features: string[] = [], era = '6.19', id = 'u1'): UffdCtx {
  const c = createUffd(env(era), { id, mmId: 'mm', flags: { nonblock: true } });
  if (!c.ok) throw new Error(`createUffd failed: ${c.errno}`);
  const r = uffdioApi(env(era), c.ctx, { api: 0xaa, features });
  if (r.result.errno !== null) throw new Error(`UFFDIO_API failed: ${r.result.errno}`);
  return r.ctx;
}
