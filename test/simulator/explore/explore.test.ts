/** Exploration mode: all interleavings, shortest schedules to bad outcomes, state counts, the bound. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explore, validateScenario } from '../../../simulator/src';
import type { Scenario } from '../../../simulator/src/scenario/types';

function preset(name: string): Scenario {
  const v = validateScenario(JSON.parse(readFileSync(join(__dirname, '../../../simulator/scenarios', `${name}.json`), 'utf8')));
  if (!v.ok) throw new Error(name);
  return v.scenario;
}

test('FUSE-like deadlock: shortest schedule dio → dio → fused, with every state counted', () => {
  const r = explore(preset('fuse-daemon-deadlock'));
  assert.equal(r.boundHit, false);
  assert.ok(r.statesExplored > 10);
  const first = r.bad[0];
  assert.equal(first.kind, 'deadlock');
  assert.deepEqual(first.tasks.sort(), ['dio', 'fused']);
  assert.deepEqual(
    first.schedule.map((s) => s.slice(0, s.indexOf(':'))),
    ['dio', 'dio', 'fused'],
  );
  assert.match(first.detail, /dio waits for page obj:fusefile:0 \(read I\/O served by fused\) holding mmap_lock\(read\)/);
  assert.match(first.detail, /fused waits for mmap_lock\(write\) held for read by dio/);
  // The /proc reader can join the deadlock too.
  assert.ok(r.bad.some((b) => b.kind === 'deadlock' && b.tasks.includes('ps')));
  assert.match(r.verdict, /^deadlock \(dio, fused\) in 3 steps/);
});

test('get_user_pages_unlocked: no interleaving deadlocks', () => {
  const sc = preset('fuse-daemon-deadlock');
  sc.tasks[0].script = [{ gup: { variant: 'get_user_pages_unlocked', address: 'map+0', nr_pages: 1 } }];
  const r = explore(sc);
  assert.equal(r.boundHit, false);
  assert.deepEqual(r.bad, []);
  assert.match(r.verdict, /^no bad outcome in \d+ states$/);
});

test('missing signal check: exploration finds the livelock cycle after SIGKILL', () => {
  const r = explore(preset('fatal-signal-unchecked'));
  const ll = r.bad.find((b) => b.kind === 'livelock');
  assert.ok(ll);
  assert.deepEqual(ll.tasks, ['app']);
  assert.ok(ll.schedule.includes('signal SIGKILL→app'));
  assert.ok(ll.cycle && ll.cycle.length >= 1 && ll.cycle.every((m) => m.startsWith('app: ')));
  const ok = explore(preset('fatal-signal-checked'));
  assert.deepEqual(ok.bad, []);
});

test('BUG and SIGBUS outcomes are reported with their schedules', () => {
  const bug = explore(preset('gup-vmas-lock-drop-4.19'));
  assert.deepEqual(bug.bad.map((b) => [b.kind, b.detail, b.schedule.length]), [['bug', 'BUG: BUG_ON(vmas): if VM_FAULT_RETRY can be returned, vmas become invalid', 1]]);
  // The single-retry handler on 6.2 (do_swap_page keeps FAULT_FLAG_WRITE: the write-protect userfault comes in
  // the TRIED attempt without ALLOW_RETRY) → SIGBUS; in 5.7 it is a new fault and nothing goes wrong.
  const sc62 = preset('uffd-wp-swapped-5.6-retry');
  sc62.era = '6.2';
  const sig = explore(sc62);
  assert.ok(sig.bad.some((b) => b.kind === 'sigbus' && b.tasks[0] === 'app'));
  assert.deepEqual(explore(preset('uffd-wp-swapped-5.6-retry')).bad, []);
  assert.deepEqual(explore(preset('uffd-wp-swapped-5.7')).bad, []);
});

test('an -EFAULT counts as bad only where the scenario marks it unexpected', () => {
  const sc = preset('gup-vmas-lock-drop-6.3');
  assert.deepEqual(explore(sc).bad, []);
  sc.expect = { unexpectedErrors: ['EINVAL'] };
  assert.deepEqual(explore(sc).bad.map((b) => b.detail), ['-EINVAL from WARN_ON_ONCE(vmas) with a lock-dropping call']);
});

test('the bound is reported when hit', () => {
  const r = explore(preset('postcopy-missing'), { maxStates: 20 });
  assert.equal(r.boundHit, true);
  assert.equal(r.statesExplored, 20);
  assert.match(r.verdict, /bound hit/);
});

test('exploration is deterministic', () => {
  assert.deepEqual(explore(preset('fuse-daemon-deadlock')), explore(preset('fuse-daemon-deadlock')));
});
