/**
 * The locations in a facts text (server/src/facts/format.ts output, as `mmLens/facts` answers it) that the facts
 * document makes clickable. Pure (no `vscode` import): the client's DocumentLinkProvider turns these into links.
 *
 *  - a C file: every `L<n>` is line n of the file itself;
 *  - a patch or series: `(line n)` after a patch's subject, `[patch line n …]` and `at line n:` of a parse issue are
 *    lines of the patch document; `L<n>` on a file's "before" side is line n of that file in the tree the facts were
 *    read from (`files read from <tree>`), when the file is there. The "after" side is not on disk: its facts that
 *    lie in the patch carry a `[patch line n]` link instead.
 */
import { join } from 'node:path';

export type FactsLinkTarget =
  /** A 0-based line of the document the facts are for. */
  | { kind: 'source'; line: number }
  /** A 0-based line of a file on disk. */
  | { kind: 'file'; path: string; line: number };

export interface FactsLink {
  /** 0-based line of the facts text, and the [start, end) characters of the link on it. */
  line: number;
  start: number;
  end: number;
  target: FactsLinkTarget;
}

const FILE_HEADING = /^ {2}(\S.*?) {2}\S+(?:, binary|, \d+ hunk\(s\))(?: \(not C\))?$/;
const SIDE_HEADING = /^ {4}(before|after) \(/;
const TREE = /; files read from (.+)$/;

export function factsLinks(text: string, exists: (path: string) => boolean): FactsLink[] {
  const lines = text.split('\n');
  const out: FactsLink[] = [];
  const each = (i: number, re: RegExp, target: (n: number) => FactsLinkTarget | undefined) => {
    for (const m of lines[i]!.matchAll(re)) {
      const t = target(Number(m[1]) - 1);
      if (t && m.index !== undefined) out.push({ line: i, start: m.index, end: m.index + m[0].length, target: t });
    }
  };
  const lineRef = /\bL(\d+)\b/g;
  if (/: C, era /.test(lines[0] ?? '')) {
    for (let i = 1; i < lines.length; i++) each(i, lineRef, (n) => ({ kind: 'source', line: n }));
    return out;
  }
  const tree = TREE.exec(lines[1] ?? '')?.[1];
  let file: string | undefined;
  let side: 'before' | 'after' | undefined;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const heading = FILE_HEADING.exec(l);
    if (heading) {
      const oldPath = heading[1]!.split(' → ')[0]!;
      file = tree && exists(join(tree, oldPath)) ? join(tree, oldPath) : undefined;
      side = undefined;
      continue;
    }
    const s = SIDE_HEADING.exec(l);
    if (s) {
      side = s[1] as 'before' | 'after';
      continue;
    }
    if (!l.startsWith(' ')) side = undefined; // a patch's subject line: a new patch begins
    each(i, /\(line (\d+)\)$/g, (n) => ({ kind: 'source', line: n }));
    each(i, /\[patch line (\d+) [-+ ]\]/g, (n) => ({ kind: 'source', line: n }));
    each(i, /^ {2}\w+ [\w-]+ at line (\d+):/g, (n) => ({ kind: 'source', line: n }));
    if (side === 'before' && file) {
      const path = file;
      each(i, lineRef, (n) => ({ kind: 'file', path, line: n }));
    }
  }
  return out.sort((a, b) => a.line - b.line || a.start - b.start);
}
