/**
 * The only module that talks to tree-sitter. Prepares kernel C for parsing (same-length macro blanking so positions
 * do not move, fragment wrapping) and maps positions back to the caller's text.
 */
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import type { Point } from './tree';
import { countLines } from '../../../common/lines';
import type { Pos, Range } from './types';

/** Nodes the extractor sees: the plain-JS mirror of the tree (tree.ts), not the binding's SyntaxNode. */
export type { Node as SyntaxNode } from './tree';

let sharedParser: Parser | undefined;
function parser(): Parser {
  if (!sharedParser) {
    sharedParser = new Parser();
    // tree-sitter-c's typings describe the language object loosely; it is the Language tree-sitter expects.
    sharedParser.setLanguage(C as unknown as Parser.Language);
  }
  return sharedParser;
}

/** Annotations that are blanked (same length) before parsing. */
const BLANK_WORDS = [
  '__user', '__iomem', '__rcu', '__percpu', '__must_check', '__init', '__exit', '__always_inline', '__maybe_unused',
  '__kprobes', '__force', '__visible', 'asmlinkage', 'noinline', 'notrace', '__cold', '__weak', '__sched', '__ref',
  '__read_mostly', '__noreturn', '__bitwise', '__attribute_const__', 'noinstr', '__ro_after_init', '__initdata',
  '__cpuidle', '__irq_entry', '__latent_entropy', '__noclone', '__pure', '__used', '__nocfi',
];
const BLANK_SET = new Set(BLANK_WORDS);
/** Where every blanked word can start: `__` or one of the others' first letters (isWordChar before it excluded). */
const BLANK_HEADS = [...new Set(BLANK_WORDS.map((w) => (w.startsWith('__') ? '__' : w)))];

const isWordChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/**
 * Every `name(` whose name (a whole word) holds `for_each`, as /\b(\w*for_each\w*)\s*\(/g matches them on the
 * blanked text: found with indexOf and widened to the word. The regex took 6% of a keystroke's analysis on a
 * 5,000-line file (it tries every word boundary of the text); indexOf skips to the few places that matter.
 */
function* forEachCalls(view: BlankedText): Generator<{ name: string; start: number; open: number }> {
  const text = view.text;
  for (let from = 0; ; ) {
    const k = view.indexOf('for_each', from);
    if (k < 0) return;
    // (A blanked range starts and ends at a word's edge: the word around an unblanked `for_each` is not blanked.)
    let start = k;
    while (start > 0 && isWordChar(text.charCodeAt(start - 1))) start--;
    let end = k + 8;
    while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    let open = end;
    while (open < text.length && SPACE_RE.test(view.at(open))) open++;
    if (view.at(open) === '(') yield { name: text.slice(start, end), start, open };
    from = end;
  }
}

