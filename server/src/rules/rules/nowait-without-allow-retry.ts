/**
 * nowait-without-allow-retry (rules.md, tier 2, all eras, error): the flags handed to handle_mm_fault /
 * fixup_user_fault can carry FAULT_FLAG_RETRY_NOWAIT without FAULT_FLAG_ALLOW_RETRY. RETRY_NOWAIT only qualifies
 * ALLOW_RETRY ("may return RETRY, but do not wait and do not drop the lock"); alone it is ignored by the page-lock
 * wait, which then sleeps holding the mmap lock, and handle_userfault() (fs/userfaultfd.c, from 4.3 to at least 6.8)
 * checks the invariant with BUG_ON(vmf->flags & FAULT_FLAG_RETRY_NOWAIT) when ALLOW_RETRY is missing.
 *
 * Conservative: the flags must be constant FAULT_FLAG_* names or one local variable whose bits are known on the path
 * (flag-bits.ts); a parameter, a field, a macro or an expression not understood makes the verdict unknown (silent).
 * GUP callers are not concerned (FOLL_NOWAIT maps to ALLOW_RETRY | RETRY_NOWAIT), nor fixup_user_fault with a
 * non-NULL `unlocked` (it adds ALLOW_RETRY itself, 4.5+).
 */
import { eraAtLeast } from '../../../../common/era';
import { flagBits, type Bit, type BitsState } from '../analysis/flag-bits';
import type { FaultCallFact, FunctionFacts } from '../../c/types';
import type { Fix, RelatedLocation, Rule, RuleContext, RuleFinding, TextEdit } from '../types';

const ALLOW = 'FAULT_FLAG_ALLOW_RETRY';
const NOWAIT = 'FAULT_FLAG_RETRY_NOWAIT';

