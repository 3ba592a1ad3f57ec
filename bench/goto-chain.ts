/**
 * Retry loops with a long `else if` chain of `goto retry` (issue #11, item 2): extraction time for 2k / 4k / 12k
 * links, next to tree-sitter's bare parse of the same text in the same run (the baseline). Linear extraction keeps
 * the facts/parse ratio flat as the chain grows; a quadratic step makes it grow with the chain.
 *
 *   node --import tsx bench/goto-chain.ts [--links 2000,4000,12000] [--repeat 3]
 *
 * No assertions: figures only.
 */
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { parseEra } from '../common/era';
import { extractCFacts } from '../server/src/c';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : def;
}
const LINKS = arg('--links', '2000,4000,12000').split(',').map(Number);
const REPEAT = Math.max(1, Number(arg('--repeat', '3')));
const era = parseEra('6.8');

/** A fault-retry loop whose retry test is followed by `links` `else if (…) goto retry;` links. */
export function gotoChain(links: number): string {
  const out = [
    'static vm_fault_t chain_fault(struct vm_area_struct *vma, unsigned long addr, unsigned int flags, struct pt_regs *regs)',
    '{',
    '\tvm_fault_t fault;',
    '\tint n = 0;',
    'retry:',
    '\tfault = handle_mm_fault(vma, addr, flags, regs);',
    '\tif (fault & VM_FAULT_RETRY) {',
    '\t\tflags |= FAULT_FLAG_TRIED;',
    '\t\tgoto retry;',
    '\t}',
  ];
  for (let i = 0; i < links; i++) out.push(`\telse if (n == ${i})`, '\t\tgoto retry;');
  out.push('\treturn fault;', '}', '');
  return out.join('\n');
}

function best(f: () => void): number {
  let min = Infinity;
  for (let r = 0; r < REPEAT; r++) {
    const t = process.hrtime.bigint();
    f();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return min;
}

if (require.main === module) {
  const parser = new Parser();
  parser.setLanguage(C as unknown as Parser.Language);
  console.log('links   KB     bare parse ms   facts ms   facts/parse   facts µs per link');
  for (const n of LINKS) {
    const text = gotoChain(n);
    const parse = best(() => parser.parse(text));
    let loops = 0;
    const facts = best(() => {
      loops = extractCFacts(text, { era }).functions[0]!.retryLoops.length;
    });
    if (loops !== 1) throw new Error(`expected one retry loop, got ${loops}`);
    console.log(
      `${String(n).padStart(5)}  ${(text.length / 1024).toFixed(0).padStart(4)}  ${parse.toFixed(1).padStart(14)}  ${facts.toFixed(1).padStart(9)}  ${(facts / parse).toFixed(2).padStart(12)}  ${((facts * 1000) / n).toFixed(1).padStart(18)}`,
    );
  }
}
