/**
 * unlock-after-retry (rules.md, tier 1): after handle_mm_fault() reported VM_FAULT_RETRY (without RETRY_NOWAIT) or
 * VM_FAULT_COMPLETED, the callee has already released the mmap lock (kernel-semantics.md §3): unlocking again, or
 * touching the vma, on that path is a double unlock / use of a vma that may be gone.
 * VMA-lock part: from 6.6 handle_mm_fault(… | FAULT_FLAG_VMA_LOCK) also releases the per-VMA lock on RETRY /
 * COMPLETED (in 6.4 and 6.5 it returns with it held and the handler always calls vma_end_read()).
 */
import { formatEra } from '../../../../common/era';
import type { FunctionFacts } from '../../c/types';
import { lockStatus, tieNowaitPossible, tieRetry, type Tie } from '../analysis/lock-state';
import {
  deleteStatementLine,
  lockName,
  lockTakenBefore,
  mmapReleases,
  releaseRelated,
  reportedBits,
  trustedLockStates,
  vmaReleases,
  vmaUses,
} from '../analysis/lock-sites';
import type { Rule, RuleContext, RuleFinding } from '../types';

/** An unconditional release after a call that may report RETRY: fire only when RETRY is certainly possible. */
function retryPossible(t: Tie): boolean {
  return t.allowRetry === 'yes' && !tieNowaitPossible(t) && tieRetry(t) !== 'clear';
}

function check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
  const a = trustedLockStates(fn, ctx.era);
  if (!a) return [];
  const out: RuleFinding[] = [];
  const era = formatEra(ctx.era);
  for (const { op, state } of mmapReleases(fn, a)) {
    const lock = lockName(fn, op);
    const st = lockStatus(state.mmap);
    let tie: Tie | undefined;
    let certain = false;
    if (st.s === 'released' && st.cause === 'fault' && state.mmap.k === 'tie') {
      tie = state.mmap.tie;
      certain = true;
    } else if (st.s === 'maybe' && st.tie.sem === 'mmap-fault' && retryPossible(st.tie)) tie = st.tie;
    if (!tie) continue;
    const bits = reportedBits(tie);
    const callee = tie.origin.callee;
    const message = certain
      ? `${callee}() reported ${bits} on this path, so it already released ${lock}: this unlock releases a lock the task no longer holds (rwsem count corrupted; a writer or another reader's lock is released)`
      : `when ${callee}() returns VM_FAULT_RETRY it has already released ${lock}, and this unlock runs on that path too: double unlock (rwsem count corrupted). Test VM_FAULT_RETRY${tie.worlds & 0xcc ? ' and VM_FAULT_COMPLETED' : ''} before unlocking`;
    const related = [releaseRelated(lock, 'fault', tie.origin)];
    const taken = lockTakenBefore(fn, tie.origin.range.start);
    if (taken) related.push({ range: taken.range, message: `${lock} taken here` });
    const del = certain ? deleteStatementLine(ctx, op.range) : undefined;
    out.push({
      range: op.range,
      message,
      related,
      ...(del ? { fixes: [{ title: `Remove \`${op.callee}()\` on the path where ${callee}() already released ${lock}`, kind: 'quickfix' as const, isPreferred: true, edits: [del] }] } : {}),
    });
  }
  // VMA lock (≥6.6: the callee releases it on RETRY / COMPLETED).
  if (a.vmaReleasedByCallee) {
    for (const { op, state } of vmaReleases(fn, a)) {
      const st = lockStatus(state.vma);
      let tie: Tie | undefined;
      let certain = false;
      if (st.s === 'released' && st.cause === 'fault' && state.vma.k === 'tie') {
        tie = state.vma.tie;
        certain = true;
      } else if (st.s === 'maybe' && st.tie.sem === 'vma-fault' && tieRetry(st.tie) !== 'clear' && !tieNowaitPossible(st.tie)) tie = st.tie;
      if (!tie) continue;
      const bits = certain ? reportedBits(tie) : 'VM_FAULT_RETRY or VM_FAULT_COMPLETED';
      const message = certain
        ? `from 6.6 ${tie.origin.callee}(… FAULT_FLAG_VMA_LOCK) releases the VMA read lock itself when it reports ${bits} (this path): vma_end_read() here drops it a second time (era ${era}; correct only in 6.4–6.5)`
        : `from 6.6 ${tie.origin.callee}(… FAULT_FLAG_VMA_LOCK) releases the VMA read lock itself when it reports ${bits}; this vma_end_read() also runs on those paths and drops it a second time (era ${era}: call it only \`if (!(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))\`)`;
      out.push({
        range: op.range,
        message,
        related: [{ range: tie.origin.range, message: `VMA read lock released by ${tie.origin.callee}() here on ${bits}` }],
      });
    }
  }
  // The vma after the callee released the lock it was found under.
  for (const u of vmaUses(fn, a)) {
    if (u.status.s !== 'stale' || u.status.cause !== 'fault') continue;
    const lock = lockName(fn, undefined, ctx.era);
    out.push({
      range: u.range,
      message: `\`${u.v}\` is used after ${u.status.origin.callee}() released the lock it was found under (it reported VM_FAULT_RETRY or VM_FAULT_COMPLETED on this path): another thread may have unmapped and freed the vma meanwhile`,
      related: [
        releaseRelated(lock, 'fault', u.status.origin),
        { range: u.status.lookup.range, message: `\`${u.v}\` found here` },
      ],
    });
  }
  return out;
}

export const unlockAfterRetry: Rule = {
  id: 'unlock-after-retry',
  tier: 1,
  severity: 'error',
  eras: {},
  erasText: 'all (VMA-lock part: ≥6.6)',
  title: 'unlocks the mmap lock (or ends the VMA read lock, or uses the vma) after the fault handler already released it on VM_FAULT_RETRY / VM_FAULT_COMPLETED',
  fixText: 'remove the unlock on that path',
  check,
};
