/**
 * Before/after comparison of two runs of a scenario (e.g. the fault path before and after a patch):
 * a structured diff (compareRuns), a terminal table (renderComparisonText), and a picture with both timelines
 * stacked on one shared time scale, the differing tasks highlighted (renderComparisonSvg / renderComparisonHtml).
 */
import type { RunResult, TaskResult } from '../result';
import { esc, flagsShort, fmtTime, outcomeLong, outcomeSeverity, outcomeShort, resultShort, textLength, truncate } from './common';
import { renderTimelineBody, scaleTimes, timelineStyle, type TimelineOptions } from './svg-timeline';

export type CellValue = number | string | null;

export interface ComparisonRow {
  /** e.g. "verdict", "task faulter: outcome", "mmap_lock read hold max". */
  name: string;
  section: 'run' | 'task' | 'metric';
  /** The task the row is about (section "task"). */
  task?: string;
  /** "us" for times (µs), "count" for counters, null for text. */
  unit: 'us' | 'count' | null;
  before: CellValue;
  after: CellValue;
  changed: boolean;
  /** Which side is better when the row changed and "better" has a meaning; null otherwise. */
  better: 'before' | 'after' | null;
}

export interface RunComparison {
  before: { scenario: string; era: string; seed: number; verdict: string };
  after: { scenario: string; era: string; seed: number; verdict: string };
  rows: ComparisonRow[];
  /** Number of changed rows. */
  changes: number;
  /** Tasks with at least one changed row. */
  changedTasks: string[];
}

type Direction = 'lower' | 'higher' | null;

function row(
  name: string,
  section: ComparisonRow['section'],
  unit: ComparisonRow['unit'],
  before: CellValue,
  after: CellValue,
  dir: Direction,
  task?: string,
  rank?: (v: CellValue) => number | null,
): ComparisonRow {
  const changed = before !== after;
  let better: ComparisonRow['better'] = null;
  if (changed && before !== null && after !== null) {
    if (rank) {
      const a = rank(before);
      const b = rank(after);
      if (a !== null && b !== null && a !== b) better = a < b ? 'before' : 'after';
    } else if (typeof before === 'number' && typeof after === 'number' && dir) {
      better = (dir === 'lower') === before < after ? 'before' : 'after';
    }
  }
  const r: ComparisonRow = { name, section, unit, before, after, changed, better };
  if (task !== undefined) r.task = task;
  return r;
}

function attemptsText(t: TaskResult): string {
  return t.attempts.map((a) => `${flagsShort(a.flags)}→${resultShort(a.result)}`).join(' ; ');
}

function ioctlsText(r: RunResult): string {
  return r.metrics.ioctls.map((i) => `${i.ioctl.replace(/^UFFDIO_/, '')}=${i.result}`).join(' ');
}

