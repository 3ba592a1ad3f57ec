/**
 * Conditions that test FAULT_FLAG_ALLOW_RETRY of one flags expression (`vmf->flags`, `flags`): which edge of the
 * condition is taken only when the bit is set, and whether the test also looks at TRIED (then it is a hand-written
 * "first attempt" check, not the plain bit test). Used by retry-first-check.
 *
 * Recognised shapes (after stripping outer parentheses and likely/unlikely):
 *   X & FAULT_FLAG_ALLOW_RETRY            (also `(X & …) != 0`, `!!(X & …)`)          bit test
 *   !(X & FAULT_FLAG_ALLOW_RETRY)         (also `(X & …) == 0`)                        negated bit test
 *   (X & (FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT)) == FAULT_FLAG_ALLOW_RETRY     the ≤5.6 filemap mask test
 * and `&&` / `||` combinations of them with other terms. Anything else: undefined (no verdict).
 */
import { splitTop, stripCondition } from './conditions';

export const ALLOW = 'FAULT_FLAG_ALLOW_RETRY';
export const NOWAIT = 'FAULT_FLAG_RETRY_NOWAIT';
const TRIED = 'FAULT_FLAG_TRIED';

export interface AllowRetryTest {
  /** The edge of the condition taken only when ALLOW_RETRY is set in X. */
  edge: 'true' | 'false';
  /** The term that tests ALLOW_RETRY (text as in the condition). */
  term: string;
  /** The mask form `(X & (ALLOW_RETRY | RETRY_NOWAIT)) == ALLOW_RETRY` (RETRY_NOWAIT known clear on that edge). */
  mask: boolean;
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex source matching the flags expression `x` with optional spaces around `->` / `.`. */
export function flagsExprSource(x: string): string {
  return x
    .split(/\s*(->|\.)\s*/)
    .map((p) => (p === '->' || p === '.' ? `\\s*${esc(p)}\\s*` : esc(p)))
    .join('');
}

type Polarity = { pos: boolean; term: string; mask: boolean } | undefined;

/** One term (no top-level && / ||): does it test ALLOW_RETRY of X, and with which polarity? */
function term(t: string, x: string): Polarity {
  const s = stripCondition(t);
  const X = flagsExprSource(x);
  const bit = new RegExp(`^\\(?\\s*${X}\\s*&\\s*\\(?\\s*${ALLOW}\\s*\\)?\\s*\\)?$`);
  const bitRev = new RegExp(`^\\(?\\s*${ALLOW}\\s*&\\s*${X}\\s*\\)?$`);
  const isBit = (u: string): boolean => bit.test(u) || bitRev.test(u);
  if (isBit(s)) return { pos: true, term: t.trim(), mask: false };
  let m = /^!\s*!\s*([\s\S]+)$/.exec(s);
  if (m && isBit(stripCondition(m[1]!))) return { pos: true, term: t.trim(), mask: false };
  m = /^!\s*([\s\S]+)$/.exec(s);
  if (m && isBit(stripCondition(m[1]!))) return { pos: false, term: t.trim(), mask: false };
  m = /^([\s\S]+?)\s*(==|!=)\s*0$/.exec(s);
  if (m && isBit(stripCondition(m[1]!))) return { pos: m[2] === '!=', term: t.trim(), mask: false };
  const mask = new RegExp(
    `^\\(\\s*${X}\\s*&\\s*\\(\\s*(?:${ALLOW}\\s*\\|\\s*${NOWAIT}|${NOWAIT}\\s*\\|\\s*${ALLOW})\\s*\\)\\s*\\)\\s*(==|!=)\\s*${ALLOW}$`,
  );
  m = mask.exec(s);
  if (m) return { pos: m[1] === '==', term: t.trim(), mask: true };
  return undefined;
}

/**
 * How `cond` tests ALLOW_RETRY of `x`; undefined when it does not, when the relation is not certain, or when the
 * condition also reads TRIED / calls fault_flag_allow_retry_first (a first-attempt check).
 */
export function allowRetryTest(cond: string, x: string): AllowRetryTest | undefined {
  if (new RegExp(`\\b${TRIED}\\b|\\bfault_flag_allow_retry_first\\b`).test(cond)) return undefined;
  if (!new RegExp(`\\b${ALLOW}\\b`).test(cond)) return undefined;
  const s = stripCondition(cond);
  const one = term(s, x);
  if (one) return { edge: one.pos ? 'true' : 'false', term: one.term, mask: one.mask };
  // a && b: the true edge has every term true; a || b: the false edge has every term false.
  const ands = splitTop(s, '&&');
  if (ands.length > 1) {
    const hits = ands.map((p) => term(p, x)).filter((p): p is NonNullable<Polarity> => !!p && p.pos);
    if (hits.length === 1) return { edge: 'true', term: hits[0]!.term, mask: hits[0]!.mask };
    return undefined;
  }
  const ors = splitTop(s, '||');
  if (ors.length > 1) {
    const hits = ors.map((p) => term(p, x)).filter((p): p is NonNullable<Polarity> => !!p && !p.pos);
    if (hits.length === 1) return { edge: 'false', term: hits[0]!.term, mask: hits[0]!.mask };
  }
  return undefined;
}

/**
 * The replacement text of an ALLOW_RETRY test term by the first-attempt check, keeping the spelling of the flags
 * expression: `X & FAULT_FLAG_ALLOW_RETRY` → `fault_flag_allow_retry_first(X)`; the mask form →
 * `fault_flag_allow_retry_first(X) && !(X & FAULT_FLAG_RETRY_NOWAIT)`. `text` is one line's text; returns the
 * [start, end) columns and the new text of the replaced part, or undefined when the test is not found once.
 */
export function firstCheckEdit(text: string, x: string, mask: boolean): { start: number; end: number; newText: string } | undefined {
  const X = flagsExprSource(x);
  const re = mask
    ? new RegExp(`\\(\\s*(${X})\\s*&\\s*\\(\\s*(?:${ALLOW}\\s*\\|\\s*${NOWAIT}|${NOWAIT}\\s*\\|\\s*${ALLOW})\\s*\\)\\s*\\)\\s*==\\s*${ALLOW}\\b`, 'g')
    : new RegExp(`(?<![\\w>.])(${X})\\s*&\\s*${ALLOW}\\b`, 'g');
  const all = [...text.matchAll(re)];
  if (all.length !== 1) return undefined;
  const m = all[0]!;
  const spelled = m[1]!;
  const newText = mask
    ? `(fault_flag_allow_retry_first(${spelled}) && !(${spelled} & ${NOWAIT}))`
    : `fault_flag_allow_retry_first(${spelled})`;
  return { start: m.index!, end: m.index! + m[0].length, newText };
}