/** The flags expression split into constant names and at most one variable; undefined when anything else is in it. */
function readFlagsExpr(expr: string): { names: string[]; variable?: string } | undefined {
  const s = expr.trim();
  // Only identifiers, fields, `|` and parentheses: a cast, a call, `?:`, `&`, `~` or `||` is not read.
  if (!/^[\w\s()|]*(?:(?:->|\.)[\w\s()|]*)*$/.test(s) || s.includes('||') || /\w\s*\(/.test(s)) return undefined;
  const names: string[] = [];
  let variable: string | undefined;
  for (const raw of s.split('|')) {
    const t = raw.replace(/[()\s]/g, '');
    if (t === '' || t === '0') continue;
    if (/^FAULT_FLAG_[A-Z0-9_]+$/.test(t)) names.push(t);
    else if (/^[A-Z_][A-Z0-9_]*$/.test(t)) return undefined; // a macro it cannot see through
    else if (/^[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/.test(t) && variable === undefined) variable = t;
    else return undefined;
  }
  return { names, ...(variable !== undefined ? { variable } : {}) };
}

/** Replaces the one `FAULT_FLAG_RETRY_NOWAIT` of a line by `FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT`. */
function addAllowEdit(ctx: RuleContext, line: number, fromCol = 0, toCol?: number): TextEdit | undefined {
  const text = ctx.line(line);
  if (text === undefined) return undefined;
  const part = text.slice(fromCol, toCol ?? text.length);
  const all = [...part.matchAll(/\bFAULT_FLAG_RETRY_NOWAIT\b/g)];
  if (all.length !== 1) return undefined;
  const col = fromCol + all[0]!.index!;
  // Inside `~(…)` the same edit would clear ALLOW_RETRY: only where the name is set.
  if (/~\s*\(?[^;]*$/.test(text.slice(0, col))) return undefined;
  return { range: { start: { line, column: col }, end: { line, column: col + NOWAIT.length } }, newText: `${ALLOW} | ${NOWAIT}` };
}

/** `x &= ~FAULT_FLAG_ALLOW_RETRY` (one line, alone) → `x &= ~(FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT)`. */
function clearBothEdit(ctx: RuleContext, fn: FunctionFacts, i: number): TextEdit | undefined {
  const u = fn.flagUpdates[i]!;
  if (u.range.start.line !== u.range.end.line || u.flags.length !== 1) return undefined;
  const text = ctx.line(u.range.start.line);
  if (text === undefined) return undefined;
  const m = /~\s*\(?\s*FAULT_FLAG_ALLOW_RETRY\s*\)?/.exec(text);
  if (!m) return undefined;
  return {
    range: { start: { line: u.range.start.line, column: m.index }, end: { line: u.range.start.line, column: m.index + m[0].length } },
    newText: `~(${ALLOW} | ${NOWAIT})`,
  };
}

function consequence(ctx: RuleContext): string {
  return (
    'RETRY_NOWAIT only qualifies ALLOW_RETRY, so the callee may not return VM_FAULT_RETRY: a page-lock or I/O wait ' +
    'sleeps holding the mmap lock instead of returning at once' +
    (eraAtLeast(ctx.era, '4.3')
      ? ', and a fault on a userfaultfd-registered range hits BUG_ON(vmf->flags & FAULT_FLAG_RETRY_NOWAIT) in ' +
        'handle_userfault() (a kernel crash)'
      : '')
  );
}

export const nowaitWithoutAllowRetry: Rule = {
  id: 'nowait-without-allow-retry',
  tier: 2,
  severity: 'error',
  eras: {},
  erasText: 'all',
  title: 'FAULT_FLAG_RETRY_NOWAIT passed to a fault without FAULT_FLAG_ALLOW_RETRY',
  fixText: 'add FAULT_FLAG_ALLOW_RETRY where RETRY_NOWAIT is set',
  check(fn, ctx) {
    const out: RuleFinding[] = [];
    const bitsByVar = new Map<string, Map<number, BitsState[]> | undefined>();
    for (const f of fn.faultCalls) {
      if (f.unreliable || f.node < 0 || !f.flagsExpr) continue;
      // fixup_user_fault with a non-NULL `unlocked` adds ALLOW_RETRY itself (4.5+).
      if (f.callee === 'fixup_user_fault' && !f.via && f.args.some((a) => a.role === 'unlocked' && !a.isNull)) continue;
      const e = readFlagsExpr(f.flagsExpr);
      if (!e) continue;
      const c = { allow: (e.names.some((n) => n === ALLOW || n === 'FAULT_FLAG_DEFAULT') ? 1 : 0) as Bit, nowait: (e.names.includes(NOWAIT) ? 1 : 0) as Bit };
      if (c.allow === 1) continue;
      let bad: BitsState[];
      if (e.variable === undefined) {
        if (c.nowait !== 1) continue;
        bad = [{ allow: 0, nowait: 1, nowaitAt: -1, allowClearAt: -1, preproc: false }];
      } else {
        if (!/^[A-Za-z_]\w*$/.test(e.variable)) continue; // a field (vmf->flags, …): written elsewhere
        if (ctx.fragment) continue; // the variable's history may lie between hunks
        if (!bitsByVar.has(e.variable)) bitsByVar.set(e.variable, flagBits(fn, e.variable));
        const states = bitsByVar.get(e.variable)?.get(f.node);
        if (!states || states.length === 0) continue;
        const all = states.map((s) => ({ ...s, nowait: (c.nowait === 1 ? 1 : s.nowait) as Bit, nowaitAt: c.nowait === 1 && s.nowait !== 1 ? -1 : s.nowaitAt }));
        bad = all.filter((s) => s.allow === 0 && s.nowait === 1);
        if (bad.length === 0) continue;
        // Not only through an unresolved #if (unless every path is bad).
        if (!bad.some((s) => !s.preproc) && bad.length !== all.length) continue;
      }
      out.push(finding(fn, ctx, f, bad));
    }
    return out;
  },
};

function finding(fn: FunctionFacts, ctx: RuleContext, f: FaultCallFact, bad: BitsState[]): RuleFinding {
  const callee = f.via ?? f.callee;
  const related: RelatedLocation[] = [];
  const setters = [...new Set(bad.map((s) => s.nowaitAt).filter((i) => i >= 0))];
  const clears = [...new Set(bad.map((s) => s.allowClearAt).filter((i) => i >= 0))];
  for (const i of setters) related.push({ range: fn.flagUpdates[i]!.range, message: 'FAULT_FLAG_RETRY_NOWAIT set here' });
  for (const i of clears) related.push({ range: fn.flagUpdates[i]!.range, message: 'FAULT_FLAG_ALLOW_RETRY cleared here, RETRY_NOWAIT kept' });
  const fixes: Fix[] = [];
  if (clears.length === 0) {
    // Add ALLOW_RETRY where RETRY_NOWAIT is set: at each setter, or in the call's own flags argument.
    const edits: (TextEdit | undefined)[] = setters.length
      ? setters.map((i) => {
          const u = fn.flagUpdates[i]!;
          return u.range.start.line === u.range.end.line ? addAllowEdit(ctx, u.range.start.line, u.range.start.column, u.range.end.column) : undefined;
        })
      : bad.some((s) => s.nowaitAt < 0)
      ? [flagsArgEdit(ctx, f)]
      : [undefined];
    if (edits.length && edits.every((x) => x)) {
      fixes.push({ title: 'Add FAULT_FLAG_ALLOW_RETRY where FAULT_FLAG_RETRY_NOWAIT is set', kind: 'quickfix', isPreferred: true, edits: edits as TextEdit[] });
    }
  } else if (clears.every((i) => clearBothEdit(ctx, fn, i))) {
    fixes.push({
      title: 'Clear FAULT_FLAG_RETRY_NOWAIT together with FAULT_FLAG_ALLOW_RETRY',
      kind: 'quickfix',
      isPreferred: true,
      edits: clears.map((i) => clearBothEdit(ctx, fn, i)!),
    });
  }
  const how = clears.length ? ' (a retry clears ALLOW_RETRY and keeps RETRY_NOWAIT)' : '';
  return {
    range: f.range,
    message: `${callee} can be passed FAULT_FLAG_RETRY_NOWAIT without FAULT_FLAG_ALLOW_RETRY${how}: ${consequence(ctx)}`,
    related,
    ...(fixes.length ? { fixes } : {}),
  };
}

/** The edit adding ALLOW_RETRY inside the call's flags argument (when that argument sits on one line). */
function flagsArgEdit(ctx: RuleContext, f: FaultCallFact): TextEdit | undefined {
  const arg = f.args.find((a) => a.text === f.flagsExpr);
  if (!arg || arg.range.start.line !== arg.range.end.line) return undefined;
  return addAllowEdit(ctx, arg.range.start.line, arg.range.start.column, arg.range.end.column);
}
