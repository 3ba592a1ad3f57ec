/**
 * Small pure helpers shared by the renderers (SVG timeline, comparison, terminal text): XML escaping,
 * time formatting, short names for outcomes, fault flags and fault results.
 */
import type { FaultAttempt, RunResult, TaskOutcome, TraceEvent } from '../result';

// eslint-disable-next-line no-control-regex -- these are exactly the characters XML 1.0 forbids
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escape text for XML character data and attribute values; drops characters XML 1.0 cannot carry. */
export function esc(s: string): string {
  return s
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Length in code points (what a monospace font draws). */
export function textLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Truncate to at most `max` code points, ending with "…" when cut. */
export function truncate(s: string, max: number): string {
  if (max <= 0) return '';
  const cps = Array.from(s);
  if (cps.length <= max) return s;
  if (max === 1) return '…';
  return cps.slice(0, max - 1).join('') + '…';
}

export type TimeUnit = 'µs' | 'ms' | 's';

/** The unit a run of this length is best read in. */
export function unitFor(spanUs: number): TimeUnit {
  if (spanUs < 10_000) return 'µs';
  if (spanUs < 10_000_000) return 'ms';
  return 's';
}

function trimNum(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Format a time in µs, in the given unit (default: the unit that suits the value itself). */
export function fmtTime(us: number, unit: TimeUnit = unitFor(Math.abs(us))): string {
  if (!Number.isFinite(us)) return String(us);
  switch (unit) {
    case 'µs':
      return `${trimNum(us, Number.isInteger(us) ? 0 : 1)} µs`;
    case 'ms':
      return `${trimNum(us / 1000, 3)} ms`;
    case 's':
      return `${trimNum(us / 1_000_000, 3)} s`;
  }
}

/** One short word or two for an outcome: "ok", "-EFAULT", "SIGBUS", "BUG", "DEADLOCK" … */
export function outcomeShort(o: TaskOutcome): string {
  switch (o.kind) {
    case 'ok':
      return o.value === undefined ? 'ok' : `ok (${o.value})`;
    case 'error':
      return `-${o.errno}`;
    case 'signal':
      return o.signal;
    case 'bug':
      return 'BUG';
    case 'killed':
      return 'killed (SIGKILL)';
    case 'deadlock':
      return 'DEADLOCK';
    case 'livelock':
      return 'LIVELOCK';
    case 'unfinished':
      return `unfinished (${o.state})`;
  }
}

/** The full outcome, with where/assertion/waits-for/cycle. */
export function outcomeLong(o: TaskOutcome): string {
  switch (o.kind) {
    case 'error':
      return `error -${o.errno}${o.where ? ` in ${o.where}` : ''}`;
    case 'signal':
      return `signal ${o.signal}`;
    case 'bug':
      return `BUG: ${o.assertion}`;
    case 'deadlock':
      return `deadlock, waits for ${o.waitsFor}`;
    case 'livelock':
      return `livelock: ${o.cycle.join(' → ')}`;
    default:
      return outcomeShort(o);
  }
}

/** 0 ok, 1 error return, 2 unfinished, 3 signal/killed, 4 livelock/deadlock, 5 BUG: higher is worse. */
export function outcomeSeverity(o: TaskOutcome): number {
  switch (o.kind) {
    case 'ok':
      return 0;
    case 'error':
      return 1;
    case 'unfinished':
      return 2;
    case 'signal':
    case 'killed':
      return 3;
    case 'livelock':
    case 'deadlock':
      return 4;
    case 'bug':
      return 5;
  }
}

export function worstSeverity(r: RunResult): number {
  return r.tasks.reduce((m, t) => Math.max(m, outcomeSeverity(t.outcome)), 0);
}

const FLAG_ORDER = ['ALLOW_RETRY', 'TRIED', 'VMA_LOCK', 'RETRY_NOWAIT', 'KILLABLE', 'INTERRUPTIBLE', 'WRITE', 'USER', 'REMOTE'];

/** Fault flags, most telling first (ALLOW_RETRY, TRIED …), joined by "|"; "0" for none. */
export function flagsShort(flags: string[]): string {
  if (flags.length === 0) return '0';
  const rank = (f: string): number => {
    const i = FLAG_ORDER.indexOf(f);
    return i < 0 ? FLAG_ORDER.length : i;
  };
  return [...flags].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).join('|');
}

/** VM_FAULT result for display: "OK" for "0"/empty, else the names joined by "|". */
export function resultShort(result: string[]): string {
  const r = result.filter((x) => x !== '0' && x !== '');
  return r.length === 0 ? 'OK' : r.join('|');
}

export type ResultClass = 'ok' | 'retry' | 'completed' | 'error';

export function resultClass(result: string[]): ResultClass {
  const r = result.filter((x) => x !== '0' && x !== '');
  if (r.length === 0 || r.every((x) => x === 'MAJOR' || x === 'NOPAGE' || x === 'LOCKED')) return 'ok';
  if (r.includes('SIGBUS') || r.includes('SIGSEGV') || r.includes('OOM') || r.includes('HWPOISON') || r.includes('ERROR')) return 'error';
  if (r.includes('RETRY')) return 'retry';
  if (r.includes('COMPLETED')) return 'completed';
  return 'error';
}

function detailStrings(e: TraceEvent, key: string): string[] | undefined {
  const v = e.details?.[key];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v === '' ? [] : v.split(/[|,\s]+/).filter((x) => x !== '');
  return undefined;
}

/** The fault flags of a fault-attempt event: details.flags, else the text in the label's parentheses. */
export function eventFlags(e: TraceEvent, attempt?: FaultAttempt): string[] {
  const d = detailStrings(e, 'flags');
  if (d) return d;
  if (attempt) return attempt.flags;
  const m = /\(([A-Z_|]*)\)/.exec(e.label);
  return m ? m[1].split('|').filter((x) => x !== '') : [];
}

/** The VM_FAULT result of a fault-result event: details.result, else the word after "→" in the label. */
export function eventResult(e: TraceEvent, attempt?: FaultAttempt): string[] {
  const d = detailStrings(e, 'result');
  if (d) return d;
  if (attempt) return attempt.result;
  const m = /→\s*([A-Z0-9_|]+)/.exec(e.label);
  return m ? m[1].split('|') : [];
}

/** Trace sorted by (t, seq), without mutating the input. */
export function sortedTrace(r: RunResult): TraceEvent[] {
  const tr = r.trace;
  for (let i = 1; i < tr.length; i++) {
    if (tr[i].t < tr[i - 1].t || (tr[i].t === tr[i - 1].t && tr[i].seq < tr[i - 1].seq)) {
      return [...tr].sort((a, b) => a.t - b.t || a.seq - b.seq);
    }
  }
  return tr;
}

/** Task ids in display order: the tasks of the result, then any task only the trace names. */
export function taskOrder(r: RunResult): string[] {
  const ids = r.tasks.map((t) => t.id);
  const seen = new Set(ids);
  for (const e of r.trace) {
    if (e.task && !seen.has(e.task)) {
      seen.add(e.task);
      ids.push(e.task);
    }
  }
  return ids;
}
