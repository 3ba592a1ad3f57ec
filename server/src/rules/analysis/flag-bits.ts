/**
 * Forward, path-sensitive values of two fault-flag bits (ALLOW_RETRY, RETRY_NOWAIT) of one local flags variable at
 * each CFG node: 0 (clear), 1 (set) or unknown, per path class. Starts unknown (a parameter, a field, an uninitialised
 * local); a declaration initialiser or an assignment of constant FAULT_FLAG_* names sets both, `|=` / `&= ~` of
 * constant names set / clear the bits named; anything else that may write the variable (an assignment of another
 * expression, `&var`, a macro mentioning it, an unparseable statement mentioning it) makes both unknown. A condition
 * testing a bit of the variable refines it on its edges (and drops contradicting paths). Back-edges are followed:
 * a retry that clears one bit and keeps the other is seen at the fault call.
 */
import type { CfgNode, FunctionFacts } from '../../c/types';
import { edgeImpliesBit, edgeImpliesNotBit } from './conditions';
import { cfgIndex } from './graph';
import { macroArgsMention } from './macro-args';

export type Bit = 0 | 1 | 2; // 2: unknown

export interface BitsState {
  allow: Bit;
  nowait: Bit;
  /** Index in fn.flagUpdates of the update that last set RETRY_NOWAIT (-1: none seen). */
  nowaitAt: number;
  /** Index in fn.flagUpdates of the update that last cleared ALLOW_RETRY (-1: none). */
  allowClearAt: number;
  /** The path went through an unresolved #if. */
  preproc: boolean;
}

const ALLOW = 'FAULT_FLAG_ALLOW_RETRY';
const NOWAIT = 'FAULT_FLAG_RETRY_NOWAIT';
/** FAULT_FLAG_DEFAULT (5.7) = ALLOW_RETRY | KILLABLE | INTERRUPTIBLE. */
const HAS_ALLOW = new Set([ALLOW, 'FAULT_FLAG_DEFAULT']);

const key = (s: BitsState): string => `${s.allow}${s.nowait}${s.nowaitAt},${s.allowClearAt}${+s.preproc}`;

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names of a constant flags expression (`A | (B | C)`, `0`), or undefined when it is not one. */
export function constantFlags(expr: string): string[] | undefined {
  const s = expr.trim();
  if (!/^[\s()|]*(?:(?:FAULT_FLAG_[A-Z0-9_]+|0)[\s()|]*)+$/.test(s)) return undefined;
  return s.match(/FAULT_FLAG_[A-Z0-9_]+/g) ?? [];
}

function bitsOf(names: string[]): { allow: Bit; nowait: Bit } {
  return { allow: names.some((n) => HAS_ALLOW.has(n)) ? 1 : 0, nowait: names.includes(NOWAIT) ? 1 : 0 };
}

/**
 * States of `v` on entry to each node (before the node's own effect), or undefined when the function cannot be
 * analysed (too many states).
 */
