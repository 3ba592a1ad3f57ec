/**
 * The address-space data model (simulator.md "mm"; userfaultfd.md "Register modes"): VMAs, page-table entries,
 * pages and page-cache objects as PLAIN DATA (objects/arrays only, no class instances, no Maps), plus pure helpers.
 *
 * Conventions:
 * - Addresses are numbers (bytes). PAGE_SIZE is 4096; hugetlb VMAs use HPAGE_SIZE (2 MiB) pages.
 * - `ptes` is keyed by the page-aligned address (decimal string) of the VMA's page size; an absent key is pte_none.
 * - `pages` is keyed by page id (decimal string). Page id 0 is the shared zero page (contents 0, never freed).
 * - `objects` (page cache) is keyed by object id; entries keyed by page index in the object's page size.
 * - Every helper that "changes" state returns a new state and never mutates its input.
 * - `hashMm` is canonical: key order does not matter and page ids are renumbered in traversal order, so two
 *   interleavings reaching the same contents hash the same.
 */

import { canonicalJson, deepClone } from './canonical';

export const PAGE_SIZE = 4096;
export const HPAGE_SIZE = 2 * 1024 * 1024;
/** Page id of the shared zero page. */
export const ZERO_PAGE = 0;
/** Default mmap_min_addr (vm.mmap_min_addr, 64 KiB on most distributions) and a 47-bit TASK_SIZE (x86-64). */
export const DEFAULT_MMAP_MIN_ADDR = 0x10000;
export const DEFAULT_TASK_SIZE = 0x7ffffffff000;

export type VmaType = 'anon' | 'shmem' | 'file' | 'hugetlb' | 'dax' | 'pfnmap';
export type UffdMode = 'MISSING' | 'WP' | 'MINOR';
export type Access = 'read' | 'write' | 'exec';

export interface Prot {
  read: boolean;
  write: boolean;
  exec: boolean;
}

/** vma->vm_userfaultfd_ctx + VM_UFFD_* flags. `modes` is kept sorted (MISSING, WP, MINOR order). */
export interface UffdRegistration {
  ctxId: string;
  modes: UffdMode[];
}

export interface Vma {
  start: number;
  /** Exclusive. */
  end: number;
  type: VmaType;
  /** VM_SHARED (MAP_SHARED). Anonymous shared memory is type 'shmem' with shared=true. */
  shared: boolean;
  prot: Prot;
  /** VM_MAYWRITE (a read-only fd mapped MAP_SHARED lacks it). */
  mayWrite: boolean;
  /** VM_LOCKED (mlock). */
  locked: boolean;
  /** VM_DONTCOPY (MADV_DONTFORK). */
  dontFork?: boolean;
  /** Backing page-cache object for shmem/file/hugetlb/dax vmas. */
  object?: string;
  /** Offset of `start` in the object, in units of PAGE_SIZE (vm_pgoff). */
  pgoff: number;
  uffd?: UffdRegistration;
}

/** A page-table entry that is not pte_none. */
export type Pte =
  | { kind: 'present'; page: number; writable: boolean; uffdWp: boolean }
  /** Swap entry. `latency` µs of I/O left (0 = already in the swap cache). `page` keeps the contents. */
  | { kind: 'swap'; page: number; latency: number; uffdWp: boolean }
  /** PTE_MARKER_UFFD_WP on a none pte (shmem/hugetlb, or anon with WP_UNPOPULATED). */
  | { kind: 'wp-marker' }
  /** PTE_MARKER_POISONED (UFFDIO_POISON): access → SIGBUS. */
  | { kind: 'poison-marker' };

export interface Page {
  id: number;
  /** Contents tag for verification (the simulator does not store bytes). 0 = zero-filled. */
  contents: number;
  /** Number of ptes (in all modelled mms) that map the page. */
  mapcount: number;
  /** Anonymous page (vs page cache). */
  anon: boolean;
  /** PageAnonExclusive: may be reused on write without COW. */
  exclusive: boolean;
  /** HWPOISON. */
  hwpoison?: boolean;
}

