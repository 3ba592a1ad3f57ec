/**
 * unconditional-unlock-after-locked-gup (rules.md, tier 1, 4.0–current): after a GUP call given `&locked`
 * (get_user_pages_locked, *_remote / pin_user_pages_remote with a non-NULL locked, __get_user_pages with nonblocking),
 * the mmap lock is released without testing `locked`. When the callee dropped the lock (to wait for I/O or
 * userfaultfd) it returns with `locked == 0`, and the unlock releases a lock the task does not hold.
 */
import type { FunctionFacts } from '../../c/types';
import { lockStatus, type Tie } from '../analysis/lock-state';
import { lockName, lockTakenBefore, mmapReleases, trustedLockStates } from '../analysis/lock-sites';
import type { Fix, Rule, RuleContext, RuleFinding } from '../types';

/** `if (locked)` around a statement alone on its line (not the body of an unbraced if/else/loop). */
function wrapFix(ctx: RuleContext, line: number, col: number, v: string): Fix | undefined {
  const text = ctx.line(line);
  if (text === undefined || text.slice(0, col).trim() !== '') return undefined;
  const stmt = text.slice(col);
  if (!/^\w+\s*\([^;]*\)\s*;\s*$/.test(stmt)) return undefined;
  for (let i = line - 1; i >= 0 && i >= line - 20; i--) {
    const p = ctx.line(i);
    if (p === undefined) return undefined;
    const t = p.trim();
    if (t === '' || t.startsWith('/*') || t.startsWith('*') || t.startsWith('//')) continue;
    if (/(?:^|\W)(?:if|for|while|else)\b/.test(t) && !/[;{}]\s*$/.test(t)) return undefined;
    if (/\)\s*$/.test(t)) return undefined;
    break;
  }
  const indent = text.slice(0, col);
  return {
    title: `Unlock only \`if (${v})\` (the GUP call may have dropped the lock)`,
    kind: 'quickfix',
    isPreferred: true,
    edits: [{ range: { start: { line, column: 0 }, end: { line, column: text.length } }, newText: `${indent}if (${v})\n${indent}\t${stmt.trimEnd()}` }],
  };
}

function check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
  const a = trustedLockStates(fn, ctx.era);
  if (!a) return [];
  const out: RuleFinding[] = [];
  for (const { op, state } of mmapReleases(fn, a)) {
    const st = lockStatus(state.mmap);
    let tie: Tie | undefined;
    let inverted = false;
    if (st.s === 'maybe' && st.tie.cause === 'gup-locked') tie = st.tie;
    else if (st.s === 'released' && st.cause === 'gup-locked' && state.mmap.k === 'tie') {
      tie = state.mmap.tie;
      inverted = true;
    }
    if (!tie || tie.v === undefined) continue;
    const lock = lockName(fn, op);
    const v = tie.v;
    const callee = tie.origin.callee;
    const message = inverted
      ? `on this path \`${v}\` is 0: ${callee}() already released ${lock}, and this unlock releases it a second time (rwsem count corrupted)`
      : `${callee}() may drop ${lock} (to wait for I/O or userfaultfd) and then returns with \`${v}\` == 0; this unlock runs without testing \`${v}\` and releases a lock the task no longer holds (rwsem count corrupted)`;
    const related = [{ range: tie.origin.range, message: `${callee}() may release ${lock} here and report it in \`${v}\`` }];
    const taken = lockTakenBefore(fn, tie.origin.range.start);
    if (taken) related.push({ range: taken.range, message: `${lock} taken here` });
    const fix = inverted ? undefined : wrapFix(ctx, op.range.start.line, op.range.start.column, v);
    out.push({ range: op.range, message, related, ...(fix ? { fixes: [fix] } : {}) });
  }
  return out;
}

export const unconditionalUnlockAfterLockedGup: Rule = {
  id: 'unconditional-unlock-after-locked-gup',
  tier: 1,
  severity: 'error',
  eras: { from: '4.0' },
  erasText: '4.0–current',
  title: 'unlocks the mmap lock after a GUP call given `&locked` without testing `locked` (double unlock when the callee dropped it)',
  fixText: 'wrap the unlock in `if (locked)`',
  check,
};
