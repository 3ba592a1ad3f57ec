/**
 * Reading conditions of the CFG: which branch of `if (fault & VM_FAULT_RETRY)` is the retry, which tests a flag.
 * Conservative: anything not recognised is "unknown" (undefined), and rules treat unknown as "no finding".
 */
import type { CfgEdge, CfgNode } from '../../c/types';

/** Strips outer parentheses, `unlikely(…)` / `likely(…)` wrappers and whitespace. */
export function stripCondition(text: string): string {
  let s = text.trim();
  for (;;) {
    const m = /^(?:unlikely|likely)\s*\(([\s\S]*)\)$/.exec(s);
    if (m && balanced(m[1]!)) {
      s = m[1]!.trim();
      continue;
    }
    if (s.startsWith('(') && s.endsWith(')') && balanced(s.slice(1, -1))) {
      s = s.slice(1, -1).trim();
      continue;
    }
    return s;
  }
}

function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s) {
    if (ch === '(') d++;
    else if (ch === ')' && --d < 0) return false;
  }
  return d === 0;
}

/** Top-level split on an operator (&& or ||), outside parentheses. */
export function splitTop(s: string, op: '&&' | '||'): string[] {
  const parts: string[] = [];
  let d = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(') d++;
    else if (ch === ')') d--;
    else if (d === 0 && s.startsWith(op, i)) {
      parts.push(s.slice(last, i).trim());
      last = i + 2;
      i++;
    }
  }
  parts.push(s.slice(last).trim());
  return parts;
}

/**
 * How a condition relates to a bit test `x & BIT` (BIT one of `bits`, possibly inside a `(A | B)` mask):
 * 'true' — the true edge is taken only when the bit is set; 'false' — the false edge only when it is set;
 * undefined — the condition says nothing certain about it.
 */
export function bitPolarity(condText: string, bits: string[]): 'true' | 'false' | undefined {
  const s = stripCondition(condText);
  const isBitTest = (t: string): boolean => {
    const x = stripCondition(t);
    // `!(fault & BIT)` is the negation, not the bit test (read by the caller below).
    if (x.startsWith('!') || !/&(?!&)/.test(x)) return false;
    return bits.some((b) => new RegExp(`\\b${b}\\b`).test(x)) && !/[|]{2}|&&/.test(x);
  };
  if (isBitTest(s)) return 'true';
  if (s.startsWith('!') && isBitTest(s.slice(1))) return 'false';
  const ands = splitTop(s, '&&');
  if (ands.length > 1 && ands.some((p) => bitPolarity(p, bits) === 'true')) return 'true';
  const ors = splitTop(s, '||');
  if (ors.length > 1 && ors.some((p) => bitPolarity(p, bits) === 'false')) return 'false';
  return undefined;
}

/** The condition node tests VM_FAULT_RETRY: the edge on which the fault reported RETRY. */
export function retryEdgeLabel(node: CfgNode): 'true' | 'false' | undefined {
  if (node.kind !== 'cond') return undefined;
  return bitPolarity(node.text, ['VM_FAULT_RETRY']);
}

export function completedEdgeLabel(node: CfgNode): 'true' | 'false' | undefined {
  if (node.kind !== 'cond') return undefined;
  return bitPolarity(node.text, ['VM_FAULT_COMPLETED']);
}

/** The edge leaves `node` on the branch where `bit` is known set. */
export function edgeImpliesBit(node: CfgNode, e: CfgEdge, bits: string[]): boolean {
  if (node.kind !== 'cond' || (e.label !== 'true' && e.label !== 'false')) return false;
  return bitPolarity(node.text, bits) === e.label;
}

/** The edge leaves `node` on the branch where `bit` is known clear. */
export function edgeImpliesNotBit(node: CfgNode, e: CfgEdge, bits: string[]): boolean {
  if (node.kind !== 'cond' || (e.label !== 'true' && e.label !== 'false')) return false;
  const p = bitPolarity(node.text, bits);
  if (p === undefined) return false;
  // `if (fault & RETRY)` false edge: RETRY clear (only for a plain bit test, not for `a && b`).
  const s = stripCondition(node.text);
  const plain = !/&&|\|\|/.test(s.replace(/^!/, ''));
  if (!plain) return false;
  return p !== e.label;
}
