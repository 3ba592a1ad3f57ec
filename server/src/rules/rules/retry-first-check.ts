/**
 * retry-first-check (rules.md, tier 2, ≥5.7): a `struct vm_fault *` handler outside mm/ decides to give up the mmap
 * lock (mmap_read_unlock / up_read / release_fault_lock) or to return VM_FAULT_RETRY on `vmf->flags &
 * FAULT_FLAG_ALLOW_RETRY` instead of `fault_flag_allow_retry_first(vmf->flags)`. From 5.7 a retry keeps ALLOW_RETRY
 * and adds TRIED (seed 001), so the plain bit test is true on every attempt: the handler drops the lock on every
 * retry, where the kernel's own waits (__lock_page_or_retry, maybe_unlock_mmap_for_io, ttm_bo_vm_reserve) drop it
 * only on the first attempt and sleep holding it afterwards.
 *
 * Silent: in mm/ (the core's own contract), in handle_userfault (fs/userfaultfd.c drops the lock on every attempt
 * by design: userfaultfd-wp needs a third one), when the test also reads TRIED or the branch tests TRIED before
 * acting, in unreliable code, and in fragments when the code between the test and the drop is not known.
 */
import type { CfgNode, FunctionFacts } from '../../c/types';
import { allowRetryTest, firstCheckEdit } from '../analysis/allow-retry-tests';
import { vmFaultParams, vmfFlagsExprs } from '../analysis/fault-handler';
import { cfgIndex } from '../analysis/graph';
import type { Fix, RelatedLocation, Rule, RuleContext, RuleFinding } from '../types';

/** Nodes reachable from `start` (inclusive) without taking a back-edge. */
function reach(fn: FunctionFacts, start: number): Set<number> {
  const { succ } = cfgIndex(fn);
  const seen = new Set<number>([start]);
  const work = [start];
  while (work.length) {
    const n = work.pop()!;
    for (const e of succ[n]!) {
      if (e.back || e.label === 'back-edge' || seen.has(e.to)) continue;
      seen.add(e.to);
      work.push(e.to);
    }
  }
  return seen;
}

/** Calls that sleep for I/O or another holder: what the lock is given up for. */
const WAITS = /wait|sleep|schedule|lock_page|folio_lock|readahead|reserve|_fence|flush_work|mutex_lock|down_read|down_write|_io$|submit/i;

