// Mail decoding: quoted-printable, base64, charsets, RFC 2047, >From unescaping, garbage between mails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hunkImage, parsePatchDocument } from '../../server/src/series/index';
import { codes, fixture, fixtureBytes, rawLine, textAt } from './helpers';

test('quoted-printable: soft breaks joined, =3D decoded, positions on the raw characters', () => {
  const text = fixture('quoted-printable.patch');
  const doc = parsePatchDocument(text);
  assert.deepEqual(doc.issues, []);
  const p = doc.patches[0];
  assert.equal(p.description, 'A body with a very long line that the mailer has wrapped with a soft line break, and a café.');
  assert.deepEqual(p.trailers.map((t) => [t.key, t.position]), [['Signed-off-by', { line: 11, column: 0 }]]);
  const h = p.files[0].hunks[0];
  assert.equal(h.context, 'int qp(void)');
  const del = h.lines[1];
  const add = h.lines[2];
  assert.deepEqual([del.kind, del.text, del.position], ['del', '\tx = 1;', { line: 19, column: 0 }]);
  assert.equal(add.text, '\tx = compute_something_rather_long(first_argument, second_argument);');
  assert.deepEqual(add.position, { line: 20, column: 0 });
  assert.equal(h.lines[3].position.line, 22, 'the line after a soft-broken line keeps its own raw line');
  const post = hunkImage(h, 'post');
  // '=' of 'x =3D' maps to the '=' of '=3D' in the raw line; text after the soft break maps to the next raw line.
  const eq = post.lines[1].indexOf('=');
  assert.deepEqual(post.toDocument(1, eq), { line: 20, column: 4 });
  assert.equal(textAt(text, post.toDocument(1, eq)!).slice(0, 3), '=3D');
  const after = post.lines[1].indexOf('ument);');
  assert.deepEqual(post.toDocument(1, after), { line: 21, column: 0 });
  assert.deepEqual(post.toDocument(1, eq + 2), { line: 20, column: 8 }, "'c' of compute comes 3 raw chars after the '='");
  assert.deepEqual(post.fromDocument({ line: 21, column: 0 }), { line: 1, column: after });
  assert.deepEqual(post.fromDocument({ line: 20, column: 8 }), { line: 1, column: eq + 2 });
});

test('base64 body: decoded, positions approximate at the body start', () => {
  const doc = parsePatchDocument(fixture('base64.patch'));
  assert.deepEqual(codes(doc), ['approximate-positions']);
  const p = doc.patches[0];
  assert.equal(p.positionsApproximate, true);
  assert.equal(p.description, 'Base64 encoded body.');
  const h = p.files[0].hunks[0];
  assert.deepEqual(h.lines.map((l) => [l.kind, l.text]), [['del', 'int b64 = 1;'], ['add', 'int b64 = 2;'], ['context', 'int tail;']]);
  for (const l of h.lines) assert.deepEqual(l.position, { line: 8, column: 0 });
  assert.deepEqual(hunkImage(h, 'post').toDocument(0, 5), { line: 8, column: 0 });
});

test('ISO-8859-1 mail (bytes): encoded-word From and Subject, 8bit body decoded with the charset', () => {
  const bytes = fixtureBytes('latin1.patch');
  const doc = parsePatchDocument(bytes);
  assert.deepEqual(doc.issues, []);
  const p = doc.patches[0];
  assert.deepEqual(p.author, { name: 'René Düpont', email: 'rene@example.fr', raw: 'René Düpont <rene@example.fr>' });
  assert.equal(p.subject?.cleaned, 'mm/fake: café fix');
  assert.equal(p.mail?.charset, 'iso-8859-1');
  assert.equal(p.description, 'Résumé of the change.');
  assert.equal(p.trailers[0].person?.name, 'René Düpont');
  const add = p.files[0].hunks[0].lines[1];
  assert.deepEqual([add.kind, add.text, add.position], ['add', '/* café crème */ int y;', { line: 18, column: 0 }]);
  const post = hunkImage(p.files[0].hunks[0], 'post');
  assert.deepEqual(post.toDocument(0, post.lines[0].indexOf('int')), { line: 18, column: 18 });
});

