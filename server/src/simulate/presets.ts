// The simulator's preset scenarios (simulator/scenarios/*.json), found beside the running code (source tree, dist/,
// or the installed extension, which ships them).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Scenario } from '../../../simulator/src/index';

export function presetsDir(start: string = __dirname): string | undefined {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'simulator', 'scenarios');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export function presetNames(dir = presetsDir()): string[] {
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The preset's scenario JSON (unvalidated), or undefined when there is no such preset. */
export function loadPreset(name: string, dir = presetsDir()): Scenario | undefined {
  if (!dir || !/^[\w.-]+$/.test(name)) return undefined;
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Scenario;
}
