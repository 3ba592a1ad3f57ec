/**
 * Rebuilding GUP-family calls for another function or another era's signature: arguments by role, the int
 * write/force ↔ gup_flags conversions (4.9, and get_user_pages_fast's 5.2), whether a flags expression is fully
 * known, whether an mm expression is current->mm, and the call text with kernel-style wrapping.
 * Conservative: anything not understood yields undefined (the rule then offers no edit).
 */
import type { ArgFact, ArgRole, FunctionFacts, GupCallFact } from '../../c/types';
import type { RuleContext } from '../types';

export function argByRole(g: GupCallFact, role: ArgRole): ArgFact | undefined {
  return g.args.find((a) => a.role === role);
}

/** Whitespace collapsed, for comparing expressions. */
export function squash(s: string): string {
  return s.replace(/\s+/g, '');
}

const ZERO = /^\(?\s*(?:0|false)\s*\)?$/;
const ONE = /^\(?\s*(?:1|true)\s*\)?$/;

export function isZeroLiteral(text: string): boolean {
  return ZERO.test(text.trim());
}

/**
 * FOLL_* names of a flags expression when it is made only of FOLL_* names, `0`, `|` and parentheses, or is
 * `cond ? FLAGS : FLAGS` of such (the names of both arms); undefined when another identifier takes part.
 */
export function literalFlagNames(text: string): string[] | undefined {
  let s = text.trim();
  const tern = /^([^?:]+)\?([^?:]+):([^?:]+)$/.exec(s);
  if (tern) s = `${tern[2]}|${tern[3]}`;
  const names: string[] = [];
  for (const tok of s.match(/[A-Za-z_]\w*|\d+|\S/g) ?? []) {
    if (/^FOLL_\w+$/.test(tok)) names.push(tok);
    else if (tok === '0' || tok === '|' || tok === '(' || tok === ')') continue;
    else return undefined;
  }
  return [...new Set(names)];
}

/** `write ? FOLL_WRITE : 0` | `FOLL_WRITE` | `0` → the int write argument of the ≤5.1 / ≤4.8 signatures. */
export function writeFromFlags(text: string): string | undefined {
  const s = text.trim();
  if (isZeroLiteral(s)) return '0';
  if (/^\(?\s*FOLL_WRITE\s*\)?$/.test(s)) return '1';
  const tern = /^\(?\s*([^?:]+?)\s*\?\s*FOLL_WRITE\s*:\s*0\s*\)?$/.exec(s);
  if (tern) return tern[1]!.trim();
  return undefined;
}

/** The force argument of ≤4.8 from a flags expression (only literal flag sets). */
export function forceFromFlags(text: string): string | undefined {
  const names = literalFlagNames(text);
  if (!names || names.some((n) => n !== 'FOLL_WRITE' && n !== 'FOLL_FORCE')) return undefined;
  if (/\?/.test(text)) return names.includes('FOLL_FORCE') ? undefined : '0';
  return names.includes('FOLL_FORCE') ? '1' : '0';
}

/** gup_flags (4.9+, get_user_pages_fast 5.2+) from the int write (and force) arguments. */
export function flagsFromWriteForce(write: string, force?: string): string {
  const part = (v: string, flag: string): string | undefined => {
    const t = v.trim();
    if (ZERO.test(t)) return undefined;
    if (ONE.test(t)) return flag;
    return `(${t} ? ${flag} : 0)`;
  };
  const parts = [part(write, 'FOLL_WRITE'), force === undefined ? undefined : part(force, 'FOLL_FORCE')].filter(
    (p): p is string => p !== undefined,
  );
  if (parts.length === 0) return '0';
  if (parts.length === 1) return parts[0]!.replace(/^\((.*)\)$/, '$1');
  return parts.join(' | ');
}

/**
 * Argument texts for `to` (a signature's roles) built from the call's arguments (their roles are those of the
 * call's own signature). Returns undefined when a role cannot be derived mechanically.
 * `fill` supplies roles the call does not have (e.g. `tsk: 'current'`, `locked: 'NULL'`).
 */
export function rebuildArgs(g: GupCallFact, to: readonly ArgRole[], fill: Partial<Record<ArgRole, string>> = {}): string[] | undefined {
  const out: string[] = [];
  for (const role of to) {
    const own = argByRole(g, role);
    if (own) {
      out.push(own.text.trim());
      continue;
    }
    if (fill[role] !== undefined) {
      out.push(fill[role]!);
      continue;
    }
    if (role === 'gup_flags') {
      const w = argByRole(g, 'write');
      if (!w) return undefined;
      const f = argByRole(g, 'force');
      out.push(flagsFromWriteForce(w.text, f?.text));
      continue;
    }
    if (role === 'write') {
      const fl = argByRole(g, 'gup_flags');
      const w = fl && writeFromFlags(fl.text);
      if (w === undefined) return undefined;
      out.push(w);
      continue;
    }
    if (role === 'force') {
      const fl = argByRole(g, 'gup_flags');
      const f = fl && forceFromFlags(fl.text);
      if (f === undefined) return undefined;
      out.push(f);
      continue;
    }
    if (role === 'mm' && g.mmImplied) {
      out.push('current->mm');
      continue;
    }
    return undefined;
  }
  // Every argument of the call must be used, or be a NULL we may drop (vmas, locked).
  for (const a of g.args) {
    if (!a.role || to.includes(a.role)) continue;
    if (a.role === 'write' || a.role === 'force' || a.role === 'gup_flags') {
      if (to.includes('gup_flags') || to.includes('write')) continue;
      return undefined;
    }
    if ((a.role === 'vmas' || a.role === 'locked' || a.role === 'nonblocking' || a.role === 'unlocked') && a.isNull) continue;
    if (a.role === 'tsk') continue; // 4.6 (get_user_pages*) and 5.9 (_remote, fixup_user_fault) dropped it
    if (a.role === 'mm' && squash(a.text) === 'current->mm') continue;
    return undefined;
  }
  return out;
}

