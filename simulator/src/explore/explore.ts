/**
 * Exploration mode: instead of one timed run, every interleaving of the tasks' atomic steps (timing abstracted:
 * any runnable or sleeping task may take its next step, any pending I/O may complete, any scheduled signal may
 * arrive). Breadth-first over cloned SimStates with state hashing (the mm model's canonical hash + engine state),
 * so the first schedule found to each bad outcome is a shortest one. Reports BUG, SIGBUS/SIGSEGV, errors the
 * scenario marks unexpected, deadlocks (wait-for cycles) and livelocks (cycles of the state graph in which a
 * foreground task keeps stepping), the number of states explored and whether the bound was hit.
 */

import { formatEra } from '../../../common/era';
import type { TaskOutcome } from '../result';
import type { Scenario } from '../scenario/types';
import { stateSignature } from '../engine/hash';
import { initState, newRecorder } from '../engine/init';
import { completeIo, deliverSignal, describeOutcome, stepTask, wake, type Ctx } from '../engine/machine';
import { backgroundTasks, findDeadlock } from '../engine/simulate';
import type { EraRules } from '../engine/rules';
import { waitIsKillable } from '../engine/signals';
import type { SimState, StaticInfo } from '../engine/state';

export interface ExploreOptions {
  /** Bound on distinct states (default 20 000). */
  maxStates?: number;
}

export type BadKind = 'bug' | 'sigbus' | 'sigsegv' | 'error' | 'deadlock' | 'livelock';

export interface BadOutcome {
  kind: BadKind;
  tasks: string[];
  /** e.g. "BUG_ON(vmas)", "-EFAULT from get_user_pages", the wait-for description, the cycle. */
  detail: string;
  /** Shortest schedule (one entry per move) reaching the outcome. */
  schedule: string[];
  /** For livelocks: the moves of the repeating cycle. */
  cycle?: string[];
  /** For deadlocks: the tasks whose wait a SIGKILL would end (the others sleep uninterruptibly). */
  killable?: string[];
}

/** True when a scheduled SIGKILL targets a task of the deadlock that sleeps killable (the cycle can still break). */
function killBreaks(S: SimState, dl: Map<string, string>): boolean {
  return S.timers.some((tm) => {
    if (tm.kind !== 'signal' || tm.signal !== 'SIGKILL' || !tm.task || !dl.has(tm.task)) return false;
    const t = S.tasks.find((x) => x.id === tm.task);
    return t !== undefined && waitIsKillable(t);
  });
}

export interface ExploreResult {
  format: 1;
  scenario: string;
  era: string;
  statesExplored: number;
  transitions: number;
  maxStates: number;
  boundHit: boolean;
  /** Distinct final states (every task ended or stuck). */
  terminalStates: number;
  bad: BadOutcome[];
  verdict: string;
}

interface Node {
  parent: number;
  move: string;
  depth: number;
}

interface Move {
  kind: 'task' | 'io' | 'signal';
  who: string;
  timer?: number;
}

/** A task has started once it took a step (its first op has a frame, or it moved past it, or it is not ready). */
function started(t: SimState['tasks'][number]): boolean {
  return t.pc > 0 || t.frame !== null || t.status !== 'ready';
}

/**
 * The moves from S. Timing is abstracted, but the order of the tasks' start times (TaskSpec.startUs) is kept: a
 * task does not take its first step while a task that starts earlier has not taken its own.
 */
function movesOf(S: SimState, startUs: readonly number[]): Move[] {
  const out: Move[] = [];
  for (const t of S.tasks) {
    if (!started(t) && S.tasks.some((u) => startUs[u.idx] < startUs[t.idx] && !started(u))) continue;
    if (t.status === 'ready' || (t.status === 'blocked' && t.block?.k === 'timer')) out.push({ kind: 'task', who: t.id });
  }
  S.timers.forEach((tm, i) => {
    if (tm.kind === 'io' && tm.key) out.push({ kind: 'io', who: tm.key, timer: i });
    else if (tm.kind === 'signal' && tm.task) out.push({ kind: 'signal', who: `${tm.signal}→${tm.task}`, timer: i });
  });
  return out;
}

