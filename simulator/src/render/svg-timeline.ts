/**
 * The picture of one run: a self-contained SVG timeline (no scripts, no external fonts or images).
 *
 *   header      scenario · era · seed · length, then the verdict
 *   axis        time ticks in µs/ms/s; long idle stretches are compressed and drawn as breaks
 *   mmap_lock   who holds the lock (read: green with the readers, write: blue with the writer), and above it a
 *               strip showing queued writers (orange) / queued readers only (light orange)
 *   one lane per task: an activity band (running, waiting for mmap_lock, I/O wait, page-lock wait, blocked in
 *               userfaultfd; a thin line once done), a strip under it while the task holds mmap_lock, event markers
 *               (fault attempts with their flags, fault results, uffd messages/ioctls, signals, BUG, outcome)
 *               with labels packed in rows above the band so they never overlap (cut with "…" when needed;
 *               every marker carries the full text in a <title> tooltip), the outcome at the lane end
 *   legend
 *
 * Dense traces: runs of markers closer than a few pixels are gathered into one cluster marker with the count
 * (class "event-cluster", data-count), state segments narrower than a pixel are merged, so the size of the SVG is
 * bounded by its width and the number of lanes, not by the length of the trace.
 *
 * Test hooks: data-lane="mmap_lock" / "task:<id>", class="event <kind>" with data-seq, class="event-cluster" with
 * data-count and data-kinds, class="legend", class="verdict", class="task-outcome".
 */
import type { LockSnapshot, RunResult, TaskOutcome, TraceEvent, TraceEventKind } from '../result';
import {
  esc,
  eventFlags,
  eventResult,
  flagsShort,
  fmtTime,
  outcomeLong,
  outcomeSeverity,
  outcomeShort,
  resultClass,
  resultShort,
  sortedTrace,
  taskOrder,
  textLength,
  truncate,
  worstSeverity,
} from './common';
import { type ScaleMode, TimeScale } from './scale';

export interface TimelineOptions {
  /** Total width in px (default 1200). */
  width?: number;
  /** Compress long idle stretches (default) or draw time linearly. */
  scale?: ScaleMode;
  /** More times the scale must include (to share one scale between two runs). */
  extraTimes?: number[];
  /** Domain end (default: the run's endTime or last event). */
  endTime?: number;
  /** Replaces the first header line. */
  title?: string;
  /** Task ids whose lanes get a highlighted background (the comparison uses it for differing tasks). */
  highlightTasks?: string[];
  /** Label rows above each task band (default 3). */
  labelRows?: number;
}

/** The event kinds drawn as markers on task lanes (one marker per event, or counted in a cluster). */
export const MARKER_KINDS: readonly TraceEventKind[] = [
  'op-start',
  'fault-attempt',
  'fault-result',
  'gup',
  'uffd-message',
  'uffd-ioctl',
  'uffd-event',
  'signal',
  'bug',
  'outcome',
];
const MARKER_SET = new Set<TraceEventKind>(MARKER_KINDS);
/** Never gathered into clusters (unless a lane has very many of them). */
const PRIORITY_KINDS = new Set<TraceEventKind>(['bug', 'signal', 'outcome']);
const LABEL_PRIORITY: Partial<Record<TraceEventKind, number>> = {
  bug: 0,
  signal: 1,
  outcome: 2,
  'fault-result': 3,
  'fault-attempt': 4,
  'uffd-ioctl': 5,
  'uffd-event': 6,
  'uffd-message': 7,
  gup: 8,
  'op-start': 9,
};

type Activity = 'run' | 'lock-wait' | 'io' | 'page-wait' | 'uffd' | 'done';
type Hold = 'read' | 'write';

const ACTIVITY_NAMES: Record<Activity, string> = {
  run: 'running',
  'lock-wait': 'waiting for mmap_lock',
  io: 'I/O wait',
  'page-wait': 'page-lock wait',
  uffd: 'blocked in userfaultfd',
  done: 'done',
};

// Layout constants (px).
const FONT = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";
const LABEL_FONT_PX = 10;
const CHAR_W = LABEL_FONT_PX * 0.6;
const ROW_H = 11;
const LEFT = 140;
const RIGHT = 230;
const HEADER_H = 48;
const AXIS_H = 22;
const LOCK_LANE_H = 40;
const BAND_H = 14;
const HOLD_H = 5;
const MIN_GAP = 7;
const MAX_STAGGER = 4;
const CLUSTER_PX = 22;
const MIN_SEG_PX = 1;
const DEDUPE_PX = 110;

const r1 = (n: number): string => String(Math.round(n * 10) / 10);

