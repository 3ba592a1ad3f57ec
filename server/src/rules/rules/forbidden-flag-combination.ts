/**
 * forbidden-flag-combination (rules.md, tier 1, ≥5.7): a path yields !ALLOW_RETRY && TRIED — a retry clears
 * FAULT_FLAG_ALLOW_RETRY while setting FAULT_FLAG_TRIED (the ≤5.6 second attempt), or a fault call is passed
 * constant flags with TRIED and without ALLOW_RETRY.
 */
import { allowClearsOnRetry } from '../analysis/allow-clears';
import { visibleRetryClears } from '../analysis/visible-retry-clears';
import { deleteLineOf } from '../analysis/edits';
import type { Fix, Rule, RuleFinding } from '../types';

const FLAG_ONLY = /^[\s()|]*(?:FAULT_FLAG_[A-Z0-9_]+[\s()|]*)+$/;

export const forbiddenFlagCombination: Rule = {
  id: 'forbidden-flag-combination',
  tier: 1,
  severity: 'error',
  eras: { from: '5.7' },
  erasText: '≥5.7',
  title: 'Fault flags with TRIED but without ALLOW_RETRY (forbidden from 5.7)',
  fixText: 'remove the clearing of FAULT_FLAG_ALLOW_RETRY',
  check(fn, ctx) {
    const out: RuleFinding[] = [];
    // A function rebuilt from hunks whose fault call is not in the patch: the clear, the TRIED and the back-edge after
    // a RETRY test the patch shows are all the verdict needs (visible-retry-clears.ts).
    const whole = allowClearsOnRetry(fn).filter((c) => c.withTried);
    const clears = [...whole, ...visibleRetryClears(fn).filter((v) => !whole.some((c) => c.update === v.update))];
    for (const c of clears) {
      const u = c.update;
      const fixes: Fix[] = [];
      const d = u.flags.length === 1 ? deleteLineOf(ctx, u.range, u.text) : undefined;
      if (d) fixes.push({ title: `Remove \`${u.text.trim()}\` (from 5.7 a retry keeps ALLOW_RETRY)`, kind: 'quickfix', isPreferred: true, edits: [d] });
      out.push({
        range: u.range,
        message:
          `the retry passes ${u.variable} with FAULT_FLAG_TRIED but without FAULT_FLAG_ALLOW_RETRY, a combination ` +
          'forbidden from 5.7 (it was the ≤5.6 one-retry cap): the second attempt cannot drop the mmap lock, so it ' +
          'waits for the page lock or I/O holding it, and userfaultfd answers it with VM_FAULT_SIGBUS instead of waiting',
        related: [
          ...(c.loop?.faultCall ? [{ range: c.loop.faultCall.range, message: 'the fault call that reported VM_FAULT_RETRY' }] : []),
          ...c.backEdges.map((r) => ({ range: r, message: 'the retry back-edge' })),
        ],
        ...(fixes.length ? { fixes } : {}),
      });
    }
    // Constant flags handed straight to the fault call.
    for (const f of fn.faultCalls) {
      if (f.unreliable || !f.flagsExpr || !FLAG_ONLY.test(f.flagsExpr)) continue;
      if (!f.flagNames.includes('FAULT_FLAG_TRIED') || f.flagNames.includes('FAULT_FLAG_ALLOW_RETRY')) continue;
      if (f.flagNames.includes('FAULT_FLAG_DEFAULT')) continue;
      // fixup_user_fault with a non-NULL `unlocked` adds ALLOW_RETRY itself (4.6+).
      if (f.callee === 'fixup_user_fault' && f.args.some((a) => a.role === 'unlocked' && !a.isNull)) continue;
      out.push({
        range: f.range,
        message: `${f.via ?? f.callee} is passed FAULT_FLAG_TRIED without FAULT_FLAG_ALLOW_RETRY, a combination forbidden from 5.7 (a retry keeps ALLOW_RETRY)`,
        related: [],
      });
    }
    return out;
  },
};
