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
    codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.rewrite', 'source.fixAll.mmlens'] },
    hoverProvider: true,
    documentSymbolProvider: true,
    codeLensProvider: { resolveProvider: false },
    executeCommandProvider: { commands: ['mmlens.simulate'] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    experimental: { mmLens: { factsRequest: 'mmLens/facts', simulateRequest: 'mmLens/simulate', documentInfoNotification: 'mmLens/documentInfo' } },
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

export { bigSeries } from '../series/big-series';
