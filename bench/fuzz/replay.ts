/**
 * Rebuilds one mutant of the fuzz campaign from its seed and index (the campaign names inputs
 * "seed<S>-bulk-<I>", "seed<S>-cli-<I>", "m<I>-seed<S>" for a CLI batch input, …), writes it, and for a bulk input runs it again through the bulk
 * target's checks with its time:
 *
 *   node --import tsx bench/fuzz/replay.ts seed11-bulk-123456 [--out DIR]
 *
 * Exit 0 when the input passes the contract, 1 when it throws or breaks it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzOne } from './bulk-worker';
import { loadCorpus, mutant, smallMutant } from './mutate';

export function rebuild(name: string): { kind: 'c' | 'patch'; bytes: Buffer; from: string; ops: string[]; bulk: boolean; seed: number; index: number } {
  // CLI batch inputs are saved as m<index>-seed<S>.
  const batch = /^m(\d+)-seed(\d+)$/.exec(name);
  if (batch) {
    const idx = Number(batch[1]);
    const seed = Number(batch[2]);
    const corpus = loadCorpus();
    return { ...(idx % 25 === 0 ? mutant(corpus, seed, idx) : smallMutant(corpus, seed, idx)), bulk: false, seed, index: idx };
  }
  const m = /^seed(\d+)-(bulk|inproc|cli|server)-(\d+)$/.exec(name);
  if (!m) throw new Error(`not a campaign input name: ${name} (seed<S>-bulk-<I>, seed<S>-inproc-<I>, seed<S>-cli-<I> or seed<S>-server-<I>)`);
  const seed = Number(m[1]);
  const i = Number(m[3]);
  const corpus = loadCorpus();
  if (m[2] === 'bulk') return { ...smallMutant(corpus, seed, i), bulk: true, seed, index: i };
  // The offsets and profiles bench/fuzz/campaign.ts uses per target.
  if (m[2] === 'inproc') return { ...mutant(corpus, seed, i), bulk: false, seed, index: i };
  if (m[2] === 'cli') return { ...mutant(corpus, seed, 1_000_000 + i, { big: true }), bulk: false, seed, index: i };
  const s = 2_000_000 + i;
  return { ...(i % 10 === 3 || i % 97 === 0 ? mutant(corpus, seed, s, { big: i % 97 === 0 }) : smallMutant(corpus, seed, s)), bulk: false, seed, index: i };
}

if (require.main === module) {
  const name = process.argv[2] ?? '';
  const oi = process.argv.indexOf('--out');
  const out = oi >= 0 ? process.argv[oi + 1]! : '.';
  const r = rebuild(name);
  mkdirSync(out, { recursive: true });
  const path = join(out, `${name}.${r.kind === 'c' ? 'c' : 'patch'}`);
  writeFileSync(path, r.bytes);
  console.log(`${path}: ${r.bytes.length} bytes, from ${r.from} by ${r.ops.join('+')}`);
  if (r.bulk) {
    const t = performance.now();
    const h: Record<string, number> = {};
    let code: number;
    try {
      const v = fuzzOne(r, r.index, { budgetMs: 5000, deepEvery: 10, corpus: loadCorpus(), seed: r.seed }, h);
      console.log(v.violations.length ? `contract broken:\n  ${v.violations.join('\n  ')}` : `contract kept (${Object.keys(h).join(', ')})`);
      code = v.violations.length ? 1 : 0;
    } catch (e) {
      console.log(`threw: ${(e as Error).stack}`);
      code = 1;
    }
    console.log(`${(performance.now() - t).toFixed(1)} ms`);
    process.exit(code);
  }
}
