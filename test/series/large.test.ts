// A ~10 MB generated series parses completely (linear-time parser; no wall-clock assertion).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePatchDocument } from '../../server/src/series/index';
import { bigSeries } from './big-series';

test('10 MB series: every patch parsed, positions right at the end of the file', () => {
  const { text, count, lastAddLine } = bigSeries(10 * 1024 * 1024);
  assert.ok(text.length >= 10 * 1024 * 1024, `generated ${text.length} bytes`);
  const doc = parsePatchDocument(text);
  assert.equal(doc.kind, 'mbox-series');
  assert.equal(doc.patches.length, count);
  // The series claims 1200 patches; fewer fit in 10 MB, so the rest are reported missing — nothing else.
  assert.deepEqual([...new Set(doc.issues.map((i) => i.code))], count < 1200 ? ['series-missing-patch'] : []);
  assert.equal(doc.series?.missing.length, 1200 - count);
  const last = doc.patches[count - 1];
  assert.equal(last.subject?.prefix?.index, count);
  const h = last.files[0].hunks[0];
  assert.deepEqual([h.actualOldCount, h.actualNewCount, h.complete], [200, 200, true]);
  assert.equal(h.lines.filter((l) => l.kind === 'add').at(-1)?.position.line, lastAddLine);
  // Also as bytes.
  const asBytes = parsePatchDocument(Buffer.from(text));
  assert.equal(asBytes.patches.length, count);
});
