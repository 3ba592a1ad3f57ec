/**
 * Timed run: virtual time in µs, a deterministic scheduler (earliest wake-up first, ties broken by the sequence in
 * which tasks became ready), seeded jitter, a step/time bound, livelock detection by repeated state signature and
 * deadlock detection on the wait-for graph. Produces exactly RunResult (result.ts).
 */

import type { RunResult, TaskOutcome, TaskResult } from '../result';
import type { Scenario } from '../scenario/types';
import { formatEra } from '../../../common/era';
import { stateSignature } from './hash';
import { initState, newRecorder } from './init';
import { completeIo, deliverSignal, describeOutcome, emit, stepTask, wake, type Ctx } from './machine';
import type { SimState, TaskState } from './state';

export interface SimulateOptions {
  seed?: number;
  /** Maximum scheduler steps (default 200 000). */
  maxSteps?: number;
  /** Maximum virtual time in µs (default 60 s). */
  maxTime?: number;
}

/** Steps without any task completing an op before the livelock detector starts hashing states. */
export const NO_PROGRESS_STEPS = 8;

/** Tasks that run forever by design (steady page contention) do not keep a run alive. */
export function backgroundTasks(sc: Scenario): Set<string> {
  const out = new Set<string>();
  for (const t of sc.tasks) if (t.script.some((op) => 'page_lock_hold' in op && op.page_lock_hold.rounds === 0)) out.add(t.id);
  return out;
}

function foregroundDone(S: SimState, bg: Set<string>): boolean {
  return S.tasks.every((t) => t.status === 'done' || bg.has(t.id));
}

/** What a blocked task waits for, and on whom (the wait-for graph). */
export function waitsFor(S: SimState, sc: Scenario, t: TaskState): { what: string; on: string[] } {
  const b = t.block;
  if (!b) return { what: 'runnable', on: [] };
  switch (b.k) {
    case 'rwsem': {
      const r = S.rwsem;
      const idx = r.queue.findIndex((q) => q.task === t.id);
      const ahead = r.queue.slice(0, Math.max(0, idx)).map((q) => q.task);
      const holders = r.writer ? [r.writer] : [...r.readers];
      const desc = r.writer
        ? `mmap_lock(${b.mode}) held for write by ${r.writer}`
        : b.mode === 'read' && ahead.length
          ? `mmap_lock(read) queued behind writer ${ahead.filter((a) => r.queue.find((q) => q.task === a)?.mode === 'write').join(', ') || ahead.join(', ')} (readers holding: ${r.readers.join(', ') || 'none'})`
          : `mmap_lock(${b.mode}) held for read by ${r.readers.join(', ')}`;
      return { what: desc, on: [...new Set([...holders, ...ahead])].filter((x) => x !== t.id) };
    }
    case 'page': {
      const pl = S.pageLocks[b.key];
      if (pl?.holder === 'io') {
        const served = sc.memory.files
          ?.flatMap((f) => f.pages.map((p) => ({ key: `obj:${f.id}:${p.index}`, by: p.servedBy })))
          .find((x) => x.key === b.key)?.by;
        return served
          ? { what: `page ${b.key} (read I/O served by ${served})${t.readHeld > 0 ? ' holding mmap_lock(read)' : ''}`, on: [served] }
          : { what: `page ${b.key} (I/O in flight)`, on: [] };
      }
      return { what: `page lock ${b.key} held by ${pl?.holder ?? 'nobody'}`, on: pl?.holder ? [pl.holder] : [] };
    }
    case 'uffd':
      return { what: `userfaultfd ${b.ctx} (no UFFDIO_COPY/WAKE comes)`, on: [] };
    case 'uffd-read':
      return { what: `read() on uffd ${b.ctx} (no message)`, on: [] };
    case 'uffd-event':
      return { what: `uffd event read on ${b.ctx}`, on: [] };
    case 'io-request':
      return { what: `an I/O request for ${b.key}`, on: [] };
    case 'vma-write':
      return { what: `vma_start_write(0x${b.vma.toString(16)}) waiting for VMA readers`, on: S.vmaReaders[String(b.vma)] ?? [] };
    case 'timer':
      return { what: 'sleeping', on: [] };
  }
}