/** Index of the `)` matching the `(` at `open`, or -1. */
export function matchParen(text: string, open: number, limit = 4000): number {
  let depth = 0;
  const end = Math.min(text.length, open + limit);
  for (let i = open; i < end; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Same-length rewrites: annotations become spaces; iterator macros used as loop heads
 * (`list_for_each_entry(pos, head, member) {`) become `while (pos, head, member) {` padded with spaces,
 * which tree-sitter parses as a loop with a comma-expression condition. In three passes, each reading the text the
 * last one left: (1) BLANK_WORDS, (2) `__acquires(…)` & co. with their argument (line breaks kept), (3) the loop
 * heads.
 *
 * The passes read a view of the text with the earlier passes' blanks (BlankedText), and the text is built once, at
 * the end: each pass used to build the whole text, and a string over 128 KB (mm/memory.c is 171 KB) is a V8
 * large object, about 1 ms to allocate. test/c/preprocess.test.ts compares it with the three-pass version.
 */
export function preprocess(text: string): string {
  const view = new BlankedText(text, blankedWords(text));
  if (BLANK_CALL_HINT_RE.test(text)) {
    const calls: [number, number][] = [];
    let after = 0;
    BLANK_CALL_NAME_RE.lastIndex = 0;
    for (let m = BLANK_CALL_NAME_RE.exec(text); m; m = BLANK_CALL_NAME_RE.exec(text)) {
      // `\s*\(` after the name, on the blanked text: a blanked word between them is spaces there.
      let open = m.index + m[0].length;
      while (open < text.length && SPACE_RE.test(view.at(open))) open++;
      if (view.at(open) !== '(') continue;
      BLANK_CALL_NAME_RE.lastIndex = open + 1;
      // (Blanked words hold no parenthesis: the text's parentheses are the blanked text's.)
      const close = matchParen(text, open, 400);
      // Overlapping a call blanked before it: dropped, as applying them in order dropped it.
      if (close < 0 || m.index < after) continue;
      calls.push([m.index, close + 1]);
      after = close + 1;
    }
    view.blank(calls);
  }
  const loops: [number, string][] = [];
  if (text.includes('for_each')) {
    for (const { name, start, open } of forEachCalls(view)) {
      const prev = prevNonSpace(view, start);
      const prevWord = view.slice(Math.max(0, prev.at - 3), prev.at + 1);
      if (!(prev.ch === '' || ';{}:)'.includes(prev.ch) || prevWord === 'else')) continue;
      // Not on a preprocessor line.
      if (firstNonSpace(view, text.lastIndexOf('\n', start) + 1, start) === '#') continue;
      const close = view.matchParen(open, 2000);
      if (close < 0) continue;
      const next = nextNonSpace(view, close + 1);
      if (next === ';' || next === '' || next === ',' || next === ')') continue;
      loops.push([start, 'while' + ' '.repeat(name.length - 5)]);
    }
  }
  return view.build(loops);
}

/** Sparse annotations with an argument: `__acquires(x)` … blanked with their argument. */
const BLANK_CALL_HINT_RE = /__acquires|__releases|__must_hold/;
const BLANK_CALL_NAME_RE = /\b(?:__acquires|__releases|__must_hold)/g;
const SPACE_RE = /\s/;

/** Ranges (sorted, disjoint) of the whole words of BLANK_WORDS in `text`: found with indexOf from the words' heads. */
function blankedWords(text: string): [number, number][] {
  const starts: number[] = [];
  for (const head of BLANK_HEADS) {
    for (let k = text.indexOf(head); k >= 0; k = text.indexOf(head, k + 1)) {
      if (k === 0 || !isWordChar(text.charCodeAt(k - 1))) starts.push(k);
    }
  }
  starts.sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const k of starts) {
    let e = k;
    while (e < text.length && isWordChar(text.charCodeAt(e))) e++;
    if (BLANK_SET.has(text.slice(k, e))) out.push([k, e]);
  }
  return out;
}

/**
 * `text` with ranges blanked (every character a space but line breaks), read character by character without
 * building it; build() makes it, with same-length replacements.
 */
class BlankedText {
  /** Sorted, disjoint. */
  private ranges: [number, number][];
  constructor(
    readonly text: string,
    ranges: [number, number][],
  ) {
    this.ranges = ranges;
  }

  get length(): number {
    return this.text.length;
  }

  /** Blanks `more` too (sorted, disjoint; a range of `more` holds any of the ranges it meets: those are dropped). */
  blank(more: [number, number][]): void {
    if (!more.length) return;
    const out: [number, number][] = [];
    let k = 0;
    for (const r of more) {
      while (k < this.ranges.length && this.ranges[k]![1] <= r[0]) out.push(this.ranges[k++]!);
      while (k < this.ranges.length && this.ranges[k]![0] < r[1]) k++;
      out.push(r);
    }
    while (k < this.ranges.length) out.push(this.ranges[k++]!);
    this.ranges = out;
  }

  /** The blanked range holding `i`, or -1. */
  private rangeAt(i: number): number {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [s, e] = this.ranges[mid]!;
      if (i < s) hi = mid - 1;
      else if (i >= e) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** The character at `i` ('' past the end). */
  at(i: number): string {
    const c = this.text.charAt(i);
    return c === '' || c === '\n' || this.rangeAt(i) < 0 ? c : ' ';
  }

  slice(from: number, to: number): string {
    let s = '';
    for (let i = from; i < to && i < this.text.length; i++) s += this.at(i);
    return s;
  }

  indexOf(needle: string, from: number): number {
    for (let k = this.text.indexOf(needle, from); k >= 0; k = this.text.indexOf(needle, k + 1)) {
      // (A needle with no space in it: found in the text and not blanked in part.)
      if (!this.blankWithin(k, k + needle.length)) return k;
    }
    return -1;
  }

  /** Some character of [from, to) is blanked. */
  private blankWithin(from: number, to: number): boolean {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid]![1] <= from) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.ranges.length && this.ranges[lo]![0] < to;
  }

  /** matchParen on the blanked text. */
  matchParen(open: number, limit: number): number {
    const end = Math.min(this.text.length, open + limit);
    if (!this.blankWithin(open, end)) return matchParen(this.text, open, limit);
    let depth = 0;
    for (let i = open; i < end; i++) {
      const ch = this.at(i);
      if (ch === '(') depth++;
      else if (ch === ')') {
        depth--;
        if (depth === 0) return i;
      }
    }
    return -1;
  }

  /** The blanked text, with `edits` (same length, sorted, disjoint from each other and from the blanks) applied. */
  build(edits: [number, string][]): string {
    const all: [number, string][] = [];
    let k = 0;
    for (const [s, e] of this.ranges) {
      while (k < edits.length && edits[k]![0] < s) all.push(edits[k++]!);
      all.push([s, this.text.slice(s, e).replace(/[^\n]/g, ' ')]);
    }
    while (k < edits.length) all.push(edits[k++]!);
    return applyEdits(this.text, all);
  }
}

