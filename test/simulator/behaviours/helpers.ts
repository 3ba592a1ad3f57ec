/** Small builders for behaviour tests: scenarios read like the cases they test. */
import type { RunResult, TaskResult } from '../../../simulator/src/result';
import { simulate } from '../../../simulator/src/engine/simulate';
import { validateScenario } from '../../../simulator/src/scenario/validate';
import type { Scenario, ScriptOp, TaskSpec } from '../../../simulator/src/scenario/types';

export function scenario(era: string, memory: Scenario['memory'], tasks: TaskSpec[], extra: Partial<Scenario> = {}): Scenario {
  const sc: Scenario = { version: 1, name: extra.name ?? 'test', description: 'behaviour test', era, memory, tasks, ...extra };
  const v = validateScenario(JSON.parse(JSON.stringify(sc)));
  if (!v.ok) throw new Error(`invalid test scenario: ${v.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return sc;
}

export function run(sc: Scenario, seed?: number): RunResult {
  return simulate(sc, seed === undefined ? {} : { seed });
}

export function task(r: RunResult, id: string): TaskResult {
  const t = r.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
}

export function outcome(r: RunResult, id: string): string {
  const o = task(r, id).outcome;
  switch (o.kind) {
    case 'error':
      return `-${o.errno}`;
    case 'signal':
      return o.signal;
    case 'ok':
      return o.value === undefined ? 'ok' : `ok(${o.value})`;
    default:
      return o.kind;
  }
}

/** Attempts as "FLAGS → RESULT[/released]" strings, for compact exact assertions. */
export function attempts(r: RunResult, id: string): string[] {
  return task(r, id).attempts.map((a) => `${a.flags.join('|')} → ${a.result.join('|')}${a.lockReleased ? ' released' : ''}`);
}

export function ioctls(r: RunResult): string[] {
  return r.metrics.ioctls.map((i) => `${i.ioctl} ${i.result}`);
}

export const access = (address: string, mode: 'read' | 'write' = 'write'): ScriptOp => ({ access: { address, mode } });
