// The injections package.json contributes into source.diff (.patch/.diff files use VS Code's built-in diff language).
// source.diff here is VS Code's built-in diff grammar (from tm-grammars), which matches each +/- line as a single token.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, lineIndex, token, tokenize, type Token } from './tokenize';

const D = 'source.diff';

describe('mm identifier injection into source.diff (pin-fast.patch)', () => {
  const text = fixture('pin-fast.patch');
  const lines = text.split('\n');
  let toks: Token[][];
  before(async () => {
    toks = await tokenize(D, text);
  });
  const at = (line: string): Token[] => toks[lineIndex(lines, line)]!;

  test('a + line keeps markup.inserted on the marker and the whole line', () => {
    const l = at('+\tret = pin_user_pages_fast(start, 1, FOLL_WRITE | FOLL_LONGTERM, pages);');
    assert.deepEqual(token(l, '+').scopes, [D, 'markup.inserted.diff', 'punctuation.definition.inserted.diff']);
    assert.deepEqual(token(l, '\tret = ').scopes, [D, 'markup.inserted.diff']);
  });

  test('GUP calls and FOLL_ flags inside +/- lines are highlighted', () => {
    const plus = at('+\tret = pin_user_pages_fast(start, 1, FOLL_WRITE | FOLL_LONGTERM, pages);');
    assert.deepEqual(token(plus, 'pin_user_pages_fast').scopes, [D, 'markup.inserted.diff', 'support.function.gup.kernel-mm']);
    assert.deepEqual(token(plus, 'FOLL_LONGTERM').scopes, [D, 'markup.inserted.diff', 'variable.other.constant.flag.kernel-mm']);
    const minus = at('-\tret = get_user_pages_fast(start, 1, FOLL_WRITE, pages);');
    assert.deepEqual(token(minus, 'get_user_pages_fast').scopes, [D, 'markup.deleted.diff', 'support.function.gup.kernel-mm']);
  });

  test('file headers and the --- separator are left to the diff grammar', () => {
    assert.deepEqual(token(at('+++ b/mm/gup.c'), '+++').scopes, [D, 'meta.diff.header.to-file', 'punctuation.definition.to-file.diff']);
    assert.deepEqual(token(at('--- a/mm/gup.c'), '---').scopes, [D, 'meta.diff.header.from-file', 'punctuation.definition.from-file.diff']);
    assert.deepEqual(at('---').map((t) => t.scopes), [[D, 'meta.separator.diff', 'punctuation.definition.separator.diff']]);
  });

  test('identifiers on lines the diff grammar leaves alone (subject, context) are highlighted too', () => {
    assert.deepEqual(token(at('Subject: [PATCH] mm/gup: use pin_user_pages_fast()'), 'pin_user_pages_fast').scopes, [
      D,
      'support.function.gup.kernel-mm',
    ]);
  });
});