function apply(S0: SimState, I: StaticInfo, R: EraRules, m: Move): { S: SimState; label: string } {
  // The state is plain JSON data; a JSON round trip clones it faster than structuredClone.
  const S = JSON.parse(JSON.stringify(S0)) as SimState;
  const rec = newRecorder(S, false);
  const c: Ctx = { S, I, R, rec };
  if (m.kind === 'task') {
    const t = S.tasks.find((x) => x.id === m.who);
    if (t && t.status === 'blocked') wake(c, t.id);
    stepTask(c, m.who);
  } else {
    const tm = S.timers.splice(m.timer ?? 0, 1)[0];
    if (tm.kind === 'io' && tm.key) completeIo(c, tm.key, 'io');
    else if (tm.task && tm.signal) deliverSignal(c, tm.task, tm.signal, 'signal');
  }
  const ls = rec.stepLabels;
  const label =
    m.kind === 'task'
      ? `${m.who}: ${ls.filter((l) => l.startsWith(`${m.who}: `)).map((l) => l.slice(m.who.length + 2)).slice(0, 3).join('; ') || 'step'}`
      : m.kind === 'io'
        ? `I/O completes: ${m.who}`
        : `signal ${m.who}`;
  return { S, label };
}

function badOf(sc: Scenario, tid: string, o: TaskOutcome): { kind: BadKind; detail: string } | null {
  switch (o.kind) {
    case 'bug':
      return { kind: 'bug', detail: `BUG: ${o.assertion}` };
    case 'signal':
      return { kind: o.signal === 'SIGBUS' ? 'sigbus' : 'sigsegv', detail: o.signal };
    case 'error': {
      const unexpected = sc.expect?.unexpectedErrors?.includes(o.errno) || sc.expect?.unexpectedErrors?.includes(`-${o.errno}`);
      const task = sc.tasks.find((t) => t.id === tid);
      const marked = task?.script.some((op) => ('gup' in op && op.gup.expectOk) || ('access' in op && op.access.expectOk));
      return unexpected || marked ? { kind: 'error', detail: describeOutcome(o) } : null;
    }
    default:
      return null;
  }
}

export function explore(sc: Scenario, opts: ExploreOptions = {}): ExploreResult {
  const maxStates = opts.maxStates ?? 20_000;
  const { S: S0, I, R } = initState(sc, sc.seed ?? 1, 'explore');
  const bg = backgroundTasks(sc);
  const startUs = sc.tasks.map((t) => t.startUs ?? 0);
  const index = new Map<string, number>();
  const nodes: Node[] = [];
  const states: SimState[] = [];
  const edges: Array<Array<{ to: number; mover: string; label: string }>> = [];
  const bad = new Map<string, BadOutcome>();
  let transitions = 0;
  let terminal = 0;
  let boundHit = false;

  const schedule = (i: number): string[] => {
    const out: string[] = [];
    for (let n = i; n > 0; n = nodes[n].parent) out.push(nodes[n].move);
    return out.reverse();
  };
  const add = (S: SimState, parent: number, move: string): { id: number; fresh: boolean } => {
    const sig = stateSignature(S, false);
    const known = index.get(sig);
    if (known !== undefined) return { id: known, fresh: false };
    const id = nodes.length;
    index.set(sig, id);
    nodes.push({ parent, move, depth: parent < 0 ? 0 : nodes[parent].depth + 1 });
    states.push(S);
    edges.push([]);
    return { id, fresh: true };
  };

  const reportDeadlock = (S: SimState, dl: Map<string, string>, sched: string[]): void => {
    const key = `deadlock:${[...dl.keys()].sort().join(',')}`;
    if (bad.has(key)) return;
    const killable = [...dl.keys()].filter((id) => waitIsKillable(S.tasks.find((x) => x.id === id) as SimState['tasks'][number]));
    bad.set(key, {
      kind: 'deadlock',
      tasks: [...dl.keys()],
      detail: [...dl.entries()].map(([t, w]) => `${t} waits for ${w} (${killable.includes(t) ? 'killable' : 'not killable'})`).join('; '),
      schedule: sched,
      killable,
    });
  };

  add(S0, -1, 'start');
  for (let head = 0; head < nodes.length; head++) {
    const S = states[head];
    const moves = movesOf(S, startUs);
    if (moves.length === 0) {
      terminal++;
      if (!S.tasks.every((t) => t.status === 'done' || bg.has(t.id))) {
        const dl = findDeadlock(S, sc);
        if (dl) reportDeadlock(S, dl, schedule(head));
      }
      continue;
    }
    for (const m of moves) {
      if (nodes.length >= maxStates) {
        boundHit = true;
        break;
      }
      const { S: N, label } = apply(S, I, R, m);
      transitions++;
      const { id, fresh } = add(N, head, label);
      edges[head].push({ to: id, mover: m.kind === 'task' ? m.who : '', label });
      if (!fresh) continue;
      const dl = findDeadlock(N, sc);
      // A SIGKILL still to come for a task in a killable wait breaks the cycle: explore that move instead.
      if (dl && !killBreaks(N, dl)) reportDeadlock(N, dl, schedule(id));
      for (const t of N.tasks) {
        const before = S.tasks.find((x) => x.id === t.id);
        if (t.status !== 'done' || before?.status === 'done' || !t.outcome) continue;
        const b = badOf(sc, t.id, t.outcome);
        if (!b) continue;
        const key = `${b.kind}:${t.id}:${b.detail}`;
        if (!bad.has(key)) bad.set(key, { kind: b.kind, tasks: [t.id], detail: b.detail, schedule: schedule(id) });
      }
    }
    if (boundHit) break;
  }

  // Livelocks: strongly connected components of the explored graph in which a foreground task steps.
  for (const scc of stronglyConnected(edges)) {
    const inScc = new Set(scc);
    const movers = new Set<string>();
    for (const n of scc) for (const e of edges[n]) if (inScc.has(e.to) && e.mover) movers.add(e.mover);
    const fg = [...movers].filter((m) => !bg.has(m));
    if (fg.length === 0) continue;
    const entry = Math.min(...scc);
    const cycle = cycleThrough(edges, entry, inScc);
    const key = `livelock:${fg.sort().join(',')}`;
    if (!bad.has(key)) {
      bad.set(key, { kind: 'livelock', tasks: fg, detail: `${fg.join(', ')} can step forever without progress`, schedule: schedule(entry), cycle });
    }
  }

  const list = [...bad.values()].sort((a, b) => a.schedule.length - b.schedule.length || a.kind.localeCompare(b.kind));
  const verdict =
    list.length === 0
      ? `no bad outcome in ${nodes.length} states${boundHit ? ' (bound hit: incomplete)' : ''}`
      : `${list.map((b) => `${b.kind} (${b.tasks.join(', ')}) in ${b.schedule.length} steps`).join('; ')} — ${nodes.length} states${boundHit ? ', bound hit' : ''}`;
  return {
    format: 1,
    scenario: sc.name,
    era: formatEra(R.era),
    statesExplored: nodes.length,
    transitions,
    maxStates,
    boundHit,
    terminalStates: terminal,
    bad: list,
    verdict,
  };
}

