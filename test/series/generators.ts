// Generators of valid patches shared by the property tests and the parse-diff oracle test.
import fc from 'fast-check';

export type GenLine = { kind: ' ' | '+' | '-'; text: string };
export const lineText = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' '));
export const genHunk = fc.array(fc.record({ kind: fc.constantFrom<' ' | '+' | '-'>(' ', '+', '-'), text: lineText }), { minLength: 1, maxLength: 12 });
export const genFile = fc.record({ name: fc.stringMatching(/^[a-z]{1,8}\/[a-z]{1,8}\.c$/), hunks: fc.array(genHunk, { minLength: 1, maxLength: 3 }) });

export function renderPatch(files: { name: string; hunks: GenLine[][] }[], subject: string): string {
  const out = [
    'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001',
    'From: Jane Developer <jane@example.org>',
    'Date: Mon, 4 Mar 2024 09:30:00 +0100',
    `Subject: [PATCH] ${subject}`,
    '',
    'Generated.',
    '',
    'Signed-off-by: Jane Developer <jane@example.org>',
    '---',
  ];
  for (const f of files) {
    out.push(`diff --git a/${f.name} b/${f.name}`, 'index 1111111..2222222 100644', `--- a/${f.name}`, `+++ b/${f.name}`);
    let start = 1;
    for (const h of f.hunks) {
      const oc = h.filter((l) => l.kind !== '+').length;
      const nc = h.filter((l) => l.kind !== '-').length;
      out.push(`@@ -${start},${oc} +${start},${nc} @@ fn_${start}`);
      for (const l of h) out.push(l.kind + l.text);
      start += oc + 10;
    }
  }
  out.push('-- ', '2.43.0', '');
  return out.join('\n');
}

/** Quoted-printable encoding with soft line breaks every `width` encoded chars. */
export function qpEncode(text: string, width: number): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const tokens: string[] = [];
    for (const b of Buffer.from(line, 'utf8')) {
      tokens.push(b === 61 || b >= 128 || b < 32 ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b));
    }
    let cur = '';
    for (const t of tokens) {
      if (cur.length + t.length > width) {
        out.push(cur + '=');
        cur = '';
      }
      cur += t;
    }
    out.push(cur);
  }
  return out.join('\n');
}
