/**
 * gup-convertible-to-unlocked (tier 1, ≥4.0, information): `lock; n = get_user_pages(…, NULL); unlock;` on
 * current->mm. get_user_pages never drops the mmap lock: it holds it through page-in I/O and, from 4.3, cannot
 * wait on userfaultfd (the fault fails: -EFAULT). get_user_pages_unlocked takes the lock itself and may drop it;
 * get_user_pages_fast first walks the page tables without it (kernel-semantics.md §1, "Preconditions for the rewrite").
 */
import { eraAtLeast, eraAtMost, type Era } from '../../../../common/era';
import { gupSignatureFor } from '../../c/gup-signatures';
import type { GupCallFact, FunctionFacts, Range } from '../../c/types';
import {
  argByRole,
  formatCall,
  indentOf,
  isZeroLiteral,
  literalFlagNames,
  mmIsCurrent,
  rebuildArgs,
  squash,
  visualWidth,
} from '../analysis/gup-args';
import { straightLockRegion, type LockRegion } from '../analysis/lock-region';
import type { Fix, Rule, RuleContext, RuleFinding, TextEdit } from '../types';

/** Flags get_user_pages_unlocked handles like get_user_pages (anything else: no rewrite). */
const UNLOCKED_OK = new Set(['FOLL_WRITE', 'FOLL_FORCE', 'FOLL_HWPOISON', 'FOLL_TOUCH']);
const CALL_STMT = /^(?:[\w\s*>.[\]-]+=\s*)?get_user_pages\s*\([\s\S]*\)\s*;$/;

function lockName(era: Era): string {
  return eraAtLeast(era, '5.8') ? 'mmap_lock' : 'mmap_sem';
}

function whatHappens(era: Era): string {
  const l = lockName(era);
  return eraAtLeast(era, '4.3')
    ? `get_user_pages holds ${l} for the whole call, through page-in I/O, and cannot drop it to wait for userfaultfd: a fault on a userfaultfd-registered range fails with -EFAULT`
    : `get_user_pages holds ${l} for the whole call, through page-in I/O: a writer of ${l} (mmap, munmap, another thread's fault) waits behind the I/O`;
}

/** Why no rewrite is offered, or undefined when it may be. */
function flagsVerdict(g: GupCallFact, era: Era): { block?: string; force: boolean; fastFlags: boolean } {
  const flagsArg = argByRole(g, 'gup_flags');
  if (!flagsArg) {
    const force = argByRole(g, 'force');
    return { force: !force || !isZeroLiteral(force.text), fastFlags: true };
  }
  const names = g.flagNames;
  if (eraAtLeast(era, '5.2') && names.includes('FOLL_LONGTERM'))
    return { block: 'get_user_pages_unlocked rejects FOLL_LONGTERM in this era (WARN, -EINVAL)', force: false, fastFlags: false };
  const odd = names.filter((n) => !UNLOCKED_OK.has(n));
  if (odd.length) return { block: `${odd.join(', ')} may not behave the same with the lock-dropping variants: convert by hand`, force: false, fastFlags: false };
  const lit = literalFlagNames(flagsArg.text);
  if (lit === undefined && g.flagsVia.length === 0)
    return { block: `the flags (\`${flagsArg.text.trim()}\`) are not known here and may carry a flag the lock-dropping variants treat differently (FOLL_LONGTERM, FOLL_NOWAIT)`, force: false, fastFlags: false };
  return { force: names.includes('FOLL_FORCE'), fastFlags: lit !== undefined && lit.every((n) => n === 'FOLL_WRITE') };
}

function wholeLine(ctx: RuleContext, r: Range, text: string): TextEdit | undefined {
  if (r.start.line !== r.end.line) return undefined;
  const line = ctx.line(r.start.line);
  if (line === undefined || line.trim() !== text.trim()) return undefined;
  return { range: { start: { line: r.start.line, column: 0 }, end: { line: r.start.line + 1, column: 0 } }, newText: '' };
}

function rewrite(g: GupCallFact, region: LockRegion, fn: FunctionFacts, ctx: RuleContext, callee: 'get_user_pages_unlocked' | 'get_user_pages_fast', args: string[]): TextEdit[] | undefined {
  const lockNode = fn.cfg.nodes[region.lock.node]!;
  const unlockNode = fn.cfg.nodes[region.unlock.node]!;
  const del1 = wholeLine(ctx, lockNode.range, lockNode.text);
  const del2 = wholeLine(ctx, unlockNode.range, unlockNode.text);
  const callLine = ctx.line(g.range.start.line);
  if (!del1 || !del2 || callLine === undefined) return undefined;
  for (let l = g.range.start.line; l <= g.range.end.line; l++) if (ctx.line(l) === undefined) return undefined;
  const col = visualWidth(callLine.slice(0, g.range.start.column));
  const text = formatCall(callee, args, col, indentOf(callLine));
  return [del1, { range: g.range, newText: text }, del2];
}

