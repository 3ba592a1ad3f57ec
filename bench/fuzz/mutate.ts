/**
 * Seeded mutations of kernel patches, series and C files for the fuzz campaign (bench/fuzz/campaign.ts). Every
 * mutation is a pure function of (input, random stream): a seed and an index reproduce an input exactly.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: small, fast, good enough to drive mutations; the same seed gives the same stream everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

export interface Seed {
  name: string;
  kind: 'c' | 'patch';
  bytes: Buffer;
}

const ROOT = join(__dirname, '..', '..');
/** Where the seeds come from: the project's own fixtures and samples (kernel-style code written for this project). */
export const CORPUS_DIRS = ['test/fixtures/series', 'test/fixtures/c', 'test/fixtures/hardening', 'samples'];

export function loadCorpus(): Seed[] {
  const out: Seed[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      // Inputs the campaign found are replayed by test/hardening/fuzz.test.ts, not used as seeds (the same seed
      // must keep giving the same mutants).
      if (n === 'fuzz-found') continue;
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.[ch]$/.test(n)) out.push({ name: p.slice(ROOT.length + 1), kind: 'c', bytes: readFileSync(p) });
      else if (/\.(patch|diff|mbox|eml)$/.test(n)) out.push({ name: p.slice(ROOT.length + 1), kind: 'patch', bytes: readFileSync(p) });
    }
  };
  for (const d of CORPUS_DIRS) walk(join(ROOT, d));
  return out;
}

const HOSTILE_HUNKS = [
  '@@ -9007199254740993,3 +1,3 @@',
  '@@ -1,3 +9007199254740993,3 @@',
  '@@ -18446744073709551616,1 +1 @@',
  '@@ -1,99999999999999999999 +1,3 @@',
  '@@ -2147483647,5 +2147483647,5 @@ int f(void)',
  '@@ -200000000,3 +200000000,3 @@',
  '@@ -0,0 +0,0 @@',
  '@@ -1,0 +1,0 @@',
  '@@ -1 +1 @@',
  '@@ -1,3 +1,3',
  '@@ -,3 +1,3 @@',
  '@@ -1,3 +1,3 @@@',
  '@@@ -1,3 -1,3 +1,4 @@@',
  '@@ -1e9,3 +1,3 @@',
];

function lines(b: Buffer): string[] {
  return b.toString('latin1').split('\n');
}
function fromLines(ls: string[]): Buffer {
  return Buffer.from(ls.join('\n'), 'latin1');
}

type Mutator = (b: Buffer, r: Rand) => Buffer;

export const MUTATORS: Record<string, Mutator> = {
  truncate: (b, r) => b.subarray(0, int(r, b.length + 1)),
  deleteLines: (b, r) => {
    const ls = lines(b);
    const at = int(r, ls.length);
    ls.splice(at, 1 + int(r, 4));
    return fromLines(ls);
  },
  duplicateLines: (b, r) => {
    const ls = lines(b);
    const at = int(r, ls.length);
    const n = 1 + int(r, 4);
    ls.splice(at, 0, ...ls.slice(at, at + n));
    return fromLines(ls);
  },
  byteFlips: (b, r) => {
    const c = Buffer.from(b);
    for (let k = 1 + int(r, 8); k > 0 && c.length; k--) c[int(r, c.length)] ^= 1 << int(r, 8);
    return c;
  },
  nul: (b, r) => {
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + int(r, 3)), b.subarray(at)]);
  },
  invalidUtf8: (b, r) => {
    const at = int(r, b.length + 1);
    const bad = pick(r, [[0xff], [0xfe, 0xff], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]);
    return Buffer.concat([b.subarray(0, at), Buffer.from(bad), b.subarray(at)]);
  },
  hostileHunk: (b, r) => {
    const ls = lines(b);
    const hunks = ls.map((l, i) => (l.startsWith('@@') ? i : -1)).filter((i) => i >= 0);
    const h = pick(r, HOSTILE_HUNKS);
    if (hunks.length) ls[pick(r, hunks)] = h;
    else ls.splice(int(r, ls.length), 0, h);
    return fromLines(ls);
  },
  deepNesting: (b, r) => {
    const ls = lines(b);
    const n = 200 + int(r, 3000);
    const unit = pick(r, ['{', '(', 'if (x) ', 'if (a) {', '[', '} else if (n == 1) goto retry; else ', '/*']);
    ls.splice(int(r, ls.length), 0, (ls.length && ls[0]!.startsWith('diff') ? '+' : '') + unit.repeat(n));
    return fromLines(ls);
  },
  longLine: (b, r) => {
    const ls = lines(b);
    const ch = pick(r, ['=', 'a', '(', ' ', '\\', '"', '*', '+']);
    ls.splice(int(r, ls.length), 0, (r() < 0.5 ? '+' : ' ') + ch.repeat(50_000 + int(r, 150_000)));
    return fromLines(ls);
  },
  crlf: (b) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'),
  fromEscape: (b, r) => {
    const ls = lines(b);
    ls.splice(int(r, ls.length), 0, pick(r, ['From ', '>From nobody Mon Sep 17 00:00:00 2001', 'From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001', '-- ', 'base-commit: 0000', 'GIT binary patch', 'literal 12']));
    return fromLines(ls);
  },
};

/** Multi-MB input: the seed repeated (a series of many copies, or one huge C file). Only for the slow targets. */
export function multiMb(b: Buffer, r: Rand): Buffer {
  const target = (1 + int(r, 3)) * 1024 * 1024;
  const n = Math.max(1, Math.ceil(target / Math.max(1, b.length)));
  return Buffer.concat(Array.from({ length: n }, () => b));
}