const RETRY_RESULT = /^(?:return\s+\(?\s*VM_FAULT_RETRY\b|[A-Za-z_][\w>.-]*\s*=\s*\(?\s*VM_FAULT_RETRY\b)/;

function linesKnown(ctx: RuleContext, from: number, to: number): boolean {
  for (let l = Math.min(from, to); l <= Math.max(from, to); l++) if (ctx.line(l) === undefined) return false;
  return true;
}

export const retryFirstCheck: Rule = {
  id: 'retry-first-check',
  tier: 2,
  severity: 'warning',
  eras: { from: '5.7' },
  erasText: '≥5.7',
  title: 'A fault handler gives up the mmap lock on FAULT_FLAG_ALLOW_RETRY instead of the first-attempt check',
  fixText: 'replace the test with fault_flag_allow_retry_first(vmf->flags)',
  check(fn, ctx) {
    if (ctx.inMm || fn.name === 'handle_userfault') return [];
    const params = vmFaultParams(fn, ctx);
    if (params.length === 0) return [];
    const exprs = params.flatMap((p) => vmfFlagsExprs(fn, p));
    const { succ } = cfgIndex(fn);
    const out: RuleFinding[] = [];
    for (const cond of fn.cfg.nodes) {
      if (cond.kind !== 'cond' || cond.unreliable || cond.text.startsWith('#')) continue;
      for (const x of exprs) {
        const t = allowRetryTest(cond.text, x);
        if (!t) continue;
        const on = succ[cond.id]!.find((e) => e.label === t.edge);
        const off = succ[cond.id]!.find((e) => e.label === (t.edge === 'true' ? 'false' : 'true'));
        if (!on || !off) continue;
        const offReach = reach(fn, off.to);
        const region = [...reach(fn, on.to)].filter((id) => !offReach.has(id)).map((id) => fn.cfg.nodes[id]!);
        // A TRIED test (or the helper) before acting: a hand-written first-attempt check; an #if: unresolved.
        if (region.some((n) => n.kind === 'cond' && (/\bFAULT_FLAG_TRIED\b|\bfault_flag_allow_retry_first\b/.test(n.text) || n.text.startsWith('#')))) continue;
        if (region.some((n) => n.unreliable)) continue;
        const inRegion = new Set(region.map((n) => n.id));
        const drops = fn.lockOps.filter(
          (l) => inRegion.has(l.node) && !l.unreliable && l.kind === 'release' && l.api !== 'vma' && l.mode !== 'vma',
        );
        const retries: CfgNode[] = region.filter((n) => (n.kind === 'return' || n.kind === 'stmt') && RETRY_RESULT.test(n.text.trim()));
        if (!drops.length && !retries.length) continue;
        // The defect is giving up the lock to WAIT (I/O, a fence, a page or object lock) on every attempt. A handler
        // that drops it and returns at once, deliberately on each attempt (SGX's EPC-page shortage), does not wait:
        // silent.
        if (!region.some((n) => n.calls.some((c) => WAITS.test(c)))) continue;
        if (ctx.fragment) {
          const last = Math.max(...drops.map((d) => d.range.end.line), ...retries.map((r) => r.range.end.line));
          if (!linesKnown(ctx, cond.range.start.line, last)) continue;
        }
        const related: RelatedLocation[] = [
          ...drops.map((d) => ({ range: d.range, message: `the mmap lock given up here (${d.callee})` })),
          ...retries.map((r) => ({ range: r.range, message: 'VM_FAULT_RETRY returned: the caller takes the lock as released' })),
        ];
        const fixes: Fix[] = [];
        {
          // The test may sit on any line of a multi-line condition: edit only when it is found once in the condition.
          const hits: { line: number; e: NonNullable<ReturnType<typeof firstCheckEdit>> }[] = [];
          for (let l = cond.range.start.line; l <= cond.range.end.line; l++) {
            const text = ctx.line(l);
            if (text === undefined) {
              hits.length = 0;
              break;
            }
            const from = l === cond.range.start.line ? cond.range.start.column : 0;
            const to = l === cond.range.end.line ? cond.range.end.column : text.length;
            const e = firstCheckEdit(text.slice(from, to), x, t.mask);
            if (e) hits.push({ line: l, e: { ...e, start: e.start + from, end: e.end + from } });
          }
          if (hits.length === 1) {
            const h = hits[0]!;
            fixes.push({
              title: `Replace the test with \`${h.e.newText.replace(/^\((.*)\)$/, '$1')}\` (drop the lock on the first attempt only)`,
              kind: 'quickfix',
              isPreferred: true,
              edits: [{ range: { start: { line: h.line, column: h.e.start }, end: { line: h.line, column: h.e.end } }, newText: h.e.newText }],
            });
          }
        }
        const what = drops.length && retries.length
          ? 'drops the mmap lock and returns VM_FAULT_RETRY'
          : drops.length
          ? 'drops the mmap lock'
          : 'returns VM_FAULT_RETRY (the caller takes the mmap lock as released)';
        out.push({
          range: cond.range,
          message:
            `this handler ${what} whenever ${x} has FAULT_FLAG_ALLOW_RETRY, and from 5.7 a retried fault keeps ` +
            'ALLOW_RETRY (it adds FAULT_FLAG_TRIED): the lock is given up again on every retry instead of only on ' +
            'the first attempt, so the fault can go round without ever waiting while holding it; the kernel\'s own ' +
            `waits test fault_flag_allow_retry_first(${x})` +
            (t.mask ? ' (and RETRY_NOWAIT)' : ''),
          related,
          ...(fixes.length ? { fixes } : {}),
        });
        break; // one finding per condition
      }
    }
    return out;
  },
};
