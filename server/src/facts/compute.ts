/**
 * Computes InputFacts for one input: a C file, or a patch document (single patch, git diff, format-patch, mbox
 * series). Patches of a series are taken in order, each on top of the previous ones: when the tree holds the
 * file, the hunks are applied in memory and the whole pre/post file is parsed (rules see whole functions);
 * otherwise the functions are rebuilt from the hunks (consecutive hunks of one function joined, gaps marked).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { formatEra, describeEraSource, type Era } from '../../../common/era';
import { extractCFacts } from '../c';
import { extractHunkFacts, type HunkSide } from '../c/fragments';
import { sliceToMmFunctions } from '../c/slice';
import type { CFacts, ExtractOptions, Range } from '../c/types';
import { eraRangeOf, findMakefileEra, resolveEra } from '../era/detect';
import { hunkImage, parsePatchDocument } from '../series';
import type { FileDiff, Patch, PatchDocument } from '../series/types';
import { applyFileDiff, SOURCE_SHIFT } from './apply';
import type { CFileFacts, EraInfo, InputFacts, FactsUnit, LineOrigin, PatchDocumentFacts, PatchFacts, PatchFileFacts, SideFacts } from './types';

export interface FactsOptions {
  /** Explicit era ("6.8"); otherwise the Makefile of the tree, hints in the text, or the newest era. */
  era?: string;
  /** Kernel tree the patched files are read from; by default the tree (Makefile with VERSION) above the patch. */
  tree?: string;
  /** false: without a tree, every hunk is read alone (no function rebuilt from several hunks): the baseline of
   *  bench/fragments.ts. Default true. */
  joinHunks?: boolean;
  /** Reads a tree file; defaults to the file system. Returns undefined when absent. */
  readTreeFile?: (absPath: string) => string | undefined;
  /**
   * Whole-tree scans: parse only the top-level blocks that name an mm identifier (c/slice.ts; positions unchanged).
   * Functions without mm identifiers are then absent from the facts.
   */
  sliceMm?: boolean;
  /** Where the tree's files come from, when not plainly the directory (e.g. "git base-commit 1a2b3c"): shown in the facts. */
  treeNote?: string;
  /** Caches the Makefile found above each directory (whole-tree scans: one lookup per directory, not per file). */
  makefileCache?: Map<string, { era: Era; path: string } | null>;
  /**
   * Time budget in ms for parsing and analysing one input (a C file, or all the C of one patch file); past it the
   * input's facts carry budgetExceeded. Default DEFAULT_BUDGET_MS; 0 for none.
   */
  budgetMs?: number;
  /** Extracts a C file's facts (default extractCFacts); the language server passes a document's IncrementalCFacts. */
  cExtractor?: { extract(text: string, options: ExtractOptions): CFacts };
}

/** A few seconds per file: no real kernel file comes near (the largest parse in a tree walk takes ~0.3 s). */
export const DEFAULT_BUDGET_MS = 5000;

function deadlineOf(opts: FactsOptions): { budgetMs: number; deadline: number } {
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  return { budgetMs, deadline: budgetMs > 0 ? performance.now() + budgetMs : Infinity };
}

/** Every C facts record of an input whose budget ran out (one per file, unit or side). */
export function budgetExceededIn(f: InputFacts): { line: number; budgetMs: number; phase: 'parse' | 'analysis' }[] {
  const out: { line: number; budgetMs: number; phase: 'parse' | 'analysis' }[] = [];
  if (f.kind === 'c') {
    if (f.facts.budgetExceeded) out.push({ line: 0, ...f.facts.budgetExceeded });
    return out;
  }
  for (const p of f.patches)
    for (const file of p.files)
      for (const s of [file.pre, file.post])
        for (const u of s?.units ?? []) if (u.facts.budgetExceeded) out.push({ line: p.line, ...u.facts.budgetExceeded });
  return out;
}

function eraInfo(r: ReturnType<typeof resolveEra>): EraInfo {
  const e = formatEra(r.era);
  const range = r.source.kind === 'patch-hints' ? eraRangeOf(r) : { from: e, to: e };
  return { era: e, source: describeEraSource(r.source), sourceKind: r.source.kind, range };
}

