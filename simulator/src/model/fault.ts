/**
 * Fault classification and resolution on the mm model (kernel-semantics.md §2–3, userfaultfd.md "Register modes").
 *
 * classifyFault(mm, addr, access) says what one handle_mm_fault attempt on that address needs, from the vma, its
 * uffd registration, the pte and the page cache. The engine decides locks/retries/sleeps; when a need can be
 * resolved without waiting (anon-fill, map-from-cache, swap-in with latency 0, cow, spurious) applyFault installs
 * the result. needs-io / swap-in with latency > 0 are completed by completeIo / completeSwapIo after the wait.
 *
 * Order of the checks follows the kernel: no vma / bad access → SIGSEGV; poison marker → SIGBUS; present pte (write
 * to a uffd-wp pte in a WP-registered vma → WP userfault; other write to a read-only pte → COW or reuse); swap
 * entry → swap-in (then a WP userfault if the pte was uffd-wp and the access writes); none pte or uffd-wp marker →
 * per type: anon (MISSING userfault, else zero page / new page), shmem/hugetlb (page cache hit → MINOR userfault
 * when registered, else map; hole → MISSING userfault, else allocate), file/dax (page cache, I/O), pfnmap (SIGBUS).
 * A uffd-wp marker behaves like pte_none but the installed pte carries the uffd-wp bit (read-only).
 */

import {
  type Access,
  type MmState,
  type Pte,
  type Vma,
  ZERO_PAGE,
  allocPage,
  type MutateOptions,
  cloneMm,
  dropPageRef,
  findVma,
  objectIndex,
  ownMm,
  pageAlign,
  pteKey,
  vmaPageSize,
} from './mm';

export type FaultNeed =
  | { kind: 'sigsegv'; reason: 'no-vma' | 'access' }
  | { kind: 'sigbus'; reason: 'beyond-eof' | 'pfnmap' | 'no-object' }
  /** Poison marker (UFFDIO_POISON) or a HWPOISON page: VM_FAULT_HWPOISON → SIGBUS. */
  | { kind: 'sigbus-poison' }
  | { kind: 'userfault-missing'; ctxId: string; pageSize: number }
  | { kind: 'userfault-wp'; ctxId: string; pageSize: number }
  | { kind: 'userfault-minor'; ctxId: string; pageSize: number }
  /** Anonymous none pte: zero page on read, a new zeroed page on write. */
  | { kind: 'anon-fill'; zeroPage: boolean; uffdWp: boolean }
  /**
   * Map a page-cache page (page null: allocate it now — a shmem/hugetlb hole, or a file page read with no latency).
   * cow: private mapping written → map a private anonymous copy.
   */
  | { kind: 'map-from-cache'; object: string; index: number; page: number | null; cow: boolean; uffdWp: boolean }
  /** Page-cache page not uptodate: wait `latency` µs of I/O (then completeIo and retry). */
  | { kind: 'needs-io'; object: string; index: number; latency: number }
  /** Swap entry: `latency` µs of I/O (0 = in swap cache). thenUserfaultWp: the write then hits the uffd-wp bit. */
  | { kind: 'swap-in'; latency: number; thenUserfaultWp: boolean }
  /** Write to a read-only present pte: reuse (exclusive anon page / shared mapping) or copy. */
  | { kind: 'cow'; reuse: boolean }
  /** Already mapped with sufficient permission. */
  | { kind: 'spurious' };

export type FaultNeedKind = FaultNeed['kind'];

function accessAllowed(vma: Vma, access: Access): boolean {
  if (access === 'write') return vma.prot.write;
  if (access === 'exec') return vma.prot.exec;
  return vma.prot.read || vma.prot.write;
}

function hasMode(vma: Vma, mode: 'MISSING' | 'WP' | 'MINOR'): boolean {
  return vma.uffd !== undefined && vma.uffd.modes.includes(mode);
}

/** Contents tag a page read from "disk" gets (file/dax): index + 1, so it differs from the zero page. */
export function diskContents(index: number): number {
  return index + 1;
}

export interface ClassifyOptions {
  /**
   * Check the access against the vma protection (default true). The engine passes false: like the kernel, its
   * callers check access_error / FOLL_FORCE themselves before handle_mm_fault, which does not check again.
   */
  checkAccess?: boolean;
}

