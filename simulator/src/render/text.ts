/**
 * Terminal output of a run: the verdict first, then per task its outcome, attempts (flags → result of each),
 * waits, then a metrics table; optionally a compact trace listing.
 */
import type { ExploreResult } from '../explore';
import type { LockSnapshot, RunResult } from '../result';
import { flagsShort, fmtTime, outcomeLong, resultShort, sortedTrace, textLength, truncate, unitFor, worstSeverity } from './common';

export interface RunTextOptions {
  /** Append the compact trace listing. */
  trace?: boolean;
  /** Maximum trace lines (default 400; the middle is elided). */
  traceLimit?: number;
  /** ANSI colours (default false). */
  color?: boolean;
}

const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - textLength(s)));
const lpad = (s: string, n: number): string => ' '.repeat(Math.max(0, n - textLength(s))) + s;

function paint(on: boolean, code: string, s: string): string {
  return on ? `\x1b[${code}m${s}\x1b[0m` : s;
}

export function renderRunText(r: RunResult, opts: RunTextOptions = {}): string {
  const c = opts.color === true;
  const sev = worstSeverity(r);
  const vcode = sev === 0 ? '1;32' : sev === 1 ? '1;33' : sev === 2 ? '1' : '1;31';
  const unit = unitFor(r.endTime);
  const lines: string[] = [];
  lines.push(paint(c, vcode, `verdict: ${r.verdict}`));
  lines.push(`scenario ${r.scenario} · era ${r.era} · seed ${r.seed} · ${fmtTime(r.endTime, unit)} · ${r.trace.length} events · ${r.metrics.steps} steps`);
  lines.push('');
  const idW = Math.max(4, ...r.tasks.map((t) => textLength(t.id)));
  lines.push(`${pad('task', idW)}  ${pad('outcome', 28)}  attempts  retries  ${lpad('uffd', 10)}  ${lpad('I/O', 10)}  ${lpad('lock wait', 10)}  ${lpad('end', 10)}`);
  for (const t of r.tasks) {
    const o = truncate(outcomeLong(t.outcome), 28);
    const oc = t.outcome.kind === 'ok' ? '32' : t.outcome.kind === 'error' ? '33' : t.outcome.kind === 'unfinished' ? '2' : '31';
    lines.push(
      `${pad(t.id, idW)}  ${paint(c, oc, pad(o, 28))}  ${lpad(String(t.attempts.length), 8)}  ${lpad(String(t.retries), 7)}  ${lpad(fmtTime(t.blockedInUffd, unit), 10)}  ${lpad(fmtTime(t.ioWait, unit), 10)}  ${lpad(fmtTime(t.lockWait, unit), 10)}  ${lpad(fmtTime(t.endTime, unit), 10)}`,
    );
    if (textLength(outcomeLong(t.outcome)) > 28) lines.push(`${pad('', idW)}  ${outcomeLong(t.outcome)}`);
    t.attempts.forEach((a, i) => {
      lines.push(
        `${pad('', idW)}    #${i + 1} ${lpad(fmtTime(a.t, unit), 9)}  ${flagsShort(a.flags)} → ${resultShort(a.result)}${a.lockReleased ? ' (lock released)' : ''}`,
      );
    });
  }
  lines.push('');
  const m = r.metrics;
  const metric: Array<[string, string]> = [
    ['mmap_lock read hold total / max', `${fmtTime(m.mmapLock.readHoldTotal, unit)} / ${fmtTime(m.mmapLock.readHoldMax, unit)}`],
    ['mmap_lock write hold total', fmtTime(m.mmapLock.writeHoldTotal, unit)],
    ['mmap_lock writer wait total / max', `${fmtTime(m.mmapLock.writerWaitTotal, unit)} / ${fmtTime(m.mmapLock.writerWaitMax, unit)}`],
    ['mmap_lock reader wait total', fmtTime(m.mmapLock.readerWaitTotal, unit)],
    ['blocked in userfaultfd total', fmtTime(m.blockedInUffdTotal, unit)],
    ['I/O wait total', fmtTime(m.ioWaitTotal, unit)],
    ['uffd messages read', String(m.uffdMessagesRead)],
    ['uffd ioctls', m.ioctls.length ? m.ioctls.map((i) => `${i.ioctl}=${i.result}`).join(' ') : '(none)'],
  ];
  for (const [f, n] of Object.entries(m.readaheadMisses ?? {})) metric.push([`readahead misses ${f}`, String(n)]);
  const mw = Math.max(...metric.map(([k]) => textLength(k)));
  lines.push('metrics');
  for (const [k, v] of metric) lines.push(`  ${pad(k, mw)}  ${v}`);
  let text = lines.join('\n') + '\n';
  if (opts.trace) text += '\n' + renderTraceText(r, { limit: opts.traceLimit });
  return text;
}

