/**
 * Functions rebuilt from the hunks of one side (pre- or post-image) of a file diff, for a patch read without its
 * tree. Consecutive hunks of one function (the same `@@` context function, or a context that continues the
 * function the previous hunk ended in) are joined into one text; between two hunks a gap line holds a placeholder
 * statement standing for the lines the patch does not show (a CFG node with `gap` set), and opens or closes the
 * blocks the next hunk's indentation says it is in (kernel style: one tab per block), so that loops and `retry:`
 * labels spanning hunks are recovered. Every text line maps to its file line (ExtractOptions.fragment.lineMap).
 */
import type { Era } from '../../../common/era';
import { extractCFacts } from './index';
import { countBraces, functionHeaderFrom, isDefinitionHeader, preprocess } from './parser';
import type { CFacts, FragmentGap } from './types';

/** One hunk's image on one side. */
export interface HunkSide {
  /** Index of the hunk in its file diff. */
  hunk: number;
  /** The image's lines (context and removed lines for the pre-image, context and added for the post-image). */
  lines: readonly string[];
  /** 0-based file line of lines[0]. */
  firstLine: number;
  /** The text after the second `@@` of the hunk header. */
  contextLine: string;
}

export interface FragmentUnit {
  /** The hunks joined in this unit, in order. */
  hunks: number[];
  facts: CFacts;
}

export interface HunkFactsOptions {
  era: Era;
  /** false: every hunk alone, as before reconstruction (benchmark baseline). Default true. */
  join?: boolean;
  /** The input's shared time budget (ExtractOptions.budgetMs / deadline). */
  budgetMs?: number;
  deadline?: number;
}

const PLACEHOLDER = '__mmlens_gap_';
const NOT_NAMES = new Set(['if', 'else', 'while', 'for', 'do', 'switch', 'return', 'case', 'goto', 'sizeof', 'typeof']);

/** Name of the function a (complete or repaired) definition header declares. */
function headerName(header: string): string | undefined {
  const m = /\b([A-Za-z_]\w*)\s*\(/.exec(preprocess(header));
  return m && !NOT_NAMES.has(m[1]!) ? m[1] : undefined;
}

/** A name from a context line that does not parse as a header (`static int foo(struct bar *b, unsigned lo`). */
function contextName(contextLine: string): string | undefined {
  // An indented line is a statement, a line ending in `;` a declaration or a macro call: not a definition.
  if (/^\s/.test(contextLine) || /;\s*$/.test(contextLine)) return undefined;
  return headerName(contextLine);
}

const LABEL_RE = /^\s*[A-Za-z_]\w*:\s*(?:$|\/[*/])/;
const CASE_RE = /^\s*(?:case\b.*|default\s*):/;

/** Block depth of a line by its indentation (tabs, or 8 spaces, per level; a leading `}` is inside the block it closes). */
function indentDepth(line: string): number {
  const ws = /^[ \t]*/.exec(line)![0];
  let depth = 0;
  let spaces = 0;
  for (const ch of ws) {
    if (ch === '\t') {
      depth++;
      spaces = 0;
    } else if (++spaces === 8) {
      depth++;
      spaces = 0;
    }
  }
  const t = line.slice(ws.length);
  if (t.startsWith('}')) depth++;
  if (CASE_RE.test(line)) depth++;
  return depth;
}

/** Lines of code (not blank, comment, preprocessor or label lines), with their index. */
function codeLines(lines: readonly string[]): { line: string; index: number }[] {
  const out: { line: string; index: number }[] = [];
  let inComment = false;
  lines.forEach((raw, index) => {
    let line = raw;
    if (inComment) {
      const e = line.indexOf('*/');
      if (e < 0) return;
      line = ' '.repeat(e + 2) + line.slice(e + 2);
      inComment = false;
    }
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith('//') || LABEL_RE.test(line)) return;
    if (t.startsWith('/*')) {
      const e = t.indexOf('*/', 2);
      if (e < 0) {
        inComment = true;
        return;
      }
      if (t.slice(e + 2).trim() === '') return;
    }
    if (t.startsWith('*')) return; // inside a comment that began before the hunk
    out.push({ line, index });
  });
  return out;
}

/**
 * Block depth of the first line of a hunk (1 = function body), from the indentation of its code lines: the least
 * `indentation − braces opened since the first line` over its lines (unbraced if bodies and continuation lines
 * are indented deeper than their block, never shallower). 0 when it starts at top level (column-0 code that is
 * not a closing brace). undefined when it holds no code.
 */