/** What the mm needs for one access (see the file comment). Pure. */
export function classifyFault(mm: MmState, addr: number, access: Access, opts: ClassifyOptions = {}): FaultNeed {
  const vma = findVma(mm, addr);
  if (!vma) return { kind: 'sigsegv', reason: 'no-vma' };
  if (opts.checkAccess !== false && !accessAllowed(vma, access)) return { kind: 'sigsegv', reason: 'access' };
  const size = vmaPageSize(vma);
  const base = pageAlign(addr, size);
  const pte: Pte | undefined = mm.ptes[pteKey(base)];
  const ctxId = vma.uffd?.ctxId ?? '';
  const write = access === 'write';

  if (pte?.kind === 'poison-marker') return { kind: 'sigbus-poison' };
  if (pte?.kind === 'present') {
    const page = mm.pages[String(pte.page)];
    if (page?.hwpoison) return { kind: 'sigbus-poison' };
    if (!write || pte.writable) return { kind: 'spurious' };
    if (pte.uffdWp && hasMode(vma, 'WP')) return { kind: 'userfault-wp', ctxId, pageSize: size };
    if (vma.shared) return { kind: 'cow', reuse: true };
    const reuse = pte.page !== ZERO_PAGE && page !== undefined && page.anon && page.mapcount <= 1;
    return { kind: 'cow', reuse };
  }
  if (pte?.kind === 'swap') {
    return { kind: 'swap-in', latency: pte.latency, thenUserfaultWp: write && pte.uffdWp && hasMode(vma, 'WP') };
  }
  // pte_none or a uffd-wp marker.
  const markerWp = pte?.kind === 'wp-marker' && hasMode(vma, 'WP');
  switch (vma.type) {
    case 'anon':
      if (hasMode(vma, 'MISSING')) return { kind: 'userfault-missing', ctxId, pageSize: size };
      return { kind: 'anon-fill', zeroPage: !write, uffdWp: markerWp };
    case 'pfnmap':
      return { kind: 'sigbus', reason: 'pfnmap' };
    case 'shmem':
    case 'hugetlb':
    case 'file':
    case 'dax': {
      const obj = vma.object !== undefined ? mm.objects[vma.object] : undefined;
      if (!obj) return { kind: 'sigbus', reason: 'no-object' };
      const index = objectIndex(vma, addr);
      if (index * size >= obj.size) return { kind: 'sigbus', reason: 'beyond-eof' };
      const entry = obj.pages[String(index)];
      const cow = write && !vma.shared;
      if (vma.type === 'shmem' || vma.type === 'hugetlb') {
        if (entry) {
          if (hasMode(vma, 'MINOR')) return { kind: 'userfault-minor', ctxId, pageSize: size };
          if (entry.state === 'io') return { kind: 'needs-io', object: obj.id, index, latency: entry.latency };
          if (mm.pages[String(entry.page)]?.hwpoison) return { kind: 'sigbus-poison' };
          return { kind: 'map-from-cache', object: obj.id, index, page: entry.page, cow, uffdWp: markerWp };
        }
        if (hasMode(vma, 'MISSING')) return { kind: 'userfault-missing', ctxId, pageSize: size };
        if (vma.type === 'hugetlb' && !vma.shared) return { kind: 'anon-fill', zeroPage: false, uffdWp: markerWp };
        return { kind: 'map-from-cache', object: obj.id, index, page: null, cow, uffdWp: markerWp };
      }
      if (entry) {
        if (mm.pages[String(entry.page)]?.hwpoison) return { kind: 'sigbus-poison' };
        if (entry.state === 'io') return { kind: 'needs-io', object: obj.id, index, latency: entry.latency };
        return { kind: 'map-from-cache', object: obj.id, index, page: entry.page, cow, uffdWp: markerWp };
      }
      if (vma.type === 'file' && obj.readLatency > 0) {
        return { kind: 'needs-io', object: obj.id, index, latency: obj.readLatency };
      }
      return { kind: 'map-from-cache', object: obj.id, index, page: null, cow, uffdWp: markerWp };
    }
  }
}

export interface ApplyFaultResult {
  mm: MmState;
  /** The pte now installed at the faulting page. */
  pte: Pte | undefined;
  /** The access still cannot complete (a write to a pte left read-only, e.g. uffd-wp): the task re-faults. */
  needsRefault: boolean;
}

/**
 * Installs the result of a need that does not wait (anon-fill, map-from-cache, swap-in with latency 0, cow,
 * spurious). Throws for the other kinds: they are the engine's (signals, userfaults, I/O waits).
 */
