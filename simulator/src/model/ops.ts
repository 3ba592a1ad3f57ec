/**
 * Address-space writers as pure state transformations (simulator.md "address-space writers"): mmap, munmap,
 * mprotect, mremap, madvise (DONTNEED / REMOVE / PAGEOUT / DONTFORK / DOFORK) and fork. Each returns the new state,
 * an errno (null on success), the ranges it changed and the non-cooperative userfaultfd events it generates for the
 * ctxs whose features enable them (userfaultfd.md "Messages / events"). The engine queues those events on the ctxs
 * (uffd/ctx.ts queueEvent, which bumps mmap_changing) and blocks the producer until they are read.
 *
 * Not modelled: EACCES cases (not in result.ts's Errno), vma merging across different anon_vmas, THP.
 */

import type { Errno } from '../result';
import type { UffdEventMsg } from '../uffd/types';
import {
  type MmState,
  type Prot,
  type Pte,
  type Vma,
  type VmaType,
  HPAGE_SIZE,
  PAGE_SIZE,
  ZERO_PAGE,
  type MutateOptions,
  cloneMm,
  ownMm,
  dropPageRef,
  findVma,
  makeVma,
  pageAlign,
  pteKey,
  vmaPageSize,
  vmasInRange,
} from './mm';
import { canonicalJson } from './canonical';

/** Enabled features per ctx id (UffdCtx.features), so the model knows which events a ctx wants. */
export type CtxFeatureMap = Readonly<Record<string, readonly string[]>>;

export interface MmEvent {
  ctxId: string;
  msg: UffdEventMsg;
}

export interface MmOpResult {
  mm: MmState;
  errno: Errno | null;
  /** mmap/mremap: the address of the (new) mapping. */
  addr?: number;
  /** Ranges whose mappings changed. */
  changed: Array<{ start: number; end: number }>;
  /** Events to queue, in the order the kernel produces them. */
  events: MmEvent[];
  /** madvise DONTNEED/REMOVE with a REMOVE event: userfaultfd_remove() drops mmap_read_lock before waiting. */
  dropsLockForEvent?: boolean;
}

function fail(mm: MmState, errno: Errno): MmOpResult {
  return { mm, errno, changed: [], events: [] };
}

function wants(features: CtxFeatureMap, ctxId: string, f: string): boolean {
  return (features[ctxId] ?? []).includes(f);
}

// ---------------------------------------------------------------------------------------------------------------
// Internal mutating helpers (always on a clone)

/** Splits the vma containing `addr` at `addr` (no-op at a boundary or in a hole). MUTATES (use on a clone). */
export function splitAt(mm: MmState, addr: number): void {
  const i = mm.vmas.findIndex((v) => addr > v.start && addr < v.end);
  if (i < 0) return;
  const v = mm.vmas[i];
  const right: Vma = structuredClone(v);
  right.start = addr;
  right.pgoff = v.pgoff + (addr - v.start) / PAGE_SIZE;
  v.end = addr;
  mm.vmas.splice(i + 1, 0, right);
}

function vmaAttrsKey(v: Vma): string {
  const { start: _s, end: _e, pgoff: _p, ...rest } = v;
  return canonicalJson(rest);
}

/** Merges adjacent vmas with identical attributes and contiguous offsets (vma_merge, simplified). MUTATES. */
export function normalizeVmas(mm: MmState): void {
  const out: Vma[] = [];
  for (const v of mm.vmas) {
    const prev = out[out.length - 1];
    if (
      prev &&
      prev.end === v.start &&
      vmaAttrsKey(prev) === vmaAttrsKey(v) &&
      (prev.type === 'anon' || prev.pgoff + (prev.end - prev.start) / PAGE_SIZE === v.pgoff)
    ) {
      prev.end = v.end;
    } else {
      out.push(v);
    }
  }
  mm.vmas = out;
}

/** Keys of the non-none ptes with address in [start, end). */
export function pteKeysIn(mm: MmState, start: number, end: number): string[] {
  return Object.keys(mm.ptes).filter((k) => Number(k) >= start && Number(k) < end);
}

