// Issue #11, item 2: a retry loop with a long `else if` chain of `goto retry`. The chain used to cost quadratic
// time in retryGuard (timed by bench/goto-chain.ts, not here) and, from ~2,000 links, overflowed the stack in the
// CFG builder, which silently dropped the function (counted as a parse error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEra } from '../../common/era';
import { gotoChain } from '../../bench/goto-chain';
import { extractCFacts } from '../../server/src/c/index';

for (const links of [3, 12_000]) {
  test(`else-if chain of ${links} goto retry links: one retry loop, every back-edge guarded, CFG complete`, { timeout: 120_000 }, () => {
    const f = extractCFacts(gotoChain(links), { era: parseEra('6.8') });
    assert.equal(f.parseErrors, 0);
    assert.equal(f.functions.length, 1);
    const fn = f.functions[0]!;
    assert.equal(fn.name, 'chain_fault');
    assert.equal(fn.retryLoops.length, 1);
    const loop = fn.retryLoops[0]!;
    assert.equal(loop.label, 'retry');
    assert.equal(loop.backEdges.length, links + 1);
    // The first goto is inside `if (fault & VM_FAULT_RETRY) {…}`; every later link hangs off its else: also guarded.
    assert.equal(loop.backEdges.filter((b) => b.guardedByRetryTest).length, links + 1);
    assert.deepEqual(loop.flagUpdates.map((u) => [u.op, u.flags, u.onRetryPath]), [['set', ['FAULT_FLAG_TRIED'], true]]);
    // One cond node per link plus the retry test, each with a true and a false edge.
    const conds = fn.cfg.nodes.filter((n) => n.kind === 'cond');
    assert.equal(conds.length, links + 1);
    const gotoEdges = fn.cfg.edges.filter((e) => e.label === 'goto');
    assert.equal(gotoEdges.length, links + 1);
    assert.ok(gotoEdges.every((e) => e.back));
  });
}

test('an earlier `if (!(fault & VM_FAULT_RETRY)) return` in the block guards a later goto; one before the fault does not', () => {
  const text = `static int g(struct vm_area_struct *vma, unsigned long addr, unsigned int flags)
{
	vm_fault_t fault;
	if (vma) {
		if (!(fault & VM_FAULT_RETRY))
			return 0;
retry:
		fault = handle_mm_fault(vma, addr, flags, NULL);
		if (!(fault & VM_FAULT_RETRY))
			return 0;
		flags |= FAULT_FLAG_TRIED;
		goto retry;
	}
	if (vma) {
		if (!(fault & VM_FAULT_RETRY))
			return 0;
again:
		fault = handle_mm_fault(vma, addr, flags, NULL);
		flags |= FAULT_FLAG_TRIED;
		goto again;
	}
	return 0;
}
`;
  const loops = extractCFacts(text, { era: parseEra('6.8') }).functions[0]!.retryLoops;
  // 'again' has no guarded back-edge (its only RETRY test is before the fault): not a retry loop.
  assert.deepEqual(loops.map((l) => [l.label, l.backEdges.map((b) => [b.kind, b.guardedByRetryTest, b.guardedByAllowRetry])]), [
    ['retry', [['goto', true, false]]],
  ]);
});
