/**
 * The range ioctls of userfaultfd.md's table, on (ctx, mm), per era: REGISTER, UNREGISTER, WAKE, COPY, ZEROPAGE,
 * WRITEPROTECT, CONTINUE, POISON, MOVE, and release (close). Each returns the new ctx and mm, the ioctl result
 * (errno + out-field) and the tasks to wake.
 *
 * Result conventions (userfaultfd.md "Common results"):
 * - all of len done → errno null, out = len;
 * - partly done → errno EAGAIN, out = bytes done;
 * - nothing done, error found while filling/moving → errno E, out = "-E";
 * - mmap_changing (4.18+) → errno EAGAIN, out "-EAGAIN" (COPY/ZEROPAGE/CONTINUE/POISON/MOVE write it; WRITEPROTECT
 *   has no out-field);
 * - argument validation errors (range, mode), -ESRCH (mm gone), -EINVAL for an ioctl missing in the era or before
 *   UFFDIO_API → errno only, out-field not written (undefined).
 */

import { eraAtLeast, eraOf } from '../../../common/era';
import type { Errno } from '../result';
import {
  type MmState,
  type Pte,
  type Vma,
  PAGE_SIZE,
  ZERO_PAGE,
  allocPage,
  ownMm,
  findVma,
  objectIndex,
  pageAlign,
  pteKey,
  vmaPageSize,
  vmasInRange,
  HPAGE_SIZE,
} from '../model/mm';
import { dropPte, normalizeVmas, pteKeysIn, splitAt } from '../model/ops';
import { ioctlAvailable, mmapChangingChecked, registerModesAvailable, wakeRange } from './ctx';
import type { NegErrno, UffdCtx, UffdEnv, UffdIoctl, UffdIoctlResult, UffdMode, UffdWake } from './types';

export interface UffdOpResult {
  ctx: UffdCtx;
  mm: MmState;
  result: UffdIoctlResult;
  wake: UffdWake;
}

const NO_WAKE: UffdWake = { tasks: [] };

function neg(e: Errno): NegErrno {
  return `-${e}`;
}

function res(ctx: UffdCtx, mm: MmState, ioctl: UffdIoctl, errno: Errno | null, out?: number | NegErrno): UffdOpResult {
  const result: UffdIoctlResult = { ioctl, errno };
  if (out !== undefined) result.out = out;
  return { ctx, mm, result, wake: NO_WAKE };
}

/** "0", a byte count, or "-EEXIST": the IoctlRecord.result string (result.ts). */
export function formatIoctlResult(r: UffdIoctlResult): string {
  if (r.out !== undefined && (r.errno === null || r.errno === 'EAGAIN')) {
    if (typeof r.out === 'number') return r.errno === null ? '0' : String(r.out);
  }
  return r.errno === null ? '0' : `-${r.errno}`;
}

/** Common gate: the ioctl exists in the era and UFFDIO_API was done; otherwise -EINVAL. */
function gate(env: UffdEnv, ctx: UffdCtx, ioctl: UffdIoctl): Errno | null {
  if (!ioctlAvailable(env.era, ioctl)) return 'EINVAL';
  if (!ctx.initialized) return 'EINVAL';
  return null;
}

/** validate_range(): aligned, non-zero, ≥ mmap_min_addr, within TASK_SIZE, no wrap. */
export function validateRange(mm: MmState, start: number, len: number): Errno | null {
  if (start % PAGE_SIZE !== 0 || len % PAGE_SIZE !== 0 || len === 0) return 'EINVAL';
  if (start < mm.mmapMinAddr || start >= mm.taskSize || len > mm.taskSize - start) return 'EINVAL';
  return null;
}

/** validate_unaligned_range() for COPY's src: len aligned and non-zero, start within user space. */
function validateUnalignedRange(mm: MmState, start: number, len: number): Errno | null {
  if (len % PAGE_SIZE !== 0 || len === 0) return 'EINVAL';
  if (start < mm.mmapMinAddr || start >= mm.taskSize || len > mm.taskSize - start) return 'EINVAL';
  return null;
}

const MODE_ORDER: UffdMode[] = ['MISSING', 'WP', 'MINOR'];