/** Removes one pte and drops its page reference. MUTATES. */
export function dropPte(mm: MmState, key: string): void {
  const p = mm.ptes[key];
  if (p && (p.kind === 'present' || p.kind === 'swap')) {
    if (p.page === ZERO_PAGE) mm.pages[String(ZERO_PAGE)].mapcount = Math.max(0, mm.pages[String(ZERO_PAGE)].mapcount - 1);
    else dropPageRef(mm, p.page);
  }
  delete mm.ptes[key];
}

/**
 * zap_page_range on [start, end) of one vma. keepWpMarkers: shmem/hugetlb vmas registered for WP keep a uffd-wp
 * marker where the zapped pte was uffd-wp (zap_install_uffd_wp_if_needed); munmap drops everything.
 */
function zap(mm: MmState, vma: Vma, start: number, end: number, keepWpMarkers: boolean): void {
  const fileBacked = vma.type === 'shmem' || vma.type === 'hugetlb';
  const wpReg = vma.uffd !== undefined && vma.uffd.modes.includes('WP');
  for (const k of pteKeysIn(mm, Math.max(start, vma.start), Math.min(end, vma.end))) {
    const p = mm.ptes[k];
    const wasWp = p.kind === 'wp-marker' || ((p.kind === 'present' || p.kind === 'swap') && p.uffdWp);
    dropPte(mm, k);
    if (keepWpMarkers && fileBacked && wpReg && wasWp) mm.ptes[k] = { kind: 'wp-marker' };
  }
}

function removeRange(mm: MmState, start: number, end: number): void {
  splitAt(mm, start);
  splitAt(mm, end);
  for (const v of vmasInRange(mm, start, end)) zap(mm, v, start, end, false);
  mm.vmas = mm.vmas.filter((v) => !(v.start >= start && v.end <= end));
}

function unmapEvents(mm: MmState, start: number, end: number, features: CtxFeatureMap): MmEvent[] {
  const seen = new Set<string>();
  const events: MmEvent[] = [];
  for (const v of vmasInRange(mm, start, end)) {
    if (!v.uffd || seen.has(v.uffd.ctxId)) continue;
    if (!wants(features, v.uffd.ctxId, 'EVENT_UNMAP')) continue;
    seen.add(v.uffd.ctxId);
    events.push({ ctxId: v.uffd.ctxId, msg: { event: 'UNMAP', start, end } });
  }
  return events;
}

function findFreeArea(mm: MmState, len: number, hint: number, align: number): number | undefined {
  let cand = Math.max(pageAlign(hint + align - 1, align), pageAlign(mm.mmapMinAddr + align - 1, align));
  for (const v of mm.vmas) {
    if (v.end <= cand) continue;
    if (v.start >= cand + len) break;
    cand = pageAlign(v.end + align - 1, align);
  }
  return cand + len <= mm.taskSize ? cand : undefined;
}

function roundUp(n: number, size: number): number {
  return Math.ceil(n / size) * size;
}

// ---------------------------------------------------------------------------------------------------------------
// Operations

/** munmap(start, len): UNMAP events (one per ctx with EVENT_UNMAP, for the whole range). */
export function munmap(mm: MmState, start: number, len: number, features: CtxFeatureMap = {}, mut: MutateOptions = {}): MmOpResult {
  if (start % PAGE_SIZE !== 0 || len === 0 || start + len > mm.taskSize) return fail(mm, 'EINVAL');
  const end = start + roundUp(len, PAGE_SIZE);
  const out = ownMm(mm, mut);
  const events = unmapEvents(out, start, end, features);
  removeRange(out, start, end);
  return { mm: out, errno: null, changed: [{ start, end }], events };
}

export interface MmapSpec {
  /** Hint, or the address with fixed=true. */
  addr?: number;
  len: number;
  type: VmaType;
  shared?: boolean;
  prot?: Partial<Prot>;
  fixed?: boolean;
  object?: string;
  pgoff?: number;
  mayWrite?: boolean;
  locked?: boolean;
}