export function flagBits(fn: FunctionFacts, v: string): Map<number, BitsState[]> | undefined {
  const { succ } = cfgIndex(fn);
  const nodes = fn.cfg.nodes;
  const V = esc(v);
  const mentionRe = new RegExp(`(?<![\\w>.])${V}(?!\\w)`);
  const asgRe = new RegExp(`(?<![\\w>.])${V}\\s*(?:[|&^+\\-*/%]|<<|>>)?=(?!=)`);
  const addrRe = new RegExp(`&\\s*${V}(?![\\w])`);
  const incRe = new RegExp(`(?:\\+\\+|--)\\s*${V}\\b|(?<![\\w>.])${V}\\s*(?:\\+\\+|--)`);
  const updatesAt = new Map<number, number[]>();
  fn.flagUpdates.forEach((u, i) => {
    if (u.variable !== v) return;
    const l = updatesAt.get(u.node) ?? [];
    l.push(i);
    updatesAt.set(u.node, l);
  });

  const unknown = (s: BitsState): BitsState => ({ ...s, allow: 2, nowait: 2 });
  const apply = (s: BitsState, n: CfgNode): BitsState => {
    if (n.unreliable) return mentionRe.test(n.text) ? unknown(s) : s;
    let out = s;
    const ups = updatesAt.get(n.id) ?? [];
    for (const i of ups) {
      const u = fn.flagUpdates[i]!;
      if (u.unreliable) return unknown(out);
      const eq = u.text.indexOf('=');
      const rhs = eq >= 0 ? u.text.slice(eq + 1) : '';
      if (u.op === 'assign') {
        const names = constantFlags(rhs);
        if (!names) return unknown(out);
        const b = bitsOf(names);
        out = { ...out, ...b, nowaitAt: b.nowait ? i : -1, allowClearAt: -1 };
      } else if (u.op === 'set') {
        const names = constantFlags(rhs);
        if (!names) {
          // `flags |= cond ? A : B`, `flags |= other`: the named bits may be set, others unknown unless already set.
          out = { ...out, allow: out.allow === 1 ? 1 : 2, nowait: out.nowait === 1 ? 1 : 2 };
          continue;
        }
        const b = bitsOf(names);
        if (b.allow) out = { ...out, allow: 1, allowClearAt: -1 };
        if (b.nowait) out = { ...out, nowait: 1, nowaitAt: i };
      } else {
        const m = /^\s*~\s*([\s\S]+)$/.exec(rhs);
        const names = m ? constantFlags(m[1]!) : undefined;
        if (!names) {
          out = { ...out, allow: out.allow === 0 ? 0 : 2, nowait: out.nowait === 0 ? 0 : 2 };
          continue;
        }
        if (names.includes(ALLOW)) out = { ...out, allow: 0, allowClearAt: i };
        if (names.includes(NOWAIT)) out = { ...out, nowait: 0, nowaitAt: -1 };
      }
    }
    const text = n.text.replace(/&&/g, ' ');
    const unseenWrite = !ups.length && n.kind !== 'cond' && asgRe.test(n.text);
    const macro = macroArgsMention(n.text, n.calls, mentionRe);
    if (unseenWrite || addrRe.test(text) || incRe.test(n.text) || macro) return unknown(out);
    return out;
  };

  /** Refine on a condition edge testing a bit of v; undefined: the path is infeasible. */
  const refine = (s: BitsState, n: CfgNode, label: string): BitsState | undefined => {
    if (n.kind !== 'cond' || (label !== 'true' && label !== 'false') || !mentionRe.test(n.text)) return s;
    const e = { from: n.id, to: -1, label: label as 'true' | 'false', back: false };
    let out: BitsState = s;
    for (const [bit, field] of [[ALLOW, 'allow'], [NOWAIT, 'nowait']] as const) {
      // Only a test of this variable: the bit appears once, right after `v &`.
      const occurrences = n.text.match(new RegExp(`\\b${bit}\\b`, 'g'))?.length ?? 0;
      if (occurrences !== 1 || !new RegExp(`(?<![\\w>.])${V}\\s*&\\s*\\(?\\s*${bit}\\b`).test(n.text)) continue;
      if (/==|!=/.test(n.text)) continue;
      if (edgeImpliesBit(n, e, [bit])) {
        if (out[field] === 0) return undefined;
        out = { ...out, [field]: 1 };
      } else if (edgeImpliesNotBit(n, e, [bit])) {
        if (out[field] === 1) return undefined;
        out = { ...out, [field]: 0 };
      }
    }
    return out;
  };

  const init: BitsState = { allow: 2, nowait: 2, nowaitAt: -1, allowClearAt: -1, preproc: false };
  const at = new Map<number, Map<string, BitsState>>();
  const add = (id: number, s: BitsState): boolean => {
    const m = at.get(id) ?? new Map<string, BitsState>();
    at.set(id, m);
    const k = key(s);
    if (m.has(k)) return false;
    m.set(k, s);
    return true;
  };
  add(fn.cfg.entry, init);
  const work: [number, BitsState][] = [[fn.cfg.entry, init]];
  let steps = 0;
  while (work.length) {
    if (++steps > 100_000) return undefined;
    const [id, s] = work.pop()!;
    const n = nodes[id]!;
    const after = apply(s, n);
    for (const e of succ[id]!) {
      let t: BitsState | undefined = after;
      if (n.kind === 'cond' && n.text.startsWith('#')) t = { ...t, preproc: true };
      t = refine(t, n, e.label);
      if (!t) continue;
      if (add(e.to, t)) work.push([e.to, t]);
    }
  }
  return new Map([...at].map(([id, m]) => [id, [...m.values()]]));
}
