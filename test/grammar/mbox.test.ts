import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertC, fixture, lineIndex, token, tokenize, type Token } from './tokenize';

const MBOX = 'text.mbox.kernel-patch';
const S = MBOX;
const HUNK_C = [S, 'meta.embedded.block.diff', 'meta.diff.file.c.mbox', 'meta.diff.hunk.c.mbox'];
const INSERTED_MARKER = [...HUNK_C, 'markup.inserted.diff', 'punctuation.definition.inserted.diff'];
const INSERTED_C = [...HUNK_C, 'markup.inserted.diff', 'meta.embedded.block.c', 'source.c'];

/** The tokens after the one-character +/-/space marker, checking they cover the rest of the line exactly. */
function afterMarker(l: readonly Token[], line: string): Token[] {
  assert.equal(l[0]!.text, line[0]);
  assert.equal(l.slice(1).map((t) => t.text).join(''), line.slice(1));
  return l.slice(1);
}

/** Each token is code in the embedded C: under `embedding` (down to source.c), and never in a comment or a string. */
function assertCode(tokens: readonly Token[], embedding: readonly string[]): void {
  for (const t of tokens) {
    const what = `${JSON.stringify(t.text)}: ${t.scopes.join(' ')}`;
    assert.deepEqual(t.scopes.slice(0, embedding.length), [...embedding], what);
    assert.ok(!t.scopes.some((x) => x.startsWith('comment.') || x.startsWith('string.')), what);
  }
}