/** mmap(): MAP_FIXED over existing mappings unmaps them first (UNMAP events). New vmas are never registered. */
export function mmap(mm: MmState, spec: MmapSpec, features: CtxFeatureMap = {}, mut: MutateOptions = {}): MmOpResult {
  const align = spec.type === 'hugetlb' ? HPAGE_SIZE : PAGE_SIZE;
  if (spec.len <= 0) return fail(mm, 'EINVAL');
  const len = roundUp(spec.len, align);
  if ((spec.type === 'shmem' || spec.type === 'file' || spec.type === 'hugetlb' || spec.type === 'dax') && spec.object !== undefined && !mm.objects[spec.object]) {
    return fail(mm, 'EINVAL');
  }
  let out = ownMm(mm, mut);
  let events: MmEvent[] = [];
  let addr: number;
  if (spec.fixed) {
    if (spec.addr === undefined || spec.addr % align !== 0) return fail(mm, 'EINVAL');
    if (spec.addr < mm.mmapMinAddr || spec.addr + len > mm.taskSize) return fail(mm, 'EPERM');
    addr = spec.addr;
    const r = munmap(out, addr, len, features, { consumesMm: true });
    out = r.mm;
    events = r.events;
  } else {
    const a = findFreeArea(out, len, spec.addr ?? 0x10000000, align);
    if (a === undefined) return fail(mm, 'ENOMEM');
    addr = a;
  }
  out.vmas.push(
    makeVma({
      start: addr,
      len,
      type: spec.type,
      shared: spec.shared,
      prot: spec.prot,
      mayWrite: spec.mayWrite,
      locked: spec.locked,
      object: spec.object,
      pgoff: spec.pgoff,
    }),
  );
  out.vmas.sort((a, b) => a.start - b.start);
  normalizeVmas(out);
  return { mm: out, errno: null, addr, changed: [{ start: addr, end: addr + len }], events };
}

/** mprotect(): -ENOMEM if the range has a hole; removing write makes ptes read-only. */
export function mprotect(mm: MmState, start: number, len: number, prot: Prot, mut: MutateOptions = {}): MmOpResult {
  if (start % PAGE_SIZE !== 0) return fail(mm, 'EINVAL');
  const end = start + roundUp(len, PAGE_SIZE);
  if (len === 0) return { mm, errno: null, changed: [], events: [] };
  if (!rangeFullyMapped(mm, start, end)) return fail(mm, 'ENOMEM');
  const out = ownMm(mm, mut);
  splitAt(out, start);
  splitAt(out, end);
  for (const v of vmasInRange(out, start, end)) {
    v.prot = { ...prot };
    if (!prot.write) {
      for (const k of pteKeysIn(out, v.start, v.end)) {
        const p = out.ptes[k];
        if (p.kind === 'present') out.ptes[k] = { ...p, writable: false };
      }
    }
  }
  normalizeVmas(out);
  return { mm: out, errno: null, changed: [{ start, end }], events: [] };
}

export function rangeFullyMapped(mm: MmState, start: number, end: number): boolean {
  let cur = start;
  for (const v of vmasInRange(mm, start, end)) {
    if (v.start > cur) return false;
    cur = v.end;
  }
  return cur >= end;
}

export interface MremapOpts {
  mayMove?: boolean;
  fixed?: boolean;
  newAddr?: number;
  dontUnmap?: boolean;
}

/**
 * mremap(): shrink (UNMAP of the tail), grow in place, or move (MREMAP_MAYMOVE / FIXED / DONTUNMAP). A moved
 * registered vma keeps its registration only if its ctx has EVENT_REMAP (then a REMAP event {from, to, len});
 * otherwise the new vma is unregistered and loses its uffd-wp bits. Moving away unmaps the old range (UNMAP).
 */