export const gupConvertibleToUnlocked: Rule = {
  id: 'gup-convertible-to-unlocked',
  tier: 1,
  severity: 'information',
  eras: { from: '4.0' },
  erasText: '≥4.0',
  title: 'get_user_pages under a lock taken only for it: holds the mmap lock through I/O; get_user_pages_unlocked/_fast can drop it',
  fixText: 'Rewrite to get_user_pages_unlocked with the era\'s argument order (get_user_pages_fast preferred when no FOLL_FORCE or other special flag)',
  check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
    const out: RuleFinding[] = [];
    const era = ctx.era;
    for (const g of fn.gupCalls) {
      if (g.callee !== 'get_user_pages' || g.unreliable || !g.existsInEra || g.arityMismatch || g.node < 0) continue;
      if (g.vmasNull === false) continue; // the caller needs the vmas: only valid while it holds the lock
      const node = fn.cfg.nodes[g.node];
      if (!node || (node.kind !== 'stmt' && node.kind !== 'decl') || !CALL_STMT.test(node.text)) continue;
      const region = straightLockRegion(fn, g.node);
      if (!region) continue;
      const lockMm = region.lock.mm;
      if (!g.mmImplied && squash(g.mm ?? '?') !== squash(lockMm ?? '!')) continue; // ≤4.5: GUP on another mm than the one locked
      const related = [
        { range: region.lock.range, message: `${lockName(era)} taken here` },
        { range: region.unlock.range, message: `${lockName(era)} released here` },
      ];
      let message = whatHappens(era);
      const fixes: Fix[] = [];
      const current = mmIsCurrent(lockMm, fn, ctx) && (g.mmImplied || mmIsCurrent(g.mm, fn, ctx));
      const fv = flagsVerdict(g, era);
      if (region.others.length) {
        const lines = region.others.map((n) => n.range.start.line + 1).join(', ');
        const alt = eraAtLeast(era, '5.18')
          ? 'get_user_pages_remote(mm, …, &locked) with `int locked = 1` and `if (locked)` before the unlock'
          : 'get_user_pages_locked(…, &locked) with `int locked = 1` and `if (locked)` before the unlock';
        message += `. The locked region also runs other statements (line ${lines}), so it is not a plain get_user_pages_unlocked: move them out of the lock, or let the call drop the lock with ${alt}`;
      } else if (!current && !(g.mmImplied === false && eraAtMost(era, '4.5') && !fv.block)) {
        message += `. No rewrite: the lock is on \`${lockMm ?? '?'}\`, which this function does not show to be current->mm, and get_user_pages_unlocked / get_user_pages_fast${eraAtLeast(era, '4.6') ? ' always work on current->mm' : ' are rewritten here only for current->mm'}`;
      } else if (fv.block) {
        message += `. No rewrite: ${fv.block}`;
      } else {
        const unlockedSig = gupSignatureFor('get_user_pages_unlocked', era)!;
        const uArgs = rebuildArgs(g, unlockedSig.roles);
        const tsk = argByRole(g, 'tsk');
        const fastSig = gupSignatureFor('get_user_pages_fast', era)!;
        const fastOk = current && !fv.force && fv.fastFlags && (!tsk || squash(tsk.text) === 'current');
        const fArgs = fastOk ? rebuildArgs(g, fastSig.roles) : undefined;
        const fEdits = fArgs && rewrite(g, region, fn, ctx, 'get_user_pages_fast', fArgs);
        const uEdits = uArgs && rewrite(g, region, fn, ctx, 'get_user_pages_unlocked', uArgs);
        message += current
          ? '; get_user_pages_unlocked takes the lock itself and can drop it'
          : `; up to 4.5 get_user_pages_unlocked(tsk, mm, …) takes the lock of \`${lockMm ?? '?'}\` itself and can drop it (get_user_pages_fast works on current->mm only)`;
        if (fEdits) message += ', and get_user_pages_fast (no FOLL_FORCE or other special flag here) first pins without it';
        else if (fv.force) message += ' (FOLL_FORCE: get_user_pages_fast does not apply)';
        if (fEdits)
          fixes.push({ title: `Replace the locked get_user_pages with get_user_pages_fast(${fastSig.roles.join(', ')})`, kind: 'quickfix', isPreferred: true, edits: fEdits });
        if (uEdits) {
          const title = `Replace the locked get_user_pages with get_user_pages_unlocked(${unlockedSig.roles.join(', ')})`;
          fixes.push({ title, kind: 'quickfix', edits: uEdits });
          fixes.push({ title, kind: 'refactor.rewrite', edits: uEdits });
        }
      }
      out.push({ range: g.range, message, related, ...(fixes.length ? { fixes } : {}) });
    }
    return out;
  },
};
