/**
 * completed-not-handled (rules.md, tier 2, ≥6.0): a handle_mm_fault() caller whose flags allow a retry (so the callee
 * may return VM_FAULT_COMPLETED: the fault is done and the mmap lock already released) tests VM_FAULT_RETRY but not
 * VM_FAULT_COMPLETED, and unlocks afterwards on the COMPLETED path: a double unlock.
 */
import type { FunctionFacts } from '../../c/types';
import { lockStatus, tieCompletedPossible, tieNowaitPossible, tieRetry } from '../analysis/lock-state';
import { lockName, lockTakenBefore, mmapReleases, trustedLockStates } from '../analysis/lock-sites';
import type { Fix, Rule, RuleContext, RuleFinding } from '../types';

/** The function returns void (its header, up to the name, says `void` and not `void *`). */
function returnsVoid(fn: FunctionFacts, ctx: RuleContext): boolean {
  let head = '';
  for (let l = fn.range.start.line; l <= fn.range.start.line + 3; l++) {
    const t = ctx.line(l);
    if (t === undefined) return false;
    head += ` ${t}`;
    const at = head.indexOf(`${fn.name}(`);
    if (at >= 0) return /\bvoid\b(?!\s*\*)/.test(head.slice(0, at));
  }
  return false;
}

function insertFix(fn: FunctionFacts, ctx: RuleContext, line: number, col: number, v: string): Fix | undefined {
  if (!returnsVoid(fn, ctx)) return undefined;
  const text = ctx.line(line);
  if (text === undefined || text.slice(0, col).trim() !== '') return undefined;
  // Not the only statement of an unbraced if/else/loop.
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
    title: `Return without unlocking when ${v} has VM_FAULT_COMPLETED`,
    kind: 'quickfix',
    isPreferred: true,
    edits: [{ range: { start: { line, column: 0 }, end: { line, column: 0 } }, newText: `${indent}if (${v} & VM_FAULT_COMPLETED)\n${indent}\treturn;\n` }],
  };
}

function check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
  const a = trustedLockStates(fn, ctx.era);
  if (!a) return [];
  const out: RuleFinding[] = [];
  for (const { op, state } of mmapReleases(fn, a)) {
    const st = lockStatus(state.mmap);
    if (st.s !== 'maybe' || st.tie.sem !== 'mmap-fault') continue;
    const t = st.tie;
    // RETRY is handled on this path (excluded); COMPLETED is still possible; the flags certainly allow a retry.
    if (tieRetry(t) !== 'clear' || !tieCompletedPossible(t) || t.allowRetry !== 'yes' || tieNowaitPossible(t)) continue;
    const lock = lockName(fn, op);
    const v = t.v;
    const related = [{ range: t.origin.range, message: `${t.origin.callee}() may return VM_FAULT_COMPLETED here, with ${lock} already released` }];
    const taken = lockTakenBefore(fn, t.origin.range.start);
    if (taken) related.push({ range: taken.range, message: `${lock} taken here` });
    const fix = v !== undefined ? insertFix(fn, ctx, op.range.start.line, op.range.start.column, v) : undefined;
    out.push({
      range: op.range,
      message: `from 6.0 ${t.origin.callee}() can return VM_FAULT_COMPLETED (the fault was handled and ${lock} already released); only VM_FAULT_RETRY is tested before this unlock, so on COMPLETED the lock is released twice (rwsem count corrupted)`,
      related,
      ...(fix ? { fixes: [fix] } : {}),
    });
  }
  return out;
}

export const completedNotHandled: Rule = {
  id: 'completed-not-handled',
  tier: 2,
  severity: 'error',
  eras: { from: '6.0' },
  erasText: '≥6.0',
  title: 'a handle_mm_fault() caller that can receive VM_FAULT_COMPLETED unlocks without testing it',
  fixText: 'add `if (fault & VM_FAULT_COMPLETED) return;` before the unlock (void functions only)',
  check,
};