export function mremap(
  mm: MmState,
  oldAddr: number,
  oldLen: number,
  newLen: number,
  opts: MremapOpts = {},
  features: CtxFeatureMap = {},
  mut: MutateOptions = {},
): MmOpResult {
  if (oldAddr % PAGE_SIZE !== 0 || newLen === 0) return fail(mm, 'EINVAL');
  oldLen = roundUp(oldLen, PAGE_SIZE);
  newLen = roundUp(newLen, PAGE_SIZE);
  const vma = findVma(mm, oldAddr);
  if (!vma || oldAddr + oldLen > vma.end) return fail(mm, 'EFAULT');
  if (opts.fixed && (!opts.mayMove || opts.newAddr === undefined)) return fail(mm, 'EINVAL');
  if (opts.dontUnmap && (!opts.mayMove || oldLen !== newLen || vma.type !== 'anon' || vma.shared)) {
    return fail(mm, 'EINVAL');
  }
  if (!opts.fixed && !opts.dontUnmap) {
    if (newLen < oldLen) {
      const r = munmap(mm, oldAddr + newLen, oldLen - newLen, features, mut);
      return { ...r, addr: oldAddr };
    }
    if (newLen === oldLen) return { mm, errno: null, addr: oldAddr, changed: [], events: [] };
    const tailFree = vmasInRange(mm, oldAddr + oldLen, oldAddr + newLen).length === 0;
    if (oldAddr + oldLen === vma.end && tailFree && oldAddr + newLen <= mm.taskSize) {
      const out = ownMm(mm, mut);
      const v = findVma(out, oldAddr) as Vma;
      v.end = oldAddr + newLen;
      normalizeVmas(out);
      return { mm: out, errno: null, addr: oldAddr, changed: [{ start: oldAddr + oldLen, end: oldAddr + newLen }], events: [] };
    }
    if (!opts.mayMove) return fail(mm, 'ENOMEM');
  }
  // Move.
  let out = ownMm(mm, mut);
  let events: MmEvent[] = [];
  let newAddr: number;
  if (opts.fixed) {
    newAddr = opts.newAddr as number;
    if (newAddr % PAGE_SIZE !== 0) return fail(mm, 'EINVAL');
    if (newAddr < oldAddr + oldLen && oldAddr < newAddr + newLen) return fail(mm, 'EINVAL');
    const r = munmap(out, newAddr, newLen, features, { consumesMm: true });
    out = r.mm;
    events = r.events;
  } else {
    const a = findFreeArea(out, newLen, opts.newAddr ?? 0x10000000, vmaPageSize(vma));
    if (a === undefined) return fail(mm, 'ENOMEM');
    newAddr = a;
  }
  splitAt(out, oldAddr);
  splitAt(out, oldAddr + oldLen);
  const src = findVma(out, oldAddr) as Vma;
  const nv: Vma = structuredClone(src);
  nv.start = newAddr;
  nv.end = newAddr + newLen;
  const remapCtx = src.uffd?.ctxId;
  const keepReg = remapCtx !== undefined && wants(features, remapCtx, 'EVENT_REMAP');
  if (!keepReg) delete nv.uffd;
  const newWp = nv.uffd !== undefined && nv.uffd.modes.includes('WP');
  // Move the ptes.
  for (const k of pteKeysIn(out, oldAddr, oldAddr + oldLen)) {
    const p = out.ptes[k];
    delete out.ptes[k];
    const off = Number(k) - oldAddr;
    if (off >= newLen) {
      out.ptes[k] = p;
      dropPte(out, k);
      continue;
    }
    let np: Pte = p;
    if (!newWp) {
      if (p.kind === 'wp-marker') continue;
      if ((p.kind === 'present' || p.kind === 'swap') && p.uffdWp) {
        np = p.kind === 'present' ? { ...p, uffdWp: false } : { ...p, uffdWp: false };
      }
    }
    out.ptes[pteKey(newAddr + off)] = np;
  }
  if (opts.dontUnmap) {
    // The old vma stays (empty); with MREMAP_DONTUNMAP its uffd registration is kept.
  } else {
    const unmapEv = unmapEvents(out, oldAddr, oldAddr + oldLen, features);
    out.vmas = out.vmas.filter((v) => v !== src);
    events = events.concat(
      keepReg && remapCtx !== undefined ? [{ ctxId: remapCtx, msg: { event: 'REMAP', from: oldAddr, to: newAddr, len: oldLen } }] : [],
      unmapEv,
    );
  }
  if (opts.dontUnmap && keepReg && remapCtx !== undefined) {
    events.push({ ctxId: remapCtx, msg: { event: 'REMAP', from: oldAddr, to: newAddr, len: oldLen } });
  }
  out.vmas.push(nv);
  out.vmas.sort((a, b) => a.start - b.start);
  normalizeVmas(out);
  return {
    mm: out,
    errno: null,
    addr: newAddr,
    changed: [
      { start: oldAddr, end: oldAddr + oldLen },
      { start: newAddr, end: newAddr + newLen },
    ],
    events,
  };
}

