import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { extractCFacts, type CFacts, type FunctionFacts, type Range } from '../../server/src/c/index';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'c');

/** Every file under `dir` (recursively) whose name matches `name` (default: C sources and headers). */
export function cFiles(dir: string, name: RegExp = /\.[ch]$/): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...cFiles(p, name));
    else if (name.test(e)) out.push(p);
  }
  return out;
}

export function fixture(rel: string): string {
  return readFileSync(join(FIXTURES, rel), 'utf8');
}

export function factsOf(rel: string, era: string): CFacts {
  return extractCFacts(fixture(rel), { era: parseEra(era) });
}

export function fn(facts: CFacts, name: string): FunctionFacts {
  const f = facts.functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name} in ${facts.functions.map((x) => x.name).join(', ')}`);
  return f;
}

/** 0-based line of the nth (0-based) line containing `needle`. */
export function lineOf(text: string, needle: string, nth = 0): number {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes(needle)) {
      if (seen === nth) return i;
      seen++;
    }
  }
  throw new Error(`"${needle}" (#${nth}) not found`);
}

export function lines(r: Range): [number, number] {
  return [r.start.line, r.end.line];
}
