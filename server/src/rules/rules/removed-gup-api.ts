/**
 * removed-gup-api (tier 2, per API, error): a GUP-family call, flag or lock field that does not exist (or has another
 * arity) in the era — the code does not build there (kernel-semantics.md §1 signatures table, rules.md's list):
 * - a GUP function outside its eras (get_user_pages_longterm 4.15–5.1, get_user_pages_locked 4.0–5.17,
 *   __get_user_pages_fast ≤5.7, pin_user_pages_fast_only 5.8–6.2, …);
 * - another era's arity (tsk/mm ≥4.6 for get_user_pages/_locked/_unlocked, tsk of _remote/pin_user_pages_remote/
 *   fixup_user_fault ≥5.9, write/force ints ≥4.9, vmas ≥6.5, fixup_user_fault's `unlocked` from 4.5);
 * - get_user_pages_fast's int write until 5.2 given FOLL_* flags;
 * - __get_user_pages outside mm/ after 4.4, __get_user_pages_unlocked after 4.9; FOLL_PIN/FOLL_TRIED/FOLL_UNLOCKABLE outside
 *   mm/ from 6.4 (mm/internal.h); the `mmap_sem` field from 5.8 (renamed mmap_lock).
 * The era comes from the runner (consensus over a hint range): a file whose own calls gave the hints is never
 * flagged for them, since every era of the range has that API.
 */
import { compareEra, eraAtLeast, eraAtMost, formatEra, parseEra, type Era } from '../../../../common/era';
import { GUP_SIGNATURES, gupSignatureFor } from '../../c/gup-signatures';
import type { ArgRole, CfgNode, FunctionFacts, GupCallFact, GupFunction, LockOpFact, Range } from '../../c/types';
import { argByRole, flagsFromWriteForce, formatCall, indentOf, rebuildArgs, visualWidth, writeFromFlags } from '../analysis/gup-args';
import type { Fix, Rule, RuleContext, RuleFinding } from '../types';

const MMAP_API: Record<string, string> = {
  down_read: 'mmap_read_lock',
  up_read: 'mmap_read_unlock',
  down_write: 'mmap_write_lock',
  up_write: 'mmap_write_unlock',
  down_read_killable: 'mmap_read_lock_killable',
  down_write_killable: 'mmap_write_lock_killable',
  down_read_trylock: 'mmap_read_trylock',
  down_write_trylock: 'mmap_write_trylock',
  downgrade_write: 'mmap_write_downgrade',
};

const INTERNAL_FOLL = /\bFOLL_(?:PIN|TRIED|UNLOCKABLE)\b/g;