/** vma_can_userfault() per era, for the requested modes. */
export function vmaCanUserfault(era: UffdEnv['era'], vma: Vma, modes: readonly UffdMode[], wpAsync: boolean): boolean {
  const e = eraOf(era);
  const shmem = vma.type === 'shmem';
  const hugetlb = vma.type === 'hugetlb';
  const anon = vma.type === 'anon';
  if (!eraAtLeast(e, '4.11')) return anon;
  if (modes.includes('MINOR')) {
    if (hugetlb && !eraAtLeast(e, '5.13')) return false;
    if (shmem && !eraAtLeast(e, '5.14')) return false;
    if (!hugetlb && !shmem) return false;
  }
  if (wpAsync && modes.length === 1 && modes[0] === 'WP') return true;
  if (modes.includes('WP') && !anon && !eraAtLeast(e, '5.19')) return false;
  return anon || hugetlb || shmem;
}

/** The `ioctls` REGISTER returns for the range (basic set when a hugetlb vma is in it), per era. */
export function registerIoctls(era: UffdEnv['era'], modes: readonly UffdMode[], basic: boolean): UffdIoctl[] {
  const e = eraOf(era);
  const out: UffdIoctl[] = ['WAKE', 'COPY'];
  if (!basic) out.push('ZEROPAGE');
  if (!basic && eraAtLeast(e, '6.8')) out.push('MOVE');
  if (eraAtLeast(e, '5.7') && modes.includes('WP')) out.push('WRITEPROTECT');
  if (eraAtLeast(e, '5.13') && modes.includes('MINOR')) out.push('CONTINUE');
  if (eraAtLeast(e, '6.8')) out.push('POISON');
  return out;
}

function ctxByIdWp(ctx: UffdCtx, feature: string): boolean {
  return (ctx.features as string[]).includes(feature);
}

// ---------------------------------------------------------------------------------------------------------------
// REGISTER / UNREGISTER / WAKE

export interface RegisterArgs {
  start: number;
  len: number;
  /** Mode names; unknown names model unknown mode bits. Empty = mode 0. */
  modes: readonly string[];
}

export function uffdioRegister(env: UffdEnv, ctx: UffdCtx, mm: MmState, args: RegisterArgs): UffdOpResult {
  const g = gate(env, ctx, 'REGISTER');
  if (g) return res(ctx, mm, 'REGISTER', g);
  if (args.modes.length === 0) return res(ctx, mm, 'REGISTER', 'EINVAL');
  const avail = registerModesAvailable(env.era) as string[];
  if (args.modes.some((m) => !avail.includes(m))) return res(ctx, mm, 'REGISTER', 'EINVAL');
  const modes = MODE_ORDER.filter((m) => args.modes.includes(m));
  const bad = validateRange(mm, args.start, args.len);
  if (bad) return res(ctx, mm, 'REGISTER', bad);
  if (mm.exited) return res(ctx, mm, 'REGISTER', 'ENOMEM');
  const start = args.start;
  const end = args.start + args.len;
  const vmas = vmasInRange(mm, start, end);
  if (vmas.length === 0) return res(ctx, mm, 'REGISTER', 'EINVAL');
  if (vmas[0].type === 'hugetlb' && start % HPAGE_SIZE !== 0) return res(ctx, mm, 'REGISTER', 'EINVAL');
  const wpAsync = ctxByIdWp(ctx, 'WP_ASYNC');
  let basic = false;
  for (const v of vmas) {
    if (!vmaCanUserfault(env.era, v, modes, wpAsync)) return res(ctx, mm, 'REGISTER', 'EINVAL');
    if (!v.mayWrite) return res(ctx, mm, 'REGISTER', 'EPERM');
    if (v.type === 'hugetlb' && end <= v.end && end > v.start && end % HPAGE_SIZE !== 0) {
      return res(ctx, mm, 'REGISTER', 'EINVAL');
    }
    if (v.uffd && v.uffd.ctxId !== ctx.id) return res(ctx, mm, 'REGISTER', 'EBUSY');
    if (v.type === 'hugetlb') basic = true;
  }
  const out = ownMm(mm, env);
  splitAt(out, start);
  splitAt(out, end);
  for (const v of vmasInRange(out, start, end)) v.uffd = { ctxId: ctx.id, modes: [...modes] };
  normalizeVmas(out);
  return {
    ctx,
    mm: out,
    result: { ioctl: 'REGISTER', errno: null, ioctls: registerIoctls(env.era, modes, basic) },
    wake: NO_WAKE,
  };
}