/** The structured diff of two runs; rows in a fixed order: run, then per task, then metrics. */
export function compareRuns(a: RunResult, b: RunResult): RunComparison {
  const rows: ComparisonRow[] = [];
  const meta = (r: RunResult): RunComparison['before'] => ({ scenario: r.scenario, era: r.era, seed: r.seed, verdict: r.verdict });
  rows.push(row('verdict', 'run', null, a.verdict, b.verdict, null));
  const sameWorst = Math.max(0, ...a.tasks.map((t) => outcomeSeverity(t.outcome))) === Math.max(0, ...b.tasks.map((t) => outcomeSeverity(t.outcome)));
  rows.push(row('end time', 'run', 'us', a.endTime, b.endTime, sameWorst ? 'lower' : null));

  const ids = [...a.tasks.map((t) => t.id)];
  for (const t of b.tasks) if (!ids.includes(t.id)) ids.push(t.id);
  const sevByText = new Map<string, number>();
  for (const r of [a, b]) for (const t of r.tasks) sevByText.set(outcomeLong(t.outcome), outcomeSeverity(t.outcome));
  const outcomeRank = (v: CellValue): number | null => (typeof v === 'string' ? (sevByText.get(v) ?? null) : null);
  for (const id of ids) {
    const ta = a.tasks.find((t) => t.id === id);
    const tb = b.tasks.find((t) => t.id === id);
    const p = `task ${id}: `;
    // When the outcome got better or worse, the task's times and counts are not comparable (a task that dies
    // early "ends sooner"): they are shown as changed but neither side is called better.
    const comparable = !ta || !tb || outcomeSeverity(ta.outcome) === outcomeSeverity(tb.outcome);
    const dir = (d: Direction): Direction => (comparable ? d : null);
    rows.push(row(`${p}outcome`, 'task', null, ta ? outcomeLong(ta.outcome) : null, tb ? outcomeLong(tb.outcome) : null, null, id, outcomeRank));
    rows.push(row(`${p}attempts`, 'task', 'count', ta?.attempts.length ?? null, tb?.attempts.length ?? null, dir('lower'), id));
    rows.push(row(`${p}retries`, 'task', 'count', ta?.retries ?? null, tb?.retries ?? null, dir('lower'), id));
    rows.push(row(`${p}attempt flags`, 'task', null, ta ? attemptsText(ta) : null, tb ? attemptsText(tb) : null, null, id));
    rows.push(row(`${p}blocked in uffd`, 'task', 'us', ta?.blockedInUffd ?? null, tb?.blockedInUffd ?? null, dir('lower'), id));
    rows.push(row(`${p}I/O wait`, 'task', 'us', ta?.ioWait ?? null, tb?.ioWait ?? null, dir('lower'), id));
    rows.push(row(`${p}lock wait`, 'task', 'us', ta?.lockWait ?? null, tb?.lockWait ?? null, dir('lower'), id));
    rows.push(row(`${p}end time`, 'task', 'us', ta?.endTime ?? null, tb?.endTime ?? null, dir('lower'), id));
  }

  const ma = a.metrics;
  const mb = b.metrics;
  rows.push(row('mmap_lock read hold total', 'metric', 'us', ma.mmapLock.readHoldTotal, mb.mmapLock.readHoldTotal, 'lower'));
  rows.push(row('mmap_lock read hold max', 'metric', 'us', ma.mmapLock.readHoldMax, mb.mmapLock.readHoldMax, 'lower'));
  rows.push(row('mmap_lock write hold total', 'metric', 'us', ma.mmapLock.writeHoldTotal, mb.mmapLock.writeHoldTotal, null));
  rows.push(row('mmap_lock writer wait total', 'metric', 'us', ma.mmapLock.writerWaitTotal, mb.mmapLock.writerWaitTotal, 'lower'));
  rows.push(row('mmap_lock writer wait max', 'metric', 'us', ma.mmapLock.writerWaitMax, mb.mmapLock.writerWaitMax, 'lower'));
  rows.push(row('mmap_lock reader wait total', 'metric', 'us', ma.mmapLock.readerWaitTotal, mb.mmapLock.readerWaitTotal, 'lower'));
  rows.push(row('blocked in uffd total', 'metric', 'us', ma.blockedInUffdTotal, mb.blockedInUffdTotal, null));
  rows.push(row('I/O wait total', 'metric', 'us', ma.ioWaitTotal, mb.ioWaitTotal, null));
  rows.push(row('uffd messages read', 'metric', 'count', ma.uffdMessagesRead, mb.uffdMessagesRead, null));
  rows.push(row('uffd ioctls', 'metric', 'count', ma.ioctls.length, mb.ioctls.length, null));
  rows.push(row('uffd ioctl results', 'metric', null, ioctlsText(a), ioctlsText(b), null));
  const files = [...new Set([...Object.keys(ma.readaheadMisses ?? {}), ...Object.keys(mb.readaheadMisses ?? {})])].sort();
  for (const f of files) {
    rows.push(row(`readahead misses ${f}`, 'metric', 'count', ma.readaheadMisses?.[f] ?? null, mb.readaheadMisses?.[f] ?? null, 'lower'));
  }
  rows.push(row('simulation steps', 'metric', 'count', ma.steps, mb.steps, null));

  const changedTasks = [...new Set(rows.filter((r) => r.changed && r.task !== undefined).map((r) => r.task as string))];
  return { before: meta(a), after: meta(b), rows, changes: rows.filter((r) => r.changed).length, changedTasks };
}

export function formatCell(v: CellValue, unit: ComparisonRow['unit']): string {
  if (v === null) return '—';
  if (typeof v === 'number') return unit === 'us' ? fmtTime(v) : String(v);
  return v === '' ? '(none)' : v;
}

