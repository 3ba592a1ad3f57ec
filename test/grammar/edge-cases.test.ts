import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertC, fixture, lineIndex, token, tokenize, type Token } from './tokenize';

const S = 'text.mbox.kernel-patch';
const FILE_C = [S, 'meta.embedded.block.diff', 'meta.diff.file.c.mbox'];
const HUNK_C = [...FILE_C, 'meta.diff.hunk.c.mbox'];
const INSERTED_C = [...HUNK_C, 'markup.inserted.diff', 'meta.embedded.block.c', 'source.c'];

describe('kernel-mbox grammar edge cases (edge-cases.mbox)', () => {
  const text = fixture('edge-cases.mbox');
  const lines = text.split('\n');
  let toks: Token[][];
  before(async () => {
    toks = await tokenize(S, text);
  });
  const at = (line: string): Token[] => toks[lineIndex(lines, line)]!;

  test('a lore mboxrd separator (sender, ctime date with two spaces)', () => {
    const l = at('From mboxrd@z Thu Jan  1 00:00:00 1970');
    assert.deepEqual(token(l, 'mboxrd@z').scopes, [S, 'meta.separator.from-line.mbox', 'string.unquoted.envelope-sender.mbox']);
    assert.deepEqual(token(l, 'Thu Jan  1 00:00:00 1970').scopes, [S, 'meta.separator.from-line.mbox', 'string.unquoted.date.mbox']);
  });

  test('a body line starting with "From " is not a separator', () => {
    const l = at('From the trace below, the fault handler never sees FAULT_FLAG_USER.');
    assert.deepEqual(token(l, 'From the trace below, the fault handler never sees ').scopes, [S]);
  });

  test('[RFC PATCH mm-unstable 2/5]: RFC and PATCH keywords, the tree name, the index', () => {
    const l = at('Subject: [RFC PATCH mm-unstable 2/5] mm/uffd: add a helper header');
    const prefix = [S, 'meta.headers.mbox', 'meta.header.subject.mbox', 'markup.heading.subject.mbox', 'meta.patch-prefix.mbox'];
    assert.deepEqual(token(l, 'RFC').scopes, [...prefix, 'keyword.other.patch.mbox']);
    assert.deepEqual(token(l, 'mm-unstable').scopes, [...prefix, 'entity.name.tag.tree.mbox']);
    assert.deepEqual(token(l, '5').scopes, [...prefix, 'constant.numeric.patch-index.mbox']);
  });

  test('Co-developed-by, Suggested-by and Tested-by are trailers; Link links', () => {
    for (const [line, key] of [
      ['Co-developed-by: Lee Sample <lee@example.com>', 'Co-developed-by'],
      ['Suggested-by: Jane Doe <jane.doe@example.org>', 'Suggested-by'],
      ['Tested-by: Mina Tester <mina@example.net>', 'Tested-by'],
    ] as const) {
      assert.deepEqual(token(at(line), key).scopes, [S, 'meta.trailer.person.mbox', 'keyword.other.trailer.mbox'], line);
    }
    assert.deepEqual(token(at('Link: https://lore.example.org/r/20240301-uffd-v1-0@example.com'), 'Link').scopes, [
      S,
      'meta.trailer.link.mbox',
      'keyword.other.trailer.mbox',
    ]);
  });

  test("a maintainer's bracketed note between trailers", () => {
    assert.deepEqual(at('[akpm@example.org: fix build with CONFIG_USERFAULTFD=n]')[0]!.scopes, [S, 'comment.line.maintainer-note.mbox']);
  });

  test('"v1 -> v2:" changelog heading and a "create mode" diffstat line', () => {
    assert.deepEqual(at('v1 -> v2:')[0]!.scopes, [S, 'markup.heading.changelog.mbox']);
    const l = at(' create mode 100644 include/linux/uffd_helper.h');
    assert.deepEqual(token(l, '100644').scopes, [S, 'meta.diffstat.mode.mbox', 'constant.numeric.mode.mbox']);
    assert.deepEqual(token(l, 'include/linux/uffd_helper.h').scopes, [S, 'meta.diffstat.mode.mbox', 'entity.name.filename.mbox']);
  });

  test('a .h file is C too: preprocessor directives after the + marker', () => {
    const inc = at('+#include <linux/mm.h>');
    assert.deepEqual(token(inc, 'include').scopes, [...INSERTED_C, 'keyword.control.directive.include.c']);
    assert.deepEqual(token(inc, '<linux/mm.h>').scopes, [...INSERTED_C, 'string.quoted.other.include.c']);
    const def = at('+#define _LINUX_UFFD_HELPER_H');
    assert.deepEqual(token(def, '#').scopes, [...INSERTED_C, 'keyword.control.directive.c', 'punctuation.definition.directive.c']);
  });

  test('an empty + line stays markup.inserted and does not break the run', () => {
    const i = lineIndex(lines, '+#include <linux/mm.h>') + 1;
    assert.equal(lines[i], '+');
    assert.deepEqual(toks[i]!.map((t) => t.scopes), [[...HUNK_C, 'markup.inserted.diff', 'punctuation.definition.inserted.diff']]);
    assert.deepEqual(token(toks[i + 1]!, 'static').scopes, [...INSERTED_C, 'storage.modifier.c']);
  });

  test('"\\ No newline at end of file" inside a hunk', () => {
    assert.deepEqual(at('\\ No newline at end of file')[0]!.scopes, [...HUNK_C, 'comment.line.no-newline.diff']);
  });

  test('the next diff --git starts a new file section', () => {
    assert.deepEqual(at('diff --git a/mm/userfaultfd.c b/mm/userfaultfd.c')[0]!.scopes, [...FILE_C, 'meta.diff.header.git']);
  });

  test('a second @@ in the same file starts a new hunk', () => {
    assert.deepEqual(token(at('@@ -40,3 +39,2 @@'), '-40,3 +39,2').scopes, [
      ...HUNK_C,
      'meta.diff.range.unified',
      'meta.toc-list.line-number.diff',
    ]);
  });

  test('a - line right before the "-- " signature: the signature is not a deleted line', () => {
    const i = lineIndex(lines, '-/* old trailer */');
    assert.deepEqual(token(toks[i]!, '-').scopes, [...HUNK_C, 'markup.deleted.diff', 'punctuation.definition.deleted.diff']);
    assert.equal(lines[i + 1], '-- ');
    assert.deepEqual(token(toks[i + 1]!, '--').scopes, [S, 'meta.signature.mbox', 'punctuation.definition.signature.mbox']);
  });

  test('userfaultfd identifiers and VM_UFFD_ flags', () => {
    const l = at('+\treturn handle_userfault(vmf, VM_UFFD_MISSING);');
    assertC(token(l, 'handle_userfault'), INSERTED_C, 'support.function.userfaultfd.kernel-mm');
    // An argument of the call: the C grammar nests it in meta.parens.c, the injection still scopes the flag.
    assertC(token(l, 'VM_UFFD_MISSING'), INSERTED_C, 'variable.other.constant.flag.kernel-mm');
    assertC(token(at('+\treturn vma->vm_flags & VM_UFFD_WP;'), 'VM_UFFD_WP'), INSERTED_C, 'variable.other.constant.flag.kernel-mm');
  });
});

