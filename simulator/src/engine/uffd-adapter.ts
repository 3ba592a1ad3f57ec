/**
 * Thin adapter between the engine and the uffd module (simulator/src/uffd). The decision ladder
 * (handleUserfault / userfaultWakeResult) comes from there; the ioctls below are the engine's minimal
 * implementation of the error semantics it needs, used until/unless the uffd module's ioctls are wired in.
 */

import { PAGE_SIZE, allocPage, dropPageRef, findVma, objectIndex, pageAlign, vmaPageSize, type MmState, type Vma } from '../model';
import { eraAtLeast, type Era } from '../../../common/era';
import type { UffdCtx, UffdFeature, UffdMode } from '../uffd';
import type { Errno } from '../result';

export interface IoctlRequest {
  ioctl: string;
  address?: number;
  src?: number;
  pages?: number;
  mode?: string[];
  features?: string[];
  api?: number;
  /** ctx->mm == current->mm */
  sameMm: boolean;
}

export interface IoctlOutcome {
  /** "0", byte count, or "-EEXIST" … */
  result: string;
  errno: Errno | null;
  /** Faulters to wake in [start,end) (len 0 = none). */
  wakeRange?: { start: number; end: number };
}

function err(e: Errno): IoctlOutcome {
  return { result: `-${e}`, errno: e };
}

function registered(vma: Vma | undefined, ctx: UffdCtx, mode?: UffdMode): boolean {
  return !!vma && !!vma.uffd && vma.uffd.ctxId === ctx.id && (mode === undefined || vma.uffd.modes.includes(mode));
}

