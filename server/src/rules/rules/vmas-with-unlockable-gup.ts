/**
 * vmas-with-unlockable-gup (tier 1, ≤6.4, error): a non-NULL vmas array passed to a GUP call that may drop the mmap
 * lock: `*_remote` / `pin_user_pages_remote` with a non-NULL `locked`, and (3.18–4.4, when it was exported)
 * `__get_user_pages` with `nonblocking`. The vmas would point at VMAs a concurrent munmap may free once the lock is
 * dropped, so 4.0–6.2 `__get_user_pages_locked` has BUG_ON(vmas) when `locked` is passed, 6.3–6.4 WARN + -EINVAL, and
 * 6.5 removed the parameter (kernel-semantics.md §1, "Lock-dropping behaviour").
 *
 * Fix: passing NULL for vmas would leave the caller reading an array nothing filled, so the quick fix keeps the lock
 * held instead (NULL for `locked`): the vmas stay valid until the caller unlocks, as with get_user_pages. The
 * message names the other way (vmas NULL, look the vma up again under the lock; 6.5+: get_user_page_vma_remote).
 */
import { eraAtLeast, eraAtMost, type Era } from '../../../../common/era';
import type { FunctionFacts } from '../../c/types';
import { argByRole, provablyNonNull } from '../analysis/gup-args';
import type { Rule, RuleContext, RuleFinding } from '../types';

function consequence(era: Era, callee: string): string {
  if (callee === '__get_user_pages' || eraAtMost(era, '3.19'))
    return 'when a fault drops mmap_sem (VM_FAULT_RETRY, `*nonblocking = 0`), the vm_area_struct pointers already stored in vmas may be freed by a concurrent munmap: the caller reads freed memory';
  if (eraAtMost(era, '6.2'))
    return `${callee} reaches __get_user_pages_locked, which has BUG_ON(vmas) whenever \`locked\` is passed ("if VM_FAULT_RETRY can be returned, vmas become invalid"): the kernel oopses on the first call`;
  return `${callee} warns (WARN_ON_ONCE) and returns -EINVAL when vmas and \`locked\` are both passed: nothing is pinned (from 6.5 the vmas parameter is gone)`;
}

export const vmasWithUnlockableGup: Rule = {
  id: 'vmas-with-unlockable-gup',
  tier: 1,
  severity: 'error',
  eras: { to: '6.4' },
  erasText: '≤6.4',
  title: 'a vmas array passed to a GUP call that may drop the mmap lock',
  fixText: 'Pass NULL for `locked` so the call keeps the lock (and the vmas stay valid until the caller unlocks)',
  check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
    const out: RuleFinding[] = [];
    const era = ctx.era;
    for (const g of fn.gupCalls) {
      if (g.unreliable || !g.existsInEra || g.arityMismatch) continue;
      if (g.callee === '__get_user_pages' && (ctx.inMm || eraAtLeast(era, '4.5'))) continue; // mm/ internals; not exported after 4.4
      const vmas = argByRole(g, 'vmas');
      const lk = argByRole(g, 'locked') ?? argByRole(g, 'nonblocking');
      if (!vmas || !lk) continue;
      if (!provablyNonNull(vmas, fn, ctx) || !provablyNonNull(lk, fn, ctx)) continue;
      const lockWord = eraAtLeast(era, '5.8') ? 'mmap_lock' : 'mmap_sem';
      const alt = eraAtLeast(era, '5.9')
        ? `pass NULL for vmas and look the vma up again (find_vma / vma_lookup) under ${lockWord} after the call; from 6.5 get_user_page_vma_remote returns the page and its vma`
        : `pass NULL for vmas and look the vma up again (find_vma) under ${lockWord} after the call`;
      const message = `${g.callee} is given a vmas array and \`${lk.text.trim()}\`, so it may drop ${lockWord}: ${consequence(era, g.callee)}. Either keep the lock held for the whole call (NULL for \`${lk.role}\`), or ${alt}`;
      out.push({
        range: vmas.range,
        message,
        related: [
          { range: g.range, message: `${g.callee} may drop ${lockWord} because \`${lk.text.trim()}\` is passed` },
          { range: lk.range, message: `the \`${lk.role}\` argument that lets it drop the lock` },
        ],
        fixes: [
          {
            title: `Pass NULL for \`${lk.role}\`: the call keeps ${lockWord}, the vmas stay valid until the caller unlocks`,
            kind: 'quickfix',
            edits: [{ range: lk.range, newText: 'NULL' }],
          },
        ],
      });
    }
    return out;
  },
};