describe('kernel-mbox grammar: C state is bounded by a run of same-marker lines', () => {
  const text = [
    'From 3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f30 Mon Sep 17 00:00:00 2001',
    'Subject: [PATCH] mm: x',
    '',
    'diff --git a/mm/x.c b/mm/x.c',
    '--- a/mm/x.c',
    '+++ b/mm/x.c',
    '@@ -1,2 +1,3 @@',
    '+\t/* opened here,',
    ' \treturn 0; */',
    ' }',
  ].join('\n');
  let toks: Token[][];
  before(async () => {
    toks = await tokenize(S, text);
  });

  test('a comment opened on a + line does not swallow the following context line', () => {
    const ctx = toks[8]!;
    assert.deepEqual(token(ctx, ' ').scopes, [...HUNK_C, 'meta.diff.context.mbox', 'punctuation.definition.context.diff']);
    // Known limitation: TextMate cannot know the comment continues, so the context line is tokenized as code.
    assert.deepEqual(token(ctx, 'return').scopes, [...HUNK_C, 'meta.diff.context.mbox', 'meta.embedded.block.c', 'source.c', 'keyword.control.c']);
    assert.deepEqual(token(toks[9]!, '}').scopes, [...HUNK_C, 'meta.diff.context.mbox', 'meta.embedded.block.c', 'source.c']);
  });
});
