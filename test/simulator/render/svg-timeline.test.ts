import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MARKER_KINDS, renderTimelineSvg } from '../../../simulator/src/render/svg-timeline';
import type { RunResult } from '../../../simulator/src/result';
import { fixtureNames, loadFixture } from '../../fixtures/simulator/index';
import { syntheticRun } from '../../fixtures/simulator/build';
import { allText, findAll, hasClass, parseXml, type XmlElement } from './xml-check';

const markerKinds = new Set<string>(MARKER_KINDS);

function laneIds(root: XmlElement): string[] {
  return findAll(root, (e) => e.attrs['data-lane'] !== undefined).map((e) => e.attrs['data-lane']);
}

/** Markers drawn singly plus the events counted in clusters, per lane. */
function markerCount(root: XmlElement): number {
  let n = 0;
  for (const e of findAll(root, (x) => hasClass(x, 'event'))) {
    const kind = (e.attrs.class ?? '').split(/\s+/)[1];
    assert.ok(markerKinds.has(kind), `unexpected marker kind ${kind}`);
    n++;
  }
  for (const c of findAll(root, (x) => hasClass(x, 'event-cluster'))) n += Number(c.attrs['data-count']);
  return n;
}

function checkRun(r: RunResult): XmlElement {
  const svg = renderTimelineSvg(r);
  const root = parseXml(svg);
  assert.equal(root.name, 'svg');
  assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
  assert.ok(Number(root.attrs.width) > 0 && Number(root.attrs.height) > 0);
  const lanes = laneIds(root);
  assert.deepEqual(lanes, ['mmap_lock', ...r.tasks.map((t) => `task:${t.id}`)]);
  assert.equal(findAll(root, (e) => hasClass(e, 'legend')).length, 1, 'one legend');
  const verdict = findAll(root, (e) => hasClass(e, 'verdict'));
  assert.equal(verdict.length, 1);
  assert.ok(r.verdict.startsWith(verdict[0].text.replace(/…$/, '')), 'verdict text shown (maybe cut)');
  assert.equal(findAll(verdict[0], (e) => e.name === 'title')[0].text, r.verdict, 'full verdict in the tooltip');
  const expected = r.trace.filter((e) => markerKinds.has(e.kind)).length;
  assert.equal(markerCount(root), expected, 'every marker-kind event is drawn once (alone or in a cluster)');
  assert.equal(findAll(root, (e) => hasClass(e, 'task-outcome')).length, r.tasks.length, 'one outcome per task');
  assert.ok(!/<script|href=|@import|url\(/i.test(svg), 'self-contained: no scripts or external references');
  return root;
}

for (const name of fixtureNames()) {
  test(`timeline of fixture ${name}: well-formed, one lane per task + mmap_lock, legend, verdict, markers`, () => {
    checkRun(loadFixture(name));
  });
}

test('a fault attempt is labelled with its flags, ALLOW_RETRY and TRIED first', () => {
  const root = parseXml(renderTimelineSvg(loadFixture('uffd-copy-munmap')));
  const faulter = findAll(root, (e) => e.attrs['data-lane'] === 'task:faulter')[0];
  const labels = findAll(faulter, (e) => hasClass(e, 'lbl')).map((e) => e.text);
  assert.ok(labels.some((l) => l.startsWith('ALLOW_RETRY|KILLABLE')), labels.join(' / '));
  assert.ok(labels.some((l) => l.startsWith('ALLOW_RETRY|TRIED')), labels.join(' / '));
  assert.ok(labels.includes('RETRY'));
  // The faulter was blocked in userfaultfd for 102 µs, with a segment saying so.
  const segs = findAll(faulter, (e) => hasClass(e, 's-uffd'));
  assert.equal(segs.length, 1);
  assert.match(allText(segs[0]), /blocked in userfaultfd, 2 µs – 104 µs \(102 µs\)/);
  // The unmapper holds the write lock in the lock lane.
  const lock = findAll(root, (e) => e.attrs['data-lane'] === 'mmap_lock')[0];
  assert.ok(findAll(lock, (e) => hasClass(e, 'l-write')).length >= 1);
});

test('queued writers and readers show in the mmap_lock lane (FUSE deadlock)', () => {
  const root = parseXml(renderTimelineSvg(loadFixture('fuse-deadlock')));
  const lock = findAll(root, (e) => e.attrs['data-lane'] === 'mmap_lock')[0];
  const q = findAll(lock, (e) => hasClass(e, 'q-w'));
  assert.ok(q.length >= 1);
  assert.ok(q.some((e) => /queued writers: unmapper.*queued readers: procps/.test(allText(e))), q.map(allText).join('\n'));
  const out = findAll(root, (e) => hasClass(e, 'task-outcome')).map((e) => e.text);
  assert.deepEqual(out, ['DEADLOCK', 'DEADLOCK', 'DEADLOCK', 'DEADLOCK']);
});

test('labels and names with <&> are escaped', () => {
  const r = loadFixture('gup-sigbus');
  r.tasks[0].id = 'd<i>o&"x\'';
  for (const e of r.trace) if (e.task === 'dio') e.task = r.tasks[0].id;
  const attempt = r.trace.find((e) => e.kind === 'fault-attempt');
  assert.ok(attempt);
  attempt.label = 'a < b && c > d "quoted" \u0001 ctrl';
  const svg = renderTimelineSvg(r);
  const root = parseXml(svg);
  assert.ok(laneIds(root).includes(`task:d<i>o&"x'`));
  assert.ok(svg.includes('get_user_pages → -EFAULT &lt;SIGBUS &amp; no ALLOW_RETRY&gt;'));
  assert.ok(findAll(root, (e) => e.name === 'title' && e.text.includes('a < b && c > d "quoted"')).length >= 1);
  // The scenario name itself has <&> in this fixture.
  assert.match(root.attrs['data-scenario'], /<plain get_user_pages & uffd>/);
});

test('labels in one lane do not overlap', () => {
  for (const name of fixtureNames()) {
    const root = parseXml(renderTimelineSvg(loadFixture(name)));
    for (const lane of findAll(root, (e) => (e.attrs['data-lane'] ?? '').startsWith('task:'))) {
      const boxes = findAll(lane, (e) => hasClass(e, 'lbl')).map((e) => ({
        x0: Number(e.attrs.x),
        x1: Number(e.attrs.x) + Array.from(e.text).length * 6,
        y: Number(e.attrs.y),
      }));
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i];
          const b = boxes[j];
          if (a.y !== b.y) continue;
          assert.ok(a.x1 <= b.x0 + 0.5 || b.x1 <= a.x0 + 0.5, `${name} ${lane.attrs['data-lane']}: labels overlap at y=${a.y}`);
        }
      }
    }
  }
});

