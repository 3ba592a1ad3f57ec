// A ~10 MB generated series parses completely (linear-time parser; no wall-clock assertion).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePatchDocument } from '../../server/src/series/index';

function bigSeries(targetBytes: number): { text: string; count: number; lastAddLine: number } {
  const parts: string[] = [];
  let size = 0;
  let count = 0;
  let line = 0;
  let lastAddLine = -1;
  const total = 1200;
  while (size < targetBytes && count < total) {
    count++;
    const lines = [
      `From ${count.toString(16).padStart(40, '0')} Mon Sep 17 00:00:00 2001`,
      'From: Jane Developer <jane@example.org>',
      'Date: Mon, 4 Mar 2024 09:30:00 +0100',
      `Subject: [PATCH v4 ${count}/${total}] mm/fake: change number ${count}`,
      '',
      `Change ${count}.`,
      '',
      'Signed-off-by: Jane Developer <jane@example.org>',
      '---',
      `diff --git a/mm/f${count}.c b/mm/f${count}.c`,
      'index 1111111..2222222 100644',
      `--- a/mm/f${count}.c`,
      `+++ b/mm/f${count}.c`,
      '@@ -1,200 +1,200 @@ int fake(void)',
    ];
    for (let i = 0; i < 100; i++) lines.push(`-\told_value_${i} = compute(${i}, ${count}); /* padding text to make it long */`);
    for (let i = 0; i < 100; i++) {
      if (i === 99) lastAddLine = line + lines.length;
      lines.push(`+\tnew_value_${i} = compute(${i}, ${count}); /* padding text to make it long */`);
    }
    for (let i = 0; i < 100; i++) lines.push(`\tctx_${i};`.replace(/^/, ' '));
    lines.push('-- ', '2.43.0', '');
    // fix the hunk header: 100 del + 100 ctx old, 100 add + 100 ctx new
    const chunk = lines.join('\n') + '\n';
    parts.push(chunk);
    size += chunk.length;
    line += lines.length;
  }
  return { text: parts.join(''), count, lastAddLine };
}

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