test('bytes that are not UTF-8 and declare no charset: latin1 with a warning', () => {
  const doc = parsePatchDocument(fixtureBytes('latin1-nocharset.diff'));
  assert.deepEqual(codes(doc), ['invalid-utf8-assumed-latin1']);
  assert.equal(doc.patches[0].files[0].hunks[0].lines[1].text, '/* naïf */');
});

test('string and UTF-8 bytes input give the same document', () => {
  const text = fixture('quoted-printable.patch');
  assert.deepEqual(parsePatchDocument(Buffer.from(text, 'utf8')), parsePatchDocument(text));
  const u8 = new Uint8Array(Buffer.from(fixture('format-patch.patch')));
  assert.deepEqual(parsePatchDocument(u8), parsePatchDocument(fixture('format-patch.patch')));
});

test('>From unescaping, garbage before the first mail and between mails', () => {
  const text = fixture('from-escape-garbage.mbox');
  const doc = parsePatchDocument(text);
  assert.equal(doc.patches.length, 2);
  assert.deepEqual(doc.issues.map((i) => [i.code, i.position.line, i.patchIndex]), [
    ['garbage-before-first-mail', 0, undefined],
    ['garbage-between-mails', 22, 0],
  ]);
  assert.equal(rawLine(text, 22), 'Some garbage between the mails.');
  const p = doc.patches[0];
  assert.equal(p.description, 'From the documentation: this line was escaped by the mbox writer.\n>From stays quoted once.');
  assert.deepEqual(p.messagePosition, { line: 7, column: 1 });
  assert.equal(doc.patches[1].subject?.cleaned, 'mm/fake: after garbage');
  assert.deepEqual(doc.patches[1].files[0].hunks[0].lines[1].position, { line: 40, column: 0 });
});

test('header folding and RFC 2047 in a string input', () => {
  const mail = [
    'From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.org>',
    'Subject: [PATCH v2 1/1] mm: a long subject',
    ' =?utf-8?q?with_=C3=BCmlaut?=',
    '\tand a tab fold',
    '',
    'Body.',
    '',
    'Signed-off-by: J <j@example.org>',
    '---',
    'diff --git a/a b/a',
    '--- a/a',
    '+++ b/a',
    '@@ -1 +1 @@',
    '-x',
    '+y',
    '',
  ].join('\n');
  const doc = parsePatchDocument(mail);
  assert.equal(doc.kind, 'format-patch');
  assert.deepEqual(doc.issues, []);
  const p = doc.patches[0];
  assert.equal(p.author?.name, 'Jürgen');
  assert.equal(p.subject?.cleaned, 'mm: a long subject with ümlaut and a tab fold');
  assert.deepEqual(p.files[0].hunks[0].lines[1].position, { line: 14, column: 0 });
});

test('multipart mail: the text/x-patch attachment is parsed, other parts skipped', () => {
  const mail = [
    'From: Jane Developer <jane@example.org>',
    'Subject: [PATCH] mm: attached',
    'Content-Type: multipart/mixed; boundary="XYZ"',
    '',
    'preamble',
    '--XYZ',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See attached.',
    '',
    'Signed-off-by: Jane Developer <jane@example.org>',
    '--XYZ',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    '',
    'iVBORw0KGgo=',
    '--XYZ',
    'Content-Type: text/x-patch; charset=utf-8',
    '',
    '--- a/mm/x.c',
    '+++ b/mm/x.c',
    '@@ -1 +1 @@',
    '-old',
    '+new',
    '--XYZ--',
    '',
  ].join('\n');
  const doc = parsePatchDocument(mail);
  assert.deepEqual(doc.issues, []);
  const p = doc.patches[0];
  assert.equal(p.trailers[0].key, 'Signed-off-by');
  assert.deepEqual(p.files[0].hunks[0].lines.map((l) => [l.text, l.position.line]), [['old', 22], ['new', 23]]);
});
