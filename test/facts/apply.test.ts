import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePatchDocument } from '../../server/src/series';
import { applyFileDiff, SOURCE_SHIFT } from '../../server/src/facts/apply';

const FIX = join(__dirname, '..', 'fixtures', 'facts');
const patch = parsePatchDocument(readFileSync(join(FIX, 'qux-unlocked.patch')));
const file = patch.patches[0].files[0];
const oldText = readFileSync(join(FIX, 'tree', 'mm', 'qux.c'), 'utf8');

test('apply: a hunk whose header is one line off applies at offset 1, like git apply', () => {
  const r = applyFileDiff(oldText, file);
  assert.ok(r.ok);
  assert.deepEqual(r.hunks, [{ hunk: 0, oldAt: 3, newAt: 3, offset: 1 }]);
  const lines = r.text.split('\n');
  assert.equal(lines[8], '\tret = get_user_pages_unlocked(uaddr, nr, pages, FOLL_WRITE);');
  assert.ok(!r.text.includes('down_read'));
  assert.ok(r.text.includes('static void qux_unpin'), 'lines after the hunk are kept');
  assert.equal(r.text.split('\n').length, oldText.split('\n').length - 3);
});

test('apply: line sources tell added lines from context and untouched lines', () => {
  const r = applyFileDiff(oldText, file);
  assert.ok(r.ok);
  assert.equal(r.newLineSource[0], -1, 'line 1 is outside the hunk');
  const src = r.newLineSource[8];
  const dl = file.hunks[Math.floor(src / SOURCE_SHIFT)].lines[src % SOURCE_SHIFT];
  assert.equal(dl.kind, 'add');
  assert.equal(dl.position.line, 26, 'the + line is document line 27');
  const removed = r.oldLineSource[10];
  assert.equal(file.hunks[0].lines[removed % SOURCE_SHIFT].kind, 'del');
});

test('apply: a pre-image that is not in the file is refused with the hunk named', () => {
  const r = applyFileDiff(oldText.replace('FOLL_WRITE', 'FOLL_FORCE'), file);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.hunk === 0 && /hunk #1 .* does not apply/.test(r.reason));
});

test('apply: a new file is created from an empty pre-image', () => {
  const doc = parsePatchDocument(
    'diff --git a/mm/new.c b/mm/new.c\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/mm/new.c\n@@ -0,0 +1,2 @@\n+int a;\n+int b;\n',
  );
  const r = applyFileDiff('', doc.patches[0].files[0]);
  assert.ok(r.ok);
  assert.equal(r.text, 'int a;\nint b;\n');
});

test('apply: a hunk header claiming line 200,000,000 still finds its pre-image near the start (search clamped into the file)', () => {
  const doc = parsePatchDocument('diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -200000000,2 +200000000,2 @@\n int a;\n-int b;\n+int c;\n');
  const r = applyFileDiff('int z;\nint a;\nint b;\n', doc.patches[0].files[0]);
  assert.ok(r.ok);
  assert.deepEqual(r.hunks, [{ hunk: 0, oldAt: 1, newAt: 1, offset: -199999998 }]);
  assert.equal(r.text, 'int z;\nint a;\nint c;\n');
});
