/**
 * nowait-retry-lock-leak (rules.md, tier 3, all eras): handle_mm_fault() returned VM_FAULT_RETRY with
 * FAULT_FLAG_RETRY_NOWAIT in the flags — the mmap lock is still held — and the path treats it as dropped: it reports
 * `*locked = 0` / `*nonblocking = 0` to its caller, or returns without the unlock the function does on its other
 * paths. Up to 4.4 the kernel's own faultin_page() did exactly this (fixed in 4.16 by testing RETRY_NOWAIT): the rule
 * is right to fire there.
 */
import type { FunctionFacts } from '../../c/types';
import { lockStatus, type Tie } from '../analysis/lock-state';
import { lockName, trustedLockStates } from '../analysis/lock-sites';
import type { Rule, RuleContext, RuleFinding } from '../types';

const R = 1;
const N = 4;

/** Every world left has RETRY set and not COMPLETED; `all` = every world has RETRY_NOWAIT, else some. */
function nowaitRetry(t: Tie, all: boolean): boolean {
  if (t.sem !== 'mmap-fault' || t.worlds === 0) return false;
  let some = false;
  for (let w = 0; w < 8; w++) {
    if (!(t.worlds & (1 << w))) continue;
    if (!(w & R) || w & 2) return false;
    if (w & N) some = true;
    else if (all) return false;
  }
  return some;
}

const REPORT_DROPPED = /^\s*(\*\s*\(?\s*(?:locked|nonblocking)\s*\)?|locked|nonblocking)\s*=\s*(?:0|false)\s*;/;

function check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
  const a = trustedLockStates(fn, ctx.era);
  if (!a) return [];
  const out: RuleFinding[] = [];
  const takes = fn.lockOps.some((l) => l.spelling !== 'vma' && (l.kind === 'acquire' || l.kind === 'killable' || l.kind === 'try') && l.api !== 'find-vma');
  const releases = fn.lockOps.some((l) => l.kind === 'release' && (l.mode === 'read' || l.mode === 'write'));
  for (const node of fn.cfg.nodes) {
    if (node.unreliable) continue;
    const s = a.in[node.id];
    if (!s || s.mmap.k !== 'tie') continue;
    const t = s.mmap.tie;
    const lock = lockName(fn, undefined, ctx.era);
    const related = [{ range: t.origin.range, message: `${t.origin.callee}() returns VM_FAULT_RETRY here without releasing ${lock} when the flags have FAULT_FLAG_RETRY_NOWAIT` }];
    const m = node.kind === 'stmt' ? REPORT_DROPPED.exec(node.text) : null;
    if (m && nowaitRetry(t, false)) {
      out.push({
        range: node.range,
        message: `on VM_FAULT_RETRY with FAULT_FLAG_RETRY_NOWAIT the callee kept ${lock}, but \`${m[1]!.replace(/\s+/g, '')} = 0\` tells the caller it was dropped: the caller skips its unlock and ${lock} is never released (tasks needing it for write hang); test \`!(fault_flags & FAULT_FLAG_RETRY_NOWAIT)\` first`,
        related,
      });
      continue;
    }
    if (node.kind === 'return' && takes && releases && nowaitRetry(t, true) && lockStatus(s.mmap).s === 'held') {
      out.push({
        range: node.range,
        message: `returns on VM_FAULT_RETRY with FAULT_FLAG_RETRY_NOWAIT still holding ${lock} (the callee did not drop it), while the other paths of this function unlock: ${lock} is leaked and writers hang`,
        related,
      });
    }
  }
  return out;
}

export const nowaitRetryLockLeak: Rule = {
  id: 'nowait-retry-lock-leak',
  tier: 3,
  severity: 'error',
  eras: {},
  erasText: 'all',
  title: 'after VM_FAULT_RETRY with RETRY_NOWAIT (lock still held) the path treats the mmap lock as dropped',
  fixText: 'unlock on that path',
  check,
};
