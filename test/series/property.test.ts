// Property tests: arbitrary and mutated input never breaks the parser; recorded positions point at the line text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hunkImage, parsePatchDocument, type PatchDocument } from '../../server/src/series/index';
import { fixture, rawLine } from './helpers';
import { genFile, qpEncode, renderPatch } from './generators';

/** Parses and checks the invariants that must hold for any input. */
function parseChecked(input: string | Uint8Array): PatchDocument {
  const t0 = performance.now();
  const doc = parsePatchDocument(input);
  const ms = performance.now() - t0;
  assert.ok(ms < 1500, `parse took ${ms.toFixed(0)} ms`);
  assert.ok(!doc.issues.some((i) => i.code === 'internal-error'), JSON.stringify(doc.issues.find((i) => i.code === 'internal-error')));
  for (const i of doc.issues) {
    assert.ok(i.severity === 'error' || i.severity === 'warning');
    assert.match(i.code, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(Number.isInteger(i.position.line) && i.position.line >= 0 && i.position.line <= doc.lineCount);
    assert.ok(Number.isInteger(i.position.column) && i.position.column >= 0);
  }
  for (const p of doc.patches) {
    for (const f of p.files) {
      for (const h of f.hunks) {
        for (const l of h.lines) assert.ok(l.position.line >= 0 && l.position.line < Math.max(1, doc.lineCount));
        hunkImage(h, 'pre');
        hunkImage(h, 'post');
      }
    }
  }
  return doc;
}

const PIECES = [
  'diff --git a/x.c b/x.c', 'diff --git a/y.c b/z.c', '--- a/x.c', '+++ b/x.c', '--- /dev/null', '+++ /dev/null',
  '@@ -1,2 +1,2 @@', '@@ -1 +1 @@ ctx', '@@ -0,0 +1,3 @@', '@@@ -1 -1 +1 @@@', '@@ -x +y @@', '+a', '-b', ' c', '', ' ',
  '\\ No newline at end of file', 'From 1234567890 Mon Sep 17 00:00:00 2001', 'From: A <a@example.org>',
  'Subject: [PATCH v2 1/2] x', 'Subject: [PATCH 0/2] cover', 'Subject: =?utf-8?q?=C3=A9?=', '-- ', '2.43.0', '---',
  ' x.c | 2 +-', ' 1 file changed, 1 insertion(+), 1 deletion(-)', 'GIT binary patch', 'literal 5', 'delta 3',
  'zcmV?d00001', 'Binary files a/x and b/x differ', 'Content-Transfer-Encoding: quoted-printable',
  'Content-Transfer-Encoding: base64', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Type: multipart/mixed; boundary=B',
  '--B', '--B--', '=3D=', 'abc=', 'QUJD', '>From x', 'rename from x.c', 'rename to y.c', 'similarity index 50%',
  'new file mode 100644', 'deleted file mode 100644', 'index 1111111..2222222 100644', 'Signed-off-by: A <a@example.org>',
  'Fixes: 123456789abc ("x")', 'base-commit: 1234567890abcdef', '\r', '=?x?q?y?=',
];

test('property: random strings never break the parser', () => {
  fc.assert(fc.property(fc.string({ maxLength: 3000, unit: 'binary' }), (s) => void parseChecked(s)), { numRuns: 300 });
});

test('property: random line soups of diff/mail syntax never break the parser', () => {
  const soup = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 20 })), { maxLength: 200 });
  fc.assert(fc.property(soup, fc.constantFrom('\n', '\r\n'), (ls, eol) => void parseChecked(ls.join(eol))), { numRuns: 500 });
});

test('property: random bytes never break the parser', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), (b) => void parseChecked(b)), { numRuns: 300 });
});

const VALID = ['format-patch.patch', 'git-files.diff', 'quoted-printable.patch', 'base64.patch', 'rfc-missing-duplicate.mbox', 'from-escape-garbage.mbox', 'plain.diff'].map(fixture);
const SAMPLE = fixture('../../../samples/series/gup-unlocked-v2.mbox');
VALID.push(SAMPLE);

type Mutation = { kind: 'delete' | 'duplicate' | 'swap' | 'cr' | 'truncate'; a: number; b: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'duplicate', 'swap', 'cr', 'truncate'),
  a: fc.nat(),
  b: fc.nat(),
});

