/**
 * Findings of a patch, a git diff or a series (rules.md "Patches and series"): every patch's C files are checked on
 * their pre-image and post-image (whole functions when the tree has the file, rebuilt from hunks otherwise) and each
 * finding is classified: introduced (after, not before), fixed (before, not after) or pre-existing. A series is
 * checked patch by patch, each on top of the previous ones; a finding introduced by one patch and fixed by a later
 * one is linked (`fixedBy` / `introducedBy`). Findings carry both their file position and their position in the
 * .patch/.mbox, and fixes are carried into the patch (patch-edit.ts) so the edited patch still applies.
 */
import { diffLineColumnToDocument, parsePatchDocument } from '../series';
import type { DiffLine, FileDiff, PatchDocument } from '../series/types';
import { factsForPatchDocument, type FactsOptions } from '../facts/compute';
import type { PatchDocumentFacts, PatchFileFacts, SideFacts } from '../facts/types';
import type { Pos, Range } from '../c/types';
import { documentEras, type DocumentEras } from './eras';
import { preImageEras } from './pre-image-eras';
import { patchEditsFor } from './patch-edit';
import { checkFacts, type InternalError, type RuleSelection } from './run';
import type { Finding, Fix, RelatedLocation, Rule } from './types';

export type FindingStatus = 'introduced' | 'fixed' | 'pre-existing';

export interface PatchFinding extends Finding {
  status: FindingStatus;
  /** The image the finding was computed on: post (introduced, pre-existing) or pre (fixed). */
  side: 'pre' | 'post';
  /** File path in the tree (new path for post, old path for pre). */
  file: string;
  /** 1-based patch index in the document, and its subject. */
  patchIndex: number;
  patchSubject: string;
  /** Position in the .patch/.mbox; `documentExact` false when the finding's own line is not in the patch and the
   *  range points at the nearest changed line of the same function (or the file header). */
  documentRange: Range;
  documentExact: boolean;
  documentRelated: RelatedLocation[];
  /** Fixes as edits of the patch document (still applies; hunk headers recounted); only for post-image findings. */
  documentFixes?: Fix[];
  /** Facts came from hunks alone (no tree file). */
  fragment: boolean;
  /** In a series: the later patch that fixes this introduced finding / the earlier patch that introduced this one. */
  fixedBy?: number;
  introducedBy?: number;
}

export interface PatchCheck {
  document: PatchDocument;
  facts: PatchDocumentFacts;
  findings: PatchFinding[];
  internalErrors: InternalError[];
}

export interface PatchCheckOptions extends FactsOptions {
  selection?: RuleSelection;
  rules?: readonly Rule[];
}

/** Text of file lines of one side: the whole image, or the hunk lines. */
function lineReader(side: SideFacts, file: FileDiff): (n: number) => string | undefined {
  if (side.image !== undefined) {
    const lines = side.image.split('\n');
    return (n) => (n >= 0 && n < lines.length ? lines[n]!.replace(/\r$/, '') : undefined);
  }
  const ix = diffLineIndex(file, side.side);
  return (n) => ix.get(n)?.text;
}

/** The DiffLine of a 0-based file line on one side. */
function diffLineIndex(file: FileDiff, side: 'pre' | 'post'): Map<number, DiffLine> {
  const m = new Map<number, DiffLine>();
  for (const h of file.hunks)
    for (const dl of h.lines) {
      if (side === 'post' && dl.kind !== 'del' && dl.newLine !== undefined) m.set(dl.newLine - 1, dl);
      if (side === 'pre' && dl.kind !== 'add' && dl.oldLine !== undefined) m.set(dl.oldLine - 1, dl);
    }
  return m;
}

function toDoc(ix: Map<number, DiffLine>, p: Pos): Pos | undefined {
  const dl = ix.get(p.line);
  if (!dl) return undefined;
  const d = diffLineColumnToDocument(dl, Math.min(p.column, dl.text.length));
  return { line: d.line, column: d.column };
}

function docRange(ix: Map<number, DiffLine>, r: Range): Range | undefined {
  const s = toDoc(ix, r.start);
  if (!s) return undefined;
  const e = r.end.line === r.start.line ? toDoc(ix, r.end) : undefined;
  return { start: s, end: e ?? { line: s.line, column: s.column + Math.max(1, (ix.get(r.start.line)?.text.length ?? 0) - r.start.column) } };
}

/** Nearest changed line of the patch inside the function [from, to] (file lines of `side`), else the file header. */
function anchor(file: FileDiff, side: 'pre' | 'post', fnRange: Range | undefined): Range {
  const want = side === 'post' ? 'add' : 'del';
  for (const h of file.hunks)
    for (const dl of h.lines) {
      if (dl.kind !== want) continue;
      const n = (side === 'post' ? dl.newLine : dl.oldLine) ?? 0;
      if (!fnRange || (n - 1 >= fnRange.start.line && n - 1 <= fnRange.end.line))
        return { start: { line: dl.position.line, column: dl.position.column }, end: { line: dl.position.line, column: dl.position.column + 1 + dl.text.length } };
    }
  const p = file.position;
  return { start: { line: p.line, column: 0 }, end: { line: p.line, column: 0 } };
}

