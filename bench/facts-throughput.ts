/**
 * Facts-extraction throughput on a generated kernel-style corpus, next to tree-sitter's bare parse of the same
 * text measured in the same run (the baseline: facts can never be faster than the parse they stand on).
 *
 *   node --import tsx bench/facts-throughput.ts [--mb 8] [--files 400] [--repeat 1]
 *
 * Prints: MB/s and ms for the bare parse and for extractCFacts on one large file and on many small files (with
 * per-file latency p50/p95/max), and for a generated mbox series through parsePatchDocument + patch facts.
 * --repeat N measures each figure N times (bare parse and facts alternately) and keeps the fastest run of each:
 * on a shared, loaded machine the minimum is the figure least disturbed by other processes.
 * No assertions: figures only.
 */
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { parseEra } from '../common/era';
import { extractCFacts } from '../server/src/c';
import { factsForPatchDocument } from '../server/src/facts/compute';
import { parsePatchDocument } from '../server/src/series';
import { kernelCorpus as corpus, kernelFunction as makeFunction } from './gen/kernel-c';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const TARGET_MB = arg('--mb', 8);
const FILES = arg('--files', 400);
const REPEAT = Math.max(1, arg('--repeat', 1));
const era = parseEra('6.8');

function seriesText(nPatches: number): string {
  const out: string[] = [];
  for (let k = 1; k <= nPatches; k++) {
    const body = makeFunction(k * 5)
      .split('\n')
      .filter((l) => l !== '');
    const hunk = body.map((l) => (l.includes('get_user_pages(') ? `-${l}\n+${l.replace('get_user_pages(', 'get_user_pages_unlocked(')}` : ` ${l}`));
    out.push(
      `From 000000000000000000000000000000000000000${k % 10} Mon Sep 17 00:00:00 2001\nFrom: Bench <bench@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH ${k}/${nPatches}] drv: step ${k}\n\nStep ${k}.\n\nSigned-off-by: Bench <bench@example.org>\n---\n drivers/x${k}.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\ndiff --git a/drivers/x${k}.c b/drivers/x${k}.c\n--- a/drivers/x${k}.c\n+++ b/drivers/x${k}.c\n@@ -10,${body.length} +10,${body.length} @@\n${hunk.join('\n')}\n-- \n2.43.0\n\n`,
    );
  }
  return out.join('');
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const parser = new Parser();
// tree-sitter-c's typings describe the language object loosely; it is the Language tree-sitter expects.
parser.setLanguage(C as unknown as Parser.Language);
const bareParse = (text: string): void => {
  if (text.length > 1 << 20) parser.parse((index: number) => text.slice(index, index + 65536));
  else parser.parse(text);
};

function row(name: string, mb: number, bareMs: number, factsMs: number): void {
  console.log(
    `${name.padEnd(34)} ${mb.toFixed(2).padStart(7)} MB   bare parse ${bareMs.toFixed(0).padStart(6)} ms (${(mb / (bareMs / 1000)).toFixed(2).padStart(6)} MB/s)   facts ${factsMs
      .toFixed(0)
      .padStart(6)} ms (${(mb / (factsMs / 1000)).toFixed(2).padStart(6)} MB/s)   facts/bare ${(factsMs / bareMs).toFixed(2)}x`,
  );
}

// Warm-up (JIT, native module) so the first measurement is not charged for it.
extractCFacts(corpus(200_000, 0), { era });
bareParse(corpus(200_000, 0));

console.log(`facts throughput, node ${process.version}, ${new Date().toISOString()}`);

const big = corpus(TARGET_MB * 1_000_000, 1000);
let bigBare = Infinity;
let bigFactsMs = Infinity;
let bigFunctions = 0;
for (let r = 0; r < REPEAT; r++) {
  let t = process.hrtime.bigint();
  bareParse(big);
  bigBare = Math.min(bigBare, ms(t));
  t = process.hrtime.bigint();
  bigFunctions = extractCFacts(big, { era }).functions.length;
  bigFactsMs = Math.min(bigFactsMs, ms(t));
}
row(`one file (${bigFunctions} functions)`, big.length / 1e6, bigBare, bigFactsMs);

const small = Array.from({ length: FILES }, (_, i) => corpus(8_000 + (i % 7) * 6_000, i * 40));
const bytes = small.reduce((a, s) => a + s.length, 0);
let smallBare = Infinity;
let smallFacts = Infinity;
let lat: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  let t = process.hrtime.bigint();
  for (const s of small) bareParse(s);
  smallBare = Math.min(smallBare, ms(t));
  const runLat: number[] = [];
  t = process.hrtime.bigint();
  for (const s of small) {
    const t1 = process.hrtime.bigint();
    extractCFacts(s, { era });
    runLat.push(ms(t1));
  }
  const total = ms(t);
  if (total < smallFacts) {
    smallFacts = total;
    lat = runLat;
  }
}
row(`${FILES} files`, bytes / 1e6, smallBare, smallFacts);
lat.sort((a, b) => a - b);
console.log(`  per-file facts latency: p50 ${pct(lat, 50).toFixed(2)} ms, p95 ${pct(lat, 95).toFixed(2)} ms, max ${lat[lat.length - 1].toFixed(2)} ms (files of ${(8).toFixed(0)}–${(44).toFixed(0)} KB)`);

const series = seriesText(2000);
let t = process.hrtime.bigint();
const doc = parsePatchDocument(series);
const parseMs = ms(t);
t = process.hrtime.bigint();
factsForPatchDocument(doc, series, '/nonexistent/bench.mbox', { era: '6.8' });
const seriesFactsMs = ms(t);
console.log(
  `mbox series, ${doc.patches.length} patches, ${(series.length / 1e6).toFixed(2)} MB: parsePatchDocument ${parseMs.toFixed(0)} ms (${(series.length / 1e6 / (parseMs / 1000)).toFixed(2)} MB/s), hunk-fragment facts ${seriesFactsMs.toFixed(0)} ms`,
);