export interface CacheEntry {
  page: number;
  /** 'io': not uptodate yet, reading it takes `latency` µs. */
  state: 'uptodate' | 'io';
  latency: number;
}

export interface CacheObject {
  id: string;
  kind: 'file' | 'shmem' | 'hugetlb' | 'dax';
  /** Size in bytes (i_size); a fault at or beyond it is SIGBUS. */
  size: number;
  /** Page cache, keyed by index in the object's page size (2 MiB for hugetlb). */
  pages: Record<string, CacheEntry>;
  /**
   * For 'file' objects: an index with no cache entry is read from disk with this latency (µs).
   * shmem/hugetlb: an absent index is a hole (zero-filled on fault, a MISSING userfault when registered).
   */
  readLatency: number;
}

export interface MmState {
  /** Identity of this address space (ctx->mm compares against it). */
  id: string;
  /** Sorted by start, non-overlapping. */
  vmas: Vma[];
  ptes: Record<string, Pte>;
  pages: Record<string, Page>;
  objects: Record<string, CacheObject>;
  nextPageId: number;
  mmapMinAddr: number;
  taskSize: number;
  /** mm_users dropped to 0 (mmget_not_zero fails → -ENOMEM / -ESRCH in uffd ioctls). */
  exited?: boolean;
}