function prevNonSpace(text: BlankedText, i: number): { ch: string; at: number } {
  let j = i - 1;
  while (j >= 0 && SPACE_RE.test(text.at(j))) j--;
  return { ch: j >= 0 ? text.at(j) : '', at: j };
}

function nextNonSpace(text: BlankedText, i: number): string {
  let j = i;
  while (j < text.length && SPACE_RE.test(text.at(j))) j++;
  return j < text.length ? text.at(j) : '';
}

/** The first character of [from, to) that is not a space ('' if none). */
function firstNonSpace(text: BlankedText, from: number, to: number): string {
  for (let j = from; j < to; j++) {
    const c = text.at(j);
    if (!SPACE_RE.test(c)) return c;
  }
  return '';
}

/** Same-length replacements at increasing, non-overlapping offsets (later overlapping ones are dropped). */
function applyEdits(text: string, edits: [number, string][]): string {
  if (edits.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const [i, r] of edits) {
    if (i < at) continue;
    parts.push(text.slice(at, i), r);
    at = i + r.length;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

export interface Prepared {
  /** Text handed to tree-sitter. */
  text: string;
  /** Lines of synthetic prefix before the caller's first line. */
  prefixLines: number;
  /** Number of caller lines (the rest is synthetic suffix). */
  userLines: number;
  /** Added to output lines. */
  lineOffset: number;
  /** Output line of every caller line (reconstructed fragments: hunks joined with gap lines); overrides lineOffset. */
  lineMap?: readonly number[];
  /** Name of the synthetic function, when wrapped. */
  syntheticName?: string;
  /** Wrapped under a header taken from the context line; complete: the context line parsed as it is (not repaired). */
  header?: { complete: boolean };
}

export function countBraces(text: string): { min: number; final: number; minLineIsFunctionEnd: boolean } {
  let depth = 0;
  let min = 0;
  let minLineIsFunctionEnd = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < n && text[j] !== ch && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth < min) {
        min = depth;
        const ls = text.lastIndexOf('\n', i) + 1;
        const le = text.indexOf('\n', i);
        minLineIsFunctionEnd = text.slice(ls, le < 0 ? n : le).replace(/\s+$/, '') === '}';
      }
    }
    i++;
  }
  return { min, final: depth, minLineIsFunctionEnd };
}

