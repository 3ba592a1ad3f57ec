import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderExploreText, renderRunText, renderTraceText } from '../../../simulator/src/render/text';
import { loadFixture } from '../../fixtures/simulator/index';

test('run text: verdict first, per-task outcome and each attempt with its flags, metrics', () => {
  const t = renderRunText(loadFixture('uffd-copy-munmap'));
  const lines = t.split('\n');
  assert.equal(lines[0], 'verdict: all ok: faulter ok after 2 attempts (blocked 102 µs in userfaultfd, lock dropped); unmapper got mmap_lock after 0 µs');
  assert.match(t, /^faulter\s+ok\s+2\s+1\s+102 µs\s+0 µs\s+0 µs\s+106 µs$/m);
  assert.match(t, /#1\s+1 µs {2}ALLOW_RETRY\|KILLABLE\|WRITE\|USER → RETRY \(lock released\)/);
  assert.match(t, /#2\s+105 µs {2}ALLOW_RETRY\|TRIED\|KILLABLE\|WRITE\|USER → OK/);
  assert.match(t, /mmap_lock write hold total\s+5 µs/);
  assert.match(t, /uffd ioctls\s+UFFDIO_COPY=4096/);
});

test('long outcomes get their own line; colours only when asked', () => {
  const t = renderRunText(loadFixture('fuse-deadlock'));
  assert.match(t, /deadlock, waits for daemon \(complete_io file0\[0\]\)/);
  const ESC = String.fromCharCode(27);
  assert.ok(!t.includes(ESC));
  assert.ok(renderRunText(loadFixture('fuse-deadlock'), { color: true }).startsWith(`${ESC}[1;31mverdict: DEADLOCK`));
});

test('trace listing: one line per event, lock state when it changes, elided in the middle when long', () => {
  const t = renderTraceText(loadFixture('uffd-copy-munmap'));
  assert.match(t, /^trace \(27 events\)/);
  assert.match(t, /10 µs {2}unmapper {2}lock-acquired {2}mmap_write_lock acquired {3}\[mmap_lock: W unmapper\]/);
  assert.equal(t.trim().split('\n').length, 28);
  const long = renderTraceText(loadFixture('livelock-no-signal-check'), { limit: 20 });
  assert.equal(long.trim().split('\n').length, 22);
  assert.match(long, /… 467 events elided/);
});

test('explore text: verdict, bound, each bad outcome with its schedule', () => {
  const t = renderExploreText({
    format: 1,
    scenario: 's',
    era: '6.8',
    statesExplored: 12,
    transitions: 20,
    maxStates: 100,
    boundHit: false,
    terminalStates: 2,
    bad: [{ kind: 'deadlock', tasks: ['a', 'b'], detail: 'a waits for b, b waits for a', schedule: ['a: lock', 'b: lock'] }],
    verdict: '1 bad outcome: deadlock',
  });
  assert.match(t, /^verdict: 1 bad outcome: deadlock\n/);
  assert.match(t, /#1 DEADLOCK \(a, b\): a waits for b, b waits for a/);
  assert.match(t, /\s+1 {2}a: lock\n\s+2 {2}b: lock/);
});
