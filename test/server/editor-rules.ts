// A fake rule for the editor tests (the real catalogue is written elsewhere): every get_user_pages call is a finding,
// with the conversion to get_user_pages_fast as its preferred fix (kind refactor.rewrite) and a second quickfix.
import type { Rule } from '../../server/src/rules/types';

export const FAKE_RULE_ID = 'test-gup-holds-lock';

export const fakeRule: Rule = {
  id: FAKE_RULE_ID,
  tier: 1,
  severity: 'warning',
  eras: {},
  erasText: 'all',
  title: 'get_user_pages holds mmap_lock across I/O (test rule)',
  check(fn, ctx) {
    return fn.gupCalls
      .filter((g) => g.callee === 'get_user_pages')
      .map((g) => {
        const lock = fn.lockOps.find((l) => l.kind === 'acquire' && l.range.start.line < g.range.start.line);
        const line = ctx.line(g.calleeRange.start.line);
        return {
          range: g.range,
          message: 'get_user_pages holds mmap_lock across the I/O of a page-cache miss (test rule)',
          related: lock ? [{ range: lock.range, message: 'mmap_lock taken here' }] : [],
          fixes:
            line === undefined
              ? []
              : [
                  {
                    title: 'Use get_user_pages_fast',
                    kind: 'refactor.rewrite' as const,
                    isPreferred: true,
                    edits: [{ range: g.calleeRange, newText: 'get_user_pages_fast' }],
                  },
                  { title: 'Use pin_user_pages', edits: [{ range: g.calleeRange, newText: 'pin_user_pages' }] },
                ],
        };
      });
  },
};
