/**
 * Kernel era resolution (kernel-semantics.md §5): explicit setting → Makefile VERSION/PATCHLEVEL found upward from
 * the file → hints in the text (API spellings and GUP arities) → default (newest era).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  compareEra,
  formatEra,
  NEWEST_ERA,
  OLDEST_ERA,
  tryParseEra,
  type Era,
  type ResolvedEra,
} from '../../../common/era';
import { GUP_SIGNATURES, isGupFunction } from '../c/gup-signatures';
import { matchParen } from '../c/parser';

export interface EraHint {
  /** What was seen (e.g. "mmap_read_lock", "get_user_pages/8 args"). */
  name: string;
  /** Present from (lower) / only up to (upper). */
  lower?: Era;
  upper?: Era;
}

export interface EraHintResult {
  lower?: Era;
  upper?: Era;
  hints: EraHint[];
  /** Hints that contradicted the bound kept (lower bounds win: a feature that exists is stronger evidence). */
  discarded: EraHint[];
}

/** Textual hints: [regex, name, lower, upper]. */
const TEXT_HINTS: [RegExp, string, string | undefined, string | undefined][] = [
  [/\bmmap_(?:read|write)_(?:lock|unlock|trylock|lock_killable|downgrade)\s*\(/, 'mmap_read_lock/mmap_write_lock API', '5.8', undefined],
  [/(?:->|\.)\s*mmap_lock\b/, 'mmap_lock field', '5.8', undefined],
  [/(?:->|\.)\s*mmap_sem\b/, 'mmap_sem field', undefined, '5.7'],
  [/\bFAULT_FLAG_DEFAULT\b/, 'FAULT_FLAG_DEFAULT', '5.7', undefined],
  [/\bfault_signal_pending\s*\(/, 'fault_signal_pending', '5.7', undefined],
  [/\bfault_flag_allow_retry_first\s*\(/, 'fault_flag_allow_retry_first', '5.7', undefined],
  [/\bFAULT_FLAG_INTERRUPTIBLE\b/, 'FAULT_FLAG_INTERRUPTIBLE', '5.7', undefined],
  [/\bFAULT_FLAG_UNSHARE\b/, 'FAULT_FLAG_UNSHARE', '5.19', undefined],
  [/\bVM_FAULT_COMPLETED\b/, 'VM_FAULT_COMPLETED', '6.0', undefined],
  [/\bVM_FAULT_WRITE\b/, 'VM_FAULT_WRITE', undefined, '6.1'],
  [/\block_vma_under_rcu\s*\(/, 'lock_vma_under_rcu', '6.4', undefined],
  [/\bFAULT_FLAG_VMA_LOCK\b/, 'FAULT_FLAG_VMA_LOCK', '6.4', undefined],
  // 6.5 mainline, backported to 6.4.1, 6.3.11 and 6.1.37: only 6.1 is a safe lower bound.
  [/\block_mm_and_find_vma\s*\(/, 'lock_mm_and_find_vma', '6.1', undefined],
  [/\bFOLL_LONGTERM\b/, 'FOLL_LONGTERM', '5.2', undefined],
  [/\bpin_user_pages(?:_fast|_remote)?\s*\(/, 'pin_user_pages', '5.6', undefined],
  [/\bpin_user_pages_(?:unlocked|locked)\s*\(/, 'pin_user_pages_unlocked/_locked', '5.8', undefined],
  [/\bget_user_pages_fast_only\s*\(/, 'get_user_pages_fast_only', '5.8', undefined],
  [/\bget_user_page_vma_remote\s*\(/, 'get_user_page_vma_remote', '6.5', undefined],
  [/\bget_user_pages_locked\s*\(/, 'get_user_pages_locked', '4.0', '5.17'],
  [/\bpin_user_pages_locked\s*\(/, 'pin_user_pages_locked', '5.8', '5.17'],
  [/\bget_user_pages_longterm\s*\(/, 'get_user_pages_longterm', '4.15', '5.1'],
  [/\b__get_user_pages_fast\s*\(/, '__get_user_pages_fast', undefined, '5.7'],
  [/\bpin_user_pages_fast_only\s*\(/, 'pin_user_pages_fast_only', '5.8', '6.2'],
];

/** GUP calls whose arity pins an era range (the hull of the table's ranges with that arity). */
const ARITY_FUNCTIONS = [
  'get_user_pages',
  'get_user_pages_locked',
  'get_user_pages_unlocked',
  'get_user_pages_remote',
  'pin_user_pages',
  'pin_user_pages_remote',
  'fixup_user_fault',
];

function era(s: string | undefined): Era | undefined {
  return s === undefined ? undefined : tryParseEra(s);
}

/** Top-level argument count of the call whose `(` is at `open`, or undefined when unbalanced. */
function arityAt(text: string, open: number): number | undefined {
  const close = matchParen(text, open, 2000);
  if (close < 0) return undefined;
  const inner = text.slice(open + 1, close);
  if (!inner.trim()) return 0;
  let depth = 0;
  let n = 1;
  for (const ch of inner) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) n++;
  }
  return n;
}

/** For a diff, drop removed lines ('-') and the +/space markers; other text is kept as is. */
function postImage(text: string): string {
  if (!/^(?:diff --git |--- |@@ )/m.test(text)) return text;
  const out: string[] = [];
  let inHunk = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) {
      inHunk = true;
      out.push('');
      continue;
    }
    if (line.startsWith('diff --git')) inHunk = false;
    if (!inHunk) {
      out.push(line);
      continue;
    }
    if (line.startsWith('-')) continue;
    out.push(line.startsWith('+') || line.startsWith(' ') ? line.slice(1) : line);
  }
  return out.join('\n');
}

export function eraHints(text: string): EraHintResult {
  const src = postImage(text);
  const hints: EraHint[] = [];
  for (const [re, name, lo, hi] of TEXT_HINTS) {
    if (!re.test(src)) continue;
    const lower = era(lo);
    const upper = era(hi);
    hints.push({ name, ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) });
  }
  for (const fn of ARITY_FUNCTIONS) {
    if (!isGupFunction(fn)) continue;
    const re = new RegExp(`\\b${fn}\\s*\\(`, 'g');
    const seen = new Set<number>();
    for (const m of src.matchAll(re)) {
      const arity = arityAt(src, m.index + m[0].length - 1);
      if (arity === undefined || seen.has(arity)) continue;
      seen.add(arity);
      const sigs = GUP_SIGNATURES[fn].filter((s) => s.roles.length === arity);
      if (sigs.length === 0) continue;
      // fixup_user_fault with 4 args is ≤4.4 (tsk, mm, …) or ≥5.9 (mm, …): only the hull is safe → skip when split.
      const lower = sigs.some((s) => !s.eras.from) ? undefined : sigs.map((s) => era(s.eras.from)!).sort(compareEra)[0];
      const upper = sigs.some((s) => !s.eras.to) ? undefined : sigs.map((s) => era(s.eras.to)!).sort(compareEra).at(-1);
      if (!lower && !upper) continue;
      hints.push({ name: `${fn}/${arity} args`, ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) });
    }
  }
  let lower: Era | undefined;
  for (const h of hints) if (h.lower && (!lower || compareEra(h.lower, lower) > 0)) lower = h.lower;
  const discarded: EraHint[] = [];
  let upper: Era | undefined;
  for (const h of hints) {
    if (!h.upper) continue;
    if (lower && compareEra(h.upper, lower) < 0) {
      discarded.push(h);
      continue;
    }
    if (!upper || compareEra(h.upper, upper) < 0) upper = h.upper;
  }
  // A hint whose own lower bound exceeds the kept upper bound cannot happen: lower ≤ upper by construction.
  return { ...(lower ? { lower } : {}), ...(upper ? { upper } : {}), hints: hints.filter((h) => !discarded.includes(h)), discarded };
}

/** The representative era inside the bounds: the upper bound when there is one (closest to the API boundary), else the newest era. */
export function representativeEra(lower: Era | undefined, upper: Era | undefined): Era {
  if (upper) return lower && compareEra(upper, lower) < 0 ? lower : upper;
  if (lower && compareEra(lower, NEWEST_ERA) > 0) return lower;
  return NEWEST_ERA;
}

export function describeHint(h: EraHint): string {
  const lo = h.lower ? `≥${formatEra(h.lower)}` : '';
  const hi = h.upper ? `≤${formatEra(h.upper)}` : '';
  return `${h.name} (${[lo, hi].filter(Boolean).join(', ')})`;
}

/** VERSION / PATCHLEVEL of a kernel top-level Makefile. */
export function parseMakefileVersion(text: string): Era | undefined {
  const v = /^VERSION\s*=\s*(\d+)\s*$/m.exec(text);
  const p = /^PATCHLEVEL\s*=\s*(\d+)\s*$/m.exec(text);
  if (!v || !p) return undefined;
  return { major: Number(v[1]), minor: Number(p[1]) };
}

export type ReadFile = (path: string) => string | undefined;

const defaultRead: ReadFile = (p) => {
  try {
    if (!existsSync(p) || !statSync(p).isFile()) return undefined;
    return readFileSync(p, 'utf8').slice(0, 64 * 1024);
  } catch {
    return undefined;
  }
};

/** Searches `from` (a file or directory) and its ancestors for a kernel top-level Makefile. */
export function findMakefileEra(
  from: string,
  opts: { stopAt?: string; readFile?: ReadFile; cache?: Map<string, { era: Era; path: string } | null> } = {},
): { era: Era; path: string } | undefined {
  const read = opts.readFile ?? defaultRead;
  let dir = resolve(from);
  try {
    if (existsSync(dir) && statSync(dir).isFile()) dir = dirname(dir);
  } catch {
    dir = dirname(dir);
  }
  const stop = opts.stopAt ? resolve(opts.stopAt) : undefined;
  // With a cache (whole-tree scans, no stopAt), every directory visited on the way up gets the answer.
  const cache = stop ? undefined : opts.cache;
  const visited: string[] = [];
  const answer = (r: { era: Era; path: string } | undefined): { era: Era; path: string } | undefined => {
    if (cache) for (const d of visited) cache.set(d, r ?? null);
    return r;
  };
  for (let i = 0; i < 64; i++) {
    const hit = cache?.get(dir);
    if (hit !== undefined) return answer(hit ?? undefined);
    visited.push(dir);
    const path = join(dir, 'Makefile');
    const text = read(path);
    const e = text !== undefined ? parseMakefileVersion(text) : undefined;
    if (e) return answer({ era: e, path });
    if (stop && dir === stop) return answer(undefined);
    const parent = dirname(dir);
    if (parent === dir) return answer(undefined);
    dir = parent;
  }
  return undefined;
}

export interface EraDetectInput {
  /** Explicit setting ("5.7", "v6.4", an Era); an unparseable string is ignored. */
  setting?: string | Era;
  /** A file being analysed (the Makefile is searched upward from it). */
  filePath?: string;
  /** Workspace roots (their Makefile is consulted when the file has none above it). */
  workspaceRoots?: string[];
  /** Text of the file or patch (for hints). */
  text?: string;
  readFile?: ReadFile;
  /** Makefile lookups per directory (findMakefileEra's cache). */
  makefileCache?: Map<string, { era: Era; path: string } | null>;
}

export interface EraResolution extends ResolvedEra {
  /** Bounds and hints when the era came from hints. */
  bounds?: EraHintResult;
}

export function resolveEra(input: EraDetectInput): EraResolution {
  if (input.setting !== undefined) {
    const e = typeof input.setting === 'string' ? tryParseEra(input.setting) : input.setting;
    if (e) return { era: e, source: { kind: 'setting' } };
  }
  const read = input.readFile;
  const opts = read ? { readFile: read } : {};
  if (input.filePath) {
    const root = input.workspaceRoots?.find((r) => resolve(input.filePath!).startsWith(resolve(r)));
    const found = findMakefileEra(input.filePath, { ...opts, ...(root ? { stopAt: root } : {}), ...(input.makefileCache ? { cache: input.makefileCache } : {}) });
    if (found) return { era: found.era, source: { kind: 'makefile', path: found.path } };
  }
  for (const r of input.workspaceRoots ?? []) {
    const found = findMakefileEra(r, { ...opts, stopAt: r });
    if (found) return { era: found.era, source: { kind: 'makefile', path: found.path } };
  }
  if (input.text) {
    const bounds = eraHints(input.text);
    if (bounds.hints.length) {
      let e = representativeEra(bounds.lower, bounds.upper);
      if (compareEra(e, OLDEST_ERA) < 0) e = OLDEST_ERA;
      return { era: e, source: { kind: 'patch-hints', hints: bounds.hints.map(describeHint) }, bounds };
    }
  }
  return { era: NEWEST_ERA, source: { kind: 'default' } };
}

/**
 * The eras a resolution allows, as "major.minor" bounds: hints give a range (clamped to the eras the spec covers),
 * anything else a single era.
 */
export function eraRangeOf(r: EraResolution): { from: string; to: string } {
  if (r.source.kind !== 'patch-hints' || !r.bounds) return { from: formatEra(r.era), to: formatEra(r.era) };
  const clamp = (e: Era): Era => (compareEra(e, OLDEST_ERA) < 0 ? OLDEST_ERA : compareEra(e, NEWEST_ERA) > 0 ? NEWEST_ERA : e);
  let from = clamp(r.bounds.lower ?? OLDEST_ERA);
  const to = clamp(r.bounds.upper ?? NEWEST_ERA);
  if (compareEra(from, to) > 0) from = to;
  return { from: formatEra(from), to: formatEra(to) };
}
