/**
 * A generated mbox series of at least `targetBytes` (patches k/1200, each one hunk of 100 del + 100 add + 100 context
 * lines; fewer than 1200 fit in 10 MB, so the rest are reported missing). `lastAddLine` is the 0-based document line
 * of the last '+' line, to check positions at the end of a large input.
 */
export function bigSeries(targetBytes: number): { text: string; count: number; lastAddLine: number } {
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
    for (let i = 0; i < 100; i++) lines.push(` \tctx_${i};`);
    lines.push('-- ', '2.43.0', '');
    // The hunk header matches the body: 100 del + 100 ctx old, 100 add + 100 ctx new.
    const chunk = lines.join('\n') + '\n';
    parts.push(chunk);
    size += chunk.length;
    line += lines.length;
  }
  return { text: parts.join(''), count, lastAddLine };
}