/** Does `header + " {}"` parse as a function definition? */
function isFunctionHeader(header: string): boolean {
  if (!/\w\s*\(/.test(header) || /[;{}=]/.test(header) || header.trimStart().startsWith('#')) return false;
  const tree = parser().parse(preprocess(header) + ' {}\n');
  const root = tree.rootNode;
  return root.namedChildCount === 1 && root.namedChildren[0]!.type === 'function_definition' && !root.hasError;
}

/** Repairs a context line git truncated mid parameter list; returns a header that parses, or undefined. */
export function functionHeaderFrom(contextLine: string): string | undefined {
  const line = contextLine.replace(/\s*\{\s*$/, '').trim();
  // A line ending in `;` is a declaration or a macro call (`EXPORT_SYMBOL(f);`), not a function's header.
  if (!line || line.endsWith(';')) return undefined;
  // Kernel style often puts the return type on the line above (`static noinline void` / `do_fault(...)`): the
  // context line then starts with the name, which tree-sitter would read as a type; give it a return type.
  const m = /^([A-Za-z_]\w*)\s*\(/.exec(contextLine);
  const typeless = m && !/^(?:if|while|for|switch|return|sizeof|typeof)$/.test(m[1]!) ? [`void ${line}`] : [];
  for (const l of [line, ...typeless]) {
    if (l === line && typeless.length) continue; // a type-less line parses with the name as its type
    if (isFunctionHeader(l)) return l;
    // Truncated parameter list: cut after the last complete parameter and close the list.
    const open = l.indexOf('(');
    if (open > 0) {
      const cut = l.lastIndexOf(',');
      const candidates = [cut > open ? l.slice(0, cut) + ')' : '', l.slice(0, open) + '(void)'];
      for (const c of candidates) if (c && isFunctionHeader(c)) return c;
    }
  }
  return undefined;
}

export const SYNTHETIC_FUNCTION = '__mmlens_fragment';

const NOT_NAMES = new Set(['if', 'else', 'while', 'for', 'do', 'switch', 'return', 'case', 'goto', 'sizeof', 'typeof']);

/** A complete function definition header (type, name, parameter list), not a statement that happens to parse as one. */
export function isDefinitionHeader(header: string): boolean {
  if (!/\w\s*\(/.test(header) || /[;{}=]/.test(header) || header.trimStart().startsWith('#')) return false;
  if (/^\s*(?:if|else|while|for|switch|do|return)\b/.test(header)) return false;
  const root = parser().parse(preprocess(header) + ' {}\n').rootNode;
  if (root.hasError || root.namedChildCount !== 1) return false;
  const def = root.namedChildren[0]!;
  const type = def.childForFieldName('type');
  if (def.type !== 'function_definition' || !type || NOT_NAMES.has(type.text)) return false;
  let d = def.childForFieldName('declarator');
  while (d && d.type === 'pointer_declarator') d = d.childForFieldName('declarator');
  const name = d?.type === 'function_declarator' ? d.childForFieldName('declarator') : null;
  return name?.type === 'identifier' && !NOT_NAMES.has(name.text);
}

/**
 * For a fragment whose braces never close below its start (it does not end an enclosing function): the line where
 * the first function definition at the fragment's top level starts (its header's first code line), or undefined.
 * The lines before it are then not inside a function that the definition would be nested in: they are the tail
 * of something that ended before the hunk (the context line names the previous function) or top-level code.
 */
export function firstTopLevelDefinitionLine(text: string): number | undefined {
  const n = text.length;
  // Same-length copy with comments and string / char literals blanked (newlines kept), for headers and line numbers.
  const code = text.split('');
  let depth = 0;
  let segStart = 0;
  let lineStart = true;
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (code[k] !== '\n') code[k] = ' ';
  };
  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (lineStart && ch === '#') {
      // Preprocessor line (with continuations): a boundary at depth 0.
      let e = i;
      for (;;) {
        const nl = text.indexOf('\n', e);
        if (nl < 0) {
          e = n;
          break;
        }
        if (text[nl - 1] === '\\') {
          e = nl + 1;
          continue;
        }
        e = nl;
        break;
      }
      if (depth === 0) segStart = e;
      i = e;
      continue;
    }
    if (ch !== ' ' && ch !== '\t') lineStart = false;
    if (ch === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? n : e + 2;
      blank(i, end);
      i = end;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      const end = e < 0 ? n : e;
      blank(i, end);
      i = end;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < n && text[j] !== ch && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      blank(i, Math.min(n, j + 1));
      i = j + 1;
      continue;
    }
    if (ch === '{') {
      if (depth === 0) {
        const header = code.slice(segStart, i).join('');
        if (isDefinitionHeader(header)) {
          const first = segStart + header.search(/\S/);
          let line = 0;
          for (let k = text.indexOf('\n'); k >= 0 && k < first; k = text.indexOf('\n', k + 1)) line++;
          return line;
        }
      }
      depth++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0) segStart = i + 1;
      if (depth < 0) return undefined;
    } else if (ch === ';' && depth === 0) segStart = i + 1;
    i++;
  }
  return undefined;
}

/** Is there code (not only blank lines, comments and preprocessor lines) in `text`? */
export function hasCode(text: string): boolean {
  const stripped = text.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, ' ').replace(/\/\/[^\n]*/g, '');
  return stripped.split('\n').some((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

/** A fragment read at top level (it starts with complete definitions): unclosed braces are closed at the end. */
export function prepareTopLevel(text: string, firstLine: number, lineMap?: readonly number[]): Prepared {
  const body = preprocess(text);
  const braces = countBraces(body);
  const closing = Math.max(0, braces.final);
  return {
    text: closing > 0 ? `${body}\n${';}'.repeat(closing)}\n` : body,
    prefixLines: 0,
    userLines: text.split('\n').length,
    lineOffset: firstLine,
    ...(lineMap ? { lineMap } : {}),
  };
}

export function prepare(
  text: string,
  fragment?: { contextLine: string; firstLine?: number; lineMap?: readonly number[]; depth?: number },
): Prepared {
  const body = preprocess(text);
  const userLines = countLines(text);
  if (!fragment) return { text: body, prefixLines: 0, userLines, lineOffset: 0 };
  const header = functionHeaderFrom(fragment.contextLine);
  const braces = countBraces(body);
  let extraOpen = -braces.min;
  if (extraOpen > 0 && braces.minLineIsFunctionEnd) extraOpen--;
  // A known block depth of the first line (1 = function body) opens the blocks the text never closes, too.
  if (fragment.depth !== undefined && fragment.depth - 1 > extraOpen) extraOpen = fragment.depth - 1;
  const closing = Math.max(0, 1 + extraOpen + braces.final);
  const head = header ?? `static void ${SYNTHETIC_FUNCTION}(void)`;
  const prefix = `${preprocess(head).replace(/\n/g, ' ')} {${'{'.repeat(extraOpen)}\n`;
  const suffix = `\n${';}'.repeat(closing)}\n`;
  return {
    text: prefix + body + suffix,
    prefixLines: 1,
    userLines,
    lineOffset: fragment.firstLine ?? 0,
    ...(fragment.lineMap ? { lineMap: fragment.lineMap } : {}),
    syntheticName: header ? undefined : SYNTHETIC_FUNCTION,
    ...(header ? { header: { complete: header === fragment.contextLine.replace(/\s*\{\s*$/, '').trim() } } : {}),
  };
}

export function parse(text: string): Parser.Tree {
  return parser().parse(text);
}

/**
 * Parses with tree-sitter's own timeout set to what is left until `deadline` (performance.now() ms); undefined when
 * the time is up before or during the parse. The parser is reset after a timeout (it would resume the halted parse)
 * and its timeout cleared afterwards, so other parses are unaffected. `oldTree`: the previous version's tree, already
 * edited (Tree.edit) to the new text: tree-sitter reuses its unchanged subtrees (incremental reparse). `range`: parse
 * only that range of the text (tree-sitter's included ranges), nodes keeping their positions in the whole text. A
 * top-level function alone costs its own size, not the file's (an incremental reparse of a 5,000-line file costs
 * 4–6 ms in this binding: it walks every top-level item).
 */
export function parseWithin(text: string, deadline: number, oldTree?: Parser.Tree, range?: Parser.Range): Parser.Tree | undefined {
  const options = range ? { includedRanges: [range] } : undefined;
  if (!Number.isFinite(deadline)) return parser().parse(text, oldTree, options);
  const left = deadline - performance.now();
  if (left <= 0) return undefined;
  const p = parser();
  // The binding takes the timeout as an unsigned 32-bit number of microseconds (about 71 minutes at most).
  p.setTimeoutMicros(Math.min(0xffffffff, Math.max(1, Math.ceil(left * 1000))));
  try {
    // The typings say Tree; on a timeout the binding returns nothing.
    const tree = p.parse(text, oldTree, options) as Parser.Tree | null | undefined;
    if (!tree) {
      p.reset();
      return undefined;
    }
    return tree;
  } finally {
    p.setTimeoutMicros(0);
  }
}

/** Maps parsed-text points to caller coordinates. */
export class PositionMapper {
  private readonly lastUserLine: number;
  constructor(private readonly prep: Prepared, private readonly userText: string) {
    this.lastUserLine = prep.userLines - 1;
  }

  pos(p: Point): Pos {
    const line = p.row - this.prep.prefixLines;
    if (line < 0) return { line: this.outLine(0), column: 0 };
    if (line > this.lastUserLine) return { line: this.outLine(this.lastUserLine), column: this.lastLineLength() };
    return { line: this.outLine(line), column: p.column };
  }

  /** Output line of a caller line. */
  outLine(line: number): number {
    const m = this.prep.lineMap;
    if (m) return m[Math.min(line, m.length - 1)] ?? line;
    return line + this.prep.lineOffset;
  }

  /** Caller line of a parsed-text row, or -1 for the synthetic prefix and suffix. */
  userLine(row: number): number {
    const line = row - this.prep.prefixLines;
    return line < 0 || line > this.lastUserLine ? -1 : line;
  }

  range(n: { startPosition: Point; endPosition: Point }): Range {
    return { start: this.pos(n.startPosition), end: this.pos(n.endPosition) };
  }

  private lastLen?: number;
  private lastLineLength(): number {
    if (this.lastLen === undefined) {
      const i = this.userText.lastIndexOf('\n');
      this.lastLen = this.userText.length - (i + 1);
    }
    return this.lastLen;
  }
}
