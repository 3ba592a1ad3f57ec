/**
 * The userfaultfd file from user space: read(2), ioctls, a serving monitor, close(2).
 */

import { findVma } from '../model';
import { type UffdIoctlOp, type UffdServeOp } from '../scenario/types';
import { uffdRead } from '../uffd';
import { type Ctx, blockOn, delay, emit, hex, nextOp, resolveOpAddress, wake } from './ctx';
import { lockMm, unlockMm } from './mm-lock';
import { type Frame, type TaskState } from './state';
import { type IoctlRequest, closeUffd, runIoctl } from './uffd-adapter';

/** read(2) on the uffd: the first message, or 'blocked' / 'eagain'. */
export function readUffd(c: Ctx, t: TaskState, ctxId: string, nonblock: boolean): { address: number; event: string } | 'blocked' | 'eagain' {
  const u = c.S.uffds[ctxId];
  if (!u) return 'eagain';
  if (u.released) return 'eagain';
  const r = uffdRead(u, { nonblock });
  c.S.uffds[ctxId] = r.ctx;
  if (r.kind === 'error') return 'eagain';
  if (r.kind === 'would-block') {
    blockOn(c, t, { k: 'uffd-read', ctx: ctxId });
    return 'blocked';
  }
  const m = r.msgs[0];
  c.rec.metrics.uffdMessagesRead += r.msgs.length;
  for (const p of r.wake) wake(c, p);
  if (m.event === 'PAGEFAULT') {
    emit(c, t.id, 'uffd-message', `read: UFFD_EVENT_PAGEFAULT ${hex(m.address)} [${m.flags.join('|')}]`, { address: m.address, flags: m.flags });
    return { address: m.address, event: 'PAGEFAULT' };
  }
  emit(c, t.id, 'uffd-event', `read: UFFD_EVENT_${m.event}`);
  return { address: 'start' in m ? m.start : 0, event: m.event };
}

export function doIoctl(c: Ctx, t: TaskState, ctxId: string, req: IoctlRequest): string {
  const u = c.S.uffds[ctxId];
  let result: string;
  if (!u || u.released) result = '-EBADF';
  else {
    const out = runIoctl(c.R.era, c.S, ctxId, req);
    result = out.result;
    for (const w of out.wake) wake(c, w);
    if (out.wake.length) emit(c, t.id, 'uffd-wake', `wake ${out.wake.join(', ')}`);
  }
  c.rec.metrics.ioctls.push({ t: c.S.now, task: t.id, ioctl: `UFFDIO_${req.ioctl}`, result });
  emit(c, t.id, 'uffd-ioctl', `UFFDIO_${req.ioctl}${req.address !== undefined ? ` ${hex(req.address)}` : ''} → ${result}`, { ioctl: req.ioctl, result });
  return result;
}

/**
 * close(uffd) → userfaultfd_release() (fs/userfaultfd.c, every era from v4.3): WRITE_ONCE(ctx->released, true)
 * first; then mmap_write_lock (so the close waits behind every mmap_lock holder, and faults that arrive meanwhile
 * take handle_userfault()'s released-ctx rung); then, under the lock, every vma of the ctx is unregistered
 * (from v6.4 vm_flags changes need vma_start_write(), which waits for per-VMA-lock readers); then
 * mmap_write_unlock, and only then the pending and queued faults (range len 0 = all) and the event waiters are woken.
 */
