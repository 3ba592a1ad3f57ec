// AnalysisScheduler with a fake clock and fake timers: debounce, cancel, time budget, failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisScheduler, type Timers } from '../../server/src/lsp/scheduler';
import type { Logger } from '../../server/src/lsp/types';

class FakeClock implements Timers {
  now = 0;
  private next = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}

function setup(run: (uri: string, clock: FakeClock) => void = () => {}) {
  const clock = new FakeClock();
  const log: string[] = [];
  const logger: Logger = { info: (m) => log.push(`info ${m}`), warn: (m) => log.push(`warn ${m}`), error: (m) => log.push(`error ${m}`) };
  const runs: string[] = [];
  const s = new AnalysisScheduler(
    (uri) => {
      runs.push(uri);
      run(uri, clock);
    },
    { debounceMs: 300, timeBudgetMs: 1000, log: logger, now: () => clock.now, timers: clock },
  );
  return { clock, log, runs, s };
}

test('three changes within the debounce run once, 300 ms after the last', () => {
  const { clock, runs, s } = setup();
  s.schedule('a');
  clock.advance(200);
  s.schedule('a');
  clock.advance(200);
  s.schedule('a');
  clock.advance(299);
  assert.deepEqual(runs, []);
  assert.ok(s.isPending('a'));
  clock.advance(1);
  assert.deepEqual(runs, ['a']);
  assert.ok(!s.isPending('a'));
});

test('documents are debounced independently', () => {
  const { clock, runs, s } = setup();
  s.schedule('a');
  clock.advance(100);
  s.schedule('b');
  clock.advance(200);
  assert.deepEqual(runs, ['a']);
  clock.advance(100);
  assert.deepEqual(runs, ['a', 'b']);
});

test('cancel (document closed) drops the pending run; dispose drops all', () => {
  const { clock, runs, s } = setup();
  s.schedule('a');
  s.schedule('b');
  s.cancel('a');
  clock.advance(1000);
  assert.deepEqual(runs, ['b']);
  s.schedule('c');
  s.dispose();
  clock.advance(1000);
  assert.deepEqual(runs, ['b']);
});

test('delay 0 (open, save) runs on the next tick, not synchronously', () => {
  const { clock, runs, s } = setup();
  s.schedule('a', 0);
  assert.deepEqual(runs, []);
  clock.advance(0);
  assert.deepEqual(runs, ['a']);
});

test('a run over the time budget is reported as a warning with the elapsed time', () => {
  const { clock, log, s } = setup((_uri, c) => {
    c.now += 1500;
  });
  s.schedule('file:///slow.patch', 0);
  clock.advance(0);
  assert.equal(log.length, 1);
  assert.match(log[0]!, /^warn Kernel MM Lens: analysing file:\/\/\/slow\.patch took 1500 ms, over the 1000 ms budget/);
});

test('a run within the budget logs nothing', () => {
  const { clock, log, s } = setup((_uri, c) => {
    c.now += 999;
  });
  assert.equal(s.runTimed('a'), 999);
  clock.advance(0);
  assert.deepEqual(log, []);
});

test('a throwing run is logged, never propagated, and later runs still happen', () => {
  let fail = true;
  const { clock, log, runs, s } = setup(() => {
    if (fail) throw new Error('kaput');
  });
  s.schedule('a', 0);
  assert.doesNotThrow(() => clock.advance(0));
  assert.match(log[0]!, /^error Kernel MM Lens: analysis of a failed: Error: kaput/);
  fail = false;
  s.schedule('a', 0);
  clock.advance(0);
  assert.deepEqual(runs, ['a', 'a']);
});

test('with node timers, delay 0 runs as an immediate (ahead of an immediate queued after it), and can be cancelled', async () => {
  const order: string[] = [];
  const s = new AnalysisScheduler((uri) => void order.push(uri), { debounceMs: 300, log: { info() {}, warn() {}, error() {} } });
  s.schedule('dropped', 0);
  s.cancel('dropped');
  s.schedule('a', 0);
  assert.equal(order.length, 0);
  await new Promise<void>((resolve) => setImmediate(() => {
    order.push('immediate after');
    resolve();
  }));
  assert.deepEqual(order, ['a', 'immediate after']);
  // A delayed schedule still goes through setTimeout and is cancelled by dispose.
  s.schedule('b', 5);
  s.dispose();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(order, ['a', 'immediate after']);
});
