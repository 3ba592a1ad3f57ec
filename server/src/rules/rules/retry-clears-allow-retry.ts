/**
 * retry-clears-allow-retry (rules.md, tier 2, ≥5.7): a retry path clears FAULT_FLAG_ALLOW_RETRY without setting
 * TRIED. When the same path sets TRIED, forbidden-flag-combination reports the statement (error) and this rule
 * does not: one finding per statement.
 */
import { allowClearsOnRetry } from '../analysis/allow-clears';
import { deleteLineOf } from '../analysis/edits';
import type { Fix, Rule, RuleFinding } from '../types';

export const retryClearsAllowRetry: Rule = {
  id: 'retry-clears-allow-retry',
  tier: 2,
  severity: 'warning',
  eras: { from: '5.7' },
  erasText: '≥5.7',
  title: 'A fault retry clears FAULT_FLAG_ALLOW_RETRY (caps retries at one)',
  fixText: 'remove that statement',
  check(fn, ctx) {
    const out: RuleFinding[] = [];
    for (const c of allowClearsOnRetry(fn)) {
      if (c.withTried) continue;
      const u = c.update;
      const fixes: Fix[] = [];
      const d = u.flags.length === 1 ? deleteLineOf(ctx, u.range, u.text) : undefined;
      if (d) fixes.push({ title: `Remove \`${u.text.trim()}\``, kind: 'quickfix', isPreferred: true, edits: [d] });
      out.push({
        range: u.range,
        message:
          'the retry clears FAULT_FLAG_ALLOW_RETRY, capping the fault at one retry: from 5.7 a fault may need ' +
          'several (userfaultfd write-protect resolves in a third attempt), and the capped attempt cannot drop the ' +
          'mmap lock, so userfaultfd answers it with VM_FAULT_SIGBUS',
        related: [
          ...(c.loop.faultCall ? [{ range: c.loop.faultCall.range, message: 'the fault call that reported VM_FAULT_RETRY' }] : []),
          ...c.backEdges.map((r) => ({ range: r, message: 'the retry back-edge' })),
        ],
        ...(fixes.length ? { fixes } : {}),
      });
    }
    return out;
  },
};
