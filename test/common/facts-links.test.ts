// The links of the facts document (common/facts-links.ts) on real `mmlens facts` output: a series with its tree,
// the same series without a tree, and a C file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { factsLinks, type FactsLink } from '../../common/facts-links';
import { Analyzer } from '../../server/src/lsp/analyzer';
import { resolveSettings } from '../../common/settings';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..', '..');
const SERIES = join(ROOT, 'samples', 'series', 'gup-unlocked-v2.mbox');
const TREE = join(ROOT, 'samples', 'tree');

function factsOf(path: string, languageId: string, kernelTree = ''): string {
  const a = new Analyzer({ settings: resolveSettings({ kernelTree }) });
  const uri = pathToFileURL(path).href;
  a.update({ uri, languageId, text: readFileSync(path, 'utf8'), version: 1 });
  return a.factsText(uri);
}

/** Each link as "<text on the line> → <target>", in order. */
function shown(text: string, links: FactsLink[]): string[] {
  const lines = text.split('\n');
  return links.map((l) => {
    const t = l.target.kind === 'source' ? `source:${l.target.line + 1}` : `${l.target.path.slice(TREE.length + 1)}:${l.target.line + 1}`;
    return `${lines[l.line]!.slice(l.start, l.end)} → ${t}`;
  });
}

test('a series with its tree: patch lines, subjects, and the before side into the tree files', () => {
  const text = factsOf(SERIES, 'kernel-mbox', TREE);
  const links = shown(text, factsLinks(text, existsSync));
  // The first patch: its subject line, then the before side (tree file) and after side (patch lines only).
  assert.deepEqual(links.slice(0, 9), [
    '(line 35) → source:35',
    'L23 → drivers/misc/foo_dma.c:23',
    'L39 → drivers/misc/foo_dma.c:39',
    '[patch line 75 -] → source:75',
    'L40 → drivers/misc/foo_dma.c:40',
    '[patch line 76 -] → source:76',
    'L42 → drivers/misc/foo_dma.c:42',
    '[patch line 78 -] → source:78',
    '[patch line 79 +] → source:79',
  ]);
  // The after side of a file is not on disk: no L<n> link there.
  const lines = text.split('\n');
  const after = lines.findIndex((l) => l.startsWith('    after ('));
  const nextBefore = lines.findIndex((l, i) => i > after && /^\S/.test(l));
  for (const l of factsLinks(text, existsSync).filter((x) => x.line > after && x.line < nextBefore)) assert.equal(l.target.kind, 'source');
  // The source lines linked are what the facts say: line 75 of the series removes the lock.
  assert.match(readFileSync(SERIES, 'utf8').split('\n')[74]!, /^-\s*mmap_read_lock\(mm\);/);
  assert.match(readFileSync(join(TREE, 'drivers/misc/foo_dma.c'), 'utf8').split('\n')[38]!, /mmap_read_lock\(mm\)/);
});

test('a series without a tree: only links into the series itself', () => {
  const text = factsOf(SERIES, 'kernel-mbox');
  const links = factsLinks(text, existsSync);
  assert.ok(links.length >= 10, `${links.length} links`);
  assert.deepEqual([...new Set(links.map((l) => l.target.kind))], ['source']);
});

test('a tree file that does not exist gets no link', () => {
  const text = factsOf(SERIES, 'kernel-mbox', TREE);
  const links = factsLinks(text, () => false);
  assert.deepEqual([...new Set(links.map((l) => l.target.kind))], ['source']);
});

test('a C file: every L<n> is a line of the file', () => {
  const pin = join(ROOT, 'test', 'fixtures', 'server', 'tree', 'mm', 'pin.c');
  const text = factsOf(pin, 'c');
  assert.deepEqual(
    factsLinks(text, existsSync).map((l) => [text.split('\n')[l.line]!.slice(l.start, l.end), l.target]),
    [
      ['L2', { kind: 'source', line: 1 }],
      ['L6', { kind: 'source', line: 5 }],
      ['L7', { kind: 'source', line: 6 }],
      ['L8', { kind: 'source', line: 7 }],
    ],
  );
});

test('text that is not facts has no links and does not throw', () => {
  assert.deepEqual(factsLinks('', existsSync), []);
  assert.deepEqual(factsLinks('x: not open and not readable from disk; no facts.\n', existsSync), []);
});
