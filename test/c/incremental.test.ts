import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { extractCFacts, type CFacts } from '../../server/src/c/index';
import { IncrementalCFacts, shiftLines } from '../../server/src/c/incremental';
import { parse, prepare } from '../../server/src/c/parser';
import { checkCText, IncrementalCCheck } from '../../server/src/rules/check-c';
import { kernelCFile } from '../../bench/gen/kernel-c';
import { rng } from '../../bench/fuzz/mutate';
import { cFiles } from './helpers';

const ROOT = join(__dirname, '..', '..');
const era = parseEra('6.8');

const SNIPPETS = ['x', ' ', ';', '{', '}', '(', '\n', '\n\tfoo();', '\n\tgoto retry;', '\n\tmmap_read_unlock(mm);', '\n\tflags |= FAULT_FLAG_TRIED;'];

/** An editor-like edit: a snippet typed, characters deleted, a line deleted or duplicated. */
function edit(text: string, rand: () => number): string {
  const at = Math.floor(rand() * text.length);
  const r = rand();
  if (r < 0.45) return text.slice(0, at) + SNIPPETS[Math.floor(rand() * SNIPPETS.length)]! + text.slice(at);
  if (r < 0.75) return text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 4));
  const lines = text.split('\n');
  const l = Math.floor(rand() * lines.length);
  if (r < 0.9) lines.splice(l, 1);
  else lines.splice(l, 0, lines[Math.floor(rand() * lines.length)]!);
  return lines.join('\n');
}

const json = (f: unknown): string => JSON.stringify(f);

/**
 * Walks of edits over every C fixture and a generated file: each version's facts (and findings) through the kept
 * state equal a fresh whole-file analysis. Half the steps go back to the original text (typing, then undo), so
 * errors do not pile up. tree-sitter's incremental reparse may recover from a syntax error differently than a fresh
 * parse does: such steps (the two trees' S-expressions differ) are counted and left out of the comparison.
 */
test('incremental facts and findings equal a fresh analysis after every edit of a walk', () => {
  const inputs: [string, string][] = cFiles(join(ROOT, 'test', 'fixtures'), /\.c$/).sort().map((p) => [p, readFileSync(p, 'utf8')]);
  inputs.push(['generated', kernelCFile(600)]);
  let compared = 0;
  let treesDiffer = 0;
  let fastPath = 0;
  let reused = 0;
  const rand = rng(0x1ace);
  for (const [name, original] of inputs) {
    const inc = new IncrementalCFacts();
    const check = new IncrementalCCheck();
    const path = join('/nonexistent', 'mm', 'walk.c');
    let text = original;
    for (let step = 0; step < 24; step++) {
      const facts = inc.extract(text, { era });
      const found = check.check(text, path, { era: '6.8' });
      if (inc.treeText() !== parse(prepare(text).text).rootNode.toString()) treesDiffer++;
      else {
        compared++;
        assert.equal(json(facts), json(extractCFacts(text, { era })), `${name} step ${step}: facts`);
        const fresh = checkCText(text, path, { era: '6.8' });
        assert.equal(json(found.findings), json(fresh.findings), `${name} step ${step}: findings`);
        assert.deepEqual(found.internalErrors, fresh.internalErrors);
      }
      if (!inc.stats.fallback) fastPath++;
      reused += inc.stats.reused;
      text = step % 2 ? original : edit(text, rand);
    }
  }
  const steps = inputs.length * 24;
  // The walk exercises the fast path and the reuse, not only the whole-file fallback.
  assert.ok(compared >= steps * 0.95, `compared ${compared} of ${steps} (trees differ in ${treesDiffer})`);
  assert.ok(fastPath >= steps * 0.5, `fast path in ${fastPath} of ${steps}`);
  assert.ok(reused > steps, `reused ${reused}`);
});