export function createMm(id = 'mm', opts: { mmapMinAddr?: number; taskSize?: number } = {}): MmState {
  return {
    id,
    vmas: [],
    ptes: {},
    pages: { [String(ZERO_PAGE)]: { id: ZERO_PAGE, contents: 0, mapcount: 0, anon: false, exclusive: false } },
    objects: {},
    nextPageId: 1,
    mmapMinAddr: opts.mmapMinAddr ?? DEFAULT_MMAP_MIN_ADDR,
    taskSize: opts.taskSize ?? DEFAULT_TASK_SIZE,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Lookup

/** find_vma semantics restricted to containment: the vma with start <= addr < end, or undefined. */
export function findVma(mm: MmState, addr: number): Vma | undefined {
  for (const v of mm.vmas) {
    if (addr >= v.start && addr < v.end) return v;
    if (v.start > addr) return undefined;
  }
  return undefined;
}

/** Kernel find_vma(): the first vma with end > addr (may start above addr). */
export function findVmaAbove(mm: MmState, addr: number): Vma | undefined {
  return mm.vmas.find((v) => v.end > addr);
}

export function vmaIndex(mm: MmState, addr: number): number {
  return mm.vmas.findIndex((v) => addr >= v.start && addr < v.end);
}

/** Vmas intersecting [start, end), in order. */
export function vmasInRange(mm: MmState, start: number, end: number): Vma[] {
  return mm.vmas.filter((v) => v.start < end && v.end > start);
}

export function vmaPageSize(vma: Vma): number {
  return vma.type === 'hugetlb' ? HPAGE_SIZE : PAGE_SIZE;
}

export function pageAlign(addr: number, size = PAGE_SIZE): number {
  return addr - (addr % size);
}

export function isAligned(addr: number, size = PAGE_SIZE): boolean {
  return addr % size === 0;
}

export function pteKey(addr: number): string {
  return String(addr);
}

/** The pte mapping `addr` (aligned to the vma's page size), or undefined for pte_none / no vma. */
export function getPte(mm: MmState, addr: number): Pte | undefined {
  const vma = findVma(mm, addr);
  const size = vma ? vmaPageSize(vma) : PAGE_SIZE;
  return mm.ptes[pteKey(pageAlign(addr, size))];
}

export function getPage(mm: MmState, id: number): Page | undefined {
  return mm.pages[String(id)];
}

/** Page index of `addr` inside the vma's backing object (in the object's page size). */
export function objectIndex(vma: Vma, addr: number): number {
  const size = vmaPageSize(vma);
  return Math.floor((vma.pgoff * PAGE_SIZE + (addr - vma.start)) / size);
}

/** Contents tag seen by a read of `addr`: 0 for none/markers/zero page, undefined when not readable (poison). */
export function readContents(mm: MmState, addr: number): number | undefined {
  const pte = getPte(mm, addr);
  if (!pte) return 0;
  if (pte.kind === 'poison-marker') return undefined;
  if (pte.kind === 'wp-marker') return 0;
  return getPage(mm, pte.page)?.contents;
}

export function isVmaAnonymous(vma: Vma): boolean {
  return vma.type === 'anon';
}

/** A present pte or a swap entry (not none and not a marker): what COPY/CONTINUE/POISON call "already mapped". */
export function ptePopulated(pte: Pte | undefined): boolean {
  return pte !== undefined && (pte.kind === 'present' || pte.kind === 'swap');
}

// ---------------------------------------------------------------------------------------------------------------
// Clone and hash

export function cloneMm(mm: MmState): MmState {
  return deepClone(mm);
}

/**
 * consumesMm: the caller owns `mm` and hands it over — the function changes it in place and returns it instead of
 * copying it first (the engine, whose SimState.mm is its own; the explorer clones whole states before stepping).
 * Default: pure (a new state, the input untouched). Results are the same either way.
 */
export interface MutateOptions {
  consumesMm?: boolean;
}

/** The state a changing helper works on: `mm` itself when handed over, else a copy. */
export function ownMm(mm: MmState, opts: MutateOptions = {}): MmState {
  return opts.consumesMm ? mm : cloneMm(mm);
}

/**
 * Canonical, stable hash string of the state. Page ids are renumbered in the order they are first reached by a
 * traversal of ptes (by address) then page-cache objects (by id, then index); unreferenced pages are ignored.
 * `nextPageId` is ignored (it is an allocator detail).
 */
export function hashMm(mm: MmState): string {
  const renum = new Map<number, number>();
  const pagesOut: Record<string, Omit<Page, 'id'>> = {};
  const mapId = (id: number): number => {
    if (id === ZERO_PAGE) return ZERO_PAGE;
    let n = renum.get(id);
    if (n === undefined) {
      n = renum.size + 1;
      renum.set(id, n);
      const p = mm.pages[String(id)];
      if (p) {
        const { id: _id, ...rest } = p;
        pagesOut[String(n)] = rest;
      }
    }
    return n;
  };
  const pteKeys = Object.keys(mm.ptes).sort((a, b) => Number(a) - Number(b));
  const ptes: Array<[number, Pte]> = pteKeys.map((k) => {
    const p = mm.ptes[k];
    if (p.kind === 'present' || p.kind === 'swap') return [Number(k), { ...p, page: mapId(p.page) }];
    return [Number(k), p];
  });
  const objIds = Object.keys(mm.objects).sort();
  const objects = objIds.map((oid) => {
    const o = mm.objects[oid];
    const idx = Object.keys(o.pages).sort((a, b) => Number(a) - Number(b));
    return {
      id: o.id,
      kind: o.kind,
      size: o.size,
      readLatency: o.readLatency,
      pages: idx.map((i) => [Number(i), { ...o.pages[i], page: mapId(o.pages[i].page) }]),
    };
  });
  const zero = mm.pages[String(ZERO_PAGE)];
  return canonicalJson({
    id: mm.id,
    vmas: mm.vmas,
    ptes,
    objects,
    pages: pagesOut,
    zeroMapcount: zero ? zero.mapcount : 0,
    mmapMinAddr: mm.mmapMinAddr,
    taskSize: mm.taskSize,
    exited: mm.exited === true,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Builders used by scenarios and tests

export interface VmaSpec {
  start: number;
  len: number;
  type: VmaType;
  shared?: boolean;
  prot?: Partial<Prot>;
  mayWrite?: boolean;
  locked?: boolean;
  object?: string;
  pgoff?: number;
}

export function makeVma(spec: VmaSpec): Vma {
  const prot: Prot = { read: true, write: true, exec: false, ...spec.prot };
  const shared = spec.shared ?? (spec.type === 'shmem' ? true : false);
  const v: Vma = {
    start: spec.start,
    end: spec.start + spec.len,
    type: spec.type,
    shared,
    prot,
    mayWrite: spec.mayWrite ?? true,
    locked: spec.locked ?? false,
    pgoff: spec.pgoff ?? 0,
  };
  if (spec.object !== undefined) v.object = spec.object;
  return v;
}

/** Adds a page-cache object (file/shmem/hugetlb/dax). */
export function addObject(
  mm: MmState,
  obj: { id: string; kind: CacheObject['kind']; size: number; readLatency?: number },
): MmState {
  const out = cloneMm(mm);
  out.objects[obj.id] = { id: obj.id, kind: obj.kind, size: obj.size, pages: {}, readLatency: obj.readLatency ?? 0 };
  return out;
}

/** Allocates a page record in `mm` (mutates: for use on a clone). Returns the id. */
export function allocPage(mm: MmState, contents: number, anon: boolean): number {
  const id = mm.nextPageId++;
  mm.pages[String(id)] = { id, contents, mapcount: 0, anon, exclusive: anon };
  return id;
}

/** Puts a page into an object's page cache (state 'uptodate' unless latency > 0). */
export function addCachePage(
  mm: MmState,
  objectId: string,
  index: number,
  contents: number,
  opts: { latency?: number; hwpoison?: boolean } = {},
): MmState {
  const out = cloneMm(mm);
  const obj = out.objects[objectId];
  if (!obj) throw new Error(`addCachePage: no object ${objectId}`);
  const id = allocPage(out, contents, false);
  if (opts.hwpoison) out.pages[String(id)].hwpoison = true;
  const latency = opts.latency ?? 0;
  obj.pages[String(index)] = { page: id, state: latency > 0 ? 'io' : 'uptodate', latency };
  return out;
}

/** Inserts a vma directly (no events, no checks except overlap). */
export function insertVma(mm: MmState, vma: Vma): MmState {
  if (vmasInRange(mm, vma.start, vma.end).length > 0) {
    throw new Error(`insertVma: [${vma.start}, ${vma.end}) overlaps an existing vma`);
  }
  const out = cloneMm(mm);
  out.vmas.push(deepClone(vma));
  out.vmas.sort((a, b) => a.start - b.start);
  return out;
}

/** Installs a present pte mapping a new anonymous page with `contents` (test/scenario setup helper). */
export function populateAnon(mm: MmState, addr: number, contents: number, opts: { uffdWp?: boolean } = {}): MmState {
  const out = cloneMm(mm);
  const vma = findVma(out, addr);
  if (!vma) throw new Error(`populateAnon: no vma at ${addr}`);
  const base = pageAlign(addr, vmaPageSize(vma));
  const old = out.ptes[pteKey(base)];
  if (old && (old.kind === 'present' || old.kind === 'swap')) dropPageRef(out, old.page);
  const id = allocPage(out, contents, true);
  out.pages[String(id)].mapcount = 1;
  const uffdWp = opts.uffdWp ?? false;
  out.ptes[pteKey(base)] = { kind: 'present', page: id, writable: vma.prot.write && !uffdWp, uffdWp };
  return out;
}

/** Decrements a page's mapcount; frees an anonymous page that drops to 0 (mutates: for use on a clone). */
export function dropPageRef(mm: MmState, id: number): void {
  if (id === ZERO_PAGE) return;
  const p = mm.pages[String(id)];
  if (!p) return;
  p.mapcount = Math.max(0, p.mapcount - 1);
  if (p.mapcount === 1 && p.anon) p.exclusive = true;
  if (p.mapcount === 0 && p.anon) delete mm.pages[String(id)];
}