/** Tasks in a wait-for cycle, plus those waiting on them. */
export function findDeadlock(S: SimState, sc: Scenario): Map<string, string> | null {
  const blocked = S.tasks.filter((t) => t.status === 'blocked');
  const edges = new Map<string, string[]>();
  const what = new Map<string, string>();
  for (const t of blocked) {
    const w = waitsFor(S, sc, t);
    edges.set(t.id, w.on.filter((o) => S.tasks.find((x) => x.id === o)?.status !== 'done'));
    what.set(t.id, w.what);
  }
  const inCycle = new Set<string>();
  for (const start of edges.keys()) {
    // DFS for a path back to start.
    const stack = [start];
    const seen = new Set<string>();
    while (stack.length) {
      const n = stack.pop() as string;
      for (const m of edges.get(n) ?? []) {
        if (m === start) inCycle.add(start);
        if (!seen.has(m)) {
          seen.add(m);
          stack.push(m);
        }
      }
    }
  }
  // A lock held by a task that has ended (a leaked read hold) is never released: its waiters wait forever.
  const leaked = new Set<string>();
  for (const t of blocked) {
    if (t.block?.k !== 'rwsem') continue;
    const holders = S.rwsem.writer ? [S.rwsem.writer] : S.rwsem.readers;
    const gone = holders.filter((h) => S.tasks.find((x) => x.id === h)?.status === 'done');
    if (gone.length) {
      leaked.add(t.id);
      what.set(t.id, `${what.get(t.id) ?? ''} — never released: ${[...new Set(gone)].join(', ')} returned holding it`);
    }
  }
  if (inCycle.size === 0 && leaked.size === 0) return null;
  for (const t of leaked) inCycle.add(t);
  const out = new Map<string, string>();
  let changed = true;
  for (const t of inCycle) out.set(t, what.get(t) ?? '');
  while (changed) {
    changed = false;
    for (const [t, on] of edges) if (!out.has(t) && on.some((o) => out.has(o))) {
      out.set(t, what.get(t) ?? '');
      changed = true;
    }
  }
  return out;
}

/** Shortest repeating suffix of a label sequence (period ≥ 1, repeated at least twice). */
export function repeatingCycle(labels: string[]): string[] | null {
  const n = labels.length;
  for (let p = 1; p <= Math.floor(n / 3); p++) {
    let ok = true;
    for (let i = n - 2 * p; i < n && ok; i++) if (labels[i] !== labels[i - p]) ok = false;
    if (ok) return labels.slice(n - p);
  }
  return null;
}

function stripTask(label: string): string {
  return label;
}

