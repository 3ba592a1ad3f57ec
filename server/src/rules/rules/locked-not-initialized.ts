/**
 * locked-not-initialized (rules.md, tier 2, 4.0–current): `&locked` passed to a GUP call while `locked` is not 1 on
 * every path (never initialised, set to 0, or left 0 by a previous call that dropped the lock). The callee checks
 * `*locked == 1` (≤6.2: BUG_ON; ≥6.3: WARN and -EINVAL) because a 0 means "the caller does not hold the lock".
 */
import { compareEra } from '../../../../common/era';
import { forwardDataflow } from '../../c/cfg';
import type { CfgEdge, CfgNode, FunctionFacts, GupCallFact } from '../../c/types';
import { edgeBranch, filterWorlds } from '../analysis/cond-worlds';
import { assignsTo } from '../analysis/lock-state';
import type { Fix, Rule, RuleContext, RuleFinding } from '../types';

const ONE = 1;
const ZERO = 2;
const UNINIT = 4;
const OTHER = 8;
const ALL = 15;

type Vals = Record<string, number>;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function constValue(expr: string): number {
  const e = expr.trim().replace(/^\((.*)\)$/, '$1').trim();
  if (/^(?:1|true)$/.test(e)) return ONE;
  if (/^(?:0|false)$/.test(e)) return ZERO;
  return OTHER;
}

/** Value a declaration gives `v` (undefined: the node does not declare v). */
function declValue(text: string, v: string): number | undefined {
  const m = new RegExp(`(?:^|[\\s,*])${escapeRe(v)}\\s*(?:=\\s*([^,;]+))?\\s*[,;]`).exec(text.replace(/^[^=]*?\b(?:int|bool|long|unsigned)\b/, ' '));
  if (!m || !/\b(?:int|bool|long|unsigned)\b/.test(text)) return undefined;
  return m[1] === undefined ? UNINIT : constValue(m[1]);
}

function lockedVarOf(g: GupCallFact): string | undefined {
  if (g.callee === 'fixup_user_fault' || g.lockedNull !== false || g.unreliable) return undefined;
  return g.lockedVar !== undefined && /^\w+$/.test(g.lockedVar) ? g.lockedVar : undefined;
}

function check(fn: FunctionFacts, ctx: RuleContext): RuleFinding[] {
  const calls = fn.gupCalls.filter((g) => lockedVarOf(g) !== undefined && g.node >= 0);
  if (!calls.length) return [];
  const vars = [...new Set(calls.map((g) => lockedVarOf(g)!))];
  const byNode = new Map<number, GupCallFact[]>();
  for (const g of calls) byNode.set(g.node, [...(byNode.get(g.node) ?? []), g]);
  const declNode = new Map<string, CfgNode>();

  const transfer = (node: CfgNode, input: Vals): Vals => {
    const s = { ...input };
    if (node.unreliable) {
      for (const v of vars) s[v] = OTHER;
      return s;
    }
    for (const v of vars) {
      if (!node.text.includes(v)) continue;
      if (node.kind === 'decl') {
        const d = declValue(node.text, v);
        if (d !== undefined) {
          s[v] = d;
          if (!declNode.has(v)) declNode.set(v, node);
          continue;
        }
      }
      if (byNode.get(node.id)?.some((g) => lockedVarOf(g) === v)) {
        s[v] = ONE | ZERO; // the callee leaves 1 (still held) or 0 (dropped)
        continue;
      }
      const asg = new RegExp(`(?:^|[^\\w>.*])${escapeRe(v)}\\s*=(?!=)\\s*([^;]+);`).exec(node.text);
      if (asg) s[v] = constValue(asg[1]!);
      else if (assignsTo(node.text, v) || new RegExp(`&\\s*${escapeRe(v)}\\b`).test(node.text)) s[v] = OTHER;
    }
    return s;
  };
  const join = (a: Vals, b: Vals): Vals => {
    const o: Vals = {};
    for (const v of vars) o[v] = (a[v] ?? OTHER) | (b[v] ?? OTHER);
    return o;
  };
  const edge = (e: CfgEdge, s: Vals): Vals => {
    const branch = edgeBranch(fn, e);
    if (branch === undefined) return s;
    const node = fn.cfg.nodes[e.from]!;
    if (node.kind !== 'cond' || node.unreliable || node.syntax.startsWith('preproc')) return s;
    let o: Vals | undefined;
    for (const v of vars) {
      if (!node.text.includes(v)) continue;
      const w = filterWorlds(node.text, branch, s[v]!, (leaf) =>
        leaf.trim() === v ? { whenTrue: ONE | UNINIT | OTHER, whenFalse: ZERO | UNINIT | OTHER } : undefined,
      );
      if (w !== s[v]) (o ??= { ...s })[v] = w;
    }
    return o ?? s;
  };
  const init: Vals = Object.fromEntries(vars.map((v) => [v, OTHER]));
  const res = forwardDataflow<Vals>(fn.cfg, init, transfer, join, {
    edge,
    equals: (a, b) => vars.every((v) => a[v] === b[v]),
  });
  if (!res.converged) return [];

  const out: RuleFinding[] = [];
  const crash = compareEra(ctx.era, '6.3') < 0 ? 'BUG_ON(*locked != 1) crashes the kernel' : 'it WARNs and fails with -EINVAL (nothing is pinned)';
  for (const g of calls) {
    const v = lockedVarOf(g)!;
    const val = res.in[g.node]?.[v];
    if (val === undefined || (val & (ZERO | UNINIT)) === 0 || val === ALL) continue;
    const what = val & UNINIT && !(val & ZERO) ? `\`${v}\` is not initialised on some path` : `\`${v}\` can be 0 here (set to 0, or left 0 by a call that dropped the lock)`;
    const message = `${what}: ${g.callee}() requires \`*${v} == 1\` on entry (the caller holds the lock) — ${crash}`;
    const decl = declNode.get(v);
    const related = decl ? [{ range: decl.range, message: `\`${v}\` declared here` }] : [];
    let fixes: Fix[] | undefined;
    if (decl && val & UNINIT && !(val & ZERO) && decl.range.start.line === decl.range.end.line) {
      const line = ctx.line(decl.range.start.line);
      const m = line === undefined ? null : new RegExp(`(?<=[\\s,*])${escapeRe(v)}(?=\\s*[,;])`).exec(line);
      if (line !== undefined && m) {
        const at = { line: decl.range.start.line, column: m.index };
        fixes = [{ title: `Initialise \`${v} = 1\``, kind: 'quickfix', isPreferred: true, edits: [{ range: { start: at, end: { line: at.line, column: at.column + v.length } }, newText: `${v} = 1` }] }];
      }
    }
    out.push({ range: g.range, message, related, ...(fixes ? { fixes } : {}) });
  }
  return out;
}

export const lockedNotInitialized: Rule = {
  id: 'locked-not-initialized',
  tier: 2,
  severity: 'error',
  eras: { from: '4.0' },
  erasText: '4.0–current',
  title: '`&locked` passed to a GUP call while `locked` is not 1 on every path',
  fixText: 'initialise `int locked = 1;`',
  check,
};