export function isCPath(p: string | null): boolean {
  return p !== null && /\.[ch]$/i.test(p);
}

/**
 * Every fact the analysis extracts involves one of these identifiers (GUP family, mmap lock in all spellings,
 * per-VMA locks, fault calls and flags). A file without any of them has no facts, so it is not parsed at all:
 * most of a kernel tree is skipped this way.
 */
export const MM_IDENTIFIERS_RE =
  /\b(?:get_user_pages\w*|__get_user_pages\w*|get_user_page_vma_remote|pin_user_pages\w*|fixup_user_fault|mmap_sem|mmap_lock|mmap_(?:read|write)_\w+|lock_vma_under_rcu|vma_end_read|lock_mm_and_find_vma|release_fault_lock|handle_mm_fault|VM_FAULT_RETRY|VM_FAULT_COMPLETED|FAULT_FLAG_\w+)\b/;

export function factsForCFile(text: string, path: string, opts: FactsOptions = {}): CFileFacts {
  const r = resolveEra({ setting: opts.era, filePath: path, text, ...(opts.makefileCache ? { makefileCache: opts.makefileCache } : {}) });
  if (!MM_IDENTIFIERS_RE.test(text)) {
    const facts: CFacts = { functions: [], unreliable: [], parseErrors: 0, orphans: { gupCalls: [], lockOps: [], faultCalls: [] }, truncated: false };
    return { kind: 'c', path, era: eraInfo(r), facts, parsed: false };
  }
  const src = opts.sliceMm ? sliceToMmFunctions(text).text : text;
  const extract = opts.cExtractor ? (t: string, o: ExtractOptions) => opts.cExtractor!.extract(t, o) : extractCFacts;
  return { kind: 'c', path, era: eraInfo(r), facts: extract(src, { era: r.era, ...deadlineOf(opts) }), parsed: true };
}