function eraSpan(fn: GupFunction): { from?: Era; to?: Era } {
  const sigs = GUP_SIGNATURES[fn];
  const from = sigs.some((s) => !s.eras.from) ? undefined : sigs.map((s) => parseEra(s.eras.from!)).sort(compareEra)[0];
  const to = sigs.some((s) => !s.eras.to) ? undefined : sigs.map((s) => parseEra(s.eras.to!)).sort(compareEra).at(-1);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

const next = (e: Era): string => {
  const last: Record<number, number> = { 3: 19, 4: 20, 5: 19 };
  return e.minor >= (last[e.major] ?? 99) ? `${e.major + 1}.0` : `${e.major}.${e.minor + 1}`;
};

const REPLACEMENT: Partial<Record<GupFunction, string>> = {
  get_user_pages_longterm: 'pass FOLL_LONGTERM to get_user_pages (5.2–5.6) or pin_user_pages (from 5.6; release with unpin_user_pages)',
  get_user_pages_locked: 'use get_user_pages_remote(current->mm, …, &locked) (note: _remote adds FOLL_REMOTE), or get_user_pages_unlocked when the caller does not need the lock afterwards',
  __get_user_pages_fast: 'get_user_pages_fast_only(start, nr_pages, gup_flags, pages) replaced it (same IRQ-safe, never-faulting walk)',
  pin_user_pages_fast_only: 'it had no users; pin with pin_user_pages_fast, or use get_user_pages_fast_only for an IRQ-safe reference',
  pin_user_pages_locked: 'use pin_user_pages_remote(current->mm, …, &locked)',
};

function fullLineText(ctx: RuleContext, r: Range): boolean {
  for (let l = r.start.line; l <= r.end.line; l++) if (ctx.line(l) === undefined) return false;
  return true;
}

function callEdit(ctx: RuleContext, g: GupCallFact, callee: string, args: string[]): Fix['edits'] | undefined {
  const line = ctx.line(g.range.start.line);
  if (line === undefined || !fullLineText(ctx, g.range)) return undefined;
  const col = visualWidth(line.slice(0, g.range.start.column));
  return [{ range: g.range, newText: formatCall(callee, args, col, indentOf(line)) }];
}

function roleList(roles: readonly ArgRole[]): string {
  return `(${roles.join(', ')})`;
}

function fillFor(g: GupCallFact): Partial<Record<ArgRole, string>> {
  const plain = g.callee === 'get_user_pages' || g.callee === 'get_user_pages_locked' || g.callee === 'get_user_pages_unlocked';
  return { tsk: plain ? 'current' : 'NULL', vmas: 'NULL', locked: 'NULL', unlocked: 'NULL', nonblocking: 'NULL' };
}

function gupFinding(g: GupCallFact, ctx: RuleContext): RuleFinding | undefined {
  const era = ctx.era;
  const E = formatEra(era);
  if (g.callee === '__get_user_pages') {
    if (ctx.inMm || eraAtMost(era, '4.4')) return undefined;
    return {
      range: g.calleeRange,
      message: `__get_user_pages is not exported after 4.4 (static in mm/gup.c): outside mm/ this does not build in ${E}. Use get_user_pages_remote(…, &locked) for a call that may drop the lock, or get_user_pages_unlocked`,
      related: [],
    };
  }
  if (!g.existsInEra) {
    const span = eraSpan(g.callee);
    const notYet = span.from && compareEra(era, span.from) < 0;
    const when = notYet ? `it was added in ${formatEra(span.from!)}` : `it was removed in ${span.to ? next(span.to) : '?'}`;
    let message = `${g.callee} does not exist in ${E} (${when}): this does not build`;
    const fixes: Fix[] = [];
    if (!notYet && REPLACEMENT[g.callee]) message += `; ${REPLACEMENT[g.callee]}`;
    if (g.callee === '__get_user_pages_fast' && !notYet) {
      const sig = gupSignatureFor('get_user_pages_fast_only', era);
      const w = argByRole(g, 'write');
      if (sig && w && g.args.every((a) => a.role)) {
        const args = g.args.map((a) => (a.role === 'write' ? flagsFromWriteForce(a.text) : a.text.trim()));
        const edits = callEdit(ctx, g, 'get_user_pages_fast_only', args);
        if (edits) fixes.push({ title: 'Replace with get_user_pages_fast_only(start, nr_pages, gup_flags, pages)', kind: 'quickfix', isPreferred: true, edits });
      }
    }
    if (g.callee === 'get_user_pages_longterm' && !notYet && eraAtMost(era, '5.5') && g.args.every((a) => a.role)) {
      const flags = argByRole(g, 'gup_flags');
      const sig = gupSignatureFor('get_user_pages', era);
      if (flags && sig && sig.roles.length === g.args.length) {
        const args = g.args.map((a) => (a.role === 'gup_flags' ? `${a.text.trim()} | FOLL_LONGTERM` : a.text.trim()));
        const edits = callEdit(ctx, g, 'get_user_pages', args);
        if (edits) fixes.push({ title: 'Replace with get_user_pages(…, gup_flags | FOLL_LONGTERM, …)', kind: 'quickfix', isPreferred: true, edits });
      }
    }
    if (g.callee === 'get_user_pages_remote' && notYet && g.args.length === 8) {
      // 4.6 split get_user_pages(tsk, mm, …) into get_user_pages (current->mm) and get_user_pages_remote: before it, the
      // same eight arguments go to get_user_pages.
      const sig = gupSignatureFor('get_user_pages', era);
      if (sig && sig.roles.length === 8) {
        message += '; before 4.6 get_user_pages itself takes (tsk, mm, …)';
        fixes.push({ title: 'Replace with get_user_pages(tsk, mm, …) (the pre-4.6 form)', kind: 'quickfix', isPreferred: true, edits: [{ range: g.calleeRange, newText: 'get_user_pages' }] });
      }
    }
    return { range: g.calleeRange, message, related: [], ...(fixes.length ? { fixes } : {}) };
  }
  // The fact's mismatch is against the era the facts were extracted for (the document's representative era); the
  // runner asks for every era of a hint range, and in an era whose signature has this arity the call builds.
  const sigHere = gupSignatureFor(g.callee, era);
  if (g.arityMismatch && !(sigHere && sigHere.roles.length === g.arityMismatch.actual)) {
    const sig = sigHere!;
    const other = g.arityMismatch.matchingEras.map((r) => (r.from && r.to ? `${r.from}–${r.to}` : r.from ? `≥${r.from}` : `≤${r.to}`)).join(', ');
    let message = `${g.callee} takes ${sig.roles.length} arguments in ${E} ${roleList(sig.roles)}, this call passes ${g.arityMismatch.actual}${other ? ` (the ${other} form)` : ''}: this does not build`;
    const vmas = argByRole(g, 'vmas');
    if (vmas && !vmas.isNull && !sig.roles.includes('vmas'))
      message += '; from 6.5 there is no vmas argument: look the vma up under the lock after the call, or use get_user_page_vma_remote(mm, addr, gup_flags, &vma)';
    const fixes: Fix[] = [];
    if (g.arityMismatch.matchingEras.length) {
      let callee: GupFunction = g.callee;
      let args = rebuildArgs(g, sig.roles, fillFor(g));
      const mm = argByRole(g, 'mm');
      if (g.callee === 'get_user_pages' && mm && !sig.roles.includes('mm') && args === undefined) {
        // ≥4.6: get_user_pages(tsk, mm, …) on another mm is get_user_pages_remote.
        const remote = gupSignatureFor('get_user_pages_remote', era);
        const rArgs = remote && rebuildArgs(g, remote.roles, fillFor(g));
        if (remote && rArgs) {
          callee = 'get_user_pages_remote';
          args = rArgs;
          message += `; the mm is \`${mm.text.trim()}\`, not current->mm: from 4.6 that is get_user_pages_remote`;
        }
      }
      const edits = args && callEdit(ctx, g, callee, args);
      if (edits) fixes.push({ title: `Rewrite for ${E}: ${callee}${roleList(gupSignatureFor(callee, era)!.roles)}`, kind: 'quickfix', isPreferred: true, edits });
    }
    return { range: g.range, message, related: [], ...(fixes.length ? { fixes } : {}) };
  }
  if (g.callee === 'get_user_pages_fast' && eraAtMost(era, '5.1')) {
    const w = argByRole(g, 'write');
    if (w && w.flagNames.length) {
      const fixed = writeFromFlags(w.text);
      const message = `get_user_pages_fast takes an int write until 5.2, not gup_flags: \`${w.text.trim()}\` in ${E} means only "write" (${w.flagNames.filter((n) => n !== 'FOLL_WRITE').join(', ') || 'no other flag'} is lost, and any non-zero value asks for write access)`;
      return {
        range: w.range,
        message,
        related: [{ range: g.range, message: 'the get_user_pages_fast call' }],
        ...(fixed !== undefined ? { fixes: [{ title: `Pass the int write: ${fixed}`, kind: 'quickfix' as const, isPreferred: true, edits: [{ range: w.range, newText: fixed }] }] } : {}),
      };
    }
  }
  return undefined;
}

/** Every occurrence of `re` in the node's own lines (not nested statements: the node text is its own statement). */
function occurrences(node: CfgNode, ctx: RuleContext, re: RegExp): { range: Range; text: string }[] {
  const out: { range: Range; text: string }[] = [];
  for (let l = node.range.start.line; l <= node.range.end.line; l++) {
    const text = ctx.line(l);
    if (text === undefined) continue;
    const from = l === node.range.start.line ? node.range.start.column : 0;
    const to = l === node.range.end.line ? node.range.end.column : text.length;
    for (const m of text.slice(from, to).matchAll(re)) {
      const c = from + m.index;
      out.push({ range: { start: { line: l, column: c }, end: { line: l, column: c + m[0].length } }, text: m[0] });
    }
  }
  return out;
}

function mmapSemFix(l: LockOpFact, ctx: RuleContext): Fix | undefined {
  const api = MMAP_API[l.callee];
  if (!api || !l.mm || l.api !== 'rwsem' || !fullLineText(ctx, l.range)) return undefined;
  return { title: `Replace with ${api}(${l.mm})`, kind: 'quickfix', isPreferred: true, edits: [{ range: l.range, newText: `${api}(${l.mm})` }] };
}

export const removedGupApi: Rule = {
  id: 'removed-gup-api',
  tier: 2,
  severity: 'error',
  eras: {},
  erasText: 'per API',
  title: 'a GUP-family call, argument list, internal FOLL_ flag or the mmap_sem field that does not exist in the era',
  fixText: 'Rewrite to the era\'s replacement where it is mechanical (argument order, write/force → gup_flags, mmap_sem → mmap_*_lock)',
  check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
    const out: RuleFinding[] = [];
    const era = ctx.era;
    for (const g of fn.gupCalls) {
      if (g.unreliable) continue;
      const f = gupFinding(g, ctx);
      if (f) out.push(f);
    }
    const seen = new Set<string>();
    const key = (r: Range): string => `${r.start.line}:${r.start.column}`;
    if (eraAtLeast(era, '5.8')) {
      for (const l of fn.lockOps) {
        if (l.unreliable || l.spelling !== 'mmap_sem') continue;
        const fix = mmapSemFix(l, ctx);
        seen.add(`${l.range.start.line}`);
        out.push({
          range: l.range,
          message: `mm->mmap_sem was renamed mmap_lock in 5.8 and is taken through the mmap_*_lock API: \`${l.callee}(&…->mmap_sem)\` does not build in ${formatEra(era)}`,
          related: [],
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
    const needFoll = eraAtLeast(era, '6.4') && !ctx.inMm;
    const needSem = eraAtLeast(era, '5.8');
    // __get_user_pages_unlocked stayed exported (and used by virt/kvm) through 4.9; 4.10 unexported it (the spec's
    // "4.0–4.4 exported" is contradicted by 4.9's mm/gup.c: EXPORT_SYMBOL(__get_user_pages_unlocked)).
    const needUnlocked = eraAtLeast(era, '4.10') && !ctx.inMm;
    if (!needFoll && !needSem && !needUnlocked) return out;
    for (const node of fn.cfg.nodes) {
      if (node.unreliable || node.kind === 'entry' || node.kind === 'exit') continue;
      if (needFoll && /\bFOLL_(?:PIN|TRIED|UNLOCKABLE)\b/.test(node.text)) {
        for (const o of occurrences(node, ctx, INTERNAL_FOLL)) {
          if (seen.has(key(o.range))) continue;
          seen.add(key(o.range));
          out.push({
            range: o.range,
            message: `${o.text} is internal to mm/ from 6.4 (mm/internal.h): outside mm/ it is not defined in ${formatEra(era)}${o.text === 'FOLL_PIN' ? '; pin through pin_user_pages* instead' : ''}`,
            related: [],
          });
        }
      }
      if (needSem && /->\s*mmap_sem\b/.test(node.text) && !seen.has(`${node.range.start.line}`)) {
        const lockHere = fn.lockOps.some((l) => l.node === node.id && l.spelling === 'mmap_sem');
        if (!lockHere) {
          for (const o of occurrences(node, ctx, /->\s*mmap_sem\b/g)) {
            out.push({
              range: o.range,
              message: `mm->mmap_sem was renamed mmap_lock in 5.8: this does not build in ${formatEra(era)} (use the mmap_*_lock API, e.g. mmap_assert_locked(mm), rwsem_is_locked(&mm->mmap_lock))`,
              related: [],
            });
          }
        }
      }
      if (needUnlocked && node.calls.includes('__get_user_pages_unlocked')) {
        for (const o of occurrences(node, ctx, /\b__get_user_pages_unlocked\b(?=\s*\()/g)) {
          out.push({
            range: o.range,
            message: `__get_user_pages_unlocked is not part of the API after 4.9 (unexported in 4.10): outside mm/ this does not build in ${formatEra(era)}; use get_user_pages_unlocked (or get_user_pages_remote with &locked for another mm)`,
            related: [],
          });
        }
      }
    }
    return out;
  },
};
