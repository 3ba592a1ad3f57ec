import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { extractCFacts, type CFacts, type FunctionFacts } from '../../server/src/c/index';
import { IncrementalCFacts, shiftLines } from '../../server/src/c/incremental';
import { parse, prepare } from '../../server/src/c/parser';
import { checkCText, IncrementalCCheck } from '../../server/src/rules/check-c';
import type { Finding } from '../../server/src/rules/types';
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

/** The 0-based line of offset `at`. */
const lineAt = (text: string, at: number): number => text.slice(0, at).split('\n').length - 1;

/** `text` with everything from `from` on blanked (spaces; line breaks kept, so positions do not move). */
/** `text` with everything outside [start, end) blanked (spaces; line breaks kept, so positions do not move). */
const blankOutside = (text: string, start: number, end: number): string =>
  text.slice(0, start).replace(/[^\n]/g, ' ') + text.slice(start, end) + text.slice(end).replace(/[^\n]/g, ' ');

/**
 * A run that parsed the edited function alone, with a syntax error in it, where a fresh parse's error recovery ran
 * past that function (so their facts differ): the error is contained by design (IncrementalCFacts.localFunctions).
 * What must hold then: the fresh parse really did run past it; the functions above it are the fresh analysis's; the
 * functions below are the previous version's, moved by the lines the edit added or removed; and the edited function
 * is what a fresh analysis reads of the text up to its end, or of its own text alone (definitions with errors above
 * it are kept as the last whole-file parse read them, and a fresh parse's recovery may reach into them; a campaign
 * over kernel files found each of the two readings the only one to match in some case).
 */
function assertContained(
  label: string,
  text: string,
  now: { facts: CFacts; findings: Finding[] },
  fresh: { facts: CFacts; findings: Finding[] },
  prev: { text: string; facts: CFacts; findings: Finding[] },
  range: { start: number; end: number },
): void {
  const facts = now.facts;
  const tree = parse(prepare(text).text);
  let n: ReturnType<typeof tree.rootNode.descendantForIndex> | null = tree.rootNode.descendantForIndex(range.start, range.end);
  while (n && n.type !== 'function_definition') n = n.parent;
  assert.ok(!n || n.startIndex !== range.start || n.endIndex !== range.end, `${label}: the fresh parse kept the function, yet the facts differ`);
  const first = lineAt(text, range.start);
  const last = lineAt(text, range.end);
  const delta = text.split('\n').length - prev.text.split('\n').length;
  const above = (f: FunctionFacts): boolean => f.range.start.line < first;
  const below = (f: FunctionFacts, end: number): boolean => f.range.start.line > end;
  assert.equal(json(facts.functions.filter(above)), json(fresh.facts.functions.filter((f) => above(f) && f.range.end.line < first)), `${label}: functions above`);
  assert.equal(
    json(facts.functions.filter((f) => below(f, last))),
    json(prev.facts.functions.filter((f) => below(f, last - delta)).map((f) => shiftLines(f, delta))),
    `${label}: functions below`,
  );
  const edited = json(facts.functions.filter((f) => f.range.start.line === first));
  const readings = [blankOutside(text, 0, range.end), blankOutside(text, range.start, range.end)].map((t) =>
    json(extractCFacts(t, { era }).functions.filter((f) => f.range.start.line === first)),
  );
  assert.ok(readings.includes(edited), `${label}: the edited function`);
  // Findings: above as the fresh check's, below as the previous version's, moved (a message naming a line is
  // computed again when its function moves: compared without the line numbers).
  const lines = (x: unknown): string => json(x).replace(/\blines? \d+(?:(?:, | and )\d+)*/g, 'line N');
  const at = (f: Finding): number => f.range.start.line;
  assert.equal(json(now.findings.filter((f) => at(f) < first)), json(fresh.findings.filter((f) => at(f) < first)), `${label}: findings above`);
  assert.equal(
    lines(now.findings.filter((f) => at(f) > last)),
    lines(prev.findings.filter((f) => at(f) > last - delta).map((f) => shiftLines(f, delta))),
    `${label}: findings below`,
  );
}

/**
 * Walks of edits over every C fixture and a generated file: each version's facts (and findings) through the kept
 * state equal a fresh whole-file analysis. Half the steps go back to the original text (typing, then undo), so
 * errors do not pile up. tree-sitter's incremental reparse may recover from a syntax error differently than a fresh
 * parse does: such steps (the two trees' S-expressions differ) are counted and left out of the comparison. A syntax
 * error in a function parsed alone stays in it (assertContained).
 */
