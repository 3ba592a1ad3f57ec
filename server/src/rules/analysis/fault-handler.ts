/**
 * What a `struct vm_fault *` handler is (->fault, ->page_mkwrite, ->huge_fault and their helpers): the vm_fault
 * parameter names and the flags expressions that read its flags (`vmf->flags` and local copies of it). Whether a
 * file lies in the core mm is `ctx.inMm` (rules/run.ts).
 */
import type { FunctionFacts } from '../../c/types';
import type { RuleContext } from '../types';
import { headerOf } from './edits';
import { flagsExprSource } from './allow-retry-tests';

/** Names of the `struct vm_fault *name` parameters (from the function's header text); [] when unknown. */
export function vmFaultParams(fn: FunctionFacts, ctx: RuleContext): string[] {
  const header = headerOf(fn, ctx);
  if (!header) return [];
  const params = header.slice(header.indexOf('(') + 1);
  return [...params.matchAll(/\bstruct\s+vm_fault\s*\*\s*(?:const\s+)?([A-Za-z_]\w*)/g)].map((m) => m[1]!);
}

/**
 * Flags expressions of a vm_fault parameter: `vmf->flags`, and a local `x` declared `= vmf->flags` that nothing
 * else writes (no assignment, no `&x`).
 */
export function vmfFlagsExprs(fn: FunctionFacts, vmf: string): string[] {
  const out = [`${vmf}->flags`];
  const src = flagsExprSource(`${vmf}->flags`);
  for (const n of fn.cfg.nodes) {
    if (n.kind !== 'decl') continue;
    const m = new RegExp(`\\b([A-Za-z_]\\w*)\\s*=\\s*${src}\\s*[;,]`).exec(n.text);
    if (!m) continue;
    const v = m[1]!;
    const written = fn.cfg.nodes.some(
      (o) =>
        o.id !== n.id &&
        (new RegExp(`(?<![\\w>.])${v}\\s*(?:[|&^+\\-*/]|<<|>>)?=(?!=)`).test(o.text) ||
          new RegExp(`&\\s*${v}\\b`).test(o.text.replace(/&&/g, ' ')) ||
          new RegExp(`(?:\\+\\+|--)\\s*${v}\\b|\\b${v}\\s*(?:\\+\\+|--)`).test(o.text)),
    );
    if (!written) out.push(v);
  }
  return out;
}
