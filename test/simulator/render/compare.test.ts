import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns, renderComparisonHtml, renderComparisonSvg, renderComparisonText } from '../../../simulator/src/render/compare';
import { loadFixture } from '../../fixtures/simulator/index';
import { findAll, hasClass, parseXml } from './xml-check';

const before = loadFixture('swap-wp-5.4');
const after = loadFixture('swap-wp-5.7');

test('compareRuns: the changed rows of ≤5.6 single retry vs ≥5.7 multiple retries, exactly', () => {
  const c = compareRuns(before, after);
  const changed = c.rows.filter((r) => r.changed).map(({ name, before: b, after: a, better }) => ({ name, before: b, after: a, better }));
  assert.deepEqual(changed, [
    { name: 'verdict', before: before.verdict, after: after.verdict, better: null },
    // Worst outcome changed (SIGBUS → ok): end times are not comparable.
    { name: 'end time', before: 80, after: 68, better: null },
    { name: 'task writer: outcome', before: 'signal SIGBUS', after: 'ok', better: 'after' },
    { name: 'task writer: attempts', before: 2, after: 3, better: null },
    { name: 'task writer: retries', before: 1, after: 2, better: null },
    {
      name: 'task writer: attempt flags',
      before: 'ALLOW_RETRY|KILLABLE|WRITE|USER→RETRY ; TRIED|KILLABLE|WRITE|USER→SIGBUS',
      after: 'ALLOW_RETRY|KILLABLE|WRITE|USER→RETRY ; ALLOW_RETRY|TRIED|KILLABLE|WRITE|USER→RETRY ; ALLOW_RETRY|TRIED|KILLABLE|WRITE|USER→OK',
      better: null,
    },
    { name: 'task writer: blocked in uffd', before: 0, after: 12, better: null },
    { name: 'task writer: end time', before: 55, after: 68, better: null },
    { name: 'task monitor: outcome', before: 'unfinished (running)', after: 'ok (1)', better: 'after' },
    { name: 'task monitor: end time', before: 80, after: 66, better: null },
    { name: 'mmap_lock read hold total', before: 4, after: 6, better: 'before' },
    { name: 'blocked in uffd total', before: 0, after: 12, better: null },
    { name: 'uffd messages read', before: 0, after: 1, better: null },
    { name: 'uffd ioctls', before: 0, after: 1, better: null },
    { name: 'uffd ioctl results', before: '', after: 'WRITEPROTECT=0', better: null },
    { name: 'simulation steps', before: 18, after: 29, better: null },
  ]);
  assert.equal(c.changes, changed.length);
  assert.deepEqual(c.changedTasks, ['writer', 'monitor']);
  const unchanged = c.rows.find((r) => r.name === 'task writer: I/O wait');
  assert.deepEqual(unchanged, { name: 'task writer: I/O wait', section: 'task', task: 'writer', unit: 'us', before: 50, after: 50, changed: false, better: null });
});

test('compareRuns: same outcome, lower waits are better; a run compared with itself has no changes', () => {
  const a = loadFixture('uffd-copy-munmap');
  const b = loadFixture('uffd-copy-munmap');
  b.tasks[0].lockWait = 7;
  b.metrics.mmapLock.writerWaitMax = 40;
  const c = compareRuns(a, b);
  const rows = c.rows.filter((r) => r.changed).map((r) => [r.name, r.before, r.after, r.better]);
  assert.deepEqual(rows, [
    ['task faulter: lock wait', 0, 7, 'before'],
    ['mmap_lock writer wait max', 0, 40, 'before'],
  ]);
  assert.equal(compareRuns(a, a).changes, 0);
});

test('compareRuns: a task only on one side has null on the other', () => {
  const a = loadFixture('gup-vmas-bug');
  const b = loadFixture('gup-vmas-bug');
  b.tasks.pop();
  const r = compareRuns(a, b).rows.find((x) => x.name === 'task monitor: outcome');
  assert.deepEqual(r && [r.before, r.after, r.changed], ['unfinished (running)', null, true]);
});

test('the text table marks changed rows and the better side', () => {
  const t = renderComparisonText(compareRuns(before, after), { onlyChanged: true });
  assert.match(t, /^compare: uffd-wp-swapped-write \(era 5\.4, seed 1\) {2}→ {2}uffd-wp-swapped-write \(era 5\.7, seed 1\)/);
  assert.match(t, /16 of \d+ rows differ; tasks: writer, monitor/);
  assert.match(t, /^\* task writer: outcome\s+signal SIGBUS\s+ok ✓\s+changed$/m);
  assert.match(t, /^\* mmap_lock read hold total\s+4 µs ✓\s+6 µs\s+\+2 µs$/m);
  assert.doesNotMatch(t, /I\/O wait total/);
  assert.match(renderComparisonText(compareRuns(before, after)), /^ {2}I\/O wait total\s+50 µs\s+50 µs$/m);
});

test('the comparison SVG: both timelines on one scale, differing rows and lanes highlighted', () => {
  const svg = renderComparisonSvg(before, after);
  const root = parseXml(svg);
  const runs = findAll(root, (e) => e.attrs['data-run'] !== undefined);
  assert.deepEqual(runs.map((e) => e.attrs['data-run']), ['before', 'after']);
  const rows = findAll(root, (e) => hasClass(e, 'cmp-row'));
  assert.equal(rows.length, 16);
  assert.ok(rows.every((e) => hasClass(e, 'changed')));
  // Same scale: the tick labels of both timelines are the same.
  const ticks = runs.map((r) => findAll(r, (e) => hasClass(e, 'tick')).map((e) => `${e.attrs.x}:${e.text}`).join(' '));
  assert.equal(ticks[0], ticks[1]);
  assert.equal(findAll(root, (e) => hasClass(e, 'hl')).length, 4, 'writer and monitor highlighted in both runs');
  const html = renderComparisonHtml(before, after);
  assert.match(html, /<tr class="changed"><th>task writer: outcome<\/th><td class="worse">signal SIGBUS<\/td><td class="better">ok<\/td><\/tr>/);
});