function mutate(text: string, muts: Mutation[]): string {
  let lines = text.split('\n');
  for (const m of muts) {
    if (lines.length === 0) break;
    const a = m.a % lines.length;
    const b = m.b % lines.length;
    if (m.kind === 'delete') lines.splice(a, 1);
    else if (m.kind === 'duplicate') lines.splice(a, 0, lines[a]);
    else if (m.kind === 'swap') [lines[a], lines[b]] = [lines[b], lines[a]];
    else if (m.kind === 'cr') lines[a] = lines[a].slice(0, b % (lines[a].length + 1)) + '\r' + lines[a].slice(b % (lines[a].length + 1));
    else {
      const joined = lines.join('\n');
      lines = joined.slice(0, (m.a * 7919 + m.b) % (joined.length + 1)).split('\n');
    }
  }
  return lines.join('\n');
}

test('property: mutated valid fixtures (delete/duplicate/swap lines, insert CR, truncate) never break the parser', () => {
  fc.assert(
    fc.property(fc.nat(VALID.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }), (k, muts) => {
      const text = mutate(VALID[k], muts);
      parseChecked(text);
      parseChecked(Buffer.from(text, 'utf8'));
    }),
    { numRuns: 400 },
  );
});

test('property: truncation at every offset of the sample series', () => {
  for (let off = 0; off <= SAMPLE.length; off += 7) parseChecked(SAMPLE.slice(0, off));
});

// ---- Generated valid patches: every diff line's position points at its text. ----

test('property: generated patches parse without issues and every diff line position points at its text', () => {
  fc.assert(
    fc.property(fc.array(genFile, { minLength: 1, maxLength: 4 }), fc.boolean(), (files, crlf) => {
      const lf = renderPatch(files, 'mm: generated');
      const text = crlf ? lf.replace(/\n/g, '\r\n') : lf;
      const doc = parseChecked(text);
      assert.deepEqual(doc.issues, []);
      assert.equal(doc.patches.length, 1);
      const parsed = doc.patches[0].files;
      assert.equal(parsed.length, files.length);
      files.forEach((f, i) => {
        assert.equal(parsed[i].newPath, f.name);
        assert.equal(parsed[i].hunks.length, f.hunks.length);
        f.hunks.forEach((gh, j) => {
          const h = parsed[i].hunks[j];
          assert.deepEqual(h.lines.map((l) => (l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' ') + l.text), gh.map((l) => l.kind + l.text));
          for (const l of h.lines) {
            assert.equal(l.position.column, 0);
            assert.equal(rawLine(text, l.position.line), (l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' ') + l.text);
          }
          for (const side of ['pre', 'post'] as const) {
            const img = hunkImage(h, side);
            assert.deepEqual(img.lines, gh.filter((l) => l.kind !== (side === 'pre' ? '+' : '-')).map((l) => l.text));
            img.lines.forEach((t, li) => {
              for (const col of [0, t.length >> 1, t.length]) {
                const dp = img.toDocument(li, col);
                assert.ok(dp);
                assert.equal(rawLine(text, dp.line).slice(dp.column), t.slice(col));
                assert.deepEqual(img.fromDocument(dp), { line: li, column: col });
              }
            });
          }
        });
      });
    }),
    { numRuns: 200 },
  );
});

test('property: quoted-printable bodies map every image column to its raw (encoded) character', () => {
  fc.assert(
    fc.property(fc.array(genFile, { minLength: 1, maxLength: 2 }), fc.integer({ min: 4, max: 40 }), (files, width) => {
      const plain = renderPatch(files, 'mm: qp');
      const [head, body] = [plain.slice(0, plain.indexOf('\n\n')), plain.slice(plain.indexOf('\n\n') + 2)];
      const text = `${head}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n${qpEncode(body, width)}`;
      const doc = parseChecked(text);
      assert.deepEqual(doc.issues, []);
      const ref = parsePatchDocument(plain).patches[0].files;
      const got = doc.patches[0].files;
      assert.equal(got.length, ref.length);
      got.forEach((f, i) => f.hunks.forEach((h, j) => {
        assert.deepEqual(h.lines.map((l) => [l.kind, l.text]), ref[i].hunks[j].lines.map((l) => [l.kind, l.text]));
        const img = hunkImage(h, 'post');
        img.lines.forEach((t, li) => {
          for (let col = 0; col < t.length; col++) {
            const dp = img.toDocument(li, col);
            assert.ok(dp);
            const raw = rawLine(text, dp.line).slice(dp.column);
            const ch = t.codePointAt(col)!;
            if (ch < 128 && ch !== 61 && ch >= 32) assert.equal(raw[0], t[col]);
            else assert.equal(raw[0], '=', `col ${col} of ${JSON.stringify(t)} maps to ${JSON.stringify(raw)}`);
            const lowSurrogate = t.charCodeAt(col) >= 0xdc00 && t.charCodeAt(col) <= 0xdfff;
            if (!lowSurrogate) assert.deepEqual(img.fromDocument(dp), { line: li, column: col });
          }
        });
      }));
    }),
    { numRuns: 150 },
  );
});