/** Clears the uffd-wp state (bits and markers) of [s, e) in a vma (uffd_wp_range(..., false)). MUTATES. */
function clearWp(mm: MmState, v: Vma, s: number, e: number): void {
  for (const k of pteKeysIn(mm, s, e)) {
    const p = mm.ptes[k];
    if (p.kind === 'wp-marker') delete mm.ptes[k];
    else if ((p.kind === 'present' || p.kind === 'swap') && p.uffdWp) {
      mm.ptes[k] = p.kind === 'present' ? { ...p, uffdWp: false, writable: canWrite(mm, v, p) } : { ...p, uffdWp: false };
    }
  }
}

function canWrite(mm: MmState, v: Vma, p: Extract<Pte, { kind: 'present' }>): boolean {
  if (!v.prot.write || p.page === ZERO_PAGE) return false;
  if (v.shared) return true;
  const page = mm.pages[String(p.page)];
  return page !== undefined && page.anon && page.mapcount <= 1;
}

export function uffdioUnregister(env: UffdEnv, ctx: UffdCtx, mm: MmState, args: { start: number; len: number }): UffdOpResult {
  const g = gate(env, ctx, 'UNREGISTER');
  if (g) return res(ctx, mm, 'UNREGISTER', g);
  const bad = validateRange(mm, args.start, args.len);
  if (bad) return res(ctx, mm, 'UNREGISTER', bad);
  if (mm.exited) return res(ctx, mm, 'UNREGISTER', 'ENOMEM');
  const start = args.start;
  const end = args.start + args.len;
  const vmas = vmasInRange(mm, start, end);
  if (vmas.length === 0) return res(ctx, mm, 'UNREGISTER', 'EINVAL');
  if (vmas[0].type === 'hugetlb' && start % HPAGE_SIZE !== 0) return res(ctx, mm, 'UNREGISTER', 'EINVAL');
  const wpAsync = ctxByIdWp(ctx, 'WP_ASYNC');
  for (const v of vmas) {
    if (!vmaCanUserfault(env.era, v, v.uffd?.modes ?? [], wpAsync)) return res(ctx, mm, 'UNREGISTER', 'EINVAL');
    if (v.uffd && v.uffd.ctxId !== ctx.id) return res(ctx, mm, 'UNREGISTER', 'EINVAL');
  }
  const out = ownMm(mm, env);
  let c = ctx;
  const tasks: string[] = [];
  splitAt(out, start);
  splitAt(out, end);
  for (const v of vmasInRange(out, start, end)) {
    if (!v.uffd) continue;
    if (v.uffd.modes.includes('MISSING')) {
      // Wake pending MISSING faulters so they do not hang (the kernel wakes the whole vma-clipped range).
      const w = wakeRange(c, Math.max(start, v.start), Math.min(end, v.end) - Math.max(start, v.start));
      c = w.ctx;
      tasks.push(...w.tasks);
    }
    if (v.uffd.modes.includes('WP')) clearWp(out, v, v.start, v.end);
    delete v.uffd;
  }
  normalizeVmas(out);
  return { ctx: c, mm: out, result: { ioctl: 'UNREGISTER', errno: null }, wake: { tasks, range: { start, end } } };
}