describe('kernel-mbox grammar on a v2 series (gup-unlocked-v2.mbox)', () => {
  const text = fixture('gup-unlocked-v2.mbox');
  const lines = text.split('\n');
  let toks: Token[][];
  before(async () => {
    toks = await tokenize(MBOX, text);
  });
  const at = (line: string, from = 0): Token[] => toks[lineIndex(lines, line, from)]!;
  // Line of the second message (patch 1/2), after which the patch-specific lines are looked up.
  const patch1 = (): number => lineIndex(lines, 'From 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b Mon Sep 17 00:00:00 2001');

  test('the mbox From separator: keyword, sha and date', () => {
    const l = at('From 3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f30 Mon Sep 17 00:00:00 2001');
    assert.deepEqual(token(l, 'From').scopes, [S, 'meta.separator.from-line.mbox', 'keyword.other.from-line.mbox']);
    assert.deepEqual(token(l, '3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f30').scopes, [
      S,
      'meta.separator.from-line.mbox',
      'constant.other.sha.mbox',
    ]);
    assert.deepEqual(token(l, 'Mon Sep 17 00:00:00 2001').scopes, [S, 'meta.separator.from-line.mbox', 'string.unquoted.date.mbox']);
  });

  test('a header: name, separator and value are scoped apart', () => {
    const l = at('Date: Tue, 12 Mar 2024 10:15:02 +0100');
    const base = [S, 'meta.headers.mbox', 'meta.header.date.mbox'];
    assert.deepEqual(token(l, 'Date').scopes, [...base, 'keyword.other.header.mbox']);
    assert.deepEqual(token(l, ':').scopes, [...base, 'punctuation.separator.key-value.mbox']);
    assert.deepEqual(token(l, 'Tue, 12 Mar 2024 10:15:02 +0100').scopes, [...base, 'string.unquoted.date.mbox']);
  });

  test('an address header: display name and e-mail address', () => {
    const l = at('To: Kai Example <kai@example.com>');
    const value = [S, 'meta.headers.mbox', 'meta.header.address.mbox', 'string.unquoted.header-value.mbox'];
    assert.deepEqual(token(l, 'To').scopes, [S, 'meta.headers.mbox', 'meta.header.address.mbox', 'keyword.other.header.mbox']);
    assert.deepEqual(token(l, 'Kai Example').scopes, [...value, 'entity.name.person.mbox']);
    assert.deepEqual(token(l, 'kai@example.com').scopes, [...value, 'markup.underline.link.email.mbox']);
  });

  test('the [PATCH v2 1/2] subject prefix is distinguished from the subject text', () => {
    const l = at('Subject: [PATCH v2 1/2] mm/gup: retry explicitly in get_user_pages_unlocked()');
    const subject = [S, 'meta.headers.mbox', 'meta.header.subject.mbox', 'markup.heading.subject.mbox'];
    const prefix = [...subject, 'meta.patch-prefix.mbox'];
    assert.deepEqual(token(l, '[').scopes, [...prefix, 'punctuation.definition.patch-prefix.begin.mbox']);
    assert.deepEqual(token(l, 'PATCH').scopes, [...prefix, 'keyword.other.patch.mbox']);
    assert.deepEqual(token(l, 'v2').scopes, [...prefix, 'constant.numeric.version.mbox']);
    assert.deepEqual(token(l, '1').scopes, [...prefix, 'constant.numeric.patch-index.mbox']);
    assert.deepEqual(token(l, '/').scopes, [...prefix, 'constant.numeric.patch-index.mbox', 'punctuation.separator.patch-index.mbox']);
    assert.deepEqual(token(l, ']').scopes, [...prefix, 'punctuation.definition.patch-prefix.end.mbox']);
    assert.deepEqual(token(l, 'mm/gup: ').scopes, [...subject, 'entity.name.section.subsystem.mbox']);
    assert.deepEqual(token(l, 'retry explicitly in ').scopes, subject);
  });

  test('a folded subject continues the header on the next line', () => {
    const l = at(' get_user_pages_unlocked()');
    assert.deepEqual(token(l, '()').scopes, [S, 'meta.headers.mbox', 'meta.header.subject.mbox', 'markup.heading.subject.mbox']);
  });

  test('an RFC 2047 encoded word: charset, encoding and text', () => {
    const l = at('From: =?UTF-8?q?J=C3=A1ne_Doe?= <jane.doe@example.org>');
    const ew = [S, 'meta.headers.mbox', 'meta.header.address.mbox', 'string.unquoted.header-value.mbox', 'string.other.encoded-word.mbox'];
    assert.deepEqual(token(l, 'UTF-8').scopes, [...ew, 'support.constant.charset.mbox']);
    assert.deepEqual(token(l, 'q').scopes, [...ew, 'keyword.operator.encoding.mbox']);
    assert.deepEqual(token(l, 'J=C3=A1ne_Doe').scopes, [...ew, 'string.unquoted.encoded-text.mbox']);
  });

  test('message ids in Message-ID and In-Reply-To', () => {
    const l = at('In-Reply-To: <20240312091502.1234-1-jane.doe@example.org>');
    assert.deepEqual(token(l, '20240312091502.1234-1-jane.doe@example.org').scopes, [
      S,
      'meta.headers.mbox',
      'meta.header.message-id.mbox',
      'string.unquoted.header-value.mbox',
      'string.other.message-id.mbox',
    ]);
  });

  test('the header block ends at the first empty line: body text is not a header', () => {
    const l = at('When handle_mm_fault() returns VM_FAULT_RETRY the lock is gone; take it');
    assert.deepEqual(token(l, 'When ').scopes, [S]);
  });

  test('a Signed-off-by trailer: key, person and address', () => {
    const l = at('Signed-off-by: Jane Doe <jane.doe@example.org>', patch1());
    const tr = [S, 'meta.trailer.person.mbox'];
    assert.deepEqual(token(l, 'Signed-off-by').scopes, [...tr, 'keyword.other.trailer.mbox']);
    assert.deepEqual(token(l, 'Jane Doe').scopes, [...tr, 'entity.name.person.mbox']);
    assert.deepEqual(token(l, 'jane.doe@example.org').scopes, [...tr, 'markup.underline.link.email.mbox']);
  });

  test('Reported-by, Reviewed-by and Cc with a stable note are person trailers', () => {
    assert.deepEqual(token(at('Reported-by: Mina Tester <mina@example.net>'), 'Reported-by').scopes, [
      S,
      'meta.trailer.person.mbox',
      'keyword.other.trailer.mbox',
    ]);
    assert.deepEqual(token(at('Reviewed-by: Kai Example <kai@example.com>'), 'Kai Example').scopes, [
      S,
      'meta.trailer.person.mbox',
      'entity.name.person.mbox',
    ]);
    assert.deepEqual(token(at('Cc: stable@example.org # 6.6.x'), '# 6.6.x').scopes, [
      S,
      'meta.trailer.person.mbox',
      'comment.line.trailer-note.mbox',
    ]);
  });

  test('a Fixes trailer: the sha and the quoted commit title', () => {
    const l = at('Fixes: 0123456789ab ("mm/gup: add FOLL_UNLOCKABLE")');
    assert.deepEqual(token(l, 'Fixes').scopes, [S, 'meta.trailer.fixes.mbox', 'keyword.other.trailer.mbox']);
    assert.deepEqual(token(l, '0123456789ab').scopes, [S, 'meta.trailer.fixes.mbox', 'constant.other.sha.mbox']);
    assert.deepEqual(token(l, 'mm/gup: add FOLL_UNLOCKABLE').scopes, [
      S,
      'meta.trailer.fixes.mbox',
      'string.quoted.double.commit-title.mbox',
    ]);
  });

  test('a Closes trailer links its URL', () => {
    const l = at('Closes: https://lore.example.org/r/bug-1234@example.net');
    assert.deepEqual(token(l, 'https://lore.example.org/r/bug-1234@example.net').scopes, [
      S,
      'meta.trailer.link.mbox',
      'markup.underline.link.mbox',
    ]);
  });

  test('the --- line that ends the commit message', () => {
    const l = toks[lineIndex(lines, '---', patch1())]!;
    assert.deepEqual(l.map((t) => t.scopes), [[S, 'meta.separator.commit-message.mbox', 'punctuation.separator.commit-message.mbox']]);
  });

  test('a diffstat line: path, count, and the +/- bar split', () => {
    const l = at(' mm/gup.c | 11 +++++++----', patch1());
    const ds = [S, 'meta.diffstat.line.mbox'];
    assert.deepEqual(token(l, 'mm/gup.c').scopes, [...ds, 'entity.name.filename.mbox']);
    assert.deepEqual(token(l, '|').scopes, [...ds, 'punctuation.separator.diffstat.mbox']);
    assert.deepEqual(token(l, '11').scopes, [...ds, 'constant.numeric.changes.mbox']);
    assert.deepEqual(token(l, '+++++++').scopes, [...ds, 'markup.inserted.diffstat.mbox']);
    assert.deepEqual(token(l, '----').scopes, [...ds, 'markup.deleted.diffstat.mbox']);
  });

  test('the diffstat summary line', () => {
    const l = at(' 2 files changed, 11 insertions(+), 4 deletions(-)');
    const sum = [S, 'meta.diffstat.summary.mbox'];
    assert.deepEqual(token(l, '2').scopes, [...sum, 'constant.numeric.files.mbox']);
    assert.deepEqual(token(l, '11').scopes, [...sum, 'constant.numeric.insertions.mbox']);
    assert.deepEqual(token(l, 'insertions(+)').scopes, [...sum, 'markup.inserted.diffstat.mbox']);
    assert.deepEqual(token(l, 'deletions(-)').scopes, [...sum, 'markup.deleted.diffstat.mbox']);
  });

  test('base-commit and prerequisite-patch-id lines carry their shas', () => {
    assert.deepEqual(token(at('base-commit: 0123456789abcdef0123456789abcdef01234567'), 'base-commit').scopes, [
      S,
      'meta.base-info.mbox',
      'keyword.other.base-info.mbox',
    ]);
    assert.deepEqual(
      token(at('prerequisite-patch-id: fedcba9876543210fedcba9876543210fedcba98'), 'fedcba9876543210fedcba9876543210fedcba98').scopes,
      [S, 'meta.base-info.mbox', 'constant.other.sha.mbox'],
    );
  });

  test('cover letter: changelog heading and shortlog author', () => {
    assert.deepEqual(at('Changes in v2:')[0]!.scopes, [S, 'markup.heading.changelog.mbox']);
    assert.deepEqual(token(at('Jane Doe (2):'), 'Jane Doe').scopes, [S, 'meta.shortlog.author.mbox', 'entity.name.person.mbox']);
  });

  test('the "-- " signature and the git version under it', () => {
    const i = lineIndex(lines, '-- ', patch1());
    assert.deepEqual(token(toks[i]!, '--').scopes, [S, 'meta.signature.mbox', 'punctuation.definition.signature.mbox']);
    assert.deepEqual(token(toks[i + 1]!, '2.43.0').scopes, [S, 'meta.signature.mbox', 'constant.numeric.version.git.mbox']);
  });

  test('the diff part is source.diff: git header and file headers', () => {
    const from = patch1();
    assert.deepEqual(at('diff --git a/mm/gup.c b/mm/gup.c', from)[0]!.scopes, [
      S,
      'meta.embedded.block.diff',
      'meta.diff.file.c.mbox',
      'meta.diff.header.git',
    ]);
    assert.deepEqual(token(at('+++ b/mm/gup.c', from), '+++').scopes, [
      S,
      'meta.embedded.block.diff',
      'meta.diff.file.c.mbox',
      'meta.diff.header.to-file',
      'punctuation.definition.to-file.diff',
    ]);
  });

  test('a + line in a .c hunk: marker is markup.inserted, the rest is C', () => {
    const line = '+\tif (ret & VM_FAULT_RETRY) {';
    const l = at(line, patch1());
    assert.deepEqual(token(l, '+').scopes, INSERTED_MARKER);
    // Everything after the marker, to the end of the line, is C code (no comment/string, nothing of another grammar).
    assertCode(afterMarker(l, line), INSERTED_C);
    assertC(token(l, 'if'), INSERTED_C, 'keyword.control.c');
    // ... and the C grammar really parses it up to the last character: the condition's ) and the block's {.
    assertC(token(l, ')'), INSERTED_C, 'punctuation.section.parens.end.bracket.round.c');
    assertC(token(l, '{'), INSERTED_C, 'punctuation.section.block.begin.bracket.curly.c');
  });

  test('a - line in a .c hunk is one markup.deleted run, not C: removed code stands apart from added code', () => {
    const line = '-\tif (ret & VM_FAULT_RETRY)';
    const l = at(line, patch1());
    const deleted = [...HUNK_C, 'markup.deleted.diff'];
    assert.deepEqual(token(l, '-').scopes, [...deleted, 'punctuation.definition.deleted.diff']);
    assert.deepEqual(
      afterMarker(l, line).map((t) => [t.text, t.scopes]),
      [
        ['\tif (ret & ', deleted],
        ['VM_FAULT_RETRY', [...deleted, 'variable.other.constant.flag.kernel-mm']], // the mm identifiers still stand out
        [')', deleted],
      ],
    );
  });

  test('a context line in a .c hunk is C too', () => {
    const l = at(' \t\treturn -EAGAIN;', patch1());
    assert.deepEqual(token(l, 'return').scopes, [...HUNK_C, 'meta.diff.context.mbox', 'meta.embedded.block.c', 'source.c', 'keyword.control.c']);
  });

  test('a C block comment spans consecutive + lines, each marker still markup.inserted', () => {
    const from = patch1();
    const comment = [...INSERTED_C, 'comment.block.c'];
    const open = at('+\t/*', from);
    const middle = at('+\t * The lock was dropped: retake it.', from);
    const close = at('+\t */', from);
    for (const [l, line] of [
      [open, '+\t/*'],
      [middle, '+\t * The lock was dropped: retake it.'],
      [close, '+\t */'],
    ] as const) {
      assert.deepEqual(token(l, '+').scopes, INSERTED_MARKER, line);
      // The comment scope covers the whole text after the marker on each of the three lines.
      for (const t of afterMarker(l, line)) assert.deepEqual(t.scopes.slice(0, comment.length), comment, `${line}: ${JSON.stringify(t.text)}`);
    }
    assert.deepEqual(token(open, '/*').scopes, [...comment, 'punctuation.definition.comment.begin.c']);
    assert.deepEqual(token(middle, '\t * The lock was dropped: retake it.').scopes, comment);
    assert.deepEqual(token(close, '*/').scopes, [...comment, 'punctuation.definition.comment.end.c']);
    // ... and the comment is closed there: the next + line is code again, with no comment scope anywhere.
    const line = '+\tret = handle_mm_fault(vma, address, FAULT_FLAG_TRIED, NULL);';
    const after = at(line, from);
    assert.deepEqual(token(after, '+').scopes, INSERTED_MARKER);
    assertCode(afterMarker(after, line), INSERTED_C);
    assertC(after[1]!, INSERTED_C); // the leading "\tret" is plain C code
    assertC(token(after, '='), INSERTED_C, 'keyword.operator.assignment.c');
  });

  test('the @@ line keeps the diff range scopes; its function context is C', () => {
    const l = at('@@ -100,9 +100,12 @@ static long __get_user_pages_locked(struct mm_struct *mm)', patch1());
    assert.deepEqual(token(l, '-100,9 +100,12').scopes, [...HUNK_C, 'meta.diff.range.unified', 'meta.toc-list.line-number.diff']);
    assert.deepEqual(token(l, 'static').scopes, [...HUNK_C, 'meta.embedded.line.c', 'storage.modifier.c']);
  });

  test('hunks of non-C files keep diff scopes and get no C', () => {
    const l = at('+after VM_FAULT_RETRY.');
    const hunk = [S, 'meta.embedded.block.diff', 'meta.diff.file.mbox', 'meta.diff.hunk.mbox', 'markup.inserted.diff'];
    assert.deepEqual(token(l, '+').scopes, [...hunk, 'punctuation.definition.inserted.diff']);
    assert.deepEqual(token(l, 'after ').scopes, hunk);
  });

  test('the diff ends at the signature, and the next message starts with a fresh header block', () => {
    const i = lineIndex(lines, 'From 1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c Mon Sep 17 00:00:00 2001');
    assert.deepEqual(token(toks[i]!, 'From').scopes, [S, 'meta.separator.from-line.mbox', 'keyword.other.from-line.mbox']);
    assert.deepEqual(token(toks[i + 1]!, 'From').scopes, [S, 'meta.headers.mbox', 'meta.header.address.mbox', 'keyword.other.header.mbox']);
  });

  test('GUP and fault identifiers are highlighted in C hunks and in prose', () => {
    const from = patch1();
    // Inside the if block opened on the + line before (the C grammar nests it in meta.block.c).
    assertC(token(at('+\t\tmmap_read_lock(mm);', from), 'mmap_read_lock'), INSERTED_C, 'support.function.mmap-lock.kernel-mm');
    const f = at('+\tret = handle_mm_fault(vma, address, FAULT_FLAG_TRIED, NULL);', from);
    assertC(token(f, 'handle_mm_fault'), INSERTED_C, 'support.function.fault.kernel-mm');
    // An argument: inside the call's meta.parens.c.
    assertC(token(f, 'FAULT_FLAG_TRIED'), INSERTED_C, 'variable.other.constant.flag.kernel-mm');
    assert.deepEqual(token(at('- keep FOLL_UNLOCKABLE for the remote case'), 'FOLL_UNLOCKABLE').scopes, [S, 'variable.other.constant.flag.kernel-mm']);
  });
});

