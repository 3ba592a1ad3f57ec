/**
 * Whole-tree scans parse only what the rules can look at. A kernel file that names an mm identifier usually does so
 * in a few of its functions; tree-sitter (≈1–2 MB/s here) would otherwise parse all of it. `sliceToMmFunctions`
 * blanks every top-level block that holds no mm identifier (keeping every newline, so lines and columns of what is
 * kept are unchanged, and keeping preprocessor lines, so #if/#endif still pair up). It gives up (returns the text
 * unchanged) whenever its brace scan is not sure: unbalanced braces, a brace inside a preprocessor branch, or when
 * the kept part is most of the file anyway.
 */

import { MM_BODY_RE } from './index';

export interface Slice {
  text: string;
  /** Characters kept / total. */
  kept: number;
  sliced: boolean;
}

interface Block {
  /** Start of the top-level item (after the previous item's end). */
  itemStart: number;
  open: number;
  /** Index after the closing brace. */
  end: number;
}

/** Top-level `{ … }` blocks, or undefined when the scan is unsure. */
function topLevelBlocks(text: string): Block[] | undefined {
  const blocks: Block[] = [];
  let depth = 0;
  let itemStart = 0;
  let open = -1;
  let lineStart = true;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      lineStart = true;
      continue;
    }
    if (lineStart && (c === 32 || c === 9)) continue;
    if (lineStart && c === 35 /* # */) {
      // A preprocessor line (with continuations). Inside a function, a conditional may hold unbalanced braces.
      let j = i;
      for (;;) {
        const nl = text.indexOf('\n', j);
        if (nl < 0) {
          j = n;
          break;
        }
        if (text.charCodeAt(nl - 1) === 92 /* \\ */ || (text.charCodeAt(nl - 1) === 13 && text.charCodeAt(nl - 2) === 92)) {
          j = nl + 1;
          continue;
        }
        j = nl;
        break;
      }
      // Braces in #if branches can make the count wrong: then depth does not return to 0 and the scan gives up.
      i = j - 1;
      lineStart = false;
      continue;
    }
    lineStart = false;
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const e = text.indexOf('*/', i + 2);
      if (e < 0) return undefined;
      i = e + 1;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const e = text.indexOf('\n', i);
      i = (e < 0 ? n : e) - 1;
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== c) {
        if (text.charCodeAt(j) === 92) j++;
        else if (text.charCodeAt(j) === 10) return undefined; // unterminated literal
        j++;
      }
      i = j;
      continue;
    }
    if (c === 123 /* { */) {
      if (depth === 0) open = i;
      depth++;
    } else if (c === 125 /* } */) {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) {
        // A top-level item ends at the block's end, or at the ';' after it (struct/enum/initialiser).
        let end = i + 1;
        const semi = /^[^;{}()#]*;/.exec(text.slice(end, end + 200));
        if (semi) end += semi[0].length;
        blocks.push({ itemStart, open, end });
        itemStart = end;
        i = end - 1;
      }
    } else if (c === 59 /* ; */ && depth === 0) {
      itemStart = i + 1;
    }
  }
  return depth === 0 ? blocks : undefined;
}

export function sliceToMmFunctions(text: string): Slice {
  const whole: Slice = { text, kept: text.length, sliced: false };
  if (text.length < 16 * 1024) return whole;
  const blocks = topLevelBlocks(text);
  if (!blocks || blocks.length === 0) return whole;
  const parts: string[] = [];
  let pos = 0;
  let kept = 0;
  for (const b of blocks) {
    if (b.itemStart > pos) parts.push(text.slice(pos, b.itemStart));
    const from = Math.max(pos, b.itemStart);
    if (MM_BODY_RE.test(text.slice(b.open, b.end))) {
      parts.push(text.slice(from, b.end));
      kept += b.end - from;
    } else {
      // Blank the item but keep its preprocessor lines (an #ifdef opened before it may close inside it).
      parts.push(text.slice(from, b.end).replace(/^([ \t]*#[^\n]*)$|[^\n]/gm, (_m, pp: string | undefined) => pp ?? ' '));
    }
    pos = b.end;
  }
  parts.push(text.slice(pos));
  if (kept > text.length * 0.6) return whole;
  const sliced = parts.join('');
  if (sliced.length !== text.length) return whole; // never shift a position
  return { text: sliced, kept, sliced: true };
}
