/**
 * retry-without-signal-check (rules.md, tier 1, all eras): a fault retry that can repeat without bound (ALLOW_RETRY
 * kept on the retry path) reaches its back-edge without a signal check after the fault → unkillable loop.
 */
import { eraAtLeast } from '../../../../common/era';
import { hasRegsParam, headerOf, insertBefore, returnsVoid } from '../analysis/edits';
import { analysableLoops, holdsOnSomePath, retryPaths } from '../analysis/retry-paths';
import type { Fix, Rule, RuleFinding } from '../types';

export const retryWithoutSignalCheck: Rule = {
  id: 'retry-without-signal-check',
  tier: 1,
  severity: 'warning',
  eras: {},
  erasText: 'all',
  title: 'An unbounded fault retry without a signal check',
  fixText: 'insert the era\'s signal check before the back-edge (≥5.7 `if (fault_signal_pending(fault, regs)) …`)',
  check(fn, ctx) {
    if (ctx.fragment) return []; // a check could sit between hunks
    const out: RuleFinding[] = [];
    const from57 = eraAtLeast(ctx.era, '5.7');
    for (const loop of analysableLoops(fn)) {
      const paths = retryPaths(fn, loop);
      if (!paths) continue;
      for (const a of paths.arrivals) {
        if (!holdsOnSomePath(a.states, (s) => !s.allowCleared && !s.signal)) continue;
        const fixes: Fix[] = [];
        const header = headerOf(fn, ctx);
        const faultVar = loop.faultCall?.assignedTo;
        // Returning is right only for a void handler; a kernel-mode fault needs the handler's own fixup (no_context).
        if (a.edge.kind !== 'loop-condition' && header && returnsVoid(header) && fn.labels.some((l) => l.name === 'no_context') &&
          faultVar !== undefined && /^\w+$/.test(faultVar)) {
          const test = from57 && hasRegsParam(header)
            ? `if (fault_signal_pending(${faultVar}, regs)) {`
            : 'if (fatal_signal_pending(current)) {';
          const kernel = hasRegsParam(header) ? ['\tif (!user_mode(regs))', '\t\tgoto no_context;'] : undefined;
          const ins = kernel ? insertBefore(ctx, a.edge.range, [test, ...kernel, '\treturn;', '}']) : undefined;
          if (ins) fixes.push({ title: `Insert \`${test.slice(0, -2)}\` before the retry (kernel-mode faults go to no_context)`, kind: 'quickfix', isPreferred: true, edits: [ins] });
        }
        out.push({
          range: a.edge.range,
          message:
            'the fault is retried with FAULT_FLAG_ALLOW_RETRY kept and no signal check after it: a fault that keeps ' +
            'returning VM_FAULT_RETRY (a fatal signal interrupting the page-lock or userfaultfd wait returns it at ' +
            'once) loops here without returning to deliver the signal, and the task cannot be killed' +
            (from57 ? ' (from 5.7 retries are not capped: check fault_signal_pending())' : ''),
          related: [
            { range: loop.faultCall!.range, message: 'the fault call that reported VM_FAULT_RETRY' },
            { range: loop.headRange, message: loop.kind === 'label' ? `retry label ${loop.label ?? ''}`.trim() : 'loop head' },
          ],
          ...(fixes.length ? { fixes } : {}),
        });
      }
    }
    return out;
  },
};
