/**
 * Human-readable rendering of InputFacts for terminals (`mmlens facts`). Lines are 1-based here, as editors and
 * compilers print them; the JSON output keeps the 0-based positions of the facts model.
 */
import type { ArgFact, CFacts, FunctionFacts, GupCallFact, PartialFunction, Range, RetryLoopFact } from '../c/types';
import type { CFileFacts, ChangeKind, EraInfo, InputFacts, PatchDocumentFacts, SideFacts } from './types';

type LineNote = (fileLine0: number) => string;

const CHANGE_MARK: Record<ChangeKind, string> = { added: '+', removed: '-', context: ' ' };

function L(line0: number): string {
  return `L${line0 + 1}`;
}

function argText(a: ArgFact): string {
  const t = a.text.replace(/\s+/g, ' ');
  const short = t.length > 40 ? t.slice(0, 39) + '…' : t;
  const flags = a.flagNames.length && a.flagNames.join('|') !== t ? `{${a.flagNames.join('|')}}` : '';
  return `${a.role ?? '?'}=${short}${flags}`;
}

function gupLine(g: GupCallFact): string {
  const parts = [`${g.callee}(${g.args.map(argText).join(', ')})`];
  if (g.flagsVia.length && g.flagNames.length) parts.push(`flags ${g.flagNames.join('|')} via ${g.flagsVia.join(', ')}`);
  if (g.mmImplied) parts.push('mm=current->mm (implied)');
  if (!g.existsInEra) parts.push('NOT IN THIS ERA');
  else if (g.arityMismatch) {
    const m = g.arityMismatch;
    const eras = m.matchingEras.map((e) => `${e.from ?? ''}–${e.to ?? ''}`).join(', ');
    parts.push(`ARITY ${m.actual}, era expects ${m.expected ?? 'none'}${eras ? `; ${m.actual} args fit ${eras}` : ''}`);
  }
  if (g.assignedTo) parts.push(`→ ${g.assignedTo}`);
  return parts.join('  ');
}

function loopLines(r: RetryLoopFact, note: LineNote, pad: string): string[] {
  const out: string[] = [];
  const head =
    r.kind === 'label' ? `retry loop (label ${r.label ?? '?'}:${r.headInGap && r.gaps?.[0] ? ` somewhere in ${gapText(r.gaps[0])}, not in the patch` : ''})` : r.kind === 'vma-fallback' ? 'per-VMA-lock attempt, falls through once to the mmap_lock path (not a loop)' : `retry loop (${r.kind})`;
  out.push(`${pad}${L(r.headRange.start.line)}  ${head}${r.unreliable ? '  [unreliable region]' : ''}${note(r.headRange.start.line)}`);
  const sub = pad + '      ';
  if (r.faultCall) out.push(`${sub}fault call ${r.faultCall.callee} ${L(r.faultCall.range.start.line)}${r.faultCall.flagsExpr ? ` flags ${r.faultCall.flagsExpr}` : ''}${r.faultCall.assignedTo ? ` → ${r.faultCall.assignedTo}` : ''}`);
  if (r.initialFlags) out.push(`${sub}initial flags ${L(r.initialFlags.range.start.line)}: ${r.initialFlags.text}`);
  if (r.retryTests.length) out.push(`${sub}VM_FAULT_RETRY tests ${r.retryTests.map((t) => L(t.range.start.line)).join(', ')}`);
  if (r.completedTests.length) out.push(`${sub}VM_FAULT_COMPLETED tests ${r.completedTests.map((t) => L(t.range.start.line)).join(', ')}`);
  for (const u of r.flagUpdates) out.push(`${sub}${L(u.range.start.line)} ${u.op} ${u.flags.join('|') || u.text} on ${u.variable}${u.onRetryPath ? ' (retry path)' : ''}`);
  if (r.signalChecks.length)
    out.push(`${sub}signal checks ${r.signalChecks.map((s) => `${s.viaHelper ? `${s.viaHelper}→` : ''}${s.callee}(${s.args.join(', ')}) ${L(s.range.start.line)}`).join('; ')}`);
  else if (!r.oneShotVmaFallback) out.push(`${sub}no signal check in the loop${r.gaps?.length ? "'s lines in the patch" : ''}`);
  if (r.gaps?.length) out.push(`${sub}code not in the patch inside the loop: ${r.gaps.map(gapText).join(', ')}`);
  for (const k of r.lockRetakes) out.push(`${sub}lock (re)taken at ${k.where}: ${k.callee} ${L(k.range.start.line)}`);
  for (const b of r.backEdges)
    out.push(`${sub}back-edge ${b.kind} ${L(b.range.start.line)}${b.guardedByRetryTest ? ' after a RETRY test' : ''}${b.guardedByAllowRetry ? ', under ALLOW_RETRY' : ''}`);
  return out;
}