test('incremental facts and findings equal a fresh analysis after every edit of a walk', () => {
  const inputs: [string, string][] = cFiles(join(ROOT, 'test', 'fixtures'), /\.c$/).sort().map((p) => [p, readFileSync(p, 'utf8')]);
  inputs.push(['generated', kernelCFile(600)]);
  let compared = 0;
  let treesDiffer = 0;
  let fastPath = 0;
  let localPath = 0;
  let dirtyLocal = 0;
  let contained = 0;
  let reused = 0;
  const rand = rng(0x1ace);
  for (const [name, original] of inputs) {
    const inc = new IncrementalCFacts();
    const check = new IncrementalCCheck();
    const path = join('/nonexistent', 'mm', 'walk.c');
    let text = original;
    let prev: { text: string; facts: CFacts; findings: Finding[] } | undefined;
    for (let step = 0; step < 24; step++) {
      const facts = inc.extract(text, { era });
      const found = check.check(text, path, { era: '6.8' });
      const local = inc.stats.local;
      const fresh = extractCFacts(text, { era });
      if (local?.dirty) dirtyLocal++;
      if (local?.dirty && prev && json(facts) !== json(fresh)) {
        contained++;
        const freshFindings = checkCText(text, path, { era: '6.8' }).findings;
        assertContained(`${name} step ${step}`, text, { facts, findings: found.findings }, { facts: fresh, findings: freshFindings }, prev, local);
      } else if (!local && inc.treeText() !== parse(prepare(text).text).rootNode.toString()) treesDiffer++;
      else {
        // (A run that parsed one function only left the whole-file tree stale: treeText() would reparse it, and the
        // next runs would not start from the stale tree. Its facts come from that function's own parse: compared.)
        compared++;
        assert.equal(json(facts), json(fresh), `${name} step ${step}: facts`);
        const freshFindings = checkCText(text, path, { era: '6.8' });
        assert.equal(json(found.findings), json(freshFindings.findings), `${name} step ${step}: findings`);
        assert.deepEqual(found.internalErrors, freshFindings.internalErrors);
      }
      if (!inc.stats.fallback) fastPath++;
      if (local) localPath++;
      reused += inc.stats.reused;
      prev = { text, facts, findings: found.findings };
      text = step % 2 ? original : edit(text, rand);
    }
  }
  const steps = inputs.length * 24;
  // The walk exercises the fast path, the one-function parse (with and without errors) and the reuse.
  assert.ok(compared + contained >= steps * 0.95, `compared ${compared} + contained ${contained} of ${steps} (trees differ in ${treesDiffer})`);
  assert.ok(fastPath >= steps * 0.5, `fast path in ${fastPath} of ${steps}`);
  assert.ok(localPath >= steps * 0.3, `one function parsed alone in ${localPath} of ${steps}`);
  assert.ok(dirtyLocal > 0 && contained <= dirtyLocal * 0.1, `errors contained in ${contained} of ${dirtyLocal} runs with an error in the function parsed alone`);
  assert.ok(reused > steps, `reused ${reused}`);
  // The counts the README and the issue notes quote: MMLENS_WALK_FIGURES=1 node --import tsx --test <this file>.
  if (process.env.MMLENS_WALK_FIGURES) console.log({ steps, compared, contained, treesDiffer, fastPath, localPath, dirtyLocal, reused });
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

test('an edit inside a function body parses that function alone; the whole-file tree catches up with all the edits when it is next reparsed', () => {
  const text = kernelCFile(400);
  const inc = new IncrementalCFacts();
  inc.extract(text, { era });
  const lines = text.split('\n');
  // Three edits in three functions: a line typed, a statement changed, a line removed.
  const at = (needle: string, nth: number): number => lines.findIndex((l, k) => l.includes(needle) && lines.slice(0, k).filter((x) => x.includes(needle)).length === nth);
  const a = at('mmap_read_unlock(mm);', 2);
  assert.ok(a > 0);
  lines.splice(a + 1, 0, '\tfoo();');
  const v1 = lines.join('\n');
  assert.equal(json(inc.extract(v1, { era })), json(extractCFacts(v1, { era })));
  assert.equal(inc.stats.local?.dirty, false);
  assert.equal(inc.stats.extracted, 1);
  const b = at('FAULT_FLAG_TRIED', 3);
  assert.ok(b > 0);
  lines[b] = lines[b]!.replace('FAULT_FLAG_TRIED', 'FAULT_FLAG_KILLABLE');
  const v2 = lines.join('\n');
  assert.equal(json(inc.extract(v2, { era })), json(extractCFacts(v2, { era })));
  assert.ok(inc.stats.local);
  const c = at('d->nr_pages = pinned;', 1);
  assert.ok(c > 0);
  lines.splice(c, 1);
  const v3 = lines.join('\n');
  assert.equal(json(inc.extract(v3, { era })), json(extractCFacts(v3, { era })));
  assert.ok(inc.stats.local);
  // The whole-file tree was edited three times without a reparse; reparsed now, it is a fresh parse's.
  assert.equal(inc.treeText(), parse(prepare(v3).text).rootNode.toString());
  // An edit between two functions reads the whole file, on that tree.
  const v4 = v3.replace('\n\nstatic int drv15_pin', '\n\n/* note */\nstatic int drv15_pin');
  assert.notEqual(v4, v3);
  assert.equal(json(inc.extract(v4, { era })), json(extractCFacts(v4, { era })));
  assert.equal(inc.stats.local, undefined);
  assert.equal(inc.stats.incremental, true);
});

test('a /* the edited function leaves open, or a brace that ends it early, reads the whole file', () => {
  const text = kernelCFile(200);
  for (const [needle, typed] of [['\tmmap_read_lock(mm);', '/* '], ['\tmmap_read_lock(mm);', '}']] as const) {
    const inc = new IncrementalCFacts();
    inc.extract(text, { era });
    const at = text.indexOf(needle) + needle.length;
    const next = text.slice(0, at) + typed + text.slice(at);
    assert.equal(json(inc.extract(next, { era })), json(extractCFacts(next, { era })), typed);
    assert.equal(inc.stats.local, undefined, typed);
  }
});

test('a syntax error typed in a function stays in it: the functions after it keep their facts, where a fresh parse loses them', () => {
  const text = kernelCFile(120);
  const lines = text.split('\n');
  // `x` typed after a goto closing an if block: `goto retry;x }` — tree-sitter's recovery on the whole file runs on
  // through the functions below.
  const at = lines.findIndex((l, k) => l === '\t\tgoto retry;' && lines[k + 1] === '\t}');
  const offset = lines.slice(0, at + 1).join('\n').length;
  const typed = text.slice(0, offset) + 'x' + text.slice(offset);
  const inc = new IncrementalCFacts();
  const before = inc.extract(text, { era });
  const after = inc.extract(typed, { era });
  assert.equal(inc.stats.local?.dirty, true);
  const fresh = extractCFacts(typed, { era });
  assert.ok(fresh.functions.length < before.functions.length - 2, `a fresh parse keeps ${fresh.functions.length} of ${before.functions.length} functions`);
  assert.deepEqual(after.functions.map((f) => f.name), before.functions.map((f) => f.name));
  const edited = after.functions.findIndex((f) => f.range.start.line <= at && at <= f.range.end.line);
  after.functions.forEach((f, k) => {
    if (k !== edited) assert.equal(f, before.functions[k], `${f.name} kept as it was`);
  });
  // The error is an unreliable region of the edited function only.
  assert.ok(after.parseErrors > 0);
  for (const r of after.unreliable) {
    assert.ok(r.start.line >= after.functions[edited]!.range.start.line && r.end.line <= after.functions[edited]!.range.end.line, json(r));
  }
  // Deleting the x again: a fresh analysis's facts.
  assert.equal(json(inc.extract(text, { era })), json(extractCFacts(text, { era })));
  assert.equal(inc.stats.local?.dirty, false);
});

// Found by a scratch walk (seed 11): a line `do {` pasted above the first function leaves the bare tokens `do` and `{`
// at the top level; the function after them swallows the next ones. The per-function path read the swallowing
// definition as one function; the whole-file path reads the definitions inside it.
test('bare tokens at the top level of a tree with errors: the whole-file path, same facts', () => {
  // The walk's version of a fixture: `do {` pasted above it, a `}` deleted, a `do` and a call mistyped.
  const fixture = readFileSync(join(ROOT, 'test', 'fixtures', 'rules', 'retry-without-signal-check', 'positive.c'), 'utf8');
  const text = `\tdo {\n${fixture}`
    .replace('\t\tgoto retry;\n\t}\n', '\t\tgoto retry;\n')
    .replace('\tdo {\n\t\tmmap_read_lock(mm);', '\td {\n\t\tmmap_}read_lock(mm);');
  assert.ok(text.includes('mmap_}read_lock') && text.split('\n').length === fixture.split('\n').length, 'the fixture still has the lines edited');
  const inc = new IncrementalCFacts();
  assert.equal(json(inc.extract(text, { era })), json(extractCFacts(text, { era })));
  assert.equal(inc.stats.fallback, 'parse errors outside functions');
});

/**
 * The definitions `fns` (a generated file split before each `static`) joined, with a syntax error in the first one
 * after the fourth that takes mmap_lock (`mmap_read_lock(mm) foo bar;`), two more definitions after it.
 */
function withBrokenDefinition(fns: string[]): string {
  const broken = fns.findIndex((f, k) => k > 3 && f.includes('mmap_read_lock(mm);'));
  assert.ok(broken > 3 && broken < fns.length - 2, `${fns.length} pieces`);
  const copy = [...fns];
  copy[broken] = copy[broken]!.replace('mmap_read_lock(mm);', 'mmap_read_lock(mm) foo bar;');
  return copy.join('\n');
}

test('a file with preprocessor containers and a function with a syntax error still parses an edited function alone (as kernel files do)', () => {
  // Kernel files hold both: `#ifdef` blocks around definitions, and some definition tree-sitter reads with an error.
  const fns = kernelCFile(200).split(/\n(?=static )/);
  fns[3] = `#ifdef CONFIG_BENCH\n${fns[3]}\n#endif`;
  const text = withBrokenDefinition(fns);
  const inc = new IncrementalCFacts();
  const first = inc.extract(text, { era });
  assert.ok(first.parseErrors > 0, 'one definition has an error');
  assert.equal(inc.stats.fallback, undefined);
  // An edit in the function after the one with the error: parsed alone, the erroneous one reused as it was read.
  const at = text.lastIndexOf('\treturn 0;');
  const next = text.slice(0, at) + '\tfoo();\n' + text.slice(at);
  const facts = inc.extract(next, { era });
  assert.equal(inc.stats.local?.dirty, false);
  assert.equal(inc.stats.extracted, 1);
  assert.equal(json(facts), json(extractCFacts(next, { era })));
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
  // A declaration being typed, with an mm identifier in it: a top-level ERROR the per-function path leaves alone.
  const broken = text.replace('#include <linux/mm.h>', '#include <linux/mm.h>\nstatic int x = mmap_read_lock(;');
  const facts: CFacts = inc.extract(broken, { era });
  assert.equal(inc.stats.fallback, 'parse errors outside functions');
  assert.equal(json(facts), json(extractCFacts(broken, { era })));
  // The whole-file path still reuses the kept facts of the unchanged functions.
  const analysed = facts.functions.filter((f) => f.analysed !== false).length;
  assert.ok(analysed > 5);
  assert.equal(inc.stats.reused, analysed);
  assert.equal(inc.stats.extracted, 0);
});

// x86's mm/fault.c: `static nokprobe_inline int` before a name reads as a definition with an ERROR in its header. Such
// a file went to the whole-file path at every keystroke (the ERROR outside the body is top-level code to it); the
// per-function path now reads that ERROR the same way (CFacts.orphans) and keeps it while other functions are edited.
test('a definition with an error in its header: read per function, kept while another function is edited', () => {
  const fns = kernelCFile(200).split(/\n(?=static )/);
  const k = fns.findIndex((f, i) => i > 2 && f.startsWith('static int '));
  assert.ok(k > 2);
  fns[k] = fns[k]!.replace(/^static int /, 'static my_inline_attr int\n');
  const text = fns.join('\n');
  const inc = new IncrementalCFacts();
  const first = inc.extract(text, { era });
  assert.equal(first.parseErrors, 1);
  assert.equal(inc.stats.fallback, undefined);
  assert.equal(json(first), json(extractCFacts(text, { era })));
  const at = text.lastIndexOf('\treturn 0;');
  assert.ok(at > text.indexOf('my_inline_attr'));
  // A statement typed in the last function, with an error, then without; then the edit undone.
  for (const [typed, dirty] of [['\tfoo()x;\n', true], ['\tfoo();\n', false], ['', false]] as const) {
    const next = text.slice(0, at) + typed + text.slice(at);
    const facts = inc.extract(next, { era });
    assert.equal(inc.stats.local?.dirty, dirty, typed);
    // (Undone, the function has its first text again: its kept facts.)
    assert.equal(inc.stats.extracted, typed ? 1 : 0, typed);
    assert.equal(json(facts), json(extractCFacts(next, { era })), typed);
  }
});

test('another definition with errors is kept while the edited function has an error', () => {
  const fns = kernelCFile(200).split(/\n(?=static )/);
  const text = withBrokenDefinition(fns);
  const inc = new IncrementalCFacts();
  assert.ok(inc.extract(text, { era }).parseErrors > 0);
  const at = text.lastIndexOf('\treturn 0;');
  const typed = text.slice(0, at) + '\tfoo()x;\n' + text.slice(at);
  // Typed: an error in the last function too. Parsed alone; the other definition with errors is kept.
  const facts = inc.extract(typed, { era });
  assert.equal(inc.stats.local?.dirty, true);
  assert.equal(inc.stats.extracted, 1);
  assert.equal(json(facts), json(extractCFacts(typed, { era })));
  // Undone: parsed alone again, a fresh analysis's facts.
  assert.equal(json(inc.extract(text, { era })), json(extractCFacts(text, { era })));
  assert.equal(inc.stats.local?.dirty, false);
  // Parsed whole while the last function has its error, then that error removed: the other definition reads the
  // same alone as in the file (its errors are its own), so it is kept still; a fresh analysis's facts.
  const whole = new IncrementalCFacts();
  whole.extract(typed, { era });
  assert.equal(json(whole.extract(text, { era })), json(extractCFacts(text, { era })));
  assert.equal(whole.stats.local?.dirty, false);
  assert.equal(whole.stats.extracted, 1);
});

test('an edit in a function header parses that function alone when the item before it is complete; not in its first token, not after an item that may go on', () => {
  const fns = kernelCFile(200).split(/\n(?=static )/);
  const k = fns.findIndex((f, i) => i > 2 && /^static \w+ \w+\([^)]*,/.test(f));
  assert.ok(k > 2, 'a header with a parameter list to edit');
  const text = fns.join('\n');
  const header = text.indexOf(fns[k]!);
  const comma = text.indexOf(',', header);
  const fresh = (t: string): string => json(extractCFacts(t, { era }));
  // A parameter typed, then an error (`%` after the comma), then undone.
  const inc = new IncrementalCFacts();
  inc.extract(text, { era });
  for (const [typed, dirty] of [[' int extra,', false], [' %', true], ['', false]] as const) {
    const next = text.slice(0, comma + 1) + typed + text.slice(comma + 1);
    assert.equal(json(inc.extract(next, { era })), fresh(next), typed);
    assert.equal(inc.stats.local?.dirty, dirty, typed);
  }
  // In the first token (`static` → `staticx`): the items before see another token after them.
  const first = text.slice(0, header + 'static'.length) + 'x' + text.slice(header + 'static'.length);
  assert.equal(json(inc.extract(first, { era })), fresh(first));
  assert.equal(inc.stats.local, undefined);
  assert.equal(inc.stats.notLocal, 'edit in the first token of a definition');
  // `)\n{` typed in the parameter list moves the rest of the header into the body: the whole file.
  inc.extract(text, { era });
  const split = text.slice(0, comma + 1) + ')\n{' + text.slice(comma + 1);
  assert.equal(json(inc.extract(split, { era })), fresh(split));
  assert.equal(inc.stats.local, undefined);
  // After a declaration a token after it could continue (no `;`: read with an error): the whole file.
  const open = fns.slice(0, k).join('\n') + '\nint pending = 1\n' + fns.slice(k).join('\n');
  const inc2 = new IncrementalCFacts();
  inc2.extract(open, { era });
  const at = open.indexOf(',', open.indexOf(fns[k]!)) + 1;
  const typed = open.slice(0, at) + ' int extra,' + open.slice(at);
  assert.equal(json(inc2.extract(typed, { era })), fresh(typed));
  assert.equal(inc2.stats.local, undefined);
  assert.equal(inc2.stats.notLocal, 'edit in a header, after an item that may go on');
});

// Found by a campaign over mm/madvise.c and mm/swapfile.c: a macro-defined function (`SYSCALL_DEFINE3(…) { … }`)
// whose body has an error and no mm identifier was read as the function and as an inert item: its errors counted
// twice (every version of mm/swapfile.c differed from a fresh analysis).
test('a macro-defined function with an error in its body: its errors counted once', () => {
  const text = `${kernelCFile(120)}\nSYSCALL_DEFINE2(frob, int, fd, int, flags)\n{\n\treturn do_frob(fd flags);\n}\n`;
  const inc = new IncrementalCFacts();
  const first = inc.extract(text, { era });
  assert.equal(inc.stats.fallback, undefined);
  assert.equal(json(first), json(extractCFacts(text, { era })));
  const at = text.indexOf('\treturn do_frob');
  const next = text.slice(0, at) + '\tfrob_count++;\n' + text.slice(at);
  assert.equal(json(inc.extract(next, { era })), json(extractCFacts(next, { era })));
});