export function uffdioWake(env: UffdEnv, ctx: UffdCtx, mm: MmState, args: { start: number; len: number }): UffdOpResult {
  const g = gate(env, ctx, 'WAKE');
  if (g) return res(ctx, mm, 'WAKE', g);
  const bad = validateRange(mm, args.start, args.len);
  if (bad) return res(ctx, mm, 'WAKE', bad);
  const w = wakeRange(ctx, args.start, args.len);
  return {
    ctx: w.ctx,
    mm,
    result: { ioctl: 'WAKE', errno: null },
    wake: { tasks: w.tasks, range: { start: args.start, end: args.start + args.len } },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// mfill: COPY / ZEROPAGE / CONTINUE / POISON

type FillKind = 'COPY' | 'ZEROPAGE' | 'CONTINUE' | 'POISON';

interface FillArgs {
  kind: FillKind;
  dst: number;
  len: number;
  wp: boolean;
  contents?: number | readonly number[];
  src?: number;
  srcUnreadable?: boolean;
}

/** Shared finish: out-field, wake-up of [dst, dst+done) unless DONTWAKE, 0 / -EAGAIN. */
function finishRange(
  ctx: UffdCtx,
  mm: MmState,
  ioctl: UffdIoctl,
  dst: number,
  len: number,
  done: number,
  err: Errno | null,
  dontwake: boolean,
): UffdOpResult {
  if (done === 0) return res(ctx, mm, ioctl, err ?? 'EINVAL', neg(err ?? 'EINVAL'));
  let c = ctx;
  let wake: UffdWake = NO_WAKE;
  if (!dontwake) {
    const w = wakeRange(c, dst, done);
    c = w.ctx;
    wake = { tasks: w.tasks, range: { start: dst, end: dst + done } };
  }
  const r: UffdIoctlResult = { ioctl, errno: done === len ? null : 'EAGAIN', out: done };
  return { ctx: c, mm, result: r, wake };
}

function contentsAt(args: FillArgs, i: number): number {
  const c = args.contents;
  if (typeof c === 'number') return c;
  if (Array.isArray(c) && c.length > 0) return c[Math.min(i, c.length - 1)];
  return (args.src ?? args.dst) + i * PAGE_SIZE;
}

/** mfill_atomic(): the per-page loop with its vma checks. Returns bytes done and the error that stopped it. */
function mfill(env: UffdEnv, ctx: UffdCtx, mm: MmState, a: FillArgs): { mm: MmState; done: number; err: Errno | null } {
  const out = ownMm(mm, env);
  const vma = findVma(out, a.dst);
  // validate_dst_vma: the whole range within one vma that is registered (with any ctx).
  if (!vma || a.dst + a.len > vma.end || !vma.uffd) return { mm, done: 0, err: 'ENOENT' };
  if (mmapChangingChecked(env.era) && ctx.mmapChanging > 0) return { mm, done: 0, err: 'EAGAIN' };
  if (a.wp && !vma.uffd.modes.includes('WP')) return { mm, done: 0, err: 'EINVAL' };
  const size = vmaPageSize(vma);
  if (vma.type === 'hugetlb') {
    if (a.kind === 'ZEROPAGE') return { mm, done: 0, err: 'EINVAL' };
    if (a.dst % size !== 0 || a.len % size !== 0) return { mm, done: 0, err: 'EINVAL' };
  } else if (vma.type !== 'anon' && vma.type !== 'shmem') {
    return { mm, done: 0, err: 'EINVAL' };
  }
  if (a.kind === 'CONTINUE' && vma.type === 'anon') return { mm, done: 0, err: 'EINVAL' };
  let done = 0;
  let err: Errno | null = null;
  for (let addr = a.dst, i = 0; addr < a.dst + a.len; addr += size, i++) {
    err = fillOne(out, vma, addr, a, i);
    if (err) break;
    done += size;
    if (env.caller?.fatalSignalPending && addr + size < a.dst + a.len) {
      err = 'EINTR';
      break;
    }
  }
  return { mm: done > 0 ? out : mm, done, err };
}

/** One page of mfill (mfill_atomic_pte and friends). MUTATES `mm` (a clone). */
function fillOne(mm: MmState, vma: Vma, addr: number, a: FillArgs, i: number): Errno | null {
  const key = pteKey(pageAlign(addr, vmaPageSize(vma)));
  const old = mm.ptes[key];
  if (a.kind === 'POISON') {
    // Refuses to overwrite any pte, even a marker.
    if (old) return 'EEXIST';
    mm.ptes[key] = { kind: 'poison-marker' };
    return null;
  }
  // pte_none_mostly: none or a marker may be overwritten.
  if (old && (old.kind === 'present' || old.kind === 'swap')) return 'EEXIST';
  const wp = a.wp;
  const obj = vma.object !== undefined ? mm.objects[vma.object] : undefined;
  const index = objectIndex(vma, addr);
  const install = (page: number, writable: boolean): void => {
    if (old) dropPte(mm, key);
    mm.pages[String(page)].mapcount++;
    mm.ptes[key] = { kind: 'present', page, writable: writable && !wp, uffdWp: wp };
  };
  if (a.kind === 'CONTINUE') {
    const entry = obj?.pages[String(index)];
    if (!entry) return 'EFAULT';
    if (mm.pages[String(entry.page)]?.hwpoison) return 'EIO';
    if (entry.state === 'io') {
      entry.state = 'uptodate';
      entry.latency = 0;
    }
    install(entry.page, vma.shared && vma.prot.write);
    return null;
  }
  if (a.kind === 'COPY' && a.srcUnreadable) return 'EFAULT';
  const contents = a.kind === 'ZEROPAGE' ? 0 : contentsAt(a, i);
  if (!vma.shared) {
    // Private (anon, shmem-private, hugetlb-private): a private anonymous page (or the zero page).
    if (a.kind === 'ZEROPAGE') {
      install(ZERO_PAGE, false);
      return null;
    }
    const id = allocPage(mm, contents, true);
    install(id, vma.prot.write);
    return null;
  }
  // Shared shmem / hugetlb: the page goes into the page cache; -EEXIST if the cache already has one.
  if (!obj) return 'EINVAL';
  if (obj.pages[String(index)]) return 'EEXIST';
  const id = allocPage(mm, contents, false);
  obj.pages[String(index)] = { page: id, state: 'uptodate', latency: 0 };
  install(id, vma.prot.write);
  return null;
}

export interface CopyArgs {
  dst: number;
  src: number;
  len: number;
  /** Mode names: DONTWAKE, WP (5.7+); unknown names model unknown bits. */
  mode?: readonly string[];
  /** Contents tag(s) of the source pages (default: src address of each page). */
  contents?: number | readonly number[];
  /** The source is not readable (copy_from_user fails) → -EFAULT in .copy. */
  srcUnreadable?: boolean;
}

function mmapChangingResult(env: UffdEnv, ctx: UffdCtx, mm: MmState, ioctl: UffdIoctl): UffdOpResult | null {
  if (mmapChangingChecked(env.era) && ctx.mmapChanging > 0) return res(ctx, mm, ioctl, 'EAGAIN', '-EAGAIN');
  return null;
}

export function uffdioCopy(env: UffdEnv, ctx: UffdCtx, mm: MmState, args: CopyArgs): UffdOpResult {
  const g = gate(env, ctx, 'COPY');
  if (g) return res(ctx, mm, 'COPY', g);
  const mc = mmapChangingResult(env, ctx, mm, 'COPY');
  if (mc) return mc;
  const bad = validateUnalignedRange(mm, args.src, args.len) ?? validateRange(mm, args.dst, args.len);
  if (bad) return res(ctx, mm, 'COPY', bad);
  const modes = args.mode ?? [];
  const allowed = eraAtLeast(eraOf(env.era), '5.7') ? ['DONTWAKE', 'WP'] : ['DONTWAKE'];
  if (modes.some((m) => !allowed.includes(m))) return res(ctx, mm, 'COPY', 'EINVAL');
  if (mm.exited) return res(ctx, mm, 'COPY', 'ESRCH');
  const fill: FillArgs = { kind: 'COPY', dst: args.dst, len: args.len, wp: modes.includes('WP'), src: args.src };
  if (args.contents !== undefined) fill.contents = args.contents;
  if (args.srcUnreadable) fill.srcUnreadable = true;
  const r = mfill(env, ctx, mm, fill);
  return finishRange(ctx, r.mm, 'COPY', args.dst, args.len, r.done, r.err, modes.includes('DONTWAKE'));
}

export interface ZeropageArgs {
  start: number;
  len: number;
  mode?: readonly string[];
}

export function uffdioZeropage(env: UffdEnv, ctx: UffdCtx, mm: MmState, args: ZeropageArgs): UffdOpResult {
  const g = gate(env, ctx, 'ZEROPAGE');
  if (g) return res(ctx, mm, 'ZEROPAGE', g);
  const mc = mmapChangingResult(env, ctx, mm, 'ZEROPAGE');
  if (mc) return mc;
  const bad = validateRange(mm, args.start, args.len);
  if (bad) return res(ctx, mm, 'ZEROPAGE', bad);
  const modes = args.mode ?? [];
  if (modes.some((m) => m !== 'DONTWAKE')) return res(ctx, mm, 'ZEROPAGE', 'EINVAL');
  if (mm.exited) return res(ctx, mm, 'ZEROPAGE', 'ESRCH');
  const r = mfill(env, ctx, mm, { kind: 'ZEROPAGE', dst: args.start, len: args.len, wp: false });
  return finishRange(ctx, r.mm, 'ZEROPAGE', args.start, args.len, r.done, r.err, modes.includes('DONTWAKE'));
}

export interface ContinueArgs {
  start: number;
  len: number;
  /** DONTWAKE, WP. */
  mode?: readonly string[];
}

export function uffdioContinue(env: UffdEnv, ctx: UffdCtx, mm: MmState, args: ContinueArgs): UffdOpResult {
  const g = gate(env, ctx, 'CONTINUE');
  if (g) return res(ctx, mm, 'CONTINUE', g);
  const mc = mmapChangingResult(env, ctx, mm, 'CONTINUE');
  if (mc) return mc;
  const bad = validateRange(mm, args.start, args.len);
  if (bad) return res(ctx, mm, 'CONTINUE', bad);
  const modes = args.mode ?? [];
  if (modes.some((m) => m !== 'DONTWAKE' && m !== 'WP')) return res(ctx, mm, 'CONTINUE', 'EINVAL');
  if (mm.exited) return res(ctx, mm, 'CONTINUE', 'ESRCH');
  const r = mfill(env, ctx, mm, { kind: 'CONTINUE', dst: args.start, len: args.len, wp: modes.includes('WP') });
  return finishRange(ctx, r.mm, 'CONTINUE', args.start, args.len, r.done, r.err, modes.includes('DONTWAKE'));
}

export function uffdioPoison(
  env: UffdEnv,
  ctx: UffdCtx,
  mm: MmState,
  args: { start: number; len: number; mode?: readonly string[] },
): UffdOpResult {
  const g = gate(env, ctx, 'POISON');
  if (g) return res(ctx, mm, 'POISON', g);
  const mc = mmapChangingResult(env, ctx, mm, 'POISON');
  if (mc) return mc;
  const bad = validateRange(mm, args.start, args.len);
  if (bad) return res(ctx, mm, 'POISON', bad);
  const modes = args.mode ?? [];
  if (modes.some((m) => m !== 'DONTWAKE')) return res(ctx, mm, 'POISON', 'EINVAL');
  // The spec: "requires UFFD_FEATURE_POISON"; without it we fail the whole ioctl with -EINVAL.
  if (!ctx.features.includes('POISON')) return res(ctx, mm, 'POISON', 'EINVAL');
  if (mm.exited) return res(ctx, mm, 'POISON', 'ESRCH');
  const r = mfill(env, ctx, mm, { kind: 'POISON', dst: args.start, len: args.len, wp: false });
  return finishRange(ctx, r.mm, 'POISON', args.start, args.len, r.done, r.err, modes.includes('DONTWAKE'));
}

// ---------------------------------------------------------------------------------------------------------------
// WRITEPROTECT

export function uffdioWriteprotect(
  env: UffdEnv,
  ctx: UffdCtx,
  mm: MmState,
  args: { start: number; len: number; mode?: readonly string[] },
): UffdOpResult {
  const g = gate(env, ctx, 'WRITEPROTECT');
  if (g) return res(ctx, mm, 'WRITEPROTECT', g);
  if (mmapChangingChecked(env.era) && ctx.mmapChanging > 0) return res(ctx, mm, 'WRITEPROTECT', 'EAGAIN');
  const bad = validateRange(mm, args.start, args.len);
  if (bad) return res(ctx, mm, 'WRITEPROTECT', bad);
  const modes = args.mode ?? [];
  if (modes.some((m) => m !== 'WP' && m !== 'DONTWAKE')) return res(ctx, mm, 'WRITEPROTECT', 'EINVAL');
  const wp = modes.includes('WP');
  const dontwake = modes.includes('DONTWAKE');
  if (wp && dontwake) return res(ctx, mm, 'WRITEPROTECT', 'EINVAL');
  if (mm.exited) return res(ctx, mm, 'WRITEPROTECT', 'ESRCH');
  const e = eraOf(env.era);
  const start = args.start;
  const end = args.start + args.len;
  // Check every vma first (all-or-nothing: an error leaves the mm untouched), then change the ptes.
  let err: Errno | null = 'ENOENT';
  for (const v of vmasInRange(mm, start, end)) {
    if (!v.uffd || !v.uffd.modes.includes('WP')) {
      err = 'ENOENT';
      break;
    }
    if (v.type === 'hugetlb' && (start % HPAGE_SIZE !== 0 || args.len % HPAGE_SIZE !== 0)) {
      err = 'EINVAL';
      break;
    }
    err = null;
  }
  if (err) return res(ctx, mm, 'WRITEPROTECT', err);
  const out = ownMm(mm, env);
  for (const v of vmasInRange(out, start, end)) {
    const s = Math.max(v.start, start);
    const t = Math.min(v.end, end);
    const size = vmaPageSize(v);
    if (wp) {
      const fileMarkers = (v.type === 'shmem' || v.type === 'hugetlb') && eraAtLeast(e, '5.19');
      const anonMarkers = v.type === 'anon' && ctx.features.includes('WP_UNPOPULATED');
      for (let a = s; a < t; a += size) {
        const k = pteKey(a);
        const p = out.ptes[k];
        if (!p) {
          if (fileMarkers || anonMarkers) out.ptes[k] = { kind: 'wp-marker' };
        } else if (p.kind === 'present') {
          out.ptes[k] = { ...p, writable: false, uffdWp: true };
        } else if (p.kind === 'swap') {
          out.ptes[k] = { ...p, uffdWp: true };
        }
      }
    } else {
      clearWp(out, v, s, t);
    }
  }
  let c = ctx;
  let wake: UffdWake = NO_WAKE;
  if (!wp && !dontwake) {
    const w = wakeRange(c, start, args.len);
    c = w.ctx;
    wake = { tasks: w.tasks, range: { start, end } };
  }
  return { ctx: c, mm: out, result: { ioctl: 'WRITEPROTECT', errno: null }, wake };
}

// ---------------------------------------------------------------------------------------------------------------
// MOVE

export interface MoveArgs {
  dst: number;
  src: number;
  len: number;
  /** DONTWAKE, ALLOW_SRC_HOLES. */
  mode?: readonly string[];
}

export function uffdioMove(env: UffdEnv, ctx: UffdCtx, mm: MmState, args: MoveArgs): UffdOpResult {
  const g = gate(env, ctx, 'MOVE');
  if (g) return res(ctx, mm, 'MOVE', g);
  if (mm.exited) return res(ctx, mm, 'MOVE', 'ESRCH');
  const mc = mmapChangingResult(env, ctx, mm, 'MOVE');
  if (mc) return mc;
  // Only the owning process: ctx->mm == current->mm.
  if ((env.caller?.mmId ?? ctx.mmId) !== ctx.mmId) return res(ctx, mm, 'MOVE', 'EINVAL');
  const bad = validateRange(mm, args.dst, args.len) ?? validateRange(mm, args.src, args.len);
  if (bad) return res(ctx, mm, 'MOVE', bad);
  const modes = args.mode ?? [];
  if (modes.some((m) => m !== 'DONTWAKE' && m !== 'ALLOW_SRC_HOLES')) return res(ctx, mm, 'MOVE', 'EINVAL');
  const r = movePages(env, ctx, mm, args.dst, args.src, args.len, modes.includes('ALLOW_SRC_HOLES'));
  return finishRange(ctx, r.mm, 'MOVE', args.dst, args.len, r.done, r.err, modes.includes('DONTWAKE'));
}

function protEqual(a: Vma, b: Vma): boolean {
  return a.prot.read === b.prot.read && a.prot.write === b.prot.write && a.prot.exec === b.prot.exec;
}

/** move_pages(): vma checks, then page by page (dst must be none, src hole → -ENOENT unless allowed). */
function movePages(
  env: UffdEnv,
  ctx: UffdCtx,
  mm: MmState,
  dst: number,
  src: number,
  len: number,
  allowHoles: boolean,
): { mm: MmState; done: number; err: Errno | null } {
  const fail = (err: Errno): { mm: MmState; done: number; err: Errno } => ({ mm, done: 0, err });
  const dv = findVma(mm, dst);
  const sv = findVma(mm, src);
  if (!dv || !sv) return fail('ENOENT');
  if (mmapChangingChecked(env.era) && ctx.mmapChanging > 0) return fail('EAGAIN');
  if (dv.shared || sv.shared) return fail('EINVAL');
  if (src + len > sv.end || dst + len > dv.end) return fail('EINVAL');
  if (!protEqual(sv, dv) || sv.locked !== dv.locked) return fail('EINVAL');
  if (!sv.prot.write) return fail('EINVAL');
  const incompatible = (v: Vma): boolean => v.type === 'pfnmap' || v.type === 'hugetlb' || v.type === 'dax';
  if (incompatible(sv) || incompatible(dv)) return fail('EINVAL');
  if (!dv.uffd || dv.uffd.ctxId !== ctx.id) return fail('EINVAL');
  if (sv.type !== 'anon' || dv.type !== 'anon') return fail('EINVAL');
  const out = ownMm(mm, env);
  let done = 0;
  let err: Errno | null = null;
  for (let off = 0; off < len; off += PAGE_SIZE) {
    const dk = pteKey(dst + off);
    const sk = pteKey(src + off);
    const dp = out.ptes[dk];
    const sp = out.ptes[sk];
    if (dp) {
      err = 'EEXIST';
      break;
    }
    if (!sp) {
      if (!allowHoles) {
        err = 'ENOENT';
        break;
      }
    } else if (sp.kind === 'wp-marker' || sp.kind === 'poison-marker') {
      err = 'EFAULT';
      break;
    } else {
      const page = out.pages[String(sp.page)];
      if (sp.page !== ZERO_PAGE && (!page || page.mapcount > 1 || (sp.kind === 'present' && !page.exclusive))) {
        err = 'EBUSY';
        break;
      }
      delete out.ptes[sk];
      out.ptes[dk] =
        sp.kind === 'present'
          ? { kind: 'present', page: sp.page, writable: sp.page !== ZERO_PAGE && dv.prot.write, uffdWp: false }
          : { ...sp, uffdWp: false };
    }
    done += PAGE_SIZE;
    if (env.caller?.fatalSignalPending && off + PAGE_SIZE < len) {
      err = 'EINTR';
      break;
    }
  }
  return { mm: done > 0 ? out : mm, done, err };
}

// ---------------------------------------------------------------------------------------------------------------
// Release (close)

export interface ReleaseResult {
  ctx: UffdCtx;
  mm: MmState;
  /** All faulters and event producers to wake (range len 0 = all). */
  wake: UffdWake;
  /** Ids of the ctxs announced by unread FORK events: torn down with this release. */
  tornDownForkCtxs: string[];
}

/**
 * userfaultfd_release(): sets released, clears this ctx's registrations from every vma of its mm (and the uffd-wp
 * state of WP-registered ranges), wakes every queued fault and every event producer (mmap_changing back to 0).
 * The woken faulters re-fault on the now-unregistered range and complete normally.
 */
export function releaseUffd(ctx: UffdCtx, mm: MmState, opts: { consumesMm?: boolean } = {}): ReleaseResult {
  let out = mm;
  if (mm.id === ctx.mmId) {
    out = ownMm(mm, opts);
    for (const v of out.vmas) {
      if (!v.uffd || v.uffd.ctxId !== ctx.id) continue;
      if (v.uffd.modes.includes('WP')) clearWp(out, v, v.start, v.end);
      delete v.uffd;
    }
    normalizeVmas(out);
  }
  const tasks = [...ctx.waiters.map((w) => w.task), ...ctx.events.flatMap((e) => (e.producer ? [e.producer] : []))];
  const forks = ctx.events.flatMap((e) => (e.msg.event === 'FORK' ? [e.msg.ufd] : []));
  const c: UffdCtx = { ...structuredClone(ctx), released: true, waiters: [], events: [], mmapChanging: 0 };
  return { ctx: c, mm: out, wake: { tasks, range: 'all' }, tornDownForkCtxs: forks };
}