/** Tarjan's SCCs (iterative); returns components with a cycle (size > 1, or a self-loop). */
function stronglyConnected(edges: Array<Array<{ to: number }>>): number[][] {
  const n = edges.length;
  const idx = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (let s = 0; s < n; s++) {
    if (idx[s] !== -1) continue;
    const work: Array<{ v: number; i: number }> = [{ v: s, i: 0 }];
    idx[s] = low[s] = counter++;
    stack.push(s);
    onStack[s] = true;
    while (work.length) {
      const top = work[work.length - 1];
      const es = edges[top.v];
      if (top.i < es.length) {
        const w = es[top.i++].to;
        if (idx[w] === -1) {
          idx[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push({ v: w, i: 0 });
        } else if (onStack[w]) low[top.v] = Math.min(low[top.v], idx[w]);
        continue;
      }
      work.pop();
      if (work.length) low[work[work.length - 1].v] = Math.min(low[work[work.length - 1].v], low[top.v]);
      if (low[top.v] === idx[top.v]) {
        const comp: number[] = [];
        for (;;) {
          const w = stack.pop() as number;
          onStack[w] = false;
          comp.push(w);
          if (w === top.v) break;
        }
        if (comp.length > 1 || edges[top.v].some((e) => e.to === top.v)) out.push(comp);
      }
    }
  }
  return out;
}

/** Shortest cycle from `entry` back to itself inside the component (move labels). */
function cycleThrough(edges: Array<Array<{ to: number; label: string }>>, entry: number, inScc: Set<number>): string[] {
  const prev = new Map<number, { from: number; label: string }>();
  const queue = [entry];
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h];
    for (const e of edges[v]) {
      if (!inScc.has(e.to)) continue;
      if (e.to === entry) {
        const path = [e.label];
        for (let x = v; x !== entry; x = (prev.get(x) as { from: number }).from) path.push((prev.get(x) as { label: string }).label);
        return path.reverse();
      }
      if (!prev.has(e.to)) {
        prev.set(e.to, { from: v, label: e.label });
        queue.push(e.to);
      }
    }
  }
  return [];
}
