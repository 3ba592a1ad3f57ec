/** Builds the initial SimState and StaticInfo from a validated scenario. */

import { PAGE_SIZE, createMm, type MmState, type Pte } from '../model';
import type { UffdCtx, UffdFeature } from '../uffd';
import { parseEra } from '../../../common/era';
import type { Scenario } from '../scenario/types';
import { eraRules, type EraRules } from './rules';
import type { Recorder, SimState, StaticInfo, TaskState } from './state';

export const VMA_BASE = 0x10000000;

export function initState(sc: Scenario, seed: number, mode: 'timed' | 'explore'): { S: SimState; I: StaticInfo; R: EraRules } {
  const era = parseEra(sc.era);
  const R = eraRules(era);
  const mm: MmState = createMm('mm');
  const vmaIds: Record<string, number> = {};
  const io: StaticInfo['io'] = {};
  const ioLatency = sc.memory.ioLatencyUs ?? 100;
  const swapIn = sc.memory.swapInLatencyUs ?? 100;
  for (const f of sc.memory.files ?? []) {
    mm.objects[f.id] = { id: f.id, kind: 'file', size: 1 << 30, pages: {}, readLatency: ioLatency };
    for (const p of f.pages) {
      const key = `obj:${f.id}:${p.index}`;
      io[key] = { latency: p.ioLatencyUs ?? ioLatency, ...(p.servedBy ? { servedBy: p.servedBy } : {}) };
      if (p.cached) {
        const id = mm.nextPageId++;
        mm.pages[String(id)] = { id, contents: 0, mapcount: 0, anon: false, exclusive: false };
        mm.objects[f.id].pages[String(p.index)] = { page: id, state: 'uptodate', latency: 0 };
      }
    }
  }
  let next = VMA_BASE;
  for (const v of sc.memory.vmas) {
    const start = v.start ?? next;
    const psz = v.type === 'hugetlb' ? 2 * 1024 * 1024 : PAGE_SIZE;
    const end = start + v.pages * psz;
    next = end + PAGE_SIZE;
    vmaIds[v.id] = start;
    const prot = v.prot ?? 'rw';
    let object = v.file;
    if (!object && (v.type === 'shmem' || v.type === 'hugetlb' || v.type === 'dax')) {
      object = `${v.type}:${v.id}`;
    }
    if (object && !mm.objects[object]) {
      mm.objects[object] = { id: object, kind: v.type === 'file' ? 'file' : v.type === 'dax' ? 'dax' : v.type === 'hugetlb' ? 'hugetlb' : 'shmem', size: 1 << 30, pages: {}, readLatency: ioLatency };
    }
    mm.vmas.push({
      start,
      end,
      type: v.type,
      shared: v.shared ?? v.type === 'shmem',
      prot: { read: prot.includes('r'), write: prot.includes('w'), exec: prot.includes('x') },
      mayWrite: true,
      locked: v.locked ?? false,
      pgoff: v.fileOffset ?? 0,
      ...(object ? { object } : {}),
      ...(v.uffd ? { uffd: { ctxId: v.uffd.ctx, modes: (['MISSING', 'WP', 'MINOR'] as const).filter((m) => v.uffd?.modes.includes(m)) } } : {}),
    });
    for (const p of v.ptes ?? []) {
      const addr = start + p.index * psz;
      let pte: Pte | undefined;
      const newPage = (): number => {
        const id = mm.nextPageId++;
        const mc = p.mapcount ?? 1;
        mm.pages[String(id)] = { id, contents: 1, mapcount: mc, anon: v.type === 'anon', exclusive: mc === 1 };
        return id;
      };
      switch (p.state) {
        case 'present-rw':
          pte = { kind: 'present', page: newPage(), writable: !p.wp, uffdWp: !!p.wp };
          break;
        case 'present-ro':
          pte = { kind: 'present', page: newPage(), writable: false, uffdWp: !!p.wp };
          break;
        case 'swap':
          pte = { kind: 'swap', page: newPage(), latency: swapIn, uffdWp: !!p.wp };
          break;
        case 'wp-marker':
          pte = { kind: 'wp-marker' };
          break;
        case 'poison':
          pte = { kind: 'poison-marker' };
          break;
        case 'none':
          pte = undefined;
      }
      if (pte) mm.ptes[String(addr)] = pte;
    }
  }
  mm.vmas.sort((a, b) => a.start - b.start);
  const uffds: Record<string, UffdCtx> = {};
  for (const u of sc.memory.uffds ?? []) {
    uffds[u.id] = {
      id: u.id,
      mmId: mm.id,
      flags: { nonblock: u.nonblock ?? false, cloexec: false, userModeOnly: u.userModeOnly ?? false },
      initialized: u.api ?? true,
      features: (u.features ?? []) as UffdFeature[],
      released: false,
      mmapChanging: 0,
      waiters: [],
      events: [],
      nextSeq: 0,
    };
  }
  const tasks: TaskState[] = sc.tasks.map((t, idx) => ({
    id: t.id,
    idx,
    pc: 0,
    frame: null,
    status: (t.startUs ?? 0) > 0 && mode === 'timed' ? 'blocked' : 'ready',
    block: (t.startUs ?? 0) > 0 && mode === 'timed' ? { k: 'timer' } : null,
    wakeCause: null,
    wakeAt: t.startUs ?? 0,
    readySeq: idx,
    sigFatal: false,
    sigNonFatal: false,
    outcome: null,
    readHeld: 0,
    writeHeld: false,
    vmaRead: null,
    kernel: t.kernel ?? false,
    lastValue: null,
  }));
  const S: SimState = {
    now: 0,
    seq: tasks.length,
    prng: seed >>> 0,
    tasks,
    rwsem: { readers: [], writer: null, queue: [] },
    vmaWriteLocked: {},
    vmaReaders: {},
    mm,
    uffds,
    pageLocks: {},
    ioRequests: {},
    timers: (sc.signals ?? []).map((s, i) => ({ at: s.at, seq: -1000 + i, kind: 'signal' as const, task: s.task, signal: s.signal })),
    halted: false,
    vmaIds,
  };
  const tm = sc.timing ?? {};
  const I: StaticInfo = {
    scenario: sc,
    io,
    swapInLatency: swapIn,
    faultCost: tm.faultCostUs ?? 1,
    writerHold: tm.writerHoldUs ?? 5,
    ioctlCost: tm.ioctlCostUs ?? 1,
    jitter: tm.jitterUs ?? 0,
    mode,
  };
  return { S, I, R };
}

export function newRecorder(S: SimState, enabled: boolean): Recorder {
  const stats: Recorder['stats'] = {};
  for (const t of S.tasks) {
    stats[t.id] = { attempts: [], faults: 0, retries: 0, blockedInUffd: 0, ioWait: 0, lockWait: 0, endTime: 0, blockSince: 0, blockKind: null };
  }
  return {
    enabled,
    trace: [],
    stats,
    metrics: {
      mmapLock: { readHoldTotal: 0, readHoldMax: 0, writeHoldTotal: 0, writerWaitTotal: 0, writerWaitMax: 0, readerWaitTotal: 0 },
      blockedInUffdTotal: 0,
      ioWaitTotal: 0,
      uffdMessagesRead: 0,
      ioctls: [],
      steps: 0,
    },
    readSince: {},
    writeSince: 0,
    writerQueuedAt: {},
    readerQueuedAt: {},
    stepLabels: [],
    readahead: {},
    pendingLockStep: {},
    retrying: {},
  };
}
