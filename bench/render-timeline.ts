/**
 * Render cost of the SVG timeline: time and size for traces of 100 / 1,000 / 10,000 events, next to
 * JSON.stringify of the same RunResult as a baseline. No assertions.
 * Usage: npx tsx bench/render-timeline.ts
 */
import { renderTimelineSvg } from '../simulator/src/render/svg-timeline';
import { syntheticRun } from '../test/fixtures/simulator/build';

function time<T>(f: () => T, reps: number): { ms: number; value: T } {
  let value = f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) value = f();
  return { ms: (performance.now() - t0) / reps, value };
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
console.log('events   tasks   render ms   svg size   json ms   json size');
for (const n of [100, 1000, 10000]) {
  for (const tasks of [3, 8]) {
    const r = syntheticRun(n, tasks);
    const reps = n >= 10000 ? 3 : 10;
    const svg = time(() => renderTimelineSvg(r), reps);
    const json = time(() => JSON.stringify(r), reps);
    console.log(
      `${String(r.trace.length).padStart(6)}  ${String(tasks).padStart(6)}  ${svg.ms.toFixed(1).padStart(10)}  ${kb(svg.value.length).padStart(9)}  ${json.ms.toFixed(1).padStart(8)}  ${kb(json.value.length).padStart(10)}`,
    );
  }
}