test('dense traces are aggregated and stay small (100 … 10,000 events)', () => {
  for (const n of [100, 1000, 5000, 10000]) {
    const r = syntheticRun(n, 6);
    const svg = renderTimelineSvg(r);
    const root = checkRun(r);
    assert.ok(svg.length < 600_000, `${n} events: ${svg.length} bytes`);
    if (n >= 5000) assert.ok(findAll(root, (e) => hasClass(e, 'event-cluster')).length > 0, 'clusters when dense');
  }
});

test('2 to 8 tasks all get lanes; long runs use ms on the axis', () => {
  const r = loadFixture('postcopy-6-vcpus');
  assert.equal(r.tasks.length, 8);
  const root = checkRun(r);
  const ticks = findAll(root, (e) => hasClass(e, 'tick')).map((e) => e.text);
  assert.ok(ticks.some((t) => t.endsWith(' µs') || t.endsWith(' ms')), ticks.join(','));
  const long = syntheticRun(3000, 3);
  for (const e of long.trace) e.t *= 100;
  long.endTime *= 100;
  const ticks2 = findAll(parseXml(renderTimelineSvg(long)), (e) => hasClass(e, 'tick')).map((e) => e.text);
  assert.ok(ticks2.some((t) => t.endsWith(' ms')), ticks2.join(','));
});

test('an empty trace still renders', () => {
  const r = loadFixture('gup-vmas-bug');
  r.trace = [];
  const root = parseXml(renderTimelineSvg(r));
  assert.deepEqual(laneIds(root), ['mmap_lock', 'task:kvm', 'task:monitor']);
});

test('highlighted lanes (used by the comparison) get a highlighted background', () => {
  const root = parseXml(renderTimelineSvg(loadFixture('swap-wp-5.4'), { highlightTasks: ['writer'] }));
  assert.equal(findAll(root, (e) => hasClass(e, 'hl')).length, 1);
});