function impliedDepth(lines: readonly string[]): number | undefined {
  const code = codeLines(lines);
  if (code.length === 0) return undefined;
  const first = code[0]!.line;
  if (/^[^\s}]/.test(first)) return 0;
  const BASE = 1 << 20;
  const scan = new Scanner(BASE, undefined);
  let best = Infinity;
  let at = 0;
  for (const { line, index } of code) {
    for (; at < index; at++) scan.line(lines[at]!);
    best = Math.min(best, indentDepth(line) - (scan.depth - BASE));
  }
  return Math.max(1, best);
}

/** Brace depth and current function through lines of C, from a known state. */
class Scanner {
  depth: number;
  fn: string | undefined;
  private inComment = false;
  private inPreproc = false;
  private header = '';
  /** Trimmed lines seen inside the current function. */
  readonly fnLines = new Set<string>();

  constructor(depth: number, fn: string | undefined) {
    this.depth = depth;
    this.fn = fn;
  }

  line(line: string): void {
    if (this.inPreproc || (!this.inComment && line.trimStart().startsWith('#'))) {
      this.inPreproc = line.endsWith('\\');
      return;
    }
    if (this.depth > 0) this.fnLines.add(line.trim());
    const n = line.length;
    let i = 0;
    while (i < n) {
      const ch = line[i]!;
      if (this.inComment) {
        const e = line.indexOf('*/', i);
        if (e < 0) return;
        this.inComment = false;
        i = e + 2;
        continue;
      }
      if (ch === '/' && line[i + 1] === '*') {
        this.inComment = true;
        i += 2;
        continue;
      }
      if (ch === '/' && line[i + 1] === '/') return;
      if (ch === '"' || ch === "'") {
        let j = i + 1;
        while (j < n && line[j] !== ch) j += line[j] === '\\' ? 2 : 1;
        i = j + 1;
        continue;
      }
      if (ch === '{') {
        if (this.depth === 0) {
          this.fn = isDefinitionHeader(this.header) ? headerName(this.header) : undefined;
          this.fnLines.clear();
          this.header = '';
        }
        this.depth++;
      } else if (ch === '}') {
        this.depth = Math.max(0, this.depth - 1);
        if (this.depth === 0) {
          this.fn = undefined;
          this.header = '';
        }
      } else if (this.depth === 0) {
        this.header = ch === ';' ? '' : this.header + ch;
      }
      i++;
    }
    if (this.depth === 0) this.header += ' ';
  }
}

/** Block depth of the first line of a run's first hunk (1 = function body), or 0 when it starts at top level. */
function startDepth(side: HunkSide): number {
  const implied = impliedDepth(side.lines);
  if (implied === 0) return 0;
  const braces = countBraces(preprocess(side.lines.join('\n')));
  let extraOpen = -braces.min;
  if (extraOpen > 0 && braces.minLineIsFunctionEnd) extraOpen--;
  return Math.max(1 + extraOpen, implied ?? 1);
}

interface Run {
  sides: HunkSide[];
  text: string[];
  lineMap: number[];
  gaps: FragmentGap[];
  /** Text line of each gap. */
  gapLines: number[];
  scan: Scanner;
  depth: number;
  lastFileLine: number;
}

function startRun(side: HunkSide): Run {
  const header = functionHeaderFrom(side.contextLine);
  const depth = startDepth(side);
  const scan = new Scanner(depth, depth > 0 ? (header ? headerName(header) : contextName(side.contextLine)) : undefined);
  const run: Run = { sides: [side], text: [], lineMap: [], gaps: [], gapLines: [], scan, depth, lastFileLine: side.firstLine - 1 };
  appendLines(run, side);
  return run;
}

function appendLines(run: Run, side: HunkSide): void {
  side.lines.forEach((l, i) => {
    run.text.push(l);
    run.lineMap.push(side.firstLine + i);
    run.scan.line(l);
  });
  run.lastFileLine = side.firstLine + side.lines.length - 1;
}

/** Does `next` continue the function the run ended in? */
function continues(run: Run, next: HunkSide): boolean {
  if (run.scan.depth < 1 || next.firstLine <= run.lastFileLine) return false;
  if (impliedDepth(next.lines) === 0) return false;
  const header = functionHeaderFrom(next.contextLine);
  const name = header ? headerName(header) : contextName(next.contextLine);
  if (name) return run.scan.fn !== undefined && name === run.scan.fn;
  const ctx = next.contextLine.trim();
  if (ctx === '') return false;
  // Not a definition: a label or a statement of the function (git's default funcname pattern), or a line already
  // seen in it. A top-level line (`static const struct x y = {`, `EXPORT_SYMBOL(f);`) may follow the function's end.
  return LABEL_RE.test(next.contextLine) || /^\s/.test(next.contextLine) || run.scan.fnLines.has(ctx);
}

