/**
 * Text edits rules share: insert statements before a statement on its own line (with that line's indentation),
 * delete a statement that is alone on its line, read the function's header. Each returns undefined when the text is
 * not known or the shape is not the simple one (then the rule offers no fix).
 */
import type { FunctionFacts, Range } from '../../c/types';
import type { RuleContext, TextEdit } from '../types';

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * Inserts `lines` (without indentation) before the statement at `at`, which must start its line. The previous
 * non-blank line must end a statement or open a block (`{`, `;`, `}`, `:`, a comment end): before an unbraced
 * `if (…)` body an inserted statement would leave the if (no edit then).
 */
export function insertBefore(ctx: RuleContext, at: Range, lines: string[]): TextEdit | undefined {
  const text = ctx.line(at.start.line);
  if (text === undefined || text.slice(0, at.start.column).trim() !== '') return undefined;
  let prev: string | undefined;
  for (let l = at.start.line - 1; l >= 0; l--) {
    const t = ctx.line(l);
    if (t === undefined) return undefined;
    if (t.trim() !== '') {
      prev = t.trim();
      break;
    }
  }
  if (prev === undefined || !/(?:[{;}:]|\*\/)$/.test(prev)) return undefined;
  const ind = indentOf(text);
  const pos = { line: at.start.line, column: 0 };
  return { range: { start: pos, end: pos }, newText: lines.map((l) => `${ind}${l}\n`).join('') };
}

/** Deletes the whole line of a one-line statement alone on it (`flags &= ~FAULT_FLAG_ALLOW_RETRY;`). */
export function deleteLineOf(ctx: RuleContext, stmt: Range, stmtText: string): TextEdit | undefined {
  if (stmt.start.line !== stmt.end.line) return undefined;
  const text = ctx.line(stmt.start.line);
  if (text === undefined) return undefined;
  const rest = text.replace(stmtText, '').trim();
  if (rest !== ';' && rest !== '') return undefined;
  if (ctx.line(stmt.start.line + 1) === undefined) return undefined;
  return { range: { start: { line: stmt.start.line, column: 0 }, end: { line: stmt.start.line + 1, column: 0 } }, newText: '' };
}

/** The function's header text (from its first line to the line holding the body's `{`), or undefined. */
export function headerOf(fn: FunctionFacts, ctx: RuleContext): string | undefined {
  const out: string[] = [];
  for (let l = fn.range.start.line; l <= Math.min(fn.range.end.line, fn.range.start.line + 12); l++) {
    const t = ctx.line(l);
    if (t === undefined) return undefined;
    const brace = t.indexOf('{');
    if (brace >= 0) {
      out.push(t.slice(0, brace));
      return out.join(' ');
    }
    out.push(t);
  }
  return undefined;
}

/** `void` function (the header's return type), from its header. */
export function returnsVoid(header: string): boolean {
  const beforeName = header.split('(')[0] ?? '';
  return /\bvoid\b/.test(beforeName) && !/\*/.test(beforeName);
}

/** The header declares a `struct pt_regs *regs` parameter. */
export function hasRegsParam(header: string): boolean {
  return /struct\s+pt_regs\s*\*\s*regs\b/.test(header);
}
