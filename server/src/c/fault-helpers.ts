/**
 * Local fault helpers: a static function of the same text that passes one of its parameters as the flags of
 * handle_mm_fault and returns the result (arm/arm64 `__do_page_fault(mm, addr, mm_flags, vm_flags, …)`, unicore32
 * `__do_pf`, 3.19–6.4). A call to such a helper is a fault call of its caller, with the caller's argument at that
 * parameter's position as the flags.
 */
import type { SyntaxNode } from './parser';

export interface FaultHelper {
  /** Index of the parameter passed as handle_mm_fault's flags. */
  flagsParam: number;
}

/** Splits a call's argument text (without the outer parentheses) at top-level commas. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(s.slice(last, i).trim());
      last = i + 1;
    }
  }
  out.push(s.slice(last).trim());
  return out;
}

/** The parenthesised argument text after `open` (index of the `(`), or undefined when unbalanced. */
function argsAt(text: string, open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

/** Parameter names of a function definition, in order (undefined for `...` or an unnamed parameter). */
function parameterNames(def: SyntaxNode): (string | undefined)[] | undefined {
  let d = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  const params = d?.childForFieldName('parameters');
  if (!params) return undefined;
  return params.namedChildren
    .filter((p) => p.type === 'parameter_declaration' || p.type === 'variadic_parameter')
    .map((p) => {
      let x = p.childForFieldName('declarator');
      while (x && x.type !== 'identifier') x = x.childForFieldName('declarator');
      return x?.text;
    });
}

/**
 * The helper description when `def` (a function_definition whose body text is `body`) is a local fault helper:
 * `static`, exactly one handle_mm_fault call whose flags argument is one of its parameters, and the call's result
 * returned (`return handle_mm_fault(…);` or `x = handle_mm_fault(…); … return x;`).
 */
export function faultHelperOf(def: SyntaxNode, body: string): FaultHelper | undefined {
  if (def.type !== 'function_definition') return undefined;
  const head = def.text.slice(0, Math.max(0, def.text.length - body.length));
  if (!/\bstatic\b/.test(head)) return undefined;
  const calls = [...body.matchAll(/\bhandle_mm_fault\s*\(/g)];
  if (calls.length !== 1) return undefined;
  const m = calls[0]!;
  const args = argsAt(body, m.index! + m[0].length - 1);
  if (args === undefined) return undefined;
  // ≤4.7: handle_mm_fault(mm, vma, address, flags); 4.8–5.7: (vma, address, flags); ≥5.8: (vma, address, flags, regs).
  const list = splitArgs(args);
  const flags = list.length === 4 && !/regs/.test(list[3]!) ? list[3] : list[2];
  if (!flags || !/^[A-Za-z_]\w*$/.test(flags)) return undefined;
  const names = parameterNames(def);
  const flagsParam = names ? names.indexOf(flags) : -1;
  if (flagsParam < 0) return undefined;
  // The flags parameter must not be reassigned in the helper (it would not be the caller's value any more).
  if (new RegExp(`\\b${flags}\\s*(?:[|&^+-]?=)(?!=)`).test(body)) return undefined;
  const before = body.slice(0, m.index);
  if (/\breturn\s*(?:\(\s*\w+\s*\)\s*)?$/.test(before)) return { flagsParam };
  const asg = /\b([A-Za-z_]\w*)\s*=\s*$/.exec(before);
  if (asg && new RegExp(`\\breturn\\s+\\(?\\s*${asg[1]}\\s*\\)?\\s*;`).test(body.slice(m.index))) return { flagsParam };
  return undefined;
}