const STYLE = `
text{font-family:${FONT};fill:#212529}
.hdr{font-size:13px;font-weight:bold}
.verdict{font-size:12px;font-weight:bold}
.v-ok{fill:#2b8a3e}.v-warn{fill:#d9480f}.v-bad{fill:#c92a2a}.v-grey{fill:#495057}
.lname{font-size:12px;font-weight:bold}
.lsub{font-size:10px;fill:#868e96}
.lbl{font-size:${LABEL_FONT_PX}px;fill:#343a40}
.tick{font-size:10px;fill:#495057}
.grid{stroke:#e9ecef;stroke-width:1}
.lead{stroke:#ced4da;stroke-width:1}
.lanebg{fill:#ffffff}.lanebg.alt{fill:#f8f9fa}.lanebg.hl{fill:#fff3bf}
.brk{fill:#f1f3f5}.brkl{stroke:#adb5bd;stroke-width:1;stroke-dasharray:3 2}
.s-run{fill:#a5d8ff}.s-lock-wait{fill:#fd7e14}.s-io{fill:#845ef7}.s-page-wait{fill:#fab005}.s-uffd{fill:#e64980}
.s-done{stroke:#adb5bd;stroke-width:2}
.h-read{fill:#37b24d}.h-write{fill:#1c7ed6}
.l-free{fill:#f1f3f5}.l-read{fill:#8ce99a}.l-write{fill:#74c0fc}
.q-w{fill:#fd7e14}.q-r{fill:#ffc078}
.ltxt{font-size:10px;fill:#1b1e21}
.m-attempt{fill:#343a40}
.m-ok{fill:#2b8a3e}.m-retry{fill:#f08c00}.m-completed{fill:#0b7285}.m-error{fill:#e03131}
.m-msg{fill:#ffffff;stroke:#5f3dc4;stroke-width:1.5}.m-ioctl{fill:#0c8599}.m-uevent{fill:#5f3dc4}
.m-signal{fill:#ae3ec9}.m-bug{stroke:#c92a2a;stroke-width:3}.m-gup{fill:#495057}.m-op{stroke:#495057;stroke-width:2}
.m-cluster{fill:#495057}.ctxt{font-size:9px;fill:#ffffff;font-weight:bold}
.o-ok{fill:#2b8a3e}.o-error{fill:#d9480f}.o-unfinished{fill:#868e96}.o-bad{fill:#c92a2a}
.task-outcome{font-size:12px;font-weight:bold}
.legend text{font-size:10px}
`;

interface Seg<K extends string> {
  t0: number;
  t1: number;
  key: K;
}

interface PxSeg<K extends string> {
  x0: number;
  x1: number;
  t0: number;
  t1: number;
  key: K;
  /** Number of state changes merged into this segment (1 = a plain segment). */
  merged: number;
  /** For merged segments: time per key. */
  mix?: Map<K, number>;
  /** For merged segments: the share of the time the shown key covers (drawn as opacity). */
  share?: number;
}

/**
 * Merge adjacent equal segments, then gather runs of sub-pixel segments into one. A gathered segment takes the
 * highest-ranked key it contains (so a 1 µs lock hold in a long trace stays visible), ties broken by time.
 * The input must cover time without gaps (use a "none" key for nothing).
 */
function quantize<K extends string>(segs: Seg<K>[], sc: TimeScale, rank: (k: K) => number): PxSeg<K>[] {
  const out: PxSeg<K>[] = [];
  let acc: PxSeg<K> | null = null;
  const flushAcc = (): void => {
    if (!acc) return;
    let best: K = acc.key;
    let bestR = -Infinity;
    let bestT = -1;
    for (const [k, v] of acc.mix ?? []) {
      const rk = rank(k);
      if (rk > bestR || (rk === bestR && v > bestT)) {
        best = k;
        bestR = rk;
        bestT = v;
      }
    }
    acc.key = best;
    acc.share = acc.t1 > acc.t0 ? bestT / (acc.t1 - acc.t0) : 1;
    out.push(acc);
    acc = null;
  };
  for (const s of segs) {
    if (s.t1 <= s.t0) continue;
    const x0 = sc.x(s.t0);
    const x1 = sc.x(s.t1);
    const last = out[out.length - 1];
    if (!acc && last && last.key === s.key && last.merged === 1 && Math.abs(last.x1 - x0) < 0.01) {
      last.x1 = x1;
      last.t1 = s.t1;
      continue;
    }
    if (x1 - x0 >= MIN_SEG_PX && !acc) {
      out.push({ x0, x1, t0: s.t0, t1: s.t1, key: s.key, merged: 1 });
      continue;
    }
    if (!acc) acc = { x0, x1, t0: s.t0, t1: s.t1, key: s.key, merged: 0, mix: new Map() };
    const a: PxSeg<K> = acc;
    a.x1 = x1;
    a.t1 = s.t1;
    a.merged++;
    a.mix?.set(s.key, (a.mix.get(s.key) ?? 0) + (s.t1 - s.t0));
    if (a.x1 - a.x0 >= MIN_SEG_PX) {
      if (a.merged === 1) {
        a.mix = undefined;
        out.push(a);
        acc = null;
      } else {
        flushAcc();
      }
    }
  }
  flushAcc();
  return out;
}

/** Merged segments are drawn paler the less of their time the shown state covers. */
function opacity(s: { merged: number; share?: number }): string {
  if (s.merged <= 1 || s.share === undefined) return '';
  return ` opacity="${(0.3 + 0.7 * Math.min(1, s.share)).toFixed(2)}"`;
}

const ACTIVITY_RANK: Record<Activity, number> = { done: 0, run: 1, 'page-wait': 2, io: 3, 'lock-wait': 4, uffd: 5 };
const activityRank = (k: Activity): number => ACTIVITY_RANK[k];
const holdRank = (k: Hold | 'none'): number => (k === 'none' ? 0 : k === 'read' ? 1 : 2);
const lockRank = (k: string): number => (k === 'free' ? 0 : k.startsWith('R:') ? 1 : 2);
const queueRank = (k: string): number => (k === '' ? 0 : k.startsWith('qr:') ? 1 : 2);

interface TaskModel {
  id: string;
  activity: Seg<Activity>[];
  hold: Seg<Hold | 'none'>[];
  markers: TraceEvent[];
  doneAt: number | null;
}

