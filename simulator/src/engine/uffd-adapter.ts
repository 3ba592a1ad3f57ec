/**
 * Thin adapter between the engine and the uffd module (simulator/src/uffd): maps the scenario's ioctl requests
 * to the module's pure functions (which return new ctx/mm states and the tasks to wake) and writes the results
 * back into the engine's SimState. All error semantics live in the uffd module.
 */

import { PAGE_SIZE } from '../model';
import {
  formatIoctlResult,
  releaseUffd,
  uffdioApi,
  uffdioContinue,
  uffdioCopy,
  uffdioMove,
  uffdioPoison,
  uffdioRegister,
  uffdioUnregister,
  uffdioWake,
  uffdioWriteprotect,
  uffdioZeropage,
  type UffdEnv,
  type UffdOpResult,
} from '../uffd';
import type { Era } from '../../../common/era';
import type { SimState } from './state';

export interface IoctlRequest {
  ioctl: string;
  address?: number;
  src?: number;
  pages?: number;
  mode?: string[];
  features?: string[];
  api?: number;
}

/** Source buffer of UFFDIO_COPY in the monitor's address space (any user address). */
export const COPY_SRC = 0x7f0000000000;

/** Runs one ioctl on S (ctx and mm replaced by the results). Returns the result string and the tasks to wake. */
export function runIoctl(era: Era, S: SimState, ctxId: string, req: IoctlRequest): { result: string; wake: string[] } {
  const ctx = S.uffds[ctxId];
  // S.mm is the engine's own (the explorer clones whole states before stepping): the ioctls change it in place.
  const env: UffdEnv = { era, caller: { mmId: S.mm.id, capSysPtrace: true }, consumesMm: true };
  const start = req.address ?? 0;
  const len = (req.pages ?? 1) * PAGE_SIZE;
  const mode = req.mode ?? [];
  if (req.ioctl === 'API') {
    const r = uffdioApi(env, ctx, { api: req.api ?? 0xaa, features: req.features ?? [] });
    S.uffds[ctxId] = r.ctx;
    return { result: formatIoctlResult(r.result), wake: [] };
  }
  let r: UffdOpResult;
  switch (req.ioctl) {
    case 'REGISTER':
      r = uffdioRegister(env, ctx, S.mm, { start, len, modes: mode });
      break;
    case 'UNREGISTER':
      r = uffdioUnregister(env, ctx, S.mm, { start, len });
      break;
    case 'WAKE':
      r = uffdioWake(env, ctx, S.mm, { start, len });
      break;
    case 'COPY':
      r = uffdioCopy(env, ctx, S.mm, { dst: start, src: req.src ?? COPY_SRC, len, mode });
      break;
    case 'ZEROPAGE':
      r = uffdioZeropage(env, ctx, S.mm, { start, len, mode });
      break;
    case 'CONTINUE':
      r = uffdioContinue(env, ctx, S.mm, { start, len, mode });
      break;
    case 'POISON':
      r = uffdioPoison(env, ctx, S.mm, { start, len, mode });
      break;
    case 'WRITEPROTECT':
      r = uffdioWriteprotect(env, ctx, S.mm, { start, len, mode });
      break;
    case 'MOVE':
      r = uffdioMove(env, ctx, S.mm, { dst: start, src: req.src ?? 0, len, mode });
      break;
    default:
      return { result: '-EINVAL', wake: [] };
  }
  S.uffds[ctxId] = r.ctx;
  S.mm = r.mm;
  return { result: formatIoctlResult(r.result), wake: r.wake.tasks };
}

/** close(uffd): userfaultfd_release. Returns the tasks to wake (faulters and event producers). */
export function closeUffd(S: SimState, ctxId: string): string[] {
  const r = releaseUffd(S.uffds[ctxId], S.mm, { consumesMm: true });
  S.uffds[ctxId] = r.ctx;
  S.mm = r.mm;
  return r.wake.tasks;
}