export function applyFault(mm: MmState, addr: number, access: Access, need: FaultNeed, opts: MutateOptions = {}): ApplyFaultResult {
  const out = ownMm(mm, opts);
  const vma = findVma(out, addr);
  if (!vma) throw new Error(`applyFault: no vma at ${addr}`);
  const base = pageAlign(addr, vmaPageSize(vma));
  const key = pteKey(base);
  const write = access === 'write';
  const old = out.ptes[key];
  const finish = (pte: Pte): ApplyFaultResult => {
    out.ptes[key] = pte;
    const needsRefault = write && pte.kind === 'present' && !pte.writable;
    return { mm: out, pte, needsRefault };
  };
  switch (need.kind) {
    case 'spurious':
      return { mm: out, pte: old, needsRefault: false };
    case 'anon-fill': {
      if (need.zeroPage) {
        out.pages[String(ZERO_PAGE)].mapcount++;
        return finish({ kind: 'present', page: ZERO_PAGE, writable: false, uffdWp: need.uffdWp });
      }
      const id = allocPage(out, 0, true);
      out.pages[String(id)].mapcount = 1;
      return finish({ kind: 'present', page: id, writable: vma.prot.write && !need.uffdWp, uffdWp: need.uffdWp });
    }
    case 'map-from-cache': {
      const obj = out.objects[need.object];
      let pageId = need.page;
      if (pageId === null) {
        const contents = obj.kind === 'file' || obj.kind === 'dax' ? diskContents(need.index) : 0;
        pageId = allocPage(out, contents, false);
        obj.pages[String(need.index)] = { page: pageId, state: 'uptodate', latency: 0 };
      }
      if (need.cow) {
        const src = out.pages[String(pageId)];
        const id = allocPage(out, src ? src.contents : 0, true);
        out.pages[String(id)].mapcount = 1;
        return finish({ kind: 'present', page: id, writable: vma.prot.write && !need.uffdWp, uffdWp: need.uffdWp });
      }
      out.pages[String(pageId)].mapcount++;
      const writable = vma.shared && vma.prot.write && !need.uffdWp;
      return finish({ kind: 'present', page: pageId, writable, uffdWp: need.uffdWp });
    }
    case 'swap-in': {
      if (!old || old.kind !== 'swap') throw new Error('applyFault swap-in: no swap entry');
      if (old.latency > 0) throw new Error('applyFault swap-in: I/O not complete (completeSwapIo first)');
      const page = out.pages[String(old.page)];
      const exclusive = page !== undefined && page.anon && page.mapcount <= 1;
      const writable = write && exclusive && !old.uffdWp && vma.prot.write;
      return finish({ kind: 'present', page: old.page, writable, uffdWp: old.uffdWp });
    }
    case 'cow': {
      if (!old || old.kind !== 'present') throw new Error('applyFault cow: no present pte');
      if (need.reuse) {
        const page = out.pages[String(old.page)];
        if (page && page.anon) page.exclusive = true;
        return finish({ kind: 'present', page: old.page, writable: true, uffdWp: false });
      }
      const src = out.pages[String(old.page)];
      const id = allocPage(out, src ? src.contents : 0, true);
      out.pages[String(id)].mapcount = 1;
      if (old.page === ZERO_PAGE) out.pages[String(ZERO_PAGE)].mapcount--;
      else dropPageRef(out, old.page);
      return finish({ kind: 'present', page: id, writable: true, uffdWp: false });
    }
    default:
      throw new Error(`applyFault: '${need.kind}' is not resolved by installing a pte`);
  }
}

/** Page-cache I/O finished: the entry becomes uptodate (allocated with disk contents if it was absent). */
export function completeIo(mm: MmState, objectId: string, index: number, opts: MutateOptions = {}): MmState {
  const out = ownMm(mm, opts);
  const obj = out.objects[objectId];
  if (!obj) throw new Error(`completeIo: no object ${objectId}`);
  const entry = obj.pages[String(index)];
  if (entry) {
    entry.state = 'uptodate';
    entry.latency = 0;
  } else {
    const contents = obj.kind === 'file' || obj.kind === 'dax' ? diskContents(index) : 0;
    const id = allocPage(out, contents, false);
    obj.pages[String(index)] = { page: id, state: 'uptodate', latency: 0 };
  }
  return out;
}

/** Swap-in I/O finished: the page is in the swap cache (latency 0); the pte is still a swap entry. */
export function completeSwapIo(mm: MmState, addr: number, opts: MutateOptions = {}): MmState {
  const out = ownMm(mm, opts);
  const vma = findVma(out, addr);
  const key = pteKey(pageAlign(addr, vma ? vmaPageSize(vma) : 4096));
  const pte = out.ptes[key];
  if (!pte || pte.kind !== 'swap') throw new Error(`completeSwapIo: no swap entry at ${addr}`);
  out.ptes[key] = { ...pte, latency: 0 };
  return out;
}

/** Swaps out a present anonymous page (MADV_PAGEOUT / reclaim): swap entry with `latency`, uffd-wp kept. */
export function swapOut(mm: MmState, addr: number, latency: number): MmState {
  const out = cloneMm(mm);
  const vma = findVma(out, addr);
  const key = pteKey(pageAlign(addr, vma ? vmaPageSize(vma) : 4096));
  const pte = out.ptes[key];
  if (!pte || pte.kind !== 'present' || pte.page === ZERO_PAGE) return out;
  const page = out.pages[String(pte.page)];
  if (!page || !page.anon) return out;
  out.ptes[key] = { kind: 'swap', page: pte.page, latency, uffdWp: pte.uffdWp };
  return out;
}

/**
 * userfaultfd_must_wait(): after queueing, is the fault still unresolved? MISSING/MINOR: the pte is none (or a
 * marker); WP: the pte is still read-only with the uffd-wp bit.
 */
export function userfaultMustWait(mm: MmState, addr: number, reason: 'MISSING' | 'WP' | 'MINOR'): boolean {
  const vma = findVma(mm, addr);
  if (!vma) return false;
  const pte = mm.ptes[pteKey(pageAlign(addr, vmaPageSize(vma)))];
  if (!pte || pte.kind === 'wp-marker') return true;
  if (reason === 'WP' && pte.kind === 'present' && !pte.writable && pte.uffdWp) return true;
  return false;
}
