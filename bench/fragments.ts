/**
 * Facts of every fixture patch that has a tree, read three ways in the same run: without the tree, hunk by hunk
 * (the old fragment reading, the baseline); without the tree, functions rebuilt from the hunks (c/fragments.ts);
 * with the tree (hunks applied, whole functions). Counts per patch and side: retry loops, flag updates on a retry
 * path, GUP calls, mmap lock operations, signal checks, fault calls; and the time each reading took.
 *
 *   node --import tsx bench/fragments.ts [--repeat 5]
 *
 * Prints figures only; test/facts/fragments.test.ts asserts the facts themselves.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { factsForPatchInput, type FactsOptions } from '../server/src/facts/compute';
import type { CFacts } from '../server/src/c/types';
import type { PatchDocumentFacts, SideFacts } from '../server/src/facts/types';

const ROOT = join(__dirname, '..');
const i = process.argv.indexOf('--repeat');
const REPEAT = i >= 0 ? Number(process.argv[i + 1]) : 5;

/** [patch, tree] pairs: the sample series, the facts and server fixtures, the fragment fixtures. */
function inputs(): [string, string][] {
  const out: [string, string][] = [['samples/series/gup-unlocked-v2.mbox', 'samples/tree']];
  out.push(['test/fixtures/facts/qux-unlocked.patch', 'test/fixtures/facts/tree']);
  for (const f of readdirSync(join(ROOT, 'test/fixtures/server')).sort())
    if (/\.(?:patch|diff|mbox)$/.test(f)) out.push([`test/fixtures/server/${f}`, 'test/fixtures/server/tree']);
  for (const d of readdirSync(join(ROOT, 'test/fixtures/fragments')).sort())
    out.push([`test/fixtures/fragments/${d}/0001.patch`, `test/fixtures/fragments/${d}/tree`]);
  return out;
}

interface Counts {
  loops: number;
  retryFlags: number;
  gup: number;
  locks: number;
  signals: number;
  faults: number;
}
const KEYS: (keyof Counts)[] = ['loops', 'retryFlags', 'gup', 'locks', 'signals', 'faults'];
const zero = (): Counts => ({ loops: 0, retryFlags: 0, gup: 0, locks: 0, signals: 0, faults: 0 });

function count(facts: CFacts, c: Counts): void {
  for (const f of facts.functions) {
    const loops = f.retryLoops.filter((l) => l.kind !== 'vma-fallback');
    c.loops += loops.length;
    c.retryFlags += loops.reduce((n, l) => n + l.flagUpdates.filter((u) => u.onRetryPath).length, 0);
    c.gup += f.gupCalls.length;
    c.locks += f.lockOps.length;
    c.signals += f.signalChecks.length;
    c.faults += f.faultCalls.length;
  }
}

function sides(d: PatchDocumentFacts): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const p of d.patches)
    for (const f of p.files)
      for (const s of [f.pre, f.post].filter((x): x is SideFacts => x !== undefined)) {
        const key = `${p.index}/${d.patches.length} ${s.side === 'pre' ? 'before' : 'after '}`;
        const c = out.get(key) ?? zero();
        for (const u of s.units) count(u.facts, c);
        out.set(key, c);
      }
  return out;
}

function run(path: string, opts: FactsOptions): { facts: PatchDocumentFacts; ms: number } {
  const bytes = readFileSync(join(ROOT, path));
  let facts = factsForPatchInput(bytes, path, opts);
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < REPEAT; k++) facts = factsForPatchInput(bytes, path, opts);
  return { facts, ms: Number(process.hrtime.bigint() - t0) / 1e6 / REPEAT };
}

const cell = (c: Counts | undefined): string => (c ? KEYS.map((k) => String(c[k]).padStart(2)).join(' ') : ' -'.repeat(KEYS.length));
const none = (): undefined => undefined;
const totals = { hunk: zero(), rebuilt: zero(), tree: zero() };
const times = { hunk: 0, rebuilt: 0, tree: 0 };

console.log(`facts without the tree (hunk by hunk | rebuilt) vs with it; columns: ${KEYS.join(' ')}; mean of ${REPEAT} runs`);
for (const [patch, tree] of inputs()) {
  // No tree at all (the patch's own directory may sit in a tree: read nothing from it).
  const hunk = run(patch, { tree, readTreeFile: none, joinHunks: false });
  const rebuilt = run(patch, { tree, readTreeFile: none });
  const whole = run(patch, { tree });
  times.hunk += hunk.ms;
  times.rebuilt += rebuilt.ms;
  times.tree += whole.ms;
  console.log(`\n${relative(ROOT, join(ROOT, patch))}  (${hunk.ms.toFixed(1)} | ${rebuilt.ms.toFixed(1)} | ${whole.ms.toFixed(1)} ms)`);
  const [a, b, c] = [sides(hunk.facts), sides(rebuilt.facts), sides(whole.facts)];
  for (const key of new Set([...a.keys(), ...b.keys(), ...c.keys()])) {
    console.log(`  ${key}  hunk ${cell(a.get(key))}  |  rebuilt ${cell(b.get(key))}  |  tree ${cell(c.get(key))}`);
    for (const [m, t] of [[a, totals.hunk], [b, totals.rebuilt], [c, totals.tree]] as const) {
      const x = m.get(key);
      if (x) for (const k of KEYS) t[k] += x[k];
    }
  }
}
console.log(`\ntotal (${KEYS.join(' ')}):`);
console.log(`  hunk by hunk  ${cell(totals.hunk)}   ${times.hunk.toFixed(1)} ms`);
console.log(`  rebuilt       ${cell(totals.rebuilt)}   ${times.rebuilt.toFixed(1)} ms`);
console.log(`  with the tree ${cell(totals.tree)}   ${times.tree.toFixed(1)} ms`);