export type MadviseAdvice = 'DONTNEED' | 'REMOVE' | 'PAGEOUT' | 'DONTFORK' | 'DOFORK';

/**
 * madvise(). DONTNEED zaps ptes (anon pages freed; shmem/hugetlb registered for WP keep uffd-wp markers); REMOVE
 * (shared shmem/hugetlb only) also punches the page-cache hole; both send REMOVE (per vma, clipped) to ctxs with
 * EVENT_REMOVE and then userfaultfd_remove() drops the mmap lock (dropsLockForEvent). PAGEOUT swaps out anonymous
 * pages (uffd-wp kept on the swap entry) and shmem pages (cache entry needs I/O; a uffd-wp pte leaves a marker).
 * A hole in the range gives -ENOMEM after the mapped parts were handled.
 */
export function madvise(
  mm: MmState,
  start: number,
  len: number,
  advice: MadviseAdvice,
  features: CtxFeatureMap = {},
  opts: { swapLatency?: number } & MutateOptions = {},
): MmOpResult {
  if (start % PAGE_SIZE !== 0) return fail(mm, 'EINVAL');
  const end = start + roundUp(len, PAGE_SIZE);
  if (len === 0) return { mm, errno: null, changed: [], events: [] };
  const vmas = vmasInRange(mm, start, end);
  if (vmas.length === 0) return fail(mm, 'ENOMEM');
  const holes = !rangeFullyMapped(mm, start, end);
  if (advice === 'DONTNEED' || advice === 'REMOVE') {
    for (const v of vmas) {
      if (v.locked || v.type === 'pfnmap') return fail(mm, 'EINVAL');
      if (advice === 'REMOVE' && !(v.shared && (v.type === 'shmem' || v.type === 'hugetlb'))) return fail(mm, 'EINVAL');
    }
  }
  const out = ownMm(mm, opts);
  const events: MmEvent[] = [];
  const changed: Array<{ start: number; end: number }> = [];
  if (advice === 'DONTFORK' || advice === 'DOFORK') {
    splitAt(out, start);
    splitAt(out, end);
    for (const v of vmasInRange(out, start, end)) {
      if (advice === 'DONTFORK') v.dontFork = true;
      else delete v.dontFork;
    }
    normalizeVmas(out);
    return { mm: out, errno: holes ? 'ENOMEM' : null, changed: [{ start, end }], events };
  }
  for (const v of vmasInRange(out, start, end)) {
    const s = Math.max(start, v.start);
    const e = Math.min(end, v.end);
    changed.push({ start: s, end: e });
    if (advice === 'PAGEOUT') {
      pageout(out, v, s, e, opts.swapLatency ?? 100);
      continue;
    }
    if (v.uffd && wants(features, v.uffd.ctxId, 'EVENT_REMOVE')) {
      events.push({ ctxId: v.uffd.ctxId, msg: { event: 'REMOVE', start: s, end: e } });
    }
    zap(out, v, s, e, true);
    if (advice === 'REMOVE' && v.object !== undefined) {
      const obj = out.objects[v.object];
      const size = vmaPageSize(v);
      for (let a = s; a < e; a += size) {
        const idx = Math.floor((v.pgoff * PAGE_SIZE + (a - v.start)) / size);
        const entry = obj?.pages[String(idx)];
        if (entry && obj) {
          delete obj.pages[String(idx)];
          const p = out.pages[String(entry.page)];
          if (p && p.mapcount === 0) delete out.pages[String(entry.page)];
        }
      }
    }
  }
  const r: MmOpResult = { mm: out, errno: holes ? 'ENOMEM' : null, changed, events };
  if (events.length > 0) r.dropsLockForEvent = true;
  return r;
}

