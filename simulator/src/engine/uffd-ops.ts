/**
 * The userfaultfd file from user space: read(2), ioctls, a serving monitor, close(2).
 */

import { findVma } from '../model';
import { type UffdIoctlOp, type UffdServeOp } from '../scenario/types';
import { uffdRead } from '../uffd';
import { type Ctx, blockOn, delay, emit, hex, nextOp, resolveOpAddress, wake } from './ctx';
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

export function uffdClose(c: Ctx, t: TaskState, ctxId: string): void {
  if (!c.S.uffds[ctxId]) return;
  const woken = closeUffd(c.S, ctxId);
  emit(c, t.id, 'uffd-ioctl', `close(uffd ${ctxId}): release, wake ${woken.length} task(s)`);
  for (const w of woken) wake(c, w, 'released');
  for (const m of c.S.tasks) if (m.block?.k === 'uffd-read' && m.block.ctx === ctxId) wake(c, m.id);
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