export function simulate(sc: Scenario, opts: SimulateOptions = {}): RunResult {
  const seed = opts.seed ?? sc.seed ?? 1;
  const maxSteps = opts.maxSteps ?? 200_000;
  const maxTime = opts.maxTime ?? 60_000_000;
  const { S, I, R } = initState(sc, seed, 'timed');
  const rec = newRecorder(S, true);
  const c: Ctx = { S, I, R, rec };
  const bg = backgroundTasks(sc);
  const seen = new Map<string, number>();
  const stepLabelIndex: number[] = [];
  let livelock: { cycle: string[]; tasks: Set<string> } | null = null;
  let boundHit = false;
  let steps = 0;
  let lastProgress = -1;
  let sinceProgress = 0;

  for (;;) {
    if (foregroundDone(S, bg)) break;
    // Timers due now: I/O completions and signals, in (time, seq) order.
    S.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    while (S.timers.length && S.timers[0].at <= S.now) {
      const tm = S.timers.shift() as (typeof S.timers)[number];
      if (tm.kind === 'io' && tm.key) completeIo(c, tm.key, 'io');
      else if (tm.kind === 'signal' && tm.task && tm.signal) deliverSignal(c, tm.task, tm.signal, 'signal');
    }
    for (const t of S.tasks) if (t.status === 'blocked' && t.block?.k === 'timer' && t.wakeAt <= S.now) wake(c, t.id);
    const ready = S.tasks.filter((t) => t.status === 'ready');
    if (ready.length === 0) {
      const next = Math.min(
        ...S.tasks.filter((t) => t.status === 'blocked' && t.block?.k === 'timer').map((t) => t.wakeAt),
        ...S.timers.map((x) => x.at),
      );
      if (!Number.isFinite(next)) break;
      if (next > maxTime) {
        boundHit = true;
        break;
      }
      S.now = Math.max(S.now, next);
      continue;
    }
    ready.sort((a, b) => a.wakeAt - b.wakeAt || a.readySeq - b.readySeq);
    const t = ready[0];
    const labelStart = rec.stepLabels.length;
    stepTask(c, t.id);
    steps++;
    rec.metrics.steps = steps;
    stepLabelIndex.push(labelStart);
    // Livelock detection: a state can only recur while no task completes an op (op indexes only grow), so
    // signatures are compared only after NO_PROGRESS_STEPS steps without progress.
    const progress = S.tasks.reduce((a, x) => a + x.pc + (x.status === 'done' ? 1 : 0), 0);
    if (progress !== lastProgress) {
      lastProgress = progress;
      sinceProgress = 0;
      seen.clear();
    } else sinceProgress++;
    const sig = sinceProgress >= NO_PROGRESS_STEPS ? stateSignature(S, true) : null;
    const prev = sig === null ? undefined : seen.get(sig);
    if (sig !== null && prev !== undefined) {
      const from = stepLabelIndex[prev + 1] ?? labelStart;
      const labels = rec.stepLabels.slice(from);
      const tasks = new Set(labels.map((l) => l.slice(0, l.indexOf(':'))));
      livelock = { cycle: labels.map(stripTask), tasks };
      emit(c, t.id, 'note', `state repeats (step ${prev + 1} → ${steps}): livelock`);
      break;
    }
    if (sig !== null) seen.set(sig, steps - 1);
    if (steps >= maxSteps || S.now > maxTime) {
      boundHit = true;
      break;
    }
  }
  if (boundHit && !livelock) {
    const cyc = repeatingCycle(rec.stepLabels.slice(-2000));
    const tasks = new Set((cyc ?? []).map((l) => l.slice(0, l.indexOf(':'))));
    livelock = { cycle: cyc ?? [`bound hit after ${steps} steps at t=${S.now} µs`], tasks };
  }

  // Outcomes of the tasks still running.
  const dl = findDeadlock(S, sc);
  for (const t of S.tasks) {
    if (t.status === 'done') continue;
    let o: TaskOutcome;
    if (dl?.has(t.id)) o = { kind: 'deadlock', waitsFor: dl.get(t.id) ?? '' };
    else if (
      livelock &&
      !bg.has(t.id) &&
      (livelock.tasks.has(t.id) || (livelock.tasks.size === 0 && (t.status === 'ready' || t.block?.k === 'timer')))
    )
      o = { kind: 'livelock', cycle: livelock.cycle };
    else o = { kind: 'unfinished', state: t.status === 'blocked' ? `blocked: ${waitsFor(S, sc, t).what}` : 'runnable' };
    t.outcome = o;
    rec.stats[t.id].endTime = S.now;
    emit(c, t.id, 'outcome', describeOutcome(o));
  }
  if (Object.keys(rec.readahead).length) rec.metrics.readaheadMisses = { ...rec.readahead };

  const tasks: TaskResult[] = S.tasks.map((t) => {
    const st = rec.stats[t.id];
    return {
      id: t.id,
      outcome: t.outcome as TaskOutcome,
      attempts: st.attempts,
      faults: st.faults,
      retries: st.retries,
      blockedInUffd: st.blockedInUffd,
      ioWait: st.ioWait,
      lockWait: st.lockWait,
      endTime: st.endTime,
    };
  });
  return {
    format: 1,
    scenario: sc.name,
    era: formatEra(R.era),
    seed,
    endTime: S.now,
    tasks,
    metrics: rec.metrics,
    trace: rec.trace,
    verdict: verdictLine(tasks, rec.metrics.mmapLock.writerWaitMax),
  };
}

export function verdictLine(tasks: TaskResult[], writerWaitMax: number): string {
  const parts = tasks.map((t) => {
    const o = t.outcome;
    let s = `${t.id}: ${describeOutcome(o)}`;
    if (o.kind === 'ok' || o.kind === 'error' || o.kind === 'signal' || o.kind === 'killed') s += ` at ${t.endTime} µs`;
    if (t.retries > 0) s += `, ${t.retries} retr${t.retries === 1 ? 'y' : 'ies'}`;
    if (o.kind === 'deadlock' || o.kind === 'livelock') return s.length > 160 ? `${s.slice(0, 157)}...` : s;
    return s;
  });
  if (writerWaitMax > 0) parts.push(`max writer wait ${writerWaitMax} µs`);
  return parts.join('; ');
}
