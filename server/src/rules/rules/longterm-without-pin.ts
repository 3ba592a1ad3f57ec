/**
 * longterm-without-pin (tier 2, 5.2–current, error): FOLL_LONGTERM passed to a GUP call the era rejects it with
 * (WARN_ON_ONCE + -EINVAL: nothing is pinned). kernel-semantics.md §1 "FOLL_LONGTERM":
 * - 5.2: get_user_pages_locked, _unlocked and _remote reject it;
 * - 5.6 (mainline: "mm: fix get_user_pages_remote()'s handling of FOLL_LONGTERM"): _remote only with `locked`;
 *   pin_user_pages_remote goes through the same path; 5.8's pin_user_pages_unlocked/_locked call the rejecting ones;
 * - 6.1: every get_* call, pin_user_pages_unlocked, pin_user_pages_remote with `locked`;
 * - ≥6.4: any call without FOLL_PIN (every non-pin GUP call); pin_user_pages* accept it with or without `locked`.
 * Where two audited trees disagree and the change between them is not dated (get_* without `locked` between 5.6 and
 * 6.1; pin_user_pages_unlocked / pin_user_pages_remote with `locked` in 6.2–6.3), the rule says nothing.
 */
import { eraAtLeast, eraInRange, formatEra, type Era } from '../../../../common/era';
import { gupSignatureFor } from '../../c/gup-signatures';
import type { FunctionFacts, GupCallFact, GupFunction } from '../../c/types';
import { argByRole, provablyNonNull } from '../analysis/gup-args';
import type { Fix, Rule, RuleContext, RuleFinding } from '../types';

type Locked = 'null' | 'set' | 'unknown' | 'none';

const GET_ANY = new Set<GupFunction>([
  'get_user_pages',
  'get_user_pages_fast',
  'get_user_pages_unlocked',
  'get_user_pages_remote',
  'get_user_pages_locked',
  'get_user_pages_fast_only',
  'get_user_page_vma_remote',
]);

/** Why the era rejects FOLL_LONGTERM with this call, or undefined (accepted, or not known). */
function rejection(callee: GupFunction, locked: Locked, era: Era): string | undefined {
  const dropping = 'a long-term pin cannot be taken by a call that may drop the mmap lock (the FS DAX check needs the vmas)';
  if (eraAtLeast(era, '6.4'))
    return GET_ANY.has(callee) ? 'from 6.4 FOLL_LONGTERM is accepted only together with FOLL_PIN, i.e. through pin_user_pages*' : undefined;
  if (eraAtLeast(era, '6.1')) {
    if (GET_ANY.has(callee) && callee !== 'get_user_pages_fast_only' && callee !== 'get_user_page_vma_remote')
      return 'from 6.1 a get_user_pages* call rejects FOLL_LONGTERM (it is for pins: pin_user_pages*)';
    if (formatEra(era) === '6.1' && (callee === 'pin_user_pages_unlocked' || (callee === 'pin_user_pages_remote' && locked === 'set')))
      return dropping;
    return undefined;
  }
  if (eraInRange(era, '5.2', '5.5')) {
    if (callee === 'get_user_pages_locked' || callee === 'get_user_pages_unlocked') return dropping;
    if (callee === 'get_user_pages_remote') return 'in 5.2–5.5 get_user_pages_remote rejects FOLL_LONGTERM whatever `locked` is';
    return undefined;
  }
  // 5.6–6.0
  if (callee === 'get_user_pages_locked' || callee === 'get_user_pages_unlocked') return dropping;
  if (callee === 'pin_user_pages_unlocked' || callee === 'pin_user_pages_locked') return dropping;
  if ((callee === 'get_user_pages_remote' || callee === 'pin_user_pages_remote') && locked === 'set') return dropping;
  return undefined;
}

/** The pin_user_pages* counterpart that accepts FOLL_LONGTERM in the era with the same arguments. */
function counterpart(callee: GupFunction, locked: Locked, era: Era): GupFunction | undefined {
  const map: Partial<Record<GupFunction, GupFunction>> = {
    get_user_pages: 'pin_user_pages',
    get_user_pages_fast: 'pin_user_pages_fast',
    get_user_pages_remote: 'pin_user_pages_remote',
    get_user_pages_unlocked: 'pin_user_pages_unlocked',
  };
  const to = map[callee];
  if (!to || !gupSignatureFor(to, era)) return undefined;
  if (rejection(to, locked, era) !== undefined) return undefined;
  if ((to === 'pin_user_pages_unlocked' || (to === 'pin_user_pages_remote' && locked !== 'null' && locked !== 'none')) && !eraAtLeast(era, '6.4'))
    return undefined;
  return to;
}

function lockedState(g: GupCallFact, fn: FunctionFacts, ctx: RuleContext): Locked {
  const a = argByRole(g, 'locked');
  if (!a) return 'none';
  if (a.isNull) return 'null';
  return provablyNonNull(a, fn, ctx) ? 'set' : 'unknown';
}

export const longtermWithoutPin: Rule = {
  id: 'longterm-without-pin',
  tier: 2,
  severity: 'error',
  eras: { from: '5.2' },
  erasText: '5.2–current',
  title: 'FOLL_LONGTERM passed to a GUP call that rejects it in the era',
  fixText: 'Switch to the pin_user_pages* counterpart (release with unpin_user_pages)',
  check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
    const out: RuleFinding[] = [];
    const era = ctx.era;
    for (const g of fn.gupCalls) {
      if (g.unreliable || !g.existsInEra || g.arityMismatch) continue;
      if (!g.flagNames.includes('FOLL_LONGTERM')) continue;
      const locked = lockedState(g, fn, ctx);
      const why = rejection(g.callee, locked, era);
      if (!why) continue;
      const flags = argByRole(g, 'gup_flags');
      const via = g.flagsVia.length && flags && !flags.flagNames.includes('FOLL_LONGTERM') ? ` (through \`${g.flagsVia.join('`, `')}\`)` : '';
      const to = counterpart(g.callee, locked, era);
      let message = `${g.callee} is passed FOLL_LONGTERM${via}: ${why}, so it warns (WARN_ON_ONCE) and returns -EINVAL — nothing is pinned`;
      const fixes: Fix[] = [];
      if (to) {
        message += `. ${to} takes the same arguments; its pages must then be released with unpin_user_pages(), not put_page()`;
        fixes.push({
          title: `Switch to ${to} (release the pages with unpin_user_pages)`,
          kind: 'quickfix',
          isPreferred: true,
          edits: [{ range: g.calleeRange, newText: to }],
        });
      } else if (locked === 'set' && eraAtLeast(era, '5.6')) {
        message += '. Pass NULL for `locked` (keep the lock held) or pin with pin_user_pages_fast; release with unpin_user_pages()';
      } else {
        message += '. Pin with pin_user_pages_fast (or pin_user_pages under the lock) and release with unpin_user_pages()';
      }
      out.push({
        range: g.range,
        message,
        related: flags ? [{ range: flags.range, message: 'the gup_flags carrying FOLL_LONGTERM' }] : [],
        ...(fixes.length ? { fixes } : {}),
      });
    }
    return out;
  },
};