/** Runs one ioctl, mutating mm and ctx in place (the engine works on its own clone). */
export function runIoctl(era: Era, mm: MmState, ctx: UffdCtx, req: IoctlRequest): IoctlOutcome {
  if (req.ioctl === 'API') {
    if (ctx.initialized) return err('EINVAL');
    if ((req.api ?? 0xaa) !== 0xaa) return err('EINVAL');
    ctx.initialized = true;
    ctx.features = [...new Set([...(ctx.features ?? []), ...((req.features ?? []) as UffdFeature[])])];
    return { result: '0', errno: null };
  }
  if (!ctx.initialized) return err('EINVAL');
  const start = req.address ?? 0;
  const len = (req.pages ?? 1) * PAGE_SIZE;
  const mode = req.mode ?? [];
  const mutating = ['COPY', 'ZEROPAGE', 'CONTINUE', 'POISON', 'MOVE', 'WRITEPROTECT'].includes(req.ioctl);
  if (mutating && ctx.mmapChanging > 0) return err('EAGAIN');
  const vma = findVma(mm, start);
  switch (req.ioctl) {
    case 'REGISTER': {
      const modes = mode.filter((m): m is UffdMode => m === 'MISSING' || m === 'WP' || m === 'MINOR');
      if (modes.length === 0 || modes.length !== mode.length) return err('EINVAL');
      if (!vma || start + len > vma.end) return err('EINVAL');
      if (modes.includes('MINOR') && vma.type === 'anon') return err('EINVAL');
      if (!vma.mayWrite) return err('EPERM');
      if (vma.uffd && vma.uffd.ctxId !== ctx.id) return err('EBUSY');
      vma.uffd = { ctxId: ctx.id, modes: (['MISSING', 'WP', 'MINOR'] as UffdMode[]).filter((m) => modes.includes(m)) };
      return { result: '0', errno: null };
    }
    case 'UNREGISTER': {
      if (!vma) return err('EINVAL');
      if (vma.uffd && vma.uffd.ctxId !== ctx.id) return err('EINVAL');
      const wasMissing = vma.uffd?.modes.includes('MISSING') ?? false;
      delete vma.uffd;
      return wasMissing ? { result: '0', errno: null, wakeRange: { start: vma.start, end: vma.end } } : { result: '0', errno: null };
    }
    case 'WAKE':
      return { result: '0', errno: null, wakeRange: { start, end: start + len } };
    case 'COPY':
    case 'ZEROPAGE':
    case 'CONTINUE':
    case 'POISON': {
      if (!vma || !registered(vma, ctx) || start + len > vma.end) return err('ENOENT');
      if (req.ioctl === 'ZEROPAGE' && vma.type === 'hugetlb') return err('EINVAL');
      if (req.ioctl === 'CONTINUE' && vma.type === 'anon') return err('EINVAL');
      if (req.ioctl === 'POISON' && !ctx.features.includes('POISON')) return err('EINVAL');
      const ps = vmaPageSize(vma);
      let done = 0;
      for (let a = pageAlign(start, ps); a < start + len; a += ps) {
        const pte = mm.ptes[String(a)];
        if (pte && (pte.kind === 'present' || pte.kind === 'swap')) {
          if (done === 0) return err('EEXIST');
          break;
        }
        if (req.ioctl === 'POISON') mm.ptes[String(a)] = { kind: 'poison-marker' };
        else if (req.ioctl === 'CONTINUE') {
          const obj = vma.object ? mm.objects[vma.object] : undefined;
          const ce = obj?.pages[String(objectIndex(vma, a))];
          if (!ce) return done === 0 ? err('EFAULT') : { result: String(done), errno: null };
          mm.pages[String(ce.page)].mapcount++;
          mm.ptes[String(a)] = { kind: 'present', page: ce.page, writable: vma.prot.write, uffdWp: mode.includes('WP') };
        } else {
          const id = allocPage(mm, req.ioctl === 'COPY' ? 1 : 0, true);
          mm.pages[String(id)].mapcount = 1;
          mm.ptes[String(a)] = { kind: 'present', page: id, writable: vma.prot.write && !mode.includes('WP'), uffdWp: mode.includes('WP') };
        }
        done += ps;
      }
      const wake = !mode.includes('DONTWAKE');
      return { result: String(done), errno: null, ...(wake ? { wakeRange: { start, end: start + done } } : {}) };
    }
    case 'WRITEPROTECT': {
      const wp = mode.includes('WP');
      if (wp && mode.includes('DONTWAKE')) return err('EINVAL');
      if (!vma) return err('ENOENT');
      if (!registered(vma, ctx, 'WP')) return err('EINVAL');
      for (let a = start; a < start + len; a += PAGE_SIZE) {
        const pte = mm.ptes[String(a)];
        if (!pte) {
          if (wp && vma.type !== 'anon') mm.ptes[String(a)] = { kind: 'wp-marker' };
          continue;
        }
        if (pte.kind === 'present') {
          pte.uffdWp = wp;
          pte.writable = !wp && vma.prot.write;
        } else if (pte.kind === 'swap') pte.uffdWp = wp;
        else if (pte.kind === 'wp-marker' && !wp) delete mm.ptes[String(a)];
      }
      return !wp && !mode.includes('DONTWAKE')
        ? { result: '0', errno: null, wakeRange: { start, end: start + len } }
        : { result: '0', errno: null };
    }
    case 'MOVE': {
      if (!eraAtLeast(era, '6.8')) return err('EINVAL');
      if (!req.sameMm) return err('EINVAL');
      const src = req.src ?? 0;
      const svma = findVma(mm, src);
      if (!vma || !svma) return err('ENOENT');
      if (vma.shared || svma.shared || vma.type !== 'anon' || svma.type !== 'anon') return err('EINVAL');
      if (!registered(vma, ctx) || !svma.prot.write) return err('EINVAL');
      let moved = 0;
      for (let i = 0; i * PAGE_SIZE < len; i++) {
        const d = start + i * PAGE_SIZE;
        const s = src + i * PAGE_SIZE;
        const dp = mm.ptes[String(d)];
        const sp = mm.ptes[String(s)];
        let e: Errno | null = null;
        if (dp && (dp.kind === 'present' || dp.kind === 'swap')) e = 'EEXIST';
        else if (!sp || (sp.kind !== 'present' && sp.kind !== 'swap')) {
          if (mode.includes('ALLOW_SRC_HOLES')) {
            moved += PAGE_SIZE;
            continue;
          }
          e = 'ENOENT';
        } else if ((mm.pages[String(sp.page)]?.mapcount ?? 1) > 1) e = 'EBUSY';
        if (e) return moved === 0 ? err(e) : { result: String(moved), errno: null, wakeRange: { start, end: start + moved } };
        if (sp && (sp.kind === 'present' || sp.kind === 'swap')) {
          mm.ptes[String(d)] = sp;
          delete mm.ptes[String(s)];
        }
        moved += PAGE_SIZE;
      }
      return { result: String(moved), errno: null, ...(mode.includes('DONTWAKE') ? {} : { wakeRange: { start, end: start + moved } }) };
    }
  }
  return err('EINVAL');
}

/** MADV_DONTNEED / MADV_REMOVE zap (ptes in range; anon pages freed). */
export function zapRange(mm: MmState, start: number, end: number): void {
  for (const k of Object.keys(mm.ptes)) {
    const a = Number(k);
    if (a >= start && a < end) {
      const pte = mm.ptes[k];
      if (pte.kind === 'present' || pte.kind === 'swap') dropPageRef(mm, pte.page);
      delete mm.ptes[k];
    }
  }
}