const defaultReadTreeFile = (p: string): string | undefined => {
  try {
    if (!existsSync(p) || !statSync(p).isFile()) return undefined;
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The files of the tree as the series changes them: patch k sees the results of patches 1..k-1. A file an earlier
 * patch failed to apply to is unknown from then on: later patches must not apply onto its stale text.
 */
class VirtualTree {
  private readonly changed = new Map<string, string | null>();
  private readonly unknown = new Map<string, string>();
  private readonly root: string | undefined;
  constructor(
    root: string | undefined,
    private readonly read: (absPath: string) => string | undefined,
  ) {
    this.root = root === undefined ? undefined : resolve(root);
  }
  get(path: string): string | undefined {
    if (this.unknown.has(path)) return undefined;
    if (this.changed.has(path)) return this.changed.get(path) ?? undefined;
    if (!this.root) return undefined;
    const abs = resolve(this.root, path);
    if (!abs.startsWith(this.root + sep)) return undefined; // '../' in a patch path never leaves the tree
    return this.read(abs);
  }
  set(path: string, text: string | null): void {
    this.unknown.delete(path);
    this.changed.set(path, text);
  }
  /** Why the file's content is unknown (an earlier patch did not apply to it), if it is. */
  whyUnknown(path: string): string | undefined {
    return this.unknown.get(path);
  }
  markUnknown(path: string, why: string): void {
    this.unknown.set(path, why);
  }
}

function functionOverlaps(r: Range, lines: Set<number>): boolean {
  // By span (an l++ loop stops advancing past 2^53); a set smaller than the range is scanned instead.
  const span = r.end.line - r.start.line;
  if (span >= lines.size) {
    for (const l of lines) if (l >= r.start.line && l <= r.end.line) return true;
    return false;
  }
  for (let k = 0; k <= span; k++) if (lines.has(r.start.line + k)) return true;
  return false;
}

/** Keeps the functions a patch touches: whole-file facts would otherwise list every function of the file. */
function restrictToTouched(facts: CFacts, touched: Set<number>): CFacts {
  return { ...facts, functions: facts.functions.filter((f) => functionOverlaps(f.range, touched)) };
}

/** The era and the time budget every C parse of one input shares. */
interface Budgeted {
  era: Era;
  budgetMs: number;
  deadline: number;
}

/**
 * Facts of functions rebuilt from hunks depend on the hunks' lines, file lines and context lines, the era and the
 * joining only: kept for the last FRAGMENT_KEEP sides. A keystroke in one patch of a series then parses that patch
 * only (the editor analyses the whole series again at each version). Results that ran out of budget are not kept.
 */
const FRAGMENT_KEEP = 512;
const fragmentKept = new Map<string, FactsUnit[]>();

/** Drops the kept fragment facts (tests compare kept and fresh results). */
export function forgetFragmentFacts(): void {
  fragmentKept.clear();
}

function fragmentUnits(hunks: HunkSide[], b: Budgeted, join: boolean): FactsUnit[] {
  const key = JSON.stringify([formatEra(b.era), join, hunks.map((h) => [h.hunk, h.firstLine, h.contextLine, h.lines])]);
  const kept = fragmentKept.get(key);
  if (kept) {
    fragmentKept.delete(key);
    fragmentKept.set(key, kept);
    return kept;
  }
  const units: FactsUnit[] = extractHunkFacts(hunks, { ...b, join }).map((u) => ({ hunk: u.hunks[0]!, hunks: u.hunks, facts: u.facts }));
  if (units.every((u) => !u.facts.budgetExceeded)) {
    if (fragmentKept.size >= FRAGMENT_KEEP) fragmentKept.delete(fragmentKept.keys().next().value!);
    fragmentKept.set(key, units);
  }
  return units;
}

function fragmentSide(file: FileDiff, side: 'pre' | 'post', b: Budgeted, note: string, join: boolean): SideFacts {
  const lines: LineOrigin[] = [];
  const hunks: HunkSide[] = [];
  file.hunks.forEach((h, hi) => {
    const img = hunkImage(h, side);
    if (img.lines.length === 0) return;
    img.sources.forEach((dl, i) => {
      lines.push([img.fileLine(i) - 1, dl.position.line, dl.kind === 'context' ? 'context' : dl.kind === 'add' ? 'added' : 'removed']);
    });
    hunks.push({ hunk: hi, lines: img.lines, firstLine: img.startLine - 1, contextLine: h.context });
  });
  // Consecutive hunks of one function are joined into one rebuilt function (c/fragments.ts).
  const units: FactsUnit[] = fragmentUnits(hunks, b, join);
  return { side, mode: 'fragments', note, units, lines };
}

function wholeFileSide(file: FileDiff, side: 'pre' | 'post', text: string, source: Int32Array, b: Budgeted): SideFacts {
  const lines: LineOrigin[] = [];
  const touched = new Set<number>();
  for (let l = 0; l < source.length; l++) {
    const s = source[l];
    if (s < 0) continue;
    const dl = file.hunks[Math.floor(s / SOURCE_SHIFT)].lines[s % SOURCE_SHIFT];
    lines.push([l, dl.position.line, dl.kind === 'context' ? 'context' : dl.kind === 'add' ? 'added' : 'removed']);
    touched.add(l);
  }
  const out: SideFacts = { side, mode: 'whole-file', units: [{ facts: restrictToTouched(extractCFacts(text, b), touched) }], lines };
  Object.defineProperty(out, 'image', { value: text, enumerable: false });
  return out;
}

function fileFacts(file: FileDiff, tree: VirtualTree, era: Budgeted, treeRoot: string | undefined, join: boolean): PatchFileFacts {
  const isC = isCPath(file.newPath ?? file.oldPath);
  const out: PatchFileFacts = {
    oldPath: file.oldPath,
    newPath: file.newPath,
    status: file.status,
    binary: file.binary,
    hunks: file.hunks.length,
    isC,
  };
  const oldText = file.oldPath === null ? '' : tree.get(file.oldPath);
  let applied: ReturnType<typeof applyFileDiff> | undefined;
  const unknownWhy = file.oldPath === null ? undefined : tree.whyUnknown(file.oldPath);
  let note = unknownWhy ?? (treeRoot ? `${file.oldPath} is not in the tree ${treeRoot}` : 'no kernel tree to read the file from');
  if (oldText !== undefined && !file.binary) {
    applied = applyFileDiff(oldText, file);
    if (!applied.ok) note = `does not apply to the tree: ${applied.reason}`;
  } else if (file.binary) {
    note = 'binary patch';
  }
  if (applied?.ok) {
    if (file.oldPath !== null && file.newPath !== file.oldPath) tree.set(file.oldPath, null);
    if (file.newPath !== null) tree.set(file.newPath, applied.text);
  } else if (oldText !== undefined || file.binary) {
    // The file was there but this patch did not apply to it: its content after this patch is unknown.
    const why = `an earlier patch of the series did not apply to it (${note})`;
    for (const p of [file.oldPath, file.newPath]) if (p !== null) tree.markUnknown(p, why);
  } else if (file.newPath !== null && file.newPath !== file.oldPath) {
    tree.set(file.newPath, null);
  }
  if (!isC || file.binary) return out;
  if (applied?.ok) {
    if (file.oldPath !== null) out.pre = wholeFileSide(file, 'pre', oldText ?? '', applied.oldLineSource, era);
    if (file.newPath !== null) out.post = wholeFileSide(file, 'post', applied.text, applied.newLineSource, era);
  } else {
    if (file.oldPath !== null) out.pre = fragmentSide(file, 'pre', era, note, join);
    if (file.newPath !== null) out.post = fragmentSide(file, 'post', era, note, join);
  }
  return out;
}

function patchFacts(p: Patch, index: number, tree: VirtualTree, era: Budgeted, treeRoot: string | undefined, join: boolean): PatchFacts {
  const prefix = p.subject?.prefix;
  return {
    index,
    subject: p.subject?.cleaned ?? p.files.map((f) => f.newPath ?? f.oldPath).join(', '),
    prefix: prefix?.raw ?? '',
    version: prefix?.version ?? 1,
    ...(prefix?.index !== undefined ? { k: prefix.index } : {}),
    ...(prefix?.total !== undefined ? { n: prefix.total } : {}),
    author: p.author ? (p.author.name ? `${p.author.name} <${p.author.email}>` : p.author.email) : '',
    date: p.date,
    trailers: p.trailers.map((t) => ({ key: t.key, value: t.value, line: t.position.line })),
    files: p.files.map((f) => fileFacts(f, tree, era, treeRoot, join)),
    line: p.range.start.line,
  };
}

/** The tree a patch file lives in: the nearest ancestor directory whose Makefile has VERSION/PATCHLEVEL. */
function treeAbove(path: string): string | undefined {
  const m = findMakefileEra(dirname(resolve(path)));
  return m ? dirname(m.path) : undefined;
}

export function factsForPatchDocument(doc: PatchDocument, text: string, path: string, opts: FactsOptions = {}): PatchDocumentFacts {
  const treeRoot = opts.tree ? resolve(opts.tree) : treeAbove(path);
  const r = resolveEra({ setting: opts.era, ...(treeRoot ? { filePath: join(treeRoot, 'Makefile') } : {}), text, ...(opts.makefileCache ? { makefileCache: opts.makefileCache } : {}) });
  const tree = new VirtualTree(treeRoot, opts.readTreeFile ?? defaultReadTreeFile);
  const budgeted: Budgeted = { era: r.era, ...deadlineOf(opts) };
  const out: PatchDocumentFacts = {
    kind: 'patch',
    path,
    documentKind: doc.kind,
    era: eraInfo(r),
    ...(treeRoot ? { tree: treeRoot } : {}),
    ...(opts.treeNote ? { treeNote: opts.treeNote } : {}),
    patches: doc.patches.map((p, i) => patchFacts(p, i + 1, tree, budgeted, treeRoot, opts.joinHunks !== false)),
    issues: doc.issues,
  };
  if (doc.cover) out.cover = { subject: doc.cover.subject?.raw ?? '', line: doc.cover.mail.range.start.line };
  if (doc.series) {
    const s = doc.series;
    out.series = { version: s.version, total: s.total, missing: s.missing, duplicates: s.duplicates };
  }
  return out;
}

/** Parses and computes facts for a patch input given as bytes (mail charsets are honoured) or text. */
export function factsForPatchInput(input: string | Uint8Array, path: string, opts: FactsOptions = {}): PatchDocumentFacts {
  const doc = parsePatchDocument(input, { uri: path });
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  return factsForPatchDocument(doc, text, path, opts);
}
