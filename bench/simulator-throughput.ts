/**
 * Simulator throughput: events per second of a long timed run, states per second of exploration, and exploration
 * time per preset. Prints figures only (no assertions). Run: node --import tsx bench/simulator-throughput.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { explore, simulate, validateScenario } from '../simulator/src';
import type { Scenario, ScriptOp } from '../simulator/src/scenario/types';

function longRun(): Scenario {
  const faults = 400;
  const vcpu = (i: number): ScriptOp[] => Array.from({ length: faults / 4 }, (_, k) => ({ access: { address: `guest+${i * (faults / 4) + k}`, mode: 'write' as const } }));
  return {
    version: 1,
    name: 'bench-long-postcopy',
    description: 'four vCPUs fault 400 pages in total; one monitor copies each after 200 µs; a writer mprotects 50 times',
    era: '6.8',
    timing: { jitterUs: 50 },
    memory: { vmas: [{ id: 'guest', pages: faults, type: 'anon', uffd: { ctx: 'u', modes: ['MISSING'] } }, { id: 'x', pages: 1, type: 'anon' }], uffds: [{ id: 'u' }] },
    tasks: [
      ...[0, 1, 2, 3].map((i) => ({ id: `vcpu${i}`, script: vcpu(i) })),
      { id: 'monitor', script: [{ uffd_serve: { uffd: 'u', count: faults, resolve: 'COPY' as const, latencyUs: 200 } }] },
      { id: 'writer', script: Array.from({ length: 50 }, (): ScriptOp[] => [{ sleep: { us: 300 } }, { mprotect: { address: 'x+0', pages: 1, prot: 'rw' } }]).flat() },
    ],
  };
}

function timeIt<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

const sc = longRun();
simulate(sc); // warm-up
const { value: r, ms } = timeIt(() => simulate(sc, { seed: 3 }));
console.log(`timed run: ${r.trace.length} events, ${r.metrics.steps} steps in ${ms.toFixed(1)} ms → ${Math.round(r.trace.length / (ms / 1000))} events/s, ${Math.round(r.metrics.steps / (ms / 1000))} steps/s`);
console.log(`  verdict: ${r.verdict.slice(0, 160)}`);

const dir = join(__dirname, '../simulator/scenarios');
let totalStates = 0;
let totalMs = 0;
console.log('exploration per preset:');
for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
  const v = validateScenario(JSON.parse(readFileSync(join(dir, f), 'utf8')));
  if (!v.ok) continue;
  const { value: e, ms: ems } = timeIt(() => explore(v.scenario, { maxStates: 50_000 }));
  totalStates += e.statesExplored;
  totalMs += ems;
  console.log(`  ${f.padEnd(36)} ${String(e.statesExplored).padStart(6)} states ${String(e.transitions).padStart(7)} transitions ${ems.toFixed(1).padStart(8)} ms${e.boundHit ? ' (bound hit)' : ''}  ${e.verdict.slice(0, 70)}`);
}
console.log(`exploration: ${totalStates} states in ${totalMs.toFixed(1)} ms → ${Math.round(totalStates / (totalMs / 1000))} states/s`);
