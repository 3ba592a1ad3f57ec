// Shared helpers for the series tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocPosition, PatchDocument, ParseIssue } from '../../server/src/series/index';

export const root = join(__dirname, '..', '..');
export const fixturesDir = join(root, 'test', 'fixtures', 'series');

export function fixture(name: string): string {
  return readFileSync(join(fixturesDir, name), 'utf8');
}
export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(fixturesDir, name));
}

/** Raw line `line` of a text, CR stripped (what positions refer to). */
export function rawLine(text: string, line: number): string {
  return text.split('\n')[line]?.replace(/\r$/, '') ?? '';
}

/** The text at a document position (rest of the raw line). */
export function textAt(text: string, pos: DocPosition): string {
  return rawLine(text, pos.line).slice(pos.column);
}

export function codes(doc: PatchDocument): string[] {
  return doc.issues.map((i) => i.code);
}

export function issue(doc: PatchDocument, code: string): ParseIssue | undefined {
  return doc.issues.find((i) => i.code === code);
}
