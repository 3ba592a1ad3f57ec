// The language-server fixtures, indexed in one place (test/fixtures/server/), plus generated inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const root = join(__dirname, '..', '..');
export const fixturesDir = join(root, 'test', 'fixtures', 'server');

export const FIXTURES = {
  /** format-patch whose only hunk stops 2 lines short: one truncated-hunk error on the '@@' line (line 16). */
  truncated: 'truncated.patch',
  /** The same patch, complete: no issue. */
  truncatedFixed: 'truncated-fixed.patch',
  /** truncated.patch with CRLF line ends: same positions as the LF twin. */
  truncatedCrlf: 'truncated-crlf.patch',
  /** Two mails of a 3-patch series with stray text between them. */
  garbageSeries: 'garbage-series.mbox',
  /** A plain diff in latin1 without a charset: not valid UTF-8. */
  latin1: 'latin1-nocharset.diff',
  /** A tiny fake kernel tree (VERSION 5, PATCHLEVEL 10). */
  tree: 'tree',
  /** A C file of the tree with a lock/get_user_pages()/unlock sequence. */
  treePin: 'tree/mm/pin.c',
} as const;

/** Line of the '@@' header in truncated.patch (0-based), where the truncated-hunk issue sits. */
export const TRUNCATED_HUNK_LINE = 16;

/** What initialize answers, stated plainly (the capabilities() snapshot), in process and over stdio alike. */
export const EXPECTED_INITIALIZE_RESULT = {
  capabilities: {
    textDocumentSync: { openClose: true, change: 2, save: { includeText: false } },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    experimental: { mmLens: { factsRequest: 'mmLens/facts' } },
  },
  serverInfo: { name: 'kernel-mm-lens', version: '0.1.0' },
};

export const SAMPLE_SERIES = join(root, 'samples', 'series', 'gup-unlocked-v2.mbox');
export const SAMPLE_TREE = join(root, 'samples', 'tree');

export function fixturePath(name: string): string {
  return join(fixturesDir, name);
}
export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}
export function fixtureBytes(name: string): Buffer {
  return readFileSync(fixturePath(name));
}
export function fixtureUri(name: string): string {
  return pathToFileURL(fixturePath(name)).href;
}
export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/** Line `n` of a text, CR stripped. */
export function lineOf(text: string, n: number): string {
  return (text.split('\n')[n] ?? '').replace(/\r$/, '');
}

/** Deterministic pseudo-random bytes (xorshift32), decoded as UTF-8 the way an editor would show them. */
export function randomJunkText(bytes: number, seed = 0x2545f491): string {
  const buf = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = x & 0xff;
  }
  return buf.toString('utf8');
}

/** A generated mbox series of at least `targetBytes` (patches k/1200; fewer fit, the rest are reported missing). */
export function bigSeries(targetBytes: number): { text: string; count: number } {
  const parts: string[] = [];
  let size = 0;
  let count = 0;
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
    for (let i = 0; i < 100; i++) lines.push(`+\tnew_value_${i} = compute(${i}, ${count}); /* padding text to make it long */`);
    for (let i = 0; i < 100; i++) lines.push(` \tctx_${i};`);
    lines.push('-- ', '2.43.0', '');
    const chunk = lines.join('\n') + '\n';
    parts.push(chunk);
    size += chunk.length;
  }
  return { text: parts.join(''), count };
}