interface SideResult {
  findings: Finding[];
  fnRanges: Map<string, Range>;
}

function checkSide(
  side: SideFacts | undefined,
  file: FileDiff,
  path: string,
  facts: PatchDocumentFacts,
  opts: PatchCheckOptions,
  errors: InternalError[],
  eras: DocumentEras = documentEras(facts.era),
): SideResult {
  const res: SideResult = { findings: [], fnRanges: new Map() };
  if (!side) return res;
  const line = lineReader(side, file);
  for (const unit of side.units) {
    const r = checkFacts(
      { facts: unit.facts, path, eras, line, fragment: side.mode === 'fragments', ...(opts.rules ? { rules: opts.rules } : {}) },
      opts.selection,
    );
    res.findings.push(...r.findings);
    errors.push(...r.internalErrors);
    for (const fn of unit.facts.functions) res.fnRanges.set(fn.name, fn.range);
  }
  return res;
}

function place(
  f: Finding,
  status: FindingStatus,
  side: 'pre' | 'post',
  file: FileDiff,
  pf: PatchFileFacts,
  sr: SideResult,
  patch: { index: number; subject: string },
  docLines: readonly string[],
): PatchFinding {
  const ix = diffLineIndex(file, side);
  const exact = docRange(ix, f.range);
  const related = f.related.flatMap((r) => {
    const d = docRange(ix, r.range);
    return d ? [{ range: d, message: r.message }] : [];
  });
  const out: PatchFinding = {
    ...f,
    status,
    side,
    file: (side === 'post' ? file.newPath : file.oldPath) ?? '',
    patchIndex: patch.index,
    patchSubject: patch.subject,
    documentRange: exact ?? anchor(file, side, sr.fnRanges.get(f.function)),
    documentExact: exact !== undefined,
    documentRelated: related,
    fragment: (side === 'post' ? pf.post : pf.pre)?.mode === 'fragments',
  };
  if (side === 'post' && f.fixes?.length) {
    const fixes = f.fixes.flatMap((fx) => {
      const edits = patchEditsFor(file, fx.edits, docLines);
      return edits ? [{ ...fx, edits }] : [];
    });
    if (fixes.length) out.documentFixes = fixes;
  }
  return out;
}

export function checkPatchDocument(doc: PatchDocument, text: string, path: string, opts: PatchCheckOptions = {}): PatchCheck {
  const facts = factsForPatchDocument(doc, text, path, opts);
  const docLines = text.split('\n');
  const findings: PatchFinding[] = [];
  const internalErrors: InternalError[] = [];
  facts.patches.forEach((pfacts, pi) => {
    const patch = doc.patches[pi];
    if (!patch) return;
    pfacts.files.forEach((pf, fi) => {
      const file = patch.files[fi];
      if (!file || !pf.isC || pf.binary) return;
      const pre = checkSide(pf.pre, file, pf.oldPath ?? '', facts, opts, internalErrors);
      const post = checkSide(pf.post, file, pf.newPath ?? '', facts, opts, internalErrors);
      const before = new Set(pre.findings.map((f) => f.fingerprint));
      const after = new Set(post.findings.map((f) => f.fingerprint));
      // Era from the document's hints (no tree): a fixed finding must also hold in the pre-image's own eras.
      const preOwn =
        facts.era.sourceKind === 'patch-hints' && pre.findings.some((f) => !after.has(f.fingerprint))
          ? new Set(checkSide(pf.pre, file, pf.oldPath ?? '', facts, opts, [], preImageEras(patch)).findings.map((f) => f.fingerprint))
          : undefined;
      const meta = { index: pfacts.index, subject: pfacts.subject };
      for (const f of post.findings)
        findings.push(place(f, before.has(f.fingerprint) ? 'pre-existing' : 'introduced', 'post', file, pf, post, meta, docLines));
      for (const f of pre.findings) if (!after.has(f.fingerprint) && (!preOwn || preOwn.has(f.fingerprint))) findings.push(place(f, 'fixed', 'pre', file, pf, pre, meta, docLines));
    });
  });
  // Series: link an introduced finding to the later patch that fixes it (same file, same fingerprint).
  for (const f of findings) {
    if (f.status !== 'introduced') continue;
    // By statement, not fingerprint: a function rebuilt from another patch's hunks may lack its name.
    const fix = findings.find(
      (g) => g.status === 'fixed' && g.patchIndex > f.patchIndex && g.rule === f.rule && g.file === f.file && g.statement === f.statement && (g.function === f.function || f.fragment || g.fragment),
    );
    if (fix) {
      f.fixedBy = fix.patchIndex;
      fix.introducedBy = f.patchIndex;
    }
  }
  return { document: doc, facts, findings, internalErrors };
}

/** Parses and checks a patch input given as bytes (mail charsets are honoured) or text. */
export function checkPatchText(input: string | Uint8Array, path: string, opts: PatchCheckOptions = {}): PatchCheck {
  const doc = parsePatchDocument(input, { uri: path });
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  return checkPatchDocument(doc, text, path, opts);
}