function delta(r: ComparisonRow): string {
  if (!r.changed) return '';
  if (typeof r.before === 'number' && typeof r.after === 'number') {
    const d = r.after - r.before;
    const s = d > 0 ? '+' : '−';
    return r.unit === 'us' ? `${s}${fmtTime(Math.abs(d))}` : `${s}${Math.abs(d)}`;
  }
  return 'changed';
}

export interface ComparisonTextOptions {
  /** Only rows that changed (plus the verdict). Default false. */
  onlyChanged?: boolean;
  /** Column width cap for values (default 40). */
  maxWidth?: number;
  /** ANSI colours (default false). */
  color?: boolean;
}

/** A fixed-width table: name | before | after | Δ, changed rows marked with "*", the better side with "✓". */
export function renderComparisonText(c: RunComparison, opts: ComparisonTextOptions = {}): string {
  const maxW = opts.maxWidth ?? 40;
  const rows = c.rows.filter((r) => !opts.onlyChanged || r.changed || r.name === 'verdict');
  const cells = rows.map((r) => {
    const b = truncate(formatCell(r.before, r.unit), maxW) + (r.better === 'before' ? ' ✓' : '');
    const a = truncate(formatCell(r.after, r.unit), maxW) + (r.better === 'after' ? ' ✓' : '');
    return [(r.changed ? '* ' : '  ') + r.name, b, a, delta(r)];
  });
  const all = [['  row', `before (${c.before.era})`, `after (${c.after.era})`, 'Δ'], ...cells];
  const w = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => textLength(r[i]))));
  const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - textLength(s)));
  const lines: string[] = [];
  lines.push(`compare: ${c.before.scenario} (era ${c.before.era}, seed ${c.before.seed})  →  ${c.after.scenario} (era ${c.after.era}, seed ${c.after.seed})`);
  lines.push(`${c.changes} of ${c.rows.length} rows differ${c.changedTasks.length ? `; tasks: ${c.changedTasks.join(', ')}` : ''}`);
  lines.push('');
  all.forEach((r, i) => {
    let line = r.map((s, j) => pad(s, w[j])).join('  ').trimEnd();
    const src = i > 0 ? rows[i - 1] : null;
    if (opts.color && src?.changed) line = `\x1b[1m${line}\x1b[0m`;
    lines.push(line);
    if (i === 0) lines.push(w.map((n) => '─'.repeat(n)).join('  '));
  });
  return lines.join('\n') + '\n';
}

export interface ComparisonSvgOptions extends TimelineOptions {
  /** Rows of the table drawn above the timelines: changed only (default) or all. */
  tableRows?: 'changed' | 'all';
}

const ROW_PX = 16;