function lockText(l: LockSnapshot): string {
  const parts: string[] = [];
  if (l.writer) parts.push(`W ${l.writer}`);
  else if (l.readers.length) parts.push(`R ${l.readers.join(',')}`);
  else parts.push('free');
  if (l.queuedWriters.length) parts.push(`qW ${l.queuedWriters.join(',')}`);
  if (l.queuedReaders.length) parts.push(`qR ${l.queuedReaders.join(',')}`);
  return parts.join(' ');
}

/** One line per event: time, task, kind, label; the lock state is shown when it changes. */
export function renderTraceText(r: RunResult, opts: { limit?: number | undefined } = {}): string {
  const tr = sortedTrace(r);
  const limit = Math.max(10, opts.limit ?? 400);
  const unit = unitFor(r.endTime);
  const taskW = Math.max(4, ...tr.map((e) => textLength(e.task)));
  const kindW = Math.max(...tr.map((e) => e.kind.length), 4);
  const lines: string[] = [`trace (${tr.length} events)`];
  let prevLock = 'free';
  const show = (i: number): void => {
    const e = tr[i];
    const lk = lockText(e.lock);
    const lockCol = lk !== prevLock ? `   [mmap_lock: ${lk}]` : '';
    prevLock = lk;
    lines.push(`  ${lpad(fmtTime(e.t, unit), 11)}  ${pad(e.task, taskW)}  ${pad(e.kind, kindW)}  ${e.label}${lockCol}`);
  };
  if (tr.length <= limit) {
    for (let i = 0; i < tr.length; i++) show(i);
  } else {
    const head = Math.ceil(limit / 2);
    const tail = limit - head;
    for (let i = 0; i < head; i++) show(i);
    lines.push(`  … ${tr.length - limit} events elided (use --json for the full trace) …`);
    prevLock = lockText(tr[tr.length - tail - 1].lock);
    for (let i = tr.length - tail; i < tr.length; i++) show(i);
  }
  return lines.join('\n') + '\n';
}

/** Exploration: the verdict, the size of the search, then each bad outcome with its shortest schedule. */
export function renderExploreText(x: ExploreResult, opts: { maxSchedule?: number; color?: boolean } = {}): string {
  const c = opts.color === true;
  const maxS = opts.maxSchedule ?? 40;
  const lines: string[] = [];
  lines.push(paint(c, x.bad.length ? '1;31' : '1;32', `verdict: ${x.verdict}`));
  lines.push(
    `scenario ${x.scenario} · era ${x.era} · ${x.statesExplored} states, ${x.transitions} transitions, ${x.terminalStates} terminal states${x.boundHit ? ` · BOUND HIT (max ${x.maxStates} states): the search is incomplete` : ''}`,
  );
  if (x.bad.length === 0) {
    lines.push(x.boundHit ? 'no bad outcome found within the bound' : 'no reachable bad outcome');
  }
  x.bad.forEach((b, i) => {
    lines.push('');
    lines.push(paint(c, '1', `#${i + 1} ${b.kind.toUpperCase()} (${b.tasks.join(', ')}): ${b.detail}`));
    lines.push(`   shortest schedule (${b.schedule.length} moves):`);
    const n = b.schedule.length;
    const numbered: Array<[string, string]> = b.schedule.map((m, j) => [String(j + 1), m]);
    const shown = n > maxS ? [...numbered.slice(0, maxS - 5), ['', `… ${n - (maxS - 1)} more moves …`] as [string, string], ...numbered.slice(n - 4)] : numbered;
    for (const [num, m] of shown) lines.push(`   ${lpad(num, 4)}  ${m}`);
    if (b.cycle?.length) lines.push(`   repeating cycle: ${b.cycle.join(' → ')}`);
  });
  return lines.join('\n') + '\n';
}