/** mm vocabulary spliced into small mutants, so the facts and the rules see the constructs they look for. */
const MM_SNIPPETS = [
  'mmap_read_lock(mm);',
  'mmap_read_unlock(mm);',
  'mmap_write_lock(current->mm);',
  'down_read(&mm->mmap_sem);',
  'up_read(&mm->mmap_sem);',
  'ret = get_user_pages(addr, 1, FOLL_WRITE, &page, NULL);',
  'ret = get_user_pages_unlocked(addr, n, pages, FOLL_WRITE);',
  'ret = pin_user_pages_remote(mm, addr, 1, gup_flags, &page, &locked);',
  'fault = handle_mm_fault(vma, addr, flags, regs);',
  'if (fault & VM_FAULT_RETRY) { flags |= FAULT_FLAG_TRIED; goto retry; }',
  'if (fatal_signal_pending(current)) return -EINTR;',
  'retry:',
  'goto retry;',
  'vma = lock_vma_under_rcu(mm, addr);',
  'vma_end_read(vma);',
  'if (!(fault & VM_FAULT_COMPLETED)) release_fault_lock(vmf);',
  '#ifdef CONFIG_PER_VMA_LOCK',
  '#endif',
  '} else {',
  'while (1) {',
  'for (;;) {',
];

/**
 * Small-input mutators (the bulk in-process target): the same kinds as MUTATORS, sized for KB inputs — long lines of
 * 200–4,000 characters and nesting 10–200 deep instead of 50–200 KB and 200–3,200 — plus mm snippets spliced in.
 */
export const SMALL_MUTATORS: Record<string, Mutator> = {
  ...MUTATORS,
  deepNesting: (b, r) => {
    const ls = lines(b);
    const n = 10 + int(r, 190);
    const unit = pick(r, ['{', '(', 'if (x) ', 'if (a) {', '[', '} else if (n == 1) goto retry; else ', '/*', 'do { ', '#if X\n']);
    ls.splice(int(r, ls.length), 0, (ls.length && ls[0]!.startsWith('diff') ? '+' : '') + unit.repeat(n));
    return fromLines(ls);
  },
  longLine: (b, r) => {
    const ls = lines(b);
    const ch = pick(r, ['=', 'a', '(', ' ', '\\', '"', '*', '+', '\t', '-']);
    ls.splice(int(r, ls.length), 0, (r() < 0.5 ? '+' : ' ') + ch.repeat(200 + int(r, 3800)));
    return fromLines(ls);
  },
  mmSnippet: (b, r) => {
    const ls = lines(b);
    const at = int(r, ls.length + 1);
    const prev = ls[Math.max(0, at - 1)] ?? '';
    // Inside a hunk the snippet is a diff line (added, removed or context), elsewhere a C line.
    const prefix = /^[-+ ]/.test(prev) && !/^(?:---|\+\+\+) /.test(prev) ? pick(r, ['+', '-', ' ']) : '';
    ls.splice(at, 0, prefix + '\t' + pick(r, MM_SNIPPETS));
    return fromLines(ls);
  },
};

/** A slice of 1–60 consecutive lines of a seed (two times in three), or the whole seed. */
function sliceOf(b: Buffer, r: Rand): Buffer {
  if (r() < 1 / 3) return b;
  const ls = lines(b);
  const at = int(r, ls.length);
  return fromLines(ls.slice(at, at + 1 + int(r, 60)));
}

/**
 * One small mutant (the bulk in-process target): a slice of a seed (sometimes followed by a slice of another),
 * with 1–4 stacked small mutations; a few KB at most (the seeds are 0.1–6 KB).
 */
export function smallMutant(corpus: readonly Seed[], seed: number, index: number): { from: string; kind: Seed['kind']; ops: string[]; bytes: Buffer } {
  const r = rng((seed * 0x85ebca6b) ^ index ^ 0x5bd1e995);
  const s = pick(r, corpus);
  let b = sliceOf(s.bytes, r);
  const ops: string[] = [];
  if (r() < 0.1) {
    const other = pick(r, corpus);
    b = Buffer.concat([b, sliceOf(other.bytes, r)]);
    ops.push(`splice:${other.name}`);
  }
  const names = Object.keys(SMALL_MUTATORS);
  for (let k = 1 + int(r, 4); k > 0; k--) {
    const name = pick(r, names);
    b = SMALL_MUTATORS[name]!(b, r);
    ops.push(name);
  }
  return { from: s.name, kind: s.kind, ops, bytes: b };
}

/** One mutant: 1–3 stacked mutations of a seed (sometimes spliced with another seed). */
export function mutant(corpus: readonly Seed[], seed: number, index: number, opts: { big?: boolean } = {}): { from: string; kind: Seed['kind']; ops: string[]; bytes: Buffer } {
  const r = rng((seed * 0x9e3779b1) ^ index);
  const s = pick(r, corpus);
  let b = s.bytes;
  const ops: string[] = [];
  if (r() < 0.1) {
    const other = pick(r, corpus);
    const cut = int(r, b.length + 1);
    b = Buffer.concat([b.subarray(0, cut), other.bytes.subarray(int(r, other.bytes.length + 1))]);
    ops.push(`splice:${other.name}`);
  }
  const names = Object.keys(MUTATORS);
  for (let k = 1 + int(r, 3); k > 0; k--) {
    const name = pick(r, names);
    b = MUTATORS[name]!(b, r);
    ops.push(name);
  }
  if (opts.big && r() < 0.05) {
    b = multiMb(b, r);
    ops.push('multiMb');
  }
  return { from: s.name, kind: s.kind, ops, bytes: b };
}
