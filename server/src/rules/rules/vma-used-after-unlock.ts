/**
 * vma-used-after-unlock (rules.md, tier 1, all eras): a vma pointer found under the mmap lock (find_vma, vma_lookup,
 * lock_mm_and_find_vma, the vmas[] a GUP call filled) is used after the lock was released: an explicit unlock, a GUP
 * call that reported `*locked == 0`, fixup_user_fault that reported `*unlocked == true` (dropped and re-taken), or
 * lock_mm_and_find_vma returning NULL. The vma may have been unmapped and freed meanwhile. No fix: the release point is
 * shown. (The vma after handle_mm_fault reported RETRY is unlock-after-retry's.)
 */
import type { FunctionFacts } from '../../c/types';
import { lockName, releaseRelated, trustedLockStates, vmaUses } from '../analysis/lock-sites';
import type { ReleaseCause } from '../analysis/lock-state';
import type { Rule, RuleContext, RuleFinding } from '../types';

const WHY: Partial<Record<ReleaseCause, (lock: string, callee: string) => string>> = {
  unlock: (lock) => `after ${lock} was released`,
  'gup-locked': (lock, callee) => `after ${callee}() dropped ${lock} (it reported locked == 0 on this path)`,
  'fixup-unlocked': (lock, callee) => `after ${callee}() dropped and re-took ${lock} (it reported unlocked == true on this path)`,
  'find-vma-null': (lock, callee) => `after ${callee}() returned NULL with ${lock} dropped`,
};

function check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
  const a = trustedLockStates(fn, ctx.era);
  if (!a) return [];
  const out: RuleFinding[] = [];
  const lock = lockName(fn, undefined, ctx.era);
  for (const u of vmaUses(fn, a)) {
    if (u.status.s !== 'stale') continue;
    const why = WHY[u.status.cause];
    if (!why) continue;
    const { origin, lookup, cause } = u.status;
    out.push({
      range: u.range,
      message: `\`${u.v}\` is used ${why(lock, origin.callee)}: another thread can munmap or mremap the range meanwhile and the vma may already be freed (use-after-free); look it up again under the lock`,
      related: [releaseRelated(lock, cause, origin), { range: lookup.range, message: `\`${u.v}\` found here, under ${lock}` }],
    });
  }
  return out;
}

export const vmaUsedAfterUnlock: Rule = {
  id: 'vma-used-after-unlock',
  tier: 1,
  severity: 'error',
  eras: {},
  erasText: 'all',
  title: 'a vma pointer found under the mmap lock is used after the lock was released',
  check,
};