describe('kernel-mbox grammar on a single reply mail (reply.eml, no From separator)', () => {
  const text = fixture('reply.eml');
  const lines = text.split('\n');
  let toks: Token[][];
  before(async () => {
    toks = await tokenize(MBOX, text);
  });

  test('headers start on the first line', () => {
    assert.deepEqual(token(toks[0]!, 'From').scopes, [S, 'meta.headers.mbox', 'meta.header.address.mbox', 'keyword.other.header.mbox']);
  });

  test('Re: is a reply prefix before the patch prefix', () => {
    const l = toks[lineIndex(lines, 'Subject: Re: [PATCH v2 1/2] mm/gup: retry explicitly in get_user_pages_unlocked()')]!;
    assert.deepEqual(token(l, 'Re: ').scopes, [
      S,
      'meta.headers.mbox',
      'meta.header.subject.mbox',
      'markup.heading.subject.mbox',
      'keyword.other.reply-prefix.mbox',
    ]);
  });

  test('quoted lines and an Acked-by trailer', () => {
    const q = toks[lineIndex(lines, '> again before the second attempt instead of relying on the caller.')]!;
    assert.deepEqual(q.map((t) => t.scopes), [[S, 'markup.quote.mbox']]);
    const a = toks[lineIndex(lines, 'Acked-by: Kai Example <kai@example.com>')]!;
    assert.deepEqual(token(a, 'Acked-by').scopes, [S, 'meta.trailer.person.mbox', 'keyword.other.trailer.mbox']);
  });
});