/** 1-based, end exclusive at column 0 (PartialFunction.gaps). */
function gapText(r: Range): string {
  const last = r.end.column === 0 ? r.end.line - 1 : r.end.line;
  return last > r.start.line ? `${L(r.start.line)}-${last + 1}` : L(r.start.line);
}

function partialText(p: PartialFunction): string {
  const parts = [
    ...(p.startKnown ? [] : ['start not in the patch']),
    ...p.gaps.map((g) => `${gapText(g)} not in the patch`),
    ...(p.endKnown ? [] : ['end not in the patch']),
    ...(p.headerKnown ? [] : ['header incomplete']),
  ];
  return `  (rebuilt from hunks: ${parts.join(', ')})`;
}

function functionLines(fn: FunctionFacts, note: LineNote, pad: string): string[] {
  const out: string[] = [];
  const name = fn.name.startsWith('(') ? fn.name : `${fn.name}()`;
  out.push(`${pad}${name}  ${L(fn.range.start.line)}-${L(fn.range.end.line).slice(1)}${fn.partial ? partialText(fn.partial) : fn.synthetic ? '  (fragment)' : ''}${fn.unreliable ? '  [contains unparseable regions]' : ''}`);
  const p = pad + '  ';
  const rows: { line: number; text: string }[] = [];
  for (const g of fn.gupCalls) rows.push({ line: g.range.start.line, text: `gup   ${gupLine(g)}` });
  for (const k of fn.lockOps)
    rows.push({ line: k.range.start.line, text: `lock  ${k.callee}(${k.mm ?? k.vma ?? ''}) ${k.kind} ${k.mode}, ${k.spelling}${k.nullMeansUnlocked ? ', NULL result means unlocked' : ''}` });
  for (const f of fn.faultCalls)
    rows.push({ line: f.range.start.line, text: `fault ${f.via ? `${f.via} → ${f.callee}` : f.callee}(${f.args.map((a) => a.text).join(', ')})${f.flagNames.length ? ` flags {${f.flagNames.join('|')}}` : ''}${f.assignedTo ? ` → ${f.assignedTo}` : ''}` });
  rows.sort((a, b) => a.line - b.line);
  for (const r of rows) out.push(`${p}${L(r.line)}  ${r.text}${note(r.line)}`);
  for (const r of fn.retryLoops) out.push(...loopLines(r, note, p));
  return out;
}

/** "the parse took over 5000 ms" / "the analysis took over …": what ran out. */
export function budgetText(b: NonNullable<CFacts['budgetExceeded']>): string {
  return `the ${b.phase} took over the ${b.budgetMs} ms budget of a file`;
}

function cFactsLines(facts: CFacts, note: LineNote, pad: string): string[] {
  const out: string[] = [];
  const interesting = facts.functions.filter((f) => f.gupCalls.length || f.lockOps.length || f.faultCalls.length || f.retryLoops.length);
  for (const fn of interesting) out.push(...functionLines(fn, note, pad));
  const o = facts.orphans;
  const orphans = o.gupCalls.length + o.lockOps.length + o.faultCalls.length;
  if (orphans) out.push(`${pad}(${orphans} call(s) outside any parseable function, not analysed)`);
  if (facts.truncated) out.push(`${pad}(too large: not parsed)`);
  if (facts.budgetExceeded) out.push(`${pad}(skipped: parse budget exceeded: ${budgetText(facts.budgetExceeded)})`);
  if (facts.parseErrors) out.push(`${pad}(${facts.parseErrors} unparseable region(s): facts there are marked unreliable)`);
  return out;
}