export function stepClose(c: Ctx, t: TaskState, ctxId: string, f: Extract<Frame, { kind: 'close' }>): void {
  for (;;) {
    switch (f.phase) {
      case 'release': {
        const u = c.S.uffds[ctxId];
        if (!u || u.released) {
          nextOp(c, t);
          return;
        }
        c.S.uffds[ctxId] = { ...u, released: true };
        emit(c, t.id, 'uffd-ioctl', `close(uffd ${ctxId}): ctx->released = true; mmap_write_lock to unregister`);
        // A reader of the fd is gone with it (read() cannot race with the final fput).
        for (const m of c.S.tasks) if (m.block?.k === 'uffd-read' && m.block.ctx === ctxId) wake(c, m.id);
        f.phase = 'lock';
        if (!lockMm(c, t, 'write')) return;
        continue;
      }
      case 'lock':
        f.phase = 'vma-write';
        continue;
      case 'vma-write': {
        if (c.R.vmaLocks) {
          const mine = c.S.mm.vmas.filter((v) => v.uffd?.ctxId === ctxId).map((v) => v.start);
          for (const v of mine) c.S.vmaWriteLocked[String(v)] = t.id;
          const busy = mine.find((v) => (c.S.vmaReaders[String(v)] ?? []).length > 0);
          if (busy !== undefined) {
            emit(c, t.id, 'vma-lock', `vma_start_write(${hex(busy)}) waits for VMA readers`);
            blockOn(c, t, { k: 'vma-write', vma: busy });
            return;
          }
        }
        f.phase = 'unregister';
        continue;
      }
      case 'unregister': {
        const woken = closeUffd(c.S, ctxId);
        emit(c, t.id, 'uffd-ioctl', `close(uffd ${ctxId}): vmas unregistered; mmap_write_unlock; wake ${woken.length} task(s)`);
        unlockMm(c, t, 'write');
        for (const w of woken) wake(c, w, 'released');
        nextOp(c, t);
        return;
      }
    }
  }
}

export function stepServe(c: Ctx, t: TaskState, op: UffdServeOp, f: Extract<Frame, { kind: 'serve' }>): void {
  for (;;) {
    switch (f.phase) {
      case 'read': {
        if (f.left <= 0) {
          nextOp(c, t);
          return;
        }
        const r = readUffd(c, t, op.uffd, false);
        if (r === 'blocked') return;
        if (r === 'eagain') {
          nextOp(c, t);
          return;
        }
        if (r.event !== 'PAGEFAULT') continue;
        f.msgAddress = r.address;
        f.phase = 'ioctl';
        delay(c, t, op.latencyUs ?? 0, true);
        return;
      }
      case 'ioctl': {
        const addr = f.msgAddress;
        const req: { ioctl: string; address: number; pages: number; mode: string[]; src?: number } = { ioctl: op.resolve, address: addr, pages: 1, mode: [] };
        if (op.resolve === 'MOVE' && op.moveFrom !== undefined) {
          const v = findVma(c.S.mm, addr);
          const src = c.S.vmaIds[op.moveFrom];
          if (v && src !== undefined) req.src = src + (addr - v.start);
        }
        const res = doIoctl(c, t, op.uffd, req);
        if (res === '-EEXIST' && op.wakeOnEexist !== false) doIoctl(c, t, op.uffd, { ioctl: 'WAKE', address: addr, pages: 1 });
        f.left--;
        f.phase = 'read';
        delay(c, t, c.I.ioctlCost);
        return;
      }
      default:
        return;
    }
  }
}

export function stepIoctl(c: Ctx, t: TaskState, op: UffdIoctlOp, f: Extract<Frame, { kind: 'ioctl' }>): void {
  if (f.phase === 'latency') {
    f.phase = 'do';
    delay(c, t, op.afterUs ?? 0, true);
    return;
  }
  const req = {
    ioctl: op.ioctl,
    ...(op.address !== undefined ? { address: resolveOpAddress(c, op.address) } : {}),
    ...(op.src !== undefined ? { src: resolveOpAddress(c, op.src) } : {}),
    pages: op.pages ?? 1,
    mode: op.mode ?? [],
    ...(op.features ? { features: op.features } : {}),
    ...(op.api !== undefined ? { api: op.api } : {}),
  };
  const res = doIoctl(c, t, op.uffd, req);
  if (op.expect !== undefined && op.expect !== res) emit(c, t.id, 'note', `expected ${op.expect}, got ${res}`);
  nextOp(c, t);
  delay(c, t, c.I.ioctlCost);
}