interface Model {
  tasks: Map<string, TaskModel>;
  lock: Seg<string>[];
  lockSnap: Map<string, LockSnapshot>;
  queue: Seg<string>[];
  end: number;
  times: number[];
}

function lockKey(l: LockSnapshot): string {
  if (l.writer) return `W:${l.writer}`;
  if (l.readers.length) return `R:${[...l.readers].sort().join(',')}`;
  return 'free';
}

function queueKey(l: LockSnapshot): string {
  if (l.queuedWriters.length) return `qw:${l.queuedWriters.join(',')}|${l.queuedReaders.join(',')}`;
  if (l.queuedReaders.length) return `qr:${l.queuedReaders.join(',')}`;
  return '';
}

const PROGRESS = new Set<TraceEventKind>(['fault-attempt', 'fault-result', 'op-end', 'op-start', 'gup', 'vma-lock', 'lock-acquired']);

function buildModel(r: RunResult, endOverride?: number): Model {
  const trace = sortedTrace(r);
  const lastT = trace.length ? trace[trace.length - 1].t : 0;
  const end = Math.max(endOverride ?? 0, r.endTime, lastT, ...r.tasks.map((t) => t.endTime));
  // Tasks of the result, plus pseudo-tasks of the trace (e.g. a timer delivering a signal) that have markers;
  // an "io" completer with only io-done events gets no lane (its completion ends the waiting task's I/O).
  // A signal sent by a pseudo-task (the scenario's timed signals) is drawn on the lane of the task it hits.
  const known = new Set(r.tasks.map((t) => t.id));
  const markerLane = (e: TraceEvent): string => {
    const target = e.details?.target;
    return e.kind === 'signal' && !known.has(e.task) && typeof target === 'string' && known.has(target) ? target : e.task;
  };
  const ids = taskOrder(r).filter((id) => known.has(id) || trace.some((e) => MARKER_SET.has(e.kind) && markerLane(e) === id));
  const pendingIo = new Map<string, string>();
  const tasks = new Map<string, TaskModel>();
  const state = new Map<string, { a: Activity | null; since: number; hold: Hold | null; holdSince: number }>();
  for (const id of ids) {
    tasks.set(id, { id, activity: [], hold: [], markers: [], doneAt: null });
    state.set(id, { a: null, since: 0, hold: null, holdSince: 0 });
  }
  const setAct = (id: string, a: Activity, t: number): void => {
    const s = state.get(id);
    const tm = tasks.get(id);
    if (!s || !tm || s.a === a || s.a === 'done') return;
    if (s.a !== null && t > s.since) tm.activity.push({ t0: s.since, t1: t, key: s.a });
    s.a = a;
    s.since = t;
    if (a === 'done') tm.doneAt = t;
  };
  const setHold = (id: string, h: Hold | null, t: number): void => {
    const s = state.get(id);
    const tm = tasks.get(id);
    if (!s || !tm || s.hold === h) return;
    if (t > s.holdSince) tm.hold.push({ t0: s.holdSince, t1: t, key: s.hold ?? 'none' });
    s.hold = h;
    s.holdSince = t;
  };
  const lock: Seg<string>[] = [];
  const queue: Seg<string>[] = [];
  const lockSnap = new Map<string, LockSnapshot>();
  let lk = 'free';
  let lkSince = 0;
  let qk = '';
  let qSince = 0;
  const times: number[] = [];

  for (const e of trace) {
    times.push(e.t);
    const tm = tasks.get(e.task);
    const s = state.get(e.task);
    if (MARKER_SET.has(e.kind)) tasks.get(markerLane(e))?.markers.push(e);
    if (tm && s) {
      if (s.a === null && e.kind !== 'outcome') setAct(e.task, 'run', e.t);
      switch (e.kind) {
        case 'lock-request':
          setAct(e.task, 'lock-wait', e.t);
          break;
        case 'io-start': {
          const key = e.details?.key;
          if (typeof key === 'string') pendingIo.set(key, e.task);
          setAct(e.task, 'io', e.t);
          break;
        }
        case 'page-lock-wait': {
          // Waiting for the page lock of a page whose read this task started is I/O wait.
          const key = e.details?.key;
          if (!(typeof key === 'string' && pendingIo.get(key) === e.task && s.a === 'io')) setAct(e.task, 'page-wait', e.t);
          break;
        }
        case 'uffd-block':
          setAct(e.task, 'uffd', e.t);
          break;
        case 'io-done':
          setAct(e.task, 'run', e.t);
          break;
        default:
          break;
      }
    }
    if (e.kind === 'io-done') {
      const key = e.details?.key;
      const owner = typeof key === 'string' ? pendingIo.get(key) : undefined;
      if (owner !== undefined && typeof key === 'string') {
        pendingIo.delete(key);
        const os = state.get(owner);
        if (os && (os.a === 'io' || os.a === 'page-wait')) setAct(owner, 'run', e.t);
      }
    }
    if (tm && s) {
      switch (e.kind) {
        case 'uffd-wake': {
          const d = e.details ?? {};
          const target = [d.woken, d.target, d.wakes].find((v) => typeof v === 'string' && state.get(v)?.a === 'uffd');
          setAct(typeof target === 'string' ? target : e.task, 'run', e.t);
          break;
        }
        case 'outcome':
          if (s.a === null) s.a = 'run';
          setAct(e.task, 'done', e.t);
          break;
        default:
          if (PROGRESS.has(e.kind)) setAct(e.task, 'run', e.t);
      }
    }
    // Lock snapshot: queue membership means waiting; holding ends a wait.
    const l = e.lock;
    for (const [id, st] of state) {
      const holds: Hold | null = l.writer === id ? 'write' : l.readers.includes(id) ? 'read' : null;
      setHold(id, holds, e.t);
      if (l.queuedWriters.includes(id) || l.queuedReaders.includes(id)) setAct(id, 'lock-wait', e.t);
      else if (st.a === 'lock-wait' && holds) setAct(id, 'run', e.t);
    }
    const k = lockKey(l);
    if (k !== lk) {
      if (e.t > lkSince) lock.push({ t0: lkSince, t1: e.t, key: lk });
      lk = k;
      lkSince = e.t;
    }
    lockSnap.set(k, l);
    const q = queueKey(l);
    if (q !== qk) {
      if (e.t > qSince) queue.push({ t0: qSince, t1: e.t, key: qk });
      qk = q;
      qSince = e.t;
    }
  }
  if (end > lkSince) lock.push({ t0: lkSince, t1: end, key: lk });
  if (end > qSince) queue.push({ t0: qSince, t1: end, key: qk });
  for (const [id, s] of state) {
    const tm = tasks.get(id);
    if (!tm) continue;
    const tr = r.tasks.find((x) => x.id === id);
    const stop = end;
    if (s.a !== null && s.a !== 'done') {
      if (tr && tr.outcome.kind !== 'unfinished' && tr.outcome.kind !== 'deadlock' && tr.outcome.kind !== 'livelock' && tr.endTime < end) {
        setAct(id, 'done', Math.max(tr.endTime, s.since));
      }
    }
    if (s.a !== null && s.a !== 'done' && stop > s.since) tm.activity.push({ t0: s.since, t1: stop, key: s.a });
    if (s.a === 'done' && stop > s.since) tm.activity.push({ t0: s.since, t1: stop, key: 'done' });
    if (stop > s.holdSince) tm.hold.push({ t0: s.holdSince, t1: stop, key: s.hold ?? 'none' });
  }
  return { tasks, lock, lockSnap, queue, end, times };
}