function join(run: Run, next: HunkSide): void {
  const a = run.lastFileLine;
  const b = next.firstLine;
  const missing = b - a - 1;
  const current = run.scan.depth;
  const target = impliedDepth(next.lines) ?? current;
  const parts: string[] = [];
  const placeholder = `${PLACEHOLDER}${run.gaps.length}`;
  if (missing > 0) parts.push(`${placeholder}();`);
  if (current > target) parts.push('}'.repeat(current - target));
  else if (current < target) parts.push('{'.repeat(target - current));
  if (missing > 0 && current !== target) parts.push(`${placeholder}();`);
  // A first statement indented deeper than its block is the body of an unbraced if / else / loop whose head is in
  // the gap: it runs under an unknown condition.
  const first = codeLines(next.lines)[0];
  if (missing > 0 && first && !/^\s*[{}]/.test(first.line)) {
    const deeper = indentDepth(first.line) - target;
    for (let k = 0; k < deeper && k < 4; k++) parts.push(`if (${placeholder}())`);
  }
  if (parts.length) {
    const line = parts.join(' ');
    if (missing > 0) {
      run.gaps.push({ placeholder, range: { start: { line: a + 1, column: 0 }, end: { line: b, column: 0 } } });
      run.gapLines.push(run.text.length);
    }
    run.text.push(line);
    run.lineMap.push(missing > 0 ? a + 1 : a);
    run.scan.line(line);
  }
  run.sides.push(next);
  appendLines(run, next);
}

const GOTO_RE = /\bgoto\s+([A-Za-z_]\w*)\s*;/g;
/** Labels a goto jumps back to (retry loops); exits (`out`, `no_context`, `bad_area`) lie after the goto instead. */
const BACKWARD_LABEL_RE = /^(?:retry\w*|\w+_retry|again|restart\w*)$/;
const LABEL_DEF_RE = /^\s*([A-Za-z_]\w*):(?!:)/;

/**
 * A `goto` to a retry-like label that is not in the text, with a gap before it: the label is in code the patch does not show
 * (x86's `retry:` sits between the flag initialisation and the fault call). It is placed on the first gap line
 * before the goto, so that the retry loop is recovered with its head in the gap (RetryLoopFact.headInGap).
 */
function placeMissingLabels(run: Run): void {
  if (run.gaps.length === 0) return;
  const defined = new Set<string>();
  for (const l of run.text) {
    const m = LABEL_DEF_RE.exec(l);
    if (m && m[1] !== 'default') defined.add(m[1]!);
  }
  const placed = new Set<string>();
  run.text.forEach((l, i) => {
    const code = l.replace(/\/\*.*?(?:\*\/|$)|\/\/.*$/g, '');
    for (const m of code.matchAll(GOTO_RE)) {
      const label = m[1]!;
      if (defined.has(label) || placed.has(label) || !BACKWARD_LABEL_RE.test(label)) continue;
      const g = run.gapLines.findIndex((at) => at < i);
      if (g >= 0 && !run.text[run.gapLines[g]!]!.includes(`${run.gaps[g]!.placeholder}();`)) continue;
      if (g < 0) continue;
      placed.add(label);
      const at = run.gapLines[g]!;
      const gap = run.gaps[g]!;
      // On the last placeholder: after the blocks the gap closes, at the depth of the code that follows.
      const stmt = `${gap.placeholder}();`;
      const k = run.text[at]!.lastIndexOf(stmt);
      run.text[at] = `${run.text[at]!.slice(0, k)}${label}: ${run.text[at]!.slice(k)}`;
      gap.labels = [...(gap.labels ?? []), label];
    }
  });
}

function runFacts(run: Run, opts: HunkFactsOptions): FragmentUnit {
  placeMissingLabels(run);
  const first = run.sides[0]!;
  const text = run.text.join('\n') + '\n';
  const lineMap = [...run.lineMap, run.lastFileLine + 1];
  const name = functionHeaderFrom(first.contextLine) ? undefined : contextName(first.contextLine);
  const facts = extractCFacts(text, {
    era: opts.era,
    ...(opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : {}),
    ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
    fragment: {
      contextLine: first.contextLine,
      firstLine: first.firstLine,
      lineMap,
      ...(run.depth > 0 ? { depth: run.depth } : {}),
      gaps: run.gaps,
      ...(name ? { displayName: name } : {}),
    },
  });
  return { hunks: run.sides.map((s) => s.hunk), facts };
}

/** Facts of one side of a file diff from its hunks alone; never throws on bad input. */
export function extractHunkFacts(sides: readonly HunkSide[], opts: HunkFactsOptions): FragmentUnit[] {
  const units: FragmentUnit[] = [];
  let run: Run | undefined;
  for (const side of sides) {
    if (side.lines.length === 0) continue;
    if (run && opts.join !== false && continues(run, side)) {
      join(run, side);
      continue;
    }
    if (run) units.push(runFacts(run, opts));
    run = startRun(side);
  }
  if (run) units.push(runFacts(run, opts));
  return units;
}