function sideLines(s: SideFacts, pad: string): string[] {
  const byLine = new Map<number, [number, ChangeKind]>();
  for (const [fl, dl, kind] of s.lines) byLine.set(fl, [dl, kind]);
  const note: LineNote = (l) => {
    const o = byLine.get(l);
    return o ? `   [patch line ${o[0] + 1} ${CHANGE_MARK[o[1]]}]` : '';
  };
  const body = s.units.flatMap((u) => cFactsLines(u.facts, note, pad + '  '));
  const how = s.mode === 'whole-file' ? 'whole file' : `hunk fragments: ${s.note ?? ''}`;
  return [`${pad}${s.side === 'pre' ? 'before' : 'after'} (${how})`, ...(body.length ? body : [`${pad}  no GUP, lock, fault or retry facts`])];
}

function patchDocLines(d: PatchDocumentFacts): string[] {
  const out: string[] = [];
  const what =
    d.documentKind === 'mbox-series'
      ? `mbox series${d.series ? `, v${d.series.version}` : ''}, ${d.patches.length} patch(es)${d.cover ? ', cover letter' : ''}`
      : `${d.documentKind}, ${d.patches.length} patch(es)`;
  out.push(`${d.path}: ${what}`);
  out.push(`  ${describeEraInfo(d.era)}${d.tree ? `; files read from ${d.treeNote ?? d.tree}` : d.treeNote ? `; ${d.treeNote}` : ''}`);
  if (d.series?.missing.length) out.push(`  series is missing patch(es) ${d.series.missing.join(', ')}`);
  if (d.series?.duplicates.length) out.push(`  series has duplicate patch number(s) ${d.series.duplicates.join(', ')}`);
  for (const i of d.issues) out.push(`  ${i.severity} ${i.code} at line ${i.position.line + 1}: ${i.message}`);
  if (d.cover) out.push(`  cover letter: ${d.cover.subject}`);
  for (const p of d.patches) {
    out.push('');
    out.push(`${p.prefix ? p.prefix + ' ' : ''}${p.subject}${p.author ? ` — ${p.author}` : ''}  (line ${p.line + 1})`);
    if (p.trailers.length) out.push(`  trailers: ${p.trailers.map((t) => `${t.key}: ${t.value}`).join('; ')}`);
    for (const f of p.files) {
      const name = f.oldPath && f.newPath && f.oldPath !== f.newPath ? `${f.oldPath} → ${f.newPath}` : (f.newPath ?? f.oldPath ?? '?');
      out.push(`  ${name}  ${f.status}${f.binary ? ', binary' : `, ${f.hunks} hunk(s)`}${f.isC ? '' : ' (not C)'}`);
      if (f.pre) out.push(...sideLines(f.pre, '    '));
      if (f.post) out.push(...sideLines(f.post, '    '));
    }
  }
  return out;
}

function cFileLines(c: CFileFacts): string[] {
  const body = cFactsLines(c.facts, () => '', '  ');
  return [`${c.path}: C, ${describeEraInfo(c.era)}`, ...(body.length ? body : ['  no GUP, lock, fault or retry facts'])];
}

export function formatFacts(f: InputFacts): string {
  return (f.kind === 'c' ? cFileLines(f) : patchDocLines(f)).join('\n') + '\n';
}

/** "era 6.8 from Makefile …", or for a range from hints "era 3.18–5.7 from hints in the code: …". */
export function describeEraInfo(e: EraInfo): string {
  const r = e.range;
  const v = r.from === r.to ? r.from : `${r.from}–${r.to}`;
  return `era ${v} from ${e.source}`;
}
