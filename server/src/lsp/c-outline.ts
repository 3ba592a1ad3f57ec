/**
 * What the editor shows of a C file besides diagnostics — document symbols, "Simulate this fault path" lenses, GUP
 * call sites for hovers — built per function and kept per function facts object. A function the incremental analysis
 * only moved (c/incremental.ts shiftedView) gets its unmoved outline moved by the same number of lines, without
 * reading its facts again.
 */
import type { DocumentSymbol, Range as LspRange } from 'vscode-languageserver';
import { shiftLines } from '../c/incremental';
import type { CFacts, FunctionFacts } from '../c/types';
import { lspRange } from './findings';
import { functionLenses, functionSymbol, type LensAnchor } from './outline';

/** A GUP call site, for hovers. */
export interface GupSite {
  range: LspRange;
  callee: string;
  locked: 'null' | 'set' | 'absent';
}

export interface COutline {
  symbols: DocumentSymbol[];
  lenses: LensAnchor[];
  gupSites: GupSite[];
}

interface FunctionOutline {
  symbol: DocumentSymbol | null;
  lenses: LensAnchor[];
  gupSites: GupSite[];
}

/** Where a moved function's facts come from: the facts as extracted and how many lines they moved. */
export type OriginOf = (fn: FunctionFacts) => { base: FunctionFacts; delta: number } | undefined;

const kept = new WeakMap<FunctionFacts, FunctionOutline>();

function lockedOf(g: { lockedNull?: boolean }): GupSite['locked'] {
  return g.lockedNull === undefined ? 'absent' : g.lockedNull ? 'null' : 'set';
}

function build(fn: FunctionFacts): FunctionOutline {
  return {
    symbol: fn.analysed === false ? null : functionSymbol(fn),
    lenses: fn.analysed === false ? [] : functionLenses(fn),
    gupSites: fn.gupCalls.map((g) => ({ range: lspRange(g.calleeRange), callee: g.callee, locked: lockedOf(g) })),
  };
}

/** LSP positions ({line, character}) and a lens's `line` (LensAnchor: it has a `kind`). */
const isOutlinePosition = (o: Record<string, unknown>): boolean => typeof o.character === 'number' || 'kind' in o;

function outlineOf(fn: FunctionFacts, origin: OriginOf | undefined): FunctionOutline {
  let o = kept.get(fn);
  if (o) return o;
  const from = origin?.(fn);
  o = from ? shiftLines(outlineOf(from.base, undefined), from.delta, isOutlinePosition) : build(fn);
  kept.set(fn, o);
  return o;
}

export function cOutline(facts: CFacts, origin?: OriginOf): COutline {
  const out: COutline = { symbols: [], lenses: [], gupSites: [] };
  for (const fn of facts.functions) {
    const o = outlineOf(fn, origin);
    if (o.symbol) out.symbols.push(o.symbol);
    out.lenses.push(...o.lenses);
    out.gupSites.push(...o.gupSites);
  }
  out.lenses.sort((a, b) => a.line - b.line);
  return out;
}
