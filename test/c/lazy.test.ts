import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEra } from '../../common/era';
import { extractCFacts, lazyBodies, type CFacts, type ExtractOptions } from '../../server/src/c/index';
import { FIXTURES, cFiles } from './helpers';

const ROOT = join(__dirname, '..', '..');


function both(text: string, opts: ExtractOptions): { lazy: CFacts; eager: CFacts } {
  lazyBodies.enabled = false;
  try {
    const eager = extractCFacts(text, opts);
    lazyBodies.enabled = true;
    return { lazy: extractCFacts(text, opts), eager };
  } finally {
    lazyBodies.enabled = true;
  }
}

/** JSON of the facts (reads the lazy accessors) without the `analysed` marks. */
const json = (f: CFacts): string => JSON.stringify(f, (k, v: unknown) => (k === 'analysed' ? undefined : v));

test('functions without mm identifiers: no facts, analysed false, and the same CFG / labels as a walk gives', () => {
  const text = [
    'static int plain(int a)\n{\n\tif (a)\n\t\tgoto out;\n\tx();\nout:\n\treturn a;\n}\n',
    'static int pin(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\treturn 0;\n}\n',
    '  static void same_line(void) { y(); }\n',
  ].join('\n');
  const { lazy, eager } = both(text, { era: parseEra('6.8') });
  assert.deepEqual(lazy.functions.map((f) => [f.name, f.analysed]), [['plain', false], ['pin', undefined], ['same_line', false]]);
  assert.deepEqual(lazy.functions[0]!.labels.map((l) => [l.name, l.range.start.line, l.range.start.column]), [['out', 5, 0]]);
  assert.deepEqual(lazy.functions[2]!.cfg.nodes.map((n) => [n.kind, n.range.start.line, n.range.start.column, n.calls]), [
    ['entry', 15, 2, []],
    ['exit', 15, 2, []],
    ['stmt', 15, 32, ['y']],
  ]);
  assert.equal(json(lazy), json(eager));
  // Writing an accessor replaces it.
  const f = lazy.functions[0]!;
  f.labels = [];
  assert.deepEqual(f.labels, []);
});

test('lazy and eager extraction agree on every C fixture and sample, whole and as fragments', () => {
  const files = [...cFiles(FIXTURES), ...cFiles(join(ROOT, 'samples'))];
  assert.ok(files.length > 10);
  let unanalysed = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const opts of [
      { era: parseEra('6.8') },
      { era: parseEra('5.6'), fragment: { contextLine: 'static int ctx(struct mm_struct *mm)', firstLine: 3 } },
    ]) {
      const { lazy, eager } = both(text, opts);
      assert.equal(json(lazy), json(eager), file);
      unanalysed += lazy.functions.filter((f) => f.analysed === false).length;
    }
  }
  assert.ok(unanalysed > 0);
});
