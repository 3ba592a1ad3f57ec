/** Every preset in simulator/scenarios validates and runs to the outcome its expect.outcomes documents. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simulate, validateScenario, explore } from '../../../simulator/src';
import type { UffdIoctlOp } from '../../../simulator/src/scenario/types';
import { outcome } from '../behaviours/helpers';

const dir = join(__dirname, '../../../simulator/scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('there is a preset for every scenario family the spec asks for', () => {
  for (const prefix of ['postcopy-missing', 'file-io-writer-before', 'file-io-writer-after', 'uffd-wp-swapped-5.6', 'uffd-wp-swapped-5.7', 'fatal-signal-checked', 'fatal-signal-unchecked', 'uffd-close-while-blocked', 'uffdio-move-errors', 'gup-vmas-lock-drop-4.19', 'gup-vmas-lock-drop-6.3', 'foll-longterm-dax']) {
    assert.ok(files.some((f) => f.startsWith(prefix)), prefix);
  }
});

for (const f of files) {
  test(`preset ${f} validates and runs to its documented outcome`, () => {
    const json: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const v = validateScenario(json);
    assert.ok(v.ok, v.ok ? '' : JSON.stringify(v.errors));
    const sc = v.scenario;
    assert.ok(sc.description.length > 40, 'has a description');
    assert.equal(`${sc.name}.json`, f);
    const r = simulate(sc);
    const expected = sc.expect?.outcomes ?? {};
    assert.ok(Object.keys(expected).length > 0, 'documents its outcome');
    for (const [task, want] of Object.entries(expected)) assert.equal(outcome(r, task), want, `${task} in ${f}: ${r.verdict}`);
    // ioctls that state an expected result get it.
    const wants = sc.tasks.flatMap((t) => t.script.flatMap((op) => ('uffdio' in op && op.uffdio.expect !== undefined ? [op.uffdio as UffdIoctlOp] : [])));
    const got = r.metrics.ioctls.map((i) => i.result);
    if (wants.length) assert.deepEqual(got, wants.map((w) => w.expect));
    // The result is plain JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });
}

test('postcopy preset: both vCPUs block in userfaultfd for the network latency without holding mmap_lock', () => {
  const sc = JSON.parse(readFileSync(join(dir, 'postcopy-missing.json'), 'utf8'));
  const r = simulate(sc);
  assert.equal(r.metrics.uffdMessagesRead, 3);
  assert.deepEqual(r.metrics.ioctls.map((i) => i.result), ['0', '0', '0']);
  assert.equal(r.metrics.mmapLock.writerWaitMax, 0);
  assert.ok(r.metrics.blockedInUffdTotal >= 3 * 800);
});

test('file-io presets: the writer waits 1901 µs before the conversion and 0 µs after', () => {
  const before = simulate(JSON.parse(readFileSync(join(dir, 'file-io-writer-before.json'), 'utf8')));
  const after = simulate(JSON.parse(readFileSync(join(dir, 'file-io-writer-after.json'), 'utf8')));
  assert.equal(before.metrics.mmapLock.writerWaitMax, 1901);
  assert.equal(after.metrics.mmapLock.writerWaitMax, 0);
});

test('fuse-daemon-deadlock preset: exploration reports the deadlock with a shortest schedule', () => {
  const sc = JSON.parse(readFileSync(join(dir, 'fuse-daemon-deadlock.json'), 'utf8'));
  const r = explore(sc, { maxStates: 5000 });
  assert.equal(r.boundHit, false);
  const dls = r.bad.filter((b) => b.kind === 'deadlock');
  assert.ok(dls.length >= 1);
  assert.equal(Math.min(...dls.map((d) => d.schedule.length)), 3);
});
