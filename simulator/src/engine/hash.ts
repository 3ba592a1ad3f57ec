/** State signatures: the explorer's state hash and the timed run's livelock detector use the same one. */

import { hashMm } from '../model';
import type { SimState } from './state';

/** Stable JSON: object keys sorted (any fixed order is canonical), undefined fields dropped. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === undefined ? 'null' : JSON.stringify(v);
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + stableJson(v[i]);
    return `${s}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    if (o[k] === undefined) continue;
    s += `${first ? '' : ','}${JSON.stringify(k)}:${stableJson(o[k])}`;
    first = false;
  }
  return `${s}}`;
}

/**
 * Canonical signature of the behaviour-relevant state. Absolute time, sequence numbers and the PRNG are left out;
 * with `relativeTime`, pending wake-ups and timers are included relative to now (timed runs), otherwise not at all
 * (exploration abstracts timing).
 */
export function stateSignature(S: SimState, relativeTime: boolean): string {
  const tasks = S.tasks.map((t) => ({
    pc: t.pc,
    frame: t.frame && 'call' in t.frame && t.frame.call ? { ...t.frame, call: { ...t.frame.call, t0: undefined } } : t.frame,
    status: t.status,
    block: t.block,
    wc: t.wakeCause,
    wake: relativeTime && t.status === 'blocked' && t.block?.k === 'timer' ? t.wakeAt - S.now : 0,
    sf: t.sigFatal,
    sn: t.sigNonFatal,
    o: t.outcome,
    r: t.readHeld,
    w: t.writeHeld,
    v: t.vmaRead,
  }));
  const uffds = Object.values(S.uffds).map((u) => ({
    ...u,
    nextSeq: 0,
    waiters: u.waiters.map((w) => ({ ...w, seq: 0 })),
    events: u.events.map((e) => ({ ...e, seq: 0 })),
  }));
  const timers = S.timers
    .map((x) => ({ kind: x.kind, key: x.key, task: x.task, signal: x.signal, at: relativeTime ? x.at - S.now : 0 }))
    .map((x) => stableJson(x))
    .sort();
  return stableJson({
    tasks,
    rwsem: S.rwsem,
    vw: S.vmaWriteLocked,
    vr: S.vmaReaders,
    mm: hashMm(S.mm),
    uffds,
    pl: S.pageLocks,
    io: S.ioRequests,
    timers,
    ids: S.vmaIds,
  });
}
