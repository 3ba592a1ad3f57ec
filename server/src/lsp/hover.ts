/**
 * Hover on a GUP-family call or a FAULT_FLAG_* name: what it does with the mmap lock in the document's era
 * (hover-text.ts), the `locked` argument of that very call when the facts know it, and the findings on the line.
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { parseEra, tryParseEra } from '../../../common/era';
import type { DocumentModel } from './analyzer';
import { flagHover, gupHover, wordAt } from './hover-text';

export function hoverAt(model: DocumentModel, lineText: string, position: Position): Hover | null {
  const text = lineText.replace(/\r?\n$/, '');
  const w = wordAt(text, position.character);
  if (!w) return null;
  const era = tryParseEra(model.era ?? '') ?? parseEra('6.19');
  const site = model.gupSites.find((g) => g.range.start.line === position.line && g.range.start.character <= w.start && w.start < g.range.end.character + 1 && g.callee === w.word);
  const about = gupHover(w.word, era, site?.locked ?? 'absent') ?? flagHover(w.word, era);
  if (!about) return null;
  const parts = [about];
  if (site && site.locked !== 'absent') parts.push(site.locked === 'null' ? 'This call passes `locked = NULL`.' : 'This call passes `&locked`.');
  const findings = model.diagnostics.filter((d) => typeof d.code === 'string' && d.data !== undefined && d.range.start.line <= position.line && position.line <= d.range.end.line);
  for (const d of findings) parts.push(`**${String(d.code)}**: ${d.message}`);
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') },
    range: { start: { line: position.line, character: w.start }, end: { line: position.line, character: w.end } },
  };
}
