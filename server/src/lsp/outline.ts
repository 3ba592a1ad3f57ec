/**
 * Document symbols and code lens anchors (pure): a series' cover letter, patches, files and hunks; a C file's
 * functions with their fault paths (retry loops) and GUP call sites. Lenses: "Simulate this fault path" above each
 * retry loop and GUP call of a C file, "Simulate before/after" on each hunk that touches one.
 */
import { SymbolKind, type DocumentSymbol, type Range as LspRange } from 'vscode-languageserver';
import type { CFacts, FunctionFacts } from '../c/types';
import type { PatchDocumentFacts } from '../facts/types';
import type { DocPosition, PatchDocument } from '../series/types';
import { lspRange } from './findings';

/** A code lens before it becomes an LSP CodeLens: the server resolves the command from it. */
export interface LensAnchor {
  range: LspRange;
  /** path: a C fault path or GUP site at `line`; hunk: a hunk whose pre/post images are compared. */
  kind: 'path' | 'hunk';
  /** 0-based document line the simulation starts from (the retry loop head, the GUP call, the hunk header). */
  line: number;
  title: string;
}

const pos = (p: DocPosition) => ({ line: p.line, character: p.column });
const lineRange = (line: number, length = 0): LspRange => ({ start: { line, character: 0 }, end: { line, character: length } });

function symbol(name: string, kind: SymbolKind, range: LspRange, children: DocumentSymbol[] = [], detail?: string): DocumentSymbol {
  // selectionRange must lie inside range.
  const s: DocumentSymbol = { name: name || '(unnamed)', kind, range, selectionRange: { start: range.start, end: range.start }, children };
  if (detail) s.detail = detail;
  return s;
}

function span(start: LspRange['start'], end: LspRange['start']): LspRange {
  return end.line > start.line || (end.line === start.line && end.character >= start.character) ? { start, end } : { start, end: start };
}

/** Per function facts object: the editor's incremental analysis hands the same object back while the function is unchanged. */
const symbolOf = new WeakMap<FunctionFacts, DocumentSymbol | null>();

export function cSymbols(facts: CFacts): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const fn of facts.functions) {
    if (fn.analysed === false) continue;
    let sym = symbolOf.get(fn);
    if (sym === undefined) {
      sym = functionSymbol(fn);
      symbolOf.set(fn, sym);
    }
    if (sym) out.push(sym);
  }
  return out;
}

export function functionSymbol(fn: FunctionFacts): DocumentSymbol | null {
  const children: DocumentSymbol[] = [];
  for (const loop of fn.retryLoops) {
    const what = loop.kind === 'vma-fallback' ? 'per-VMA lock attempt' : loop.kind === 'label' ? `retry loop (${loop.label ?? 'label'})` : `retry loop (${loop.kind})`;
    children.push(symbol(what, SymbolKind.Event, lspRange(loop.range), [], loop.faultCall?.callee));
  }
  for (const g of fn.gupCalls) children.push(symbol(g.callee, SymbolKind.Method, lspRange(g.range), [], g.flagNames.join(' | ') || undefined));
  for (const f of fn.faultCalls) {
    if (fn.retryLoops.some((l) => l.faultCall && l.faultCall.range.start.line === f.range.start.line)) continue;
    children.push(symbol(f.callee, SymbolKind.Method, lspRange(f.range), [], f.flagsExpr));
  }
  if (children.length === 0) return null;
  children.sort((a, b) => a.range.start.line - b.range.start.line);
  return symbol(fn.name, SymbolKind.Function, lspRange(fn.range), children);
}

export function cLenses(facts: CFacts): LensAnchor[] {
  const out: LensAnchor[] = [];
  for (const fn of facts.functions) if (fn.analysed !== false) out.push(...functionLenses(fn));
  return out.sort((a, b) => a.line - b.line);
}

/** The "Simulate this fault path" lenses of one function: its retry loops and GUP calls. */
export function functionLenses(fn: FunctionFacts): LensAnchor[] {
  const out: LensAnchor[] = [];
  for (const loop of fn.retryLoops) {
    if (loop.kind === 'vma-fallback' || loop.unreliable) continue;
    out.push({ range: lspRange(loop.headRange), kind: 'path', line: loop.headRange.start.line, title: 'Simulate this fault path' });
  }
  for (const g of fn.gupCalls) {
    if (g.unreliable) continue;
    out.push({ range: lspRange(g.range), kind: 'path', line: g.range.start.line, title: 'Simulate this fault path' });
  }
  return out;
}

/** The outline of a patch document: cover letter, patches, files, hunks. */
export function patchSymbols(doc: PatchDocument): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const endOfDoc = { line: Math.max(0, doc.lineCount - 1), character: 0 };
  if (doc.cover) {
    const r = doc.cover.mail.range;
    out.push(symbol(doc.cover.subject?.cleaned ?? 'cover letter', SymbolKind.Module, span(pos(r.start), pos(r.end)), [], doc.cover.subject?.prefix?.raw ?? 'cover letter'));
  }
  doc.patches.forEach((p, pi) => {
    const files: DocumentSymbol[] = [];
    p.files.forEach((f, fi) => {
      const next = p.files[fi + 1]?.position ?? p.range.end;
      const hunks: DocumentSymbol[] = f.hunks.map((h, hi) => {
        const hunkEnd = f.hunks[hi + 1]?.position ?? next;
        return symbol(h.header.replace(/\s+$/, ''), SymbolKind.Namespace, span(pos(h.position), pos(hunkEnd)), [], h.context || undefined);
      });
      files.push(symbol(f.newPath ?? f.oldPath ?? '(file)', SymbolKind.File, span(pos(f.position), pos(next)), hunks, f.status));
    });
    const name = p.subject?.cleaned || `patch ${pi + 1}`;
    const range = span(pos(p.range.start), p.range.end.line >= p.range.start.line ? pos(p.range.end) : endOfDoc);
    out.push(symbol(name, SymbolKind.Package, range, files, p.subject?.prefix?.raw));
  });
  return out;
}

/**
 * "Simulate before/after" on each hunk whose pre- or post-image holds a retry loop or a GUP call (facts per side
 * map file lines to document lines through `lines`).
 */
export function patchLenses(doc: PatchDocument, facts: PatchDocumentFacts | undefined): LensAnchor[] {
  if (!facts) return [];
  const out: LensAnchor[] = [];
  const interesting = new Set<number>();
  for (const pf of facts.patches) {
    for (const file of pf.files) {
      for (const side of [file.pre, file.post]) {
        if (!side) continue;
        const docLine = new Map(side.lines.map(([fileLine, d]) => [fileLine, d]));
        for (const unit of side.units) {
          for (const fn of unit.facts.functions) {
            if (fn.analysed === false) continue;
            for (const r of [...fn.retryLoops.filter((l) => l.kind !== 'vma-fallback').map((l) => l.range), ...fn.gupCalls.map((g) => g.range)]) {
              for (let l = r.start.line; l <= r.end.line; l++) {
                const d = docLine.get(l);
                if (d !== undefined) interesting.add(d);
              }
            }
          }
        }
      }
    }
  }
  for (const p of doc.patches) {
    for (const f of p.files) {
      for (const h of f.hunks) {
        if (!h.lines.some((l) => l.kind !== 'context' && interesting.has(l.position.line))) continue;
        out.push({ range: lineRange(h.position.line, h.header.length), kind: 'hunk', line: h.position.line, title: 'Simulate before/after' });
      }
    }
  }
  return out;
}