function outcomeClass(o: TaskOutcome): string {
  const sev = outcomeSeverity(o);
  return sev === 0 ? 'o-ok' : o.kind === 'error' ? 'o-error' : o.kind === 'unfinished' ? 'o-unfinished' : 'o-bad';
}

export function verdictClass(r: RunResult): string {
  const sev = worstSeverity(r);
  if (sev === 0) return 'v-ok';
  if (sev === 1) return 'v-warn';
  if (sev === 2) return 'v-grey';
  return 'v-bad';
}

/** Short label text of a marker. */
function markerLabel(e: TraceEvent): string {
  const d = e.details ?? {};
  switch (e.kind) {
    case 'fault-attempt':
      return flagsShort(eventFlags(e));
    case 'fault-result': {
      const res = resultShort(eventResult(e));
      return res === 'OK' && /completed/i.test(e.label) ? 'COMPLETED' : res;
    }
    case 'uffd-ioctl': {
      const io = typeof d.ioctl === 'string' ? d.ioctl.replace(/^UFFDIO_/, '') : '';
      const res = d.result !== undefined ? String(d.result) : '';
      return io ? `${io}${res ? ` → ${res}` : ''}` : e.label;
    }
    case 'signal':
      return typeof d.signal === 'string' ? d.signal : e.label;
    case 'bug':
      return `BUG ${typeof d.assertion === 'string' ? d.assertion : e.label}`;
    case 'outcome':
      return e.label;
    case 'gup':
      return typeof d.result === 'string' || typeof d.result === 'number' ? `gup → ${d.result}` : e.label;
    default:
      return e.label;
  }
}