test('an edit inside one function extracts that function only; the others are reused, moved by the lines added above', () => {
  const text = kernelCFile(400);
  const inc = new IncrementalCFacts();
  const first = inc.extract(text, { era });
  const analysed = first.functions.filter((f) => f.analysed !== false);
  assert.ok(analysed.length >= 10);
  assert.equal(inc.stats.extracted, analysed.length);
  assert.equal(inc.stats.incremental, false);
  // Two lines inserted in the body of the third analysed function.
  const target = analysed[2]!;
  const lines = text.split('\n');
  lines.splice(target.range.start.line + 3, 0, '\tfoo();', '\tbar();');
  const next = inc.extract(lines.join('\n'), { era });
  assert.equal(inc.stats.incremental, true);
  assert.equal(inc.stats.fallback, undefined);
  assert.equal(inc.stats.extracted, 1);
  assert.equal(inc.stats.reused, analysed.length - 1);
  const after = next.functions.filter((f) => f.analysed !== false);
  // Functions above: same objects; below: moved down by two lines.
  assert.equal(after[0], analysed[0]);
  assert.equal(after[5]!.range.start.line, analysed[5]!.range.start.line + 2);
  assert.equal(json(next), json(extractCFacts(lines.join('\n'), { era })));
});

test('kept findings move with their function; a message naming a line is computed again', () => {
  // Not a plain get_user_pages_unlocked: the locked region runs another statement, which the message names by line.
  const fn = [
    'static long pin_two(struct mm_struct *mm, unsigned long addr, struct page **pages)',
    '{',
    '\tlong ret;',
    '',
    '\tmmap_read_lock(mm);',
    '\tret = get_user_pages(addr, 1, FOLL_WRITE, pages);',
    '\tcount_pins(mm);',
    '\tmmap_read_unlock(mm);',
    '\treturn ret;',
    '}',
    '',
  ].join('\n');
  const path = join('/nonexistent', 'drivers', 'misc', 'pin.c');
  const check = new IncrementalCCheck();
  const before = check.check(fn, path, { era: '6.8' });
  const named = before.findings.filter((f) => /\blines? \d/.test(f.message));
  assert.ok(named.length > 0, json(before.findings.map((f) => f.message)));
  const moved = '/* a comment */\n\n' + fn;
  const after = check.check(moved, path, { era: '6.8' });
  assert.equal(json(after.findings), json(checkCText(moved, path, { era: '6.8' }).findings));
  assert.equal(after.findings[0]!.range.start.line, before.findings[0]!.range.start.line + 2);
});

test('shiftLines moves every {line, column} object and nothing else', () => {
  const x = { range: { start: { line: 3, column: 1 }, end: { line: 4, column: 0 } }, line: 7, edits: [{ at: { line: 0, column: 2 }, text: 'line 3' }] };
  assert.deepEqual(shiftLines(x, 2), { range: { start: { line: 5, column: 1 }, end: { line: 6, column: 0 } }, line: 7, edits: [{ at: { line: 2, column: 2 }, text: 'line 3' }] });
  assert.equal(shiftLines(x, 0), x);
});

test('parse errors outside functions: the whole-file path on the incremental tree, same facts, unchanged functions reused', () => {
  const inc = new IncrementalCFacts();
  const text = kernelCFile(200);
  inc.extract(text, { era });
  const broken = text.replace('#include <linux/mm.h>', '#include <linux/mm.h>\nstatic int = ;');
  const facts: CFacts = inc.extract(broken, { era });
  assert.match(inc.stats.fallback ?? '', /^parse errors/);
  assert.equal(json(facts), json(extractCFacts(broken, { era })));
  // The whole-file path still reuses the kept facts of the unchanged functions.
  const analysed = facts.functions.filter((f) => f.analysed !== false).length;
  assert.ok(analysed > 5);
  // (the definition right after the broken declaration is read inside its ERROR node, without reuse)
  assert.equal(inc.stats.reused, analysed - 1);
  assert.equal(inc.stats.extracted, 0);
});
