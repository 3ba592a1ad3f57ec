/**
 * retry-without-tried (rules.md, tier 1, ≥3.8): a RETRY-guarded back-edge of a fault retry loop is reachable from the
 * fault call without FAULT_FLAG_TRIED set on that path. The one-shot per-VMA-lock fallback is not a loop (not here).
 */
import { eraAtLeast } from '../../../../common/era';
import { deleteLineOf, insertBefore } from '../analysis/edits';
import { analysableLoops, holdsOnSomePath, retryPaths } from '../analysis/retry-paths';
import type { Fix, Rule, RuleFinding, TextEdit } from '../types';

export const retryWithoutTried: Rule = {
  id: 'retry-without-tried',
  tier: 1,
  severity: 'warning',
  eras: { from: '3.8' },
  erasText: '≥3.8',
  title: 'A fault retry repeats the fault without FAULT_FLAG_TRIED',
  fixText: 'insert `flags |= FAULT_FLAG_TRIED;` before the back-edge (≥5.7: and drop the clearing of ALLOW_RETRY on that path)',
  check(fn, ctx) {
    if (ctx.fragment) return []; // code between hunks could set TRIED
    const out: RuleFinding[] = [];
    const from57 = eraAtLeast(ctx.era, '5.7');
    for (const loop of analysableLoops(fn)) {
      const paths = retryPaths(fn, loop);
      if (!paths) continue;
      for (const a of paths.arrivals) {
        const bad = (s: (typeof a.states)[number]): boolean => !s.tried && !s.unknownFlags;
        if (!holdsOnSomePath(a.states, bad)) continue;
        const badStates = a.states.filter(bad);
        const v = paths.flagsVar;
        const capped = badStates.every((s) => s.allowCleared);
        const message = capped
          ? `the fault is repeated with ${v} lacking FAULT_FLAG_TRIED (FAULT_FLAG_ALLOW_RETRY is cleared instead): the ` +
            'second attempt runs as an ordinary no-retry fault that handle_mm_fault cannot tell from a first one' +
            (from57 ? '; from 5.7 a retry keeps ALLOW_RETRY and sets TRIED' : '')
          : from57
          ? `the fault is repeated with ${v} lacking FAULT_FLAG_TRIED: from 5.7 the next attempt looks like a first one ` +
            '(fault_flag_allow_retry_first() is true again), so the callee may drop the mmap lock and return ' +
            'VM_FAULT_RETRY again on every attempt instead of waiting while holding it'
          : `the fault is repeated with ${v} lacking FAULT_FLAG_TRIED: handle_mm_fault cannot tell the retry from a ` +
            'first attempt (the page-lock and userfaultfd paths treat it as a new fault)';
        const related = [
          { range: loop.faultCall!.range, message: 'the fault call that reported VM_FAULT_RETRY' },
          { range: loop.headRange, message: loop.kind === 'label' ? `retry label ${loop.label ?? ''}`.trim() : 'loop head' },
        ];
        const clears = new Set(badStates.map((s) => s.clear).filter((i) => i >= 0));
        for (const i of clears) related.push({ range: fn.flagUpdates[i]!.range, message: 'FAULT_FLAG_ALLOW_RETRY cleared here' });
        const fixes: Fix[] = [];
        const ins = a.edge.kind === 'loop-condition' ? undefined : insertBefore(ctx, a.edge.range, [`${v} |= FAULT_FLAG_TRIED;`]);
        if (ins) {
          const edits: TextEdit[] = [ins];
          let ok = true;
          if (from57) {
            for (const i of clears) {
              const u = fn.flagUpdates[i]!;
              const d = u.flags.length === 1 ? deleteLineOf(ctx, u.range, u.text) : undefined;
              if (d) edits.push(d);
              else ok = false;
            }
          }
          if (ok)
            fixes.push({
              title: `Insert \`${v} |= FAULT_FLAG_TRIED;\` before the retry${from57 && clears.size ? ' and drop the clearing of FAULT_FLAG_ALLOW_RETRY' : ''}`,
              kind: 'quickfix',
              isPreferred: true,
              edits,
            });
        }
        out.push({ range: a.edge.range, message, related, ...(fixes.length ? { fixes } : {}) });
      }
    }
    return out;
  },
};
