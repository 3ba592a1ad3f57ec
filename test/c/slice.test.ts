// Whole-tree scans parse only the top-level blocks that name an mm identifier; positions and facts are unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractCFacts } from '../../server/src/c';
import { sliceToMmFunctions } from '../../server/src/c/slice';

const PLAIN = (i: number): string => `/* helper ${i}: "quoted { brace" and '}' */
static int helper_${i}(struct dev *d, int n)
{
	int k, acc = 0;

	for (k = 0; k < n; k++) {
		if (d->table[k] & 1)
			acc += d->table[k] >> 4;
	}
	return acc; // trailing } comment
}

`;

const MM = `static const struct foo_ops ops = {
	.open = foo_open,
};

#ifdef CONFIG_FOO
static long foo_pin(unsigned long uaddr, int nr, struct page **pages)
{
	struct mm_struct *mm = current->mm;
	long ret;

	mmap_read_lock(mm);
	ret = get_user_pages(uaddr, nr, FOLL_WRITE, pages, NULL);
	mmap_read_unlock(mm);
	return ret;
}
#endif

`;

function file(before: number, after: number): string {
  let t = '#include <linux/mm.h>\n\n';
  for (let i = 0; i < before; i++) t += PLAIN(i);
  t += MM;
  for (let i = 0; i < after; i++) t += PLAIN(100 + i);
  return t;
}

describe('sliceToMmFunctions', () => {
  it('blanks the blocks without mm identifiers, keeps lines, columns and preprocessor lines', () => {
    const text = file(60, 60);
    const s = sliceToMmFunctions(text);
    assert.equal(s.sliced, true);
    assert.equal(s.text.length, text.length);
    assert.equal(s.text.split('\n').length, text.split('\n').length);
    assert.ok(s.text.includes('#ifdef CONFIG_FOO') && s.text.includes('#endif'));
    assert.ok(!s.text.includes('helper_5('));
    assert.ok(s.kept < text.length / 10);
  });

  it('the mm function has the same facts as in the whole file', () => {
    const text = file(60, 60);
    const whole = extractCFacts(text, { era: { major: 6, minor: 8 } });
    const sliced = extractCFacts(sliceToMmFunctions(text).text, { era: { major: 6, minor: 8 } });
    const pick = (f: typeof whole) => {
      const fn = f.functions.find((x) => x.name === 'foo_pin')!;
      return { range: fn.range, gup: fn.gupCalls.map((g) => [g.callee, g.range]), locks: fn.lockOps.map((o) => [o.callee, o.range]) };
    };
    assert.deepEqual(pick(sliced), pick(whole));
    assert.equal(sliced.parseErrors, 0);
    assert.ok(sliced.functions.length < whole.functions.length);
  });

  it('gives up on small files, unbalanced braces in #if branches and unterminated comments', () => {
    assert.equal(sliceToMmFunctions(file(1, 1)).sliced, false);
    const odd = file(60, 0) + 'int f(void)\n{\n#ifdef A\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\tg();\n\t}\n}\n' + file(0, 60);
    assert.equal(sliceToMmFunctions(odd).sliced, false);
    assert.equal(sliceToMmFunctions(file(60, 60) + '/* never closed').sliced, false);
  });
});