function pageout(mm: MmState, v: Vma, s: number, e: number, latency: number): void {
  const wpReg = v.uffd !== undefined && v.uffd.modes.includes('WP');
  for (const k of pteKeysIn(mm, s, e)) {
    const p = mm.ptes[k];
    if (p.kind !== 'present' || p.page === ZERO_PAGE) continue;
    const page = mm.pages[String(p.page)];
    if (!page) continue;
    if (page.anon) {
      if (page.mapcount > 1) continue;
      mm.ptes[k] = { kind: 'swap', page: p.page, latency, uffdWp: p.uffdWp };
    } else if (v.type === 'shmem' && v.object !== undefined) {
      const obj = mm.objects[v.object];
      const idx = Math.floor((v.pgoff * PAGE_SIZE + (Number(k) - v.start)) / PAGE_SIZE);
      dropPte(mm, k);
      if (p.uffdWp && wpReg) mm.ptes[k] = { kind: 'wp-marker' };
      const entry = obj?.pages[String(idx)];
      if (entry && page.mapcount === 0) {
        entry.state = 'io';
        entry.latency = latency;
      }
    }
  }
}

export interface ForkOpts {
  childId: string;
  /** Parent ctx id → id of the ctx created for the child (used for ctxs with EVENT_FORK). */
  childCtxIds?: Readonly<Record<string, string>>;
}

export interface ForkResult {
  parent: MmState;
  child: MmState;
  /** FORK events for the parent ctxs with EVENT_FORK ({ufd: child ctx id}). */
  events: MmEvent[];
}

/**
 * fork() (dup_mmap + dup_userfaultfd): VM_DONTCOPY vmas are skipped. A registered vma whose ctx has EVENT_FORK stays
 * registered in the child with the child ctx (and keeps uffd-wp bits and markers); otherwise the child vma is
 * unregistered and its ptes lose uffd-wp (markers are not copied). Private anonymous pages become shared COW
 * (both ptes read-only, mapcount+1, not exclusive). Shared mappings copy ptes only when the child vma is
 * registered for WP (to keep the wp state); otherwise the child faults them in again.
 * The child gets copies of the page records (same ids): mapcounts are accurate right after fork, but later changes
 * in one mm do not update the other's records (see known weaknesses).
 */
export function fork(parent: MmState, opts: ForkOpts, features: CtxFeatureMap = {}): ForkResult {
  const p = cloneMm(parent);
  const c = cloneMm(parent);
  c.id = opts.childId;
  c.vmas = [];
  c.ptes = {};
  const events: MmEvent[] = [];
  const forked = new Set<string>();
  for (const v of p.vmas) {
    if (v.dontFork) continue;
    const nv: Vma = structuredClone(v);
    if (v.uffd) {
      const childCtx = opts.childCtxIds?.[v.uffd.ctxId];
      if (wants(features, v.uffd.ctxId, 'EVENT_FORK') && childCtx !== undefined) {
        nv.uffd = { ctxId: childCtx, modes: [...v.uffd.modes] };
        if (!forked.has(v.uffd.ctxId)) {
          forked.add(v.uffd.ctxId);
          events.push({ ctxId: v.uffd.ctxId, msg: { event: 'FORK', ufd: childCtx } });
        }
      } else {
        delete nv.uffd;
      }
    }
    c.vmas.push(nv);
    const childWp = nv.uffd !== undefined && nv.uffd.modes.includes('WP');
    if (v.shared && !childWp) continue;
    for (const k of pteKeysIn(p, v.start, v.end)) {
      const pte = p.ptes[k];
      if (pte.kind === 'poison-marker') {
        c.ptes[k] = pte;
        continue;
      }
      if (pte.kind === 'wp-marker') {
        if (childWp) c.ptes[k] = pte;
        continue;
      }
      const page = p.pages[String(pte.page)];
      const childPte: Pte = { ...pte, uffdWp: childWp && pte.uffdWp };
      if (pte.page === ZERO_PAGE) {
        p.pages[String(ZERO_PAGE)].mapcount++;
      } else if (page) {
        page.mapcount++;
        if (page.anon) {
          page.exclusive = false;
          if (pte.kind === 'present') {
            p.ptes[k] = { ...pte, writable: false };
            (childPte as Extract<Pte, { kind: 'present' }>).writable = false;
          }
        }
      }
      c.ptes[k] = childPte;
    }
  }
  // Share the updated page records.
  c.pages = structuredClone(p.pages);
  c.nextPageId = p.nextPageId;
  return { parent: p, child: c, events };
}