/** Both timelines on one time scale, stacked, with a table of the differing rows on top. */
export function renderComparisonSvg(a: RunResult, b: RunResult, opts: ComparisonSvgOptions = {}): string {
  const c = compareRuns(a, b);
  const width = Math.max(600, Math.round(opts.width ?? 1200));
  const extraTimes = [...scaleTimes(a), ...scaleTimes(b)];
  const endTime = Math.max(a.endTime, b.endTime, ...a.trace.map((e) => e.t), ...b.trace.map((e) => e.t));
  const common: TimelineOptions = { ...opts, width, extraTimes, endTime, highlightTasks: c.changedTasks };
  const top = renderTimelineBody(a, { ...common, title: `BEFORE · ${a.scenario} · era ${a.era} · seed ${a.seed}` });
  const bottom = renderTimelineBody(b, { ...common, title: `AFTER · ${b.scenario} · era ${b.era} · seed ${b.seed}` });

  const rows = c.rows.filter((r) => (opts.tableRows === 'all' ? true : r.changed));
  const out: string[] = [];
  out.push(`<g class="compare-table">`);
  out.push(`<text class="hdr" x="8" y="18">${esc(`Comparison: ${c.changes} of ${c.rows.length} rows differ`)}</text>`);
  const cols = [8, Math.round(width * 0.3), Math.round(width * 0.62)];
  const colChars = [Math.floor((cols[1] - cols[0] - 8) / 6.6), Math.floor((cols[2] - cols[1] - 8) / 6.6), Math.floor((width - cols[2] - 8) / 6.6)];
  let y = 40;
  out.push(`<text class="lname" x="${cols[0]}" y="${y}">row</text><text class="lname" x="${cols[1]}" y="${y}">before</text><text class="lname" x="${cols[2]}" y="${y}">after</text>`);
  y += 6;
  if (rows.length === 0) {
    y += ROW_PX;
    out.push(`<text class="lbl" x="8" y="${y - 4}">no differences</text>`);
  }
  for (const r of rows) {
    const cls = r.changed ? 'cmp-row changed' : 'cmp-row';
    out.push(`<g class="${cls}" data-row="${esc(r.name)}">`);
    if (r.changed) out.push(`<rect x="0" y="${y}" width="${width}" height="${ROW_PX}" fill="#fff3bf"/>`);
    const bv = formatCell(r.before, r.unit);
    const av = formatCell(r.after, r.unit);
    const cell = (x: number, text: string, chars: number, good: boolean, bad: boolean): string =>
      `<text class="lbl${good ? ' better' : bad ? ' worse' : ''}" x="${x}" y="${y + 12}">${esc(truncate(text, chars))}<title>${esc(text)}</title></text>`;
    out.push(cell(cols[0], r.name, colChars[0], false, false));
    out.push(cell(cols[1], bv, colChars[1], r.better === 'before', r.better === 'after'));
    out.push(cell(cols[2], av, colChars[2], r.better === 'after', r.better === 'before'));
    out.push('</g>');
    y += ROW_PX;
  }
  out.push('</g>');
  const tableH = y + 12;
  const height = tableH + top.height + 10 + bottom.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(`comparison of ${a.scenario}`)}" data-changes="${c.changes}">`,
    `<style>${timelineStyle()}.lbl.better{fill:#2b8a3e;font-weight:bold}.lbl.worse{fill:#c92a2a;font-weight:bold}</style>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    out.join('\n'),
    `<g class="run before" data-run="before" transform="translate(0,${tableH})">${top.body}</g>`,
    `<path d="M0,${tableH + top.height + 5}H${width}" stroke="#495057" stroke-width="2"/>`,
    `<g class="run after" data-run="after" transform="translate(0,${tableH + top.height + 10})">${bottom.body}</g>`,
    '</svg>',
    '',
  ].join('\n');
}

/** An HTML page: the comparison table (all rows, changed ones highlighted) and the stacked timelines. */
export function renderComparisonHtml(a: RunResult, b: RunResult, opts: ComparisonSvgOptions = {}): string {
  const c = compareRuns(a, b);
  const svg = renderComparisonSvg(a, b, { ...opts, tableRows: 'changed' });
  const trs = c.rows
    .map((r) => {
      const cls = r.changed ? ' class="changed"' : '';
      const td = (v: CellValue, side: 'before' | 'after'): string =>
        `<td${r.better === side ? ' class="better"' : r.better && r.changed ? ' class="worse"' : ''}>${esc(formatCell(v, r.unit))}</td>`;
      return `<tr${cls}><th>${esc(r.name)}</th>${td(r.before, 'before')}${td(r.after, 'after')}</tr>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(`compare ${a.scenario}`)}</title>
<style>
body{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px;margin:12px}
table{border-collapse:collapse;margin-bottom:16px}th,td{padding:2px 10px;text-align:left;border-bottom:1px solid #e9ecef}
tr.changed{background:#fff3bf}td.better{color:#2b8a3e;font-weight:bold}td.worse{color:#c92a2a;font-weight:bold}
</style></head><body>
<h3>${esc(`${a.scenario} (era ${a.era}) → ${b.scenario} (era ${b.era}): ${c.changes} of ${c.rows.length} rows differ`)}</h3>
<p>before: ${esc(a.verdict)}<br>after: ${esc(b.verdict)}</p>
<table><tr><th>row</th><th>before</th><th>after</th></tr>
${trs}
</table>
${svg}
</body></html>
`;
}

/** Outcome words of each task, for one-line summaries. */
export function outcomesLine(r: RunResult): string {
  return r.tasks.map((t) => `${t.id}: ${outcomeShort(t.outcome)}`).join(', ');
}