function markerTitle(e: TraceEvent, unitEnd: number): string {
  const lines = [`${fmtTime(e.t, unitEnd < 10_000 ? 'µs' : unitEnd < 10_000_000 ? 'ms' : 's')}  ${e.task}  ${e.kind}`, e.label];
  if (e.details) {
    const ds = Object.entries(e.details)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`)
      .join(' ');
    if (ds) lines.push(truncate(ds, 300));
  }
  return lines.join('\n');
}

function markerShape(e: TraceEvent): string {
  switch (e.kind) {
    case 'fault-attempt':
      return `<path class="m-attempt" d="M-4,-12h8l-4,6z"/>`;
    case 'fault-result':
      return `<circle class="m-${resultClass(eventResult(e))}" r="3.5"/>`;
    case 'uffd-message':
      return `<rect class="m-msg" x="-4" y="-3" width="8" height="6"/><path d="M-4,-3l4,3l4,-3" fill="none" stroke="#5f3dc4"/>`;
    case 'uffd-ioctl':
      return `<rect class="m-ioctl" x="-3.5" y="-3.5" width="7" height="7"/>`;
    case 'uffd-event':
      return `<path class="m-uevent" d="M0,-5l5,5l-5,5l-5,-5z"/>`;
    case 'signal':
      return `<path class="m-signal" d="M1,-9l-5,8h4l-2,8l6,-10h-4l3,-6z"/>`;
    case 'bug':
      return `<path class="m-bug" d="M-5,-5l10,10M5,-5l-10,10"/>`;
    case 'outcome':
      return `<path class="m-outcome" d="M0,7v-16l8,3l-8,3" fill="#495057" stroke="#495057"/>`;
    case 'gup':
      return `<path class="m-gup" d="M0,-4l4,4l-4,4l-4,-4z"/>`;
    case 'op-start':
      return `<path class="m-op" d="M0,-7v14"/>`;
    default:
      return `<circle r="3" fill="#868e96"/>`;
  }
}

interface Placed {
  x: number;
  e: TraceEvent;
}

interface Cluster {
  x: number;
  events: TraceEvent[];
}

/** Stagger short runs of close markers; gather long runs into clusters of CLUSTER_PX. */
function layoutMarkers(events: TraceEvent[], sc: TimeScale): { single: Placed[]; clusters: Cluster[] } {
  const priorityCount = events.filter((e) => PRIORITY_KINDS.has(e.kind)).length;
  const keepAlone = (e: TraceEvent): boolean => PRIORITY_KINDS.has(e.kind) && priorityCount <= 100;
  const single: Placed[] = [];
  const clusters: Cluster[] = [];
  const rest: Placed[] = [];
  for (const e of events) {
    if (keepAlone(e)) single.push({ x: sc.x(e.t), e });
    else rest.push({ x: sc.x(e.t), e });
  }
  // Chains of markers each closer than MIN_GAP to the previous one.
  let i = 0;
  while (i < rest.length) {
    let j = i + 1;
    while (j < rest.length && rest[j].x - rest[j - 1].x < MIN_GAP) j++;
    const chain = rest.slice(i, j);
    if (chain.length <= MAX_STAGGER) {
      let prev = -Infinity;
      for (const p of chain) {
        const x = Math.max(p.x, prev + MIN_GAP);
        single.push({ x, e: p.e });
        prev = x;
      }
    } else {
      // Fixed windows, aligned to the chain start; a window with one marker stays a marker.
      let w0 = chain[0].x;
      let cur: Placed[] = [];
      const flush = (): void => {
        if (cur.length === 1) single.push(cur[0]);
        else if (cur.length > 1) clusters.push({ x: (cur[0].x + cur[cur.length - 1].x) / 2, events: cur.map((c) => c.e) });
        cur = [];
      };
      for (const p of chain) {
        if (p.x - w0 >= CLUSTER_PX) {
          flush();
          w0 = p.x;
        }
        cur.push(p);
      }
      flush();
    }
    i = j;
  }
  return { single, clusters };
}

/** Greedy label packing in rows; returns per label its row and (possibly truncated) text, or null. */
class LabelRows {
  private readonly rows: Array<Array<[number, number]>>;
  constructor(
    n: number,
    private readonly xMax: number,
  ) {
    this.rows = Array.from({ length: n }, () => []);
  }

  private free(row: Array<[number, number]>, a: number, b: number): boolean {
    for (const [c, d] of row) if (a < d && c < b) return false;
    return true;
  }

  /** Room to the right of x in a row (to the next label or the edge), or 0 if x is inside a label. */
  private room(row: Array<[number, number]>, x: number): number {
    let lim = this.xMax - x;
    for (const [c, d] of row) {
      if (x >= c && x < d) return 0;
      if (c >= x) lim = Math.min(lim, c - x);
    }
    return lim;
  }

  place(x: number, text: string): { row: number; x: number; text: string } | null {
    const w = textLength(text) * CHAR_W + 4;
    for (let r = 0; r < this.rows.length; r++) {
      let a = x - 1;
      if (a + w > this.xMax) a = Math.max(0, this.xMax - w);
      if (a > x + 1 || a + w < x - 1) continue;
      if (this.free(this.rows[r], a, a + w)) {
        this.rows[r].push([a, a + w]);
        return { row: r, x: a + 1, text };
      }
    }
    let best = -1;
    let bestRoom = 0;
    for (let r = 0; r < this.rows.length; r++) {
      const room = this.room(this.rows[r], x - 1);
      if (room > bestRoom) {
        bestRoom = room;
        best = r;
      }
    }
    const chars = Math.floor((bestRoom - 4) / CHAR_W);
    if (best < 0 || chars < 4) return null;
    const cut = truncate(text, chars);
    this.rows[best].push([x - 1, x - 1 + textLength(cut) * CHAR_W + 4]);
    return { row: best, x, text: cut };
  }
}

export interface TimelineBody {
  width: number;
  height: number;
  /** SVG elements without the <svg> root (and without the <style>). */
  body: string;
}

export function timelineStyle(): string {
  return STYLE;
}

/** Times the scale of this run is built from (for sharing a scale between two runs). */
export function scaleTimes(r: RunResult): number[] {
  return [...r.trace.map((e) => e.t), r.endTime, ...r.tasks.map((t) => t.endTime)];
}

/** Lays out one run; the comparison stacks two of these. */
export function renderTimelineBody(r: RunResult, opts: TimelineOptions = {}): TimelineBody {
  const width = Math.max(600, Math.round(opts.width ?? 1200));
  const model = buildModel(r, opts.endTime);
  const x0 = LEFT;
  const x1 = width - RIGHT;
  const sc = TimeScale.build([...model.times, ...r.tasks.map((t) => t.endTime), ...(opts.extraTimes ?? [])], model.end, x0, x1, opts.scale ?? 'compressed');
  const labelRows = Math.max(1, Math.min(6, opts.labelRows ?? 3));
  const taskLaneH = labelRows * ROW_H + 6 + BAND_H + HOLD_H + 8;
  const ids = [...model.tasks.keys()];
  const out: string[] = [];
  const highlight = new Set(opts.highlightTasks ?? []);

  // Header.
  const head = opts.title ?? `${r.scenario} · era ${r.era} · seed ${r.seed} · ${fmtTime(r.endTime, sc.unit)} · ${r.trace.length} events`;
  const maxChars = Math.floor((width - 16) / (13 * 0.6));
  out.push(`<g class="header"><text class="hdr" x="8" y="18">${esc(truncate(head, maxChars))}<title>${esc(head)}</title></text>`);
  const vmax = Math.floor((width - 16) / (12 * 0.6));
  out.push(
    `<text class="verdict ${verdictClass(r)}" x="8" y="38">${esc(truncate(r.verdict, vmax))}<title>${esc(r.verdict)}</title></text></g>`,
  );

  const axisY = HEADER_H + AXIS_H;
  const lanesTop = axisY + 4;
  const lanesBottom = lanesTop + LOCK_LANE_H + ids.length * taskLaneH;

  // Lane backgrounds, breaks, grid.
  out.push('<g class="bg">');
  ids.forEach((id, i) => {
    const y = lanesTop + LOCK_LANE_H + i * taskLaneH;
    const cls = highlight.has(id) ? 'lanebg hl' : i % 2 ? 'lanebg alt' : 'lanebg';
    out.push(`<rect class="${cls}" x="0" y="${r1(y)}" width="${width}" height="${taskLaneH}"/>`);
  });
  for (const b of sc.breaks()) {
    const gap = `+${fmtTime(b.t1 - b.t0, sc.unit)}`;
    // The tick labels at both ends of the break are centred on its edges: the gap label goes between them.
    const fits = textLength(gap) * 6 + 2 * 34 <= b.x1 - b.x0;
    out.push(
      `<g class="break"><rect class="brk" x="${r1(b.x0)}" y="${axisY - 6}" width="${r1(Math.max(1, b.x1 - b.x0))}" height="${r1(lanesBottom - axisY + 6)}"><title>${esc(
        `${fmtTime(b.t1 - b.t0, sc.unit)} without events (${fmtTime(b.t0, sc.unit)} – ${fmtTime(b.t1, sc.unit)}), compressed`,
      )}</title></rect><path class="brkl" d="M${r1(b.x0)},${axisY}V${r1(lanesBottom)}M${r1(b.x1)},${axisY}V${r1(lanesBottom)}"/>` +
        `<path d="M${r1(b.x0 - 3)},${axisY + 4}l6,-8M${r1(b.x1 - 3)},${axisY + 4}l6,-8" stroke="#495057" stroke-width="1.5"/>` +
        (fits ? `<text class="tick" x="${r1((b.x0 + b.x1) / 2)}" y="${axisY - 7}" text-anchor="middle">${esc(gap)}</text>` : '') +
        '</g>',
    );
  }
  const ticks = sc.ticks();
  out.push(`<path class="grid" d="${ticks.map((tk) => `M${r1(tk.x)},${axisY}V${r1(lanesBottom)}`).join('')}"/>`);
  out.push('</g>');

  // Axis.
  out.push(`<g class="axis"><path d="M${x0},${axisY}H${x1}" stroke="#495057"/>`);
  for (const tk of ticks) {
    out.push(`<path d="M${r1(tk.x)},${axisY}v-4" stroke="#495057"/><text class="tick" x="${r1(tk.x)}" y="${axisY - 7}" text-anchor="middle">${esc(tk.label)}</text>`);
  }
  out.push('</g>');

  // mmap_lock lane.
  {
    const y = lanesTop;
    const bandY = y + 10;
    const bandH = 20;
    out.push(`<g class="lane lock-lane" data-lane="mmap_lock">`);
    out.push(`<text class="lname" x="8" y="${y + 24}">mmap_lock</text>`);
    for (const s of quantize(model.lock, sc, lockRank)) {
      const kind = s.key === 'free' ? 'free' : s.key.startsWith('W:') ? 'write' : 'read';
      const w = Math.max(0.5, s.x1 - s.x0);
      const who = s.key === 'free' ? 'free' : s.key.startsWith('W:') ? `write: ${s.key.slice(2)}` : `read: ${s.key.slice(2).split(',').join(', ')}`;
      const title = s.merged > 1 ? `${s.merged} lock state changes, ${fmtTime(s.t0, sc.unit)} – ${fmtTime(s.t1, sc.unit)}` : `${who}, ${fmtTime(s.t0, sc.unit)} – ${fmtTime(s.t1, sc.unit)} (${fmtTime(s.t1 - s.t0, sc.unit)})`;
      out.push(
`<rect class="l-${kind}"${opacity(s)} x="${r1(s.x0)}" y="${bandY}" width="${r1(w)}" height="${bandH}">${w >= 3 ? `<title>${esc(title)}</title>` : ''}</rect>`,
      );
      if (kind !== 'free' && s.merged === 1) {
        const text = kind === 'write' ? `W ${s.key.slice(2)}` : `R ${s.key.slice(2).split(',').join(' ')}`;
        const chars = Math.floor((w - 4) / CHAR_W);
        if (chars >= 3) out.push(`<text class="ltxt" x="${r1(s.x0 + 2)}" y="${bandY + 14}">${esc(truncate(text, chars))}</text>`);
      }
    }
    for (const s of quantize(model.queue, sc, queueRank)) {
      if (s.key === '') continue;
      const w = Math.max(0.5, s.x1 - s.x0);
      const isW = s.key.startsWith('qw:');
      const [qw, qr] = isW ? s.key.slice(3).split('|') : ['', s.key.slice(3)];
      const title = `${qw ? `queued writers: ${qw.split(',').join(', ')}` : ''}${qw && qr ? '; ' : ''}${qr ? `queued readers: ${qr.split(',').join(', ')}` : ''}, ${fmtTime(s.t0, sc.unit)} – ${fmtTime(s.t1, sc.unit)}`;
      out.push(`<rect class="${isW ? 'q-w' : 'q-r'}" x="${r1(s.x0)}" y="${y + 3}" width="${r1(w)}" height="6">${w >= 3 ? `<title>${esc(title)}</title>` : ''}</rect>`);
    }
    out.push('</g>');
  }

  // Task lanes.
  ids.forEach((id, i) => {
    const tm = model.tasks.get(id);
    if (!tm) return;
    const tr = r.tasks.find((t) => t.id === id);
    const y = lanesTop + LOCK_LANE_H + i * taskLaneH;
    const bandY = y + labelRows * ROW_H + 6;
    const cy = bandY + BAND_H / 2;
    out.push(`<g class="lane task-lane" data-lane="task:${esc(id)}">`);
    const nameChars = Math.floor((LEFT - 14) / (12 * 0.6));
    out.push(`<text class="lname" x="8" y="${r1(cy + 4)}">${esc(truncate(id, nameChars))}<title>${esc(id)}</title></text>`);
    if (tr) {
      const sub = `${tr.attempts.length} att · ${tr.retries} retr`;
      out.push(`<text class="lsub" x="8" y="${r1(cy + 17)}">${esc(sub)}</text>`);
    } else {
      out.push(`<text class="lsub" x="8" y="${r1(cy + 17)}">(trace only)</text>`);
    }
    // Activity band.
    for (const s of quantize(tm.activity, sc, activityRank)) {
      const w = Math.max(0.5, s.x1 - s.x0);
      if (s.key === 'done') {
        out.push(`<path class="s-done" d="M${r1(s.x0)},${r1(cy)}H${r1(s.x1)}"/>`);
        continue;
      }
      const title = s.merged > 1 ? `${s.merged} state changes, ${fmtTime(s.t0, sc.unit)} – ${fmtTime(s.t1, sc.unit)}` : `${id}: ${ACTIVITY_NAMES[s.key]}, ${fmtTime(s.t0, sc.unit)} – ${fmtTime(s.t1, sc.unit)} (${fmtTime(s.t1 - s.t0, sc.unit)})`;
      out.push(`<rect class="seg s-${s.key}"${opacity(s)} x="${r1(s.x0)}" y="${bandY}" width="${r1(w)}" height="${BAND_H}">${w >= 3 ? `<title>${esc(title)}</title>` : ''}</rect>`);
    }
    // Lock-hold strip.
    for (const s of quantize(tm.hold, sc, holdRank)) {
      if (s.key === 'none') continue;
      const w = Math.max(0.5, s.x1 - s.x0);
      const title = `${id} holds mmap_lock for ${s.key}, ${fmtTime(s.t0, sc.unit)} – ${fmtTime(s.t1, sc.unit)} (${fmtTime(s.t1 - s.t0, sc.unit)})`;
      out.push(`<rect class="h-${s.key}"${opacity(s)} x="${r1(s.x0)}" y="${bandY + BAND_H + 1}" width="${r1(w)}" height="${HOLD_H}">${w >= 3 && s.merged === 1 ? `<title>${esc(title)}</title>` : ''}</rect>`);
    }
    // Markers.
    const { single, clusters } = layoutMarkers(tm.markers, sc);
    const rows = new LabelRows(labelRows, x1 + 20);
    const labels: string[] = [];
    const ordered = [...single].sort((a, b) => (LABEL_PRIORITY[a.e.kind] ?? 9) - (LABEL_PRIORITY[b.e.kind] ?? 9) || a.x - b.x);
    const lastText = new Map<string, number[]>();
    for (const p of ordered) {
      if (p.e.kind === 'outcome') continue; // the outcome is written at the lane end
      const text = markerLabel(p.e);
      // A label repeating one placed close by (RETRY RETRY RETRY …) adds nothing: keep one per DEDUPE_PX.
      const seen = lastText.get(text) ?? [];
      if (seen.some((x) => Math.abs(x - p.x) < DEDUPE_PX)) continue;
      const pl = rows.place(p.x, text);
      if (pl) {
        seen.push(p.x);
        lastText.set(text, seen);
      }
      if (!pl) continue;
      const ly = bandY - 4 - pl.row * ROW_H;
      labels.push(`<path class="lead" d="M${r1(p.x)},${r1(ly + 1)}V${bandY - 1}"/><text class="lbl" x="${r1(pl.x)}" y="${r1(ly - 1)}">${esc(pl.text)}</text>`);
    }
    out.push(`<g class="labels">${labels.join('')}</g>`);
    const order = [...single].sort((a, b) => a.e.t - b.e.t || a.e.seq - b.e.seq);
    for (const p of order) {
      out.push(
        `<g class="event ${p.e.kind}" data-seq="${p.e.seq}" transform="translate(${r1(p.x)},${r1(cy)})"><title>${esc(markerTitle(p.e, model.end))}</title>${markerShape(p.e)}</g>`,
      );
    }
    for (const c of clusters) {
      const counts = new Map<string, number>();
      for (const e of c.events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
      const kinds = [...counts].map(([k, n]) => `${k}:${n}`).join(',');
      const first = c.events[0];
      const last = c.events[c.events.length - 1];
      const title = [
        `${c.events.length} events, ${fmtTime(first.t, sc.unit)} – ${fmtTime(last.t, sc.unit)}`,
        [...counts].map(([k, n]) => `${n} ${k}`).join(', '),
        `first: ${truncate(first.label, 120)}`,
        `last: ${truncate(last.label, 120)}`,
      ].join('\n');
      const n = String(c.events.length);
      const w = Math.max(12, n.length * 6 + 4);
      out.push(
        `<g class="event-cluster" data-count="${c.events.length}" data-kinds="${esc(kinds)}" transform="translate(${r1(c.x)},${r1(cy)})"><title>${esc(title)}</title><rect class="m-cluster" x="${-w / 2}" y="-6" width="${w}" height="12" rx="3"/><text class="ctxt" x="0" y="3" text-anchor="middle">${n}</text></g>`,
      );
    }
    // Outcome at the lane end.
    if (tr) {
      const o = tr.outcome;
      const oc = Math.floor((RIGHT - 16) / (12 * 0.6));
      out.push(
        `<text class="task-outcome ${outcomeClass(o)}" x="${x1 + 24}" y="${r1(cy + 4)}">${esc(truncate(outcomeShort(o), oc))}<title>${esc(`${id}: ${outcomeLong(o)}`)}</title></text>`,
      );
      const sub: string[] = [`end ${fmtTime(tr.endTime, sc.unit)}`];
      if (tr.blockedInUffd) sub.push(`uffd ${fmtTime(tr.blockedInUffd, sc.unit)}`);
      if (tr.ioWait) sub.push(`io ${fmtTime(tr.ioWait, sc.unit)}`);
      if (tr.lockWait) sub.push(`lock ${fmtTime(tr.lockWait, sc.unit)}`);
      const subText = sub.join(' · ');
      const sc2 = Math.floor((RIGHT - 26) / 6);
      out.push(`<text class="lsub" x="${x1 + 24}" y="${r1(cy + 17)}">${esc(truncate(subText, sc2))}<title>${esc(subText)}</title></text>`);
    }
    out.push('</g>');
  });

  // Legend.
  const legendTop = lanesBottom + 14;
  const items: Array<[string, string]> = [
    ['<rect class="s-run" width="14" height="10"/>', 'running'],
    ['<rect class="s-lock-wait" width="14" height="10"/>', 'waits for mmap_lock'],
    ['<rect class="s-io" width="14" height="10"/>', 'I/O wait'],
    ['<rect class="s-page-wait" width="14" height="10"/>', 'page-lock wait'],
    ['<rect class="s-uffd" width="14" height="10"/>', 'blocked in userfaultfd'],
    ['<path class="s-done" d="M0,5H14"/>', 'done'],
    ['<rect class="h-read" y="3" width="14" height="5"/>', 'holds mmap_lock read'],
    ['<rect class="h-write" y="3" width="14" height="5"/>', 'holds mmap_lock write'],
    ['<rect class="q-w" y="2" width="14" height="6"/>', 'writer queued'],
    ['<rect class="q-r" y="2" width="14" height="6"/>', 'reader queued'],
    ['<path class="m-attempt" d="M3,0h8l-4,6z"/>', 'fault attempt (flags)'],
    ['<circle class="m-ok" cx="7" cy="5" r="4.5"/>', 'OK'],
    ['<circle class="m-retry" cx="7" cy="5" r="4.5"/>', 'RETRY'],
    ['<circle class="m-error" cx="7" cy="5" r="4.5"/>', 'SIGBUS/error'],
    ['<rect class="m-msg" x="3" y="2" width="8" height="6"/>', 'uffd message'],
    ['<rect class="m-ioctl" x="3.5" y="1.5" width="7" height="7"/>', 'uffd ioctl'],
    ['<path class="m-signal" d="M8,-3l-5,8h4l-2,8l6,-10h-4l3,-6z"/>', 'signal'],
    ['<path class="m-bug" d="M2,0l10,10M12,0l-10,10"/>', 'BUG'],
    ['<path class="m-op" d="M7,-1v12"/>', 'op start'],
    ['<rect class="m-cluster" width="14" height="10" rx="3"/>', 'n events (dense)'],
  ];
  let lx = 8;
  let ly = legendTop;
  out.push('<g class="legend">');
  for (const [sym, text] of items) {
    const w = 20 + textLength(text) * 6 + 14;
    if (lx + w > width - 8) {
      lx = 8;
      ly += 18;
    }
    out.push(`<g transform="translate(${lx},${ly})">${sym}<text x="19" y="9">${esc(text)}</text></g>`);
    lx += w;
  }
  out.push('</g>');
  const height = ly + 22;
  return { width, height, body: out.join('\n') };
}

/** One run as a self-contained SVG document. */
export function renderTimelineSvg(r: RunResult, opts: TimelineOptions = {}): string {
  const { width, height, body } = renderTimelineBody(r, opts);
  const label = `${r.scenario}: ${r.verdict}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}" data-scenario="${esc(r.scenario)}" data-events="${r.trace.length}">`,
    `<title>${esc(label)}</title>`,
    `<style>${STYLE}</style>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}