/**
 * The call `callee(args)` as it would start at column `col` (tabs count 8): on one line when it fits in 100
 * columns, else wrapped after commas and aligned with the opening parenthesis (kernel style).
 */
export function formatCall(callee: string, args: string[], col: number, indent: string): string {
  const one = `${callee}(${args.join(', ')})`;
  if (col + one.length <= 100) return one;
  const alignCol = col + callee.length + 1;
  const pad = indent + ' '.repeat(Math.max(0, alignCol - visualWidth(indent)));
  const padTabs = tabify(pad);
  const lines: string[] = [];
  let cur = `${callee}(`;
  let curCol = col + cur.length;
  args.forEach((a, i) => {
    const piece = a + (i === args.length - 1 ? ')' : ',');
    if (i > 0 && curCol + 1 + piece.length > 100) {
      lines.push(cur);
      cur = padTabs + piece;
      curCol = alignCol + piece.length;
    } else {
      cur += (i > 0 ? ' ' : '') + piece;
      curCol += (i > 0 ? 1 : 0) + piece.length;
    }
  });
  lines.push(cur);
  return lines.join('\n');
}

export function visualWidth(s: string): number {
  let w = 0;
  for (const ch of s) w = ch === '\t' ? (Math.floor(w / 8) + 1) * 8 : w + 1;
  return w;
}

function tabify(pad: string): string {
  const w = visualWidth(pad);
  return '\t'.repeat(Math.floor(w / 8)) + ' '.repeat(w % 8);
}

/** Leading whitespace of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * The mm expression is current->mm: literally, or a local `mm` initialised to current->mm and never assigned again
 * in the function (read from the function's lines; a line not known means "cannot tell").
 */
export function mmIsCurrent(expr: string | undefined, fn: FunctionFacts, ctx: RuleContext): boolean {
  if (expr === undefined) return false;
  const e = squash(expr);
  if (e === 'current->mm') return true;
  if (!/^[A-Za-z_]\w*$/.test(e)) return false;
  let init = false;
  const assign = new RegExp(`(?:^|[^\\w>.])${e}\\s*=(?!=)([^;]*)`);
  for (let l = fn.range.start.line; l <= fn.range.end.line; l++) {
    const text = ctx.line(l);
    if (text === undefined) return false;
    const m = assign.exec(text);
    if (!m) continue;
    if (squash(m[1]!) === 'current->mm' && !init) init = true;
    else return false;
  }
  return init;
}

const ALLOC = /^\(?\s*(?:\([^()]*\)\s*)?(?:k[mzc]alloc|kmalloc_array|kcalloc|kvmalloc|kvzalloc|kvcalloc|kvmalloc_array|vmalloc|vzalloc|__get_free_page|__get_free_pages|get_zeroed_page)\s*\(/;

/**
 * The pointer argument is non-NULL on every path the function shows: `&x`, a local array, or a local pointer every
 * assignment of which is an allocation (a failed allocation is the caller's error path, not a NULL passed on).
 * A parameter, a field or anything else: unknown → false.
 */
export function provablyNonNull(a: ArgFact, fn: FunctionFacts, ctx: RuleContext): boolean {
  if (a.isNull) return false;
  if (a.addressOf !== undefined) return true;
  const name = a.text.trim();
  if (!/^[A-Za-z_]\w*$/.test(name)) return false;
  let declared = false;
  let allocOnly = true;
  let assigned = false;
  const decl = new RegExp(`\\bstruct\\s+\\w+\\s*\\*+\\s*(?:const\\s+)?${name}\\b\\s*(\\[|=|;|,)`);
  const asg = new RegExp(`(?:^|[^\\w>.])${name}\\s*=(?!=)\\s*([^;]*)`);
  // The function's first lines up to its body's `{` are the parameters.
  let inBody = false;
  for (let l = fn.range.start.line; l <= fn.range.end.line; l++) {
    const text = ctx.line(l);
    if (text === undefined) return false;
    if (!inBody) {
      if (new RegExp(`\\b${name}\\b`).test(text)) return false; // a parameter
      if (text.includes('{')) inBody = true;
      continue;
    }
    const d = decl.exec(text);
    if (d) {
      declared = true;
      if (d[1] === '[') return true;
    }
    const m = asg.exec(text);
    if (m) {
      assigned = true;
      if (!ALLOC.test(m[1]!)) allocOnly = false;
    }
  }
  return declared && assigned && allocOnly;
}
