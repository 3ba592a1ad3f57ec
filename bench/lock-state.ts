/**
 * The mmap-lock state analysis (server/src/rules/analysis/lock-state.ts) on generated functions of growing size,
 * next to the facts extraction of the same text measured in the same run (the baseline).
 *
 *   node --import tsx bench/lock-state.ts [--max 800]
 *
 * Each function has N blocks: a handle_mm_fault call, a RETRY test with `goto retry`, a GUP call with &locked and an
 * `if (locked)` unlock, a vma lookup and a few plain statements. Prints per size: CFG nodes, facts ms, lock-state
 * ms for one era, and lock-state ms per node (flat when the analysis is linear). No assertions: figures only.
 */
import { parseEra } from '../common/era';
import { extractCFacts } from '../server/src/c';
import { lockStates } from '../server/src/rules/analysis/lock-state';

const i = process.argv.indexOf('--max');
const MAX = i >= 0 ? Number(process.argv[i + 1]) : 800;
const era = parseEra('6.8');

function makeFunction(n: number): string {
  let body = '';
  for (let k = 0; k < n; k++) {
    body += `\tvma = find_vma(mm, a + ${k});\n`;
    body += `\tfault = handle_mm_fault(vma, a + ${k}, flags, regs);\n`;
    body += '\tif (fault & VM_FAULT_COMPLETED)\n\t\treturn;\n';
    body += '\tif (fault & VM_FAULT_RETRY) {\n\t\tflags |= FAULT_FLAG_TRIED;\n\t\tgoto retry;\n\t}\n';
    body += `\tret = get_user_pages_remote(mm, a + ${k}, 1, FOLL_WRITE, pages, &locked);\n`;
    body += '\tif (!locked) {\n\t\tmmap_read_lock(mm);\n\t\tlocked = 1;\n\t}\n';
    body += '\tx += vma->vm_flags;\n\ty++;\n';
  }
  return `void f(struct mm_struct *mm, unsigned long a, struct pt_regs *regs, struct page **pages)\n{\n\tstruct vm_area_struct *vma;\n\tunsigned int flags = FAULT_FLAG_DEFAULT;\n\tint locked = 1, x = 0, y = 0;\n\tlong ret;\n\tvm_fault_t fault;\nretry:\n\tmmap_read_lock(mm);\n${body}\tif (locked)\n\t\tmmap_read_unlock(mm);\n}\n`;
}

function time<T>(f: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

console.log('blocks  nodes   facts ms  lock-state ms  µs/node  converged');
for (let n = 25; n <= MAX; n *= 2) {
  const text = makeFunction(n);
  const [facts, tf] = time(() => extractCFacts(text, { era }));
  const fn = facts.functions[0]!;
  const [a, tl] = time(() => lockStates(fn, era));
  const nodes = fn.cfg.nodes.length;
  console.log(
    `${String(n).padStart(6)}  ${String(nodes).padStart(5)}  ${tf.toFixed(1).padStart(9)}  ${tl.toFixed(1).padStart(13)}  ${((tl * 1000) / nodes).toFixed(1).padStart(7)}  ${a.converged}`,
  );
}
