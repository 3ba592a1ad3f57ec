/**
 * A plain-JS mirror of a tree-sitter tree, built by ONE TreeCursor walk.
 *
 * With the node binding every SyntaxNode property read crosses N-API, and every node object handed to JS is
 * registered in the tree's node cache with a weak reference and a finalizer: an analysis that reads a few
 * properties of many nodes spends most of its time there (and in the GC), not in tree-sitter. The walk below
 * reads the minimum from the cursor (type id; start/end index of leaves; field id where the parent type has
 * fields; missing-ness of zero-width leaves) and derives the rest in JS:
 *  - type name / named-ness: per type id, cached (the language is shared);
 *  - start / end index of an inner node: those of its first / last child (a node spans its children), except the
 *    end of preproc_* nodes (a hidden newline token ends them);
 *  - hasError: inner ERROR node, MISSING node, or a child with an error (tree-sitter's error cost is a sum over
 *    children; an ERROR leaf has none);
 *  - in an error-free tree, bounds of keyword / punctuation / identifier tokens: from the end of the previous
 *    token, skipping whitespace (the only hidden tokens of tree-sitter-c are newlines), checked against the text;
 *  - positions: from the index and a line-start table of the parsed text. The binding parses JS strings as
 *    UTF-16, so indices AND columns are UTF-16 code units, and rows count '\n' only, like tree-sitter.
 * The Node class offers the subset of the SyntaxNode API the extractor uses, with the same meaning.
 */
import type Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { lineStarts } from '../../../common/lines';

export interface Point {
  row: number;
  column: number;
}

/** The parsed text and its line starts (computed on first use). */
export class Source {
  private starts?: Int32Array;
  /** Node ids are unique across every mirror of this source (a body mirrored later is grafted into the tree). */
  nextId = 1;
  /** baseRow / baseColumn: where the text starts in the coordinates positions are reported in (a re-parsed slice). */
  constructor(
    readonly text: string,
    private readonly baseRow = 0,
    private readonly baseColumn = 0,
    /** The line starts of `text`, when the caller has them (IncrementalCFacts moves the previous version's). */
    starts?: Int32Array,
  ) {
    if (starts) this.starts = starts;
  }

  /** Offset of the first character of each line (computed on first use). */
  lineStartsOf(): Int32Array {
    return this.starts ?? this.lineStarts();
  }

  point(index: number): Point {
    const s = this.starts ?? this.lineStarts();
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { row: this.baseRow + lo, column: index - s[lo]! + (lo === 0 ? this.baseColumn : 0) };
  }

  private lineStarts(): Int32Array {
    this.starts = lineStarts(this.text);
    return this.starts;
  }
}

const NO_CHILDREN: readonly Node[] = Object.freeze([]);

export class Node {
  parent: Node | null = null;
  children: Node[] = NO_CHILDREN as Node[];
  /** Field name under the parent, when any. */
  field: string | undefined = undefined;
  hasError = false;
  startIndex = 0;
  endIndex = 0;
  private named?: Node[];
  private txt?: string;

  constructor(
    readonly src: Source,
    /** Unique per mirror (identity, like SyntaxNode.id). */
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
  ) {}

  get text(): string {
    if (this.txt === undefined) this.txt = this.src.text.substring(this.startIndex, this.endIndex);
    return this.txt;
  }

  get startPosition(): Point {
    return this.src.point(this.startIndex);
  }

  get endPosition(): Point {
    return this.src.point(this.endIndex);
  }

  get namedChildren(): Node[] {
    if (!this.named) this.named = this.children.length ? this.children.filter((c) => c.isNamed) : (NO_CHILDREN as Node[]);
    return this.named;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  get childCount(): number {
    return this.children.length;
  }

  namedChild(i: number): Node | null {
    return this.namedChildren[i] ?? null;
  }

  child(i: number): Node | null {
    return this.children[i] ?? null;
  }

  get firstChild(): Node | null {
    return this.children[0] ?? null;
  }

  get lastChild(): Node | null {
    return this.children[this.children.length - 1] ?? null;
  }

  /** Puts `next` in the place of the child `old` (a body mirrored on its own, or back its placeholder). */
  replaceChild(old: Node, next: Node): void {
    const i = this.children.indexOf(old);
    if (i < 0) return;
    this.children[i] = next;
    next.parent = this;
    next.field = old.field;
    this.named = undefined;
  }

  childForFieldName(name: string): Node | null {
    for (const c of this.children) if (c.field === name) return c;
    return null;
  }

  get nextNamedSibling(): Node | null {
    const sibs = this.parent?.children;
    if (!sibs) return null;
    for (let i = sibs.indexOf(this) + 1; i < sibs.length; i++) if (sibs[i]!.isNamed) return sibs[i]!;
    return null;
  }

  get previousNamedSibling(): Node | null {
    const sibs = this.parent?.children;
    if (!sibs) return null;
    for (let i = sibs.indexOf(this) - 1; i >= 0; i--) if (sibs[i]!.isNamed) return sibs[i]!;
    return null;
  }
}

// Per-language caches (type ids and field ids are the language's).
const typeNames: string[] = [];
const typeNamed: boolean[] = [];
const fieldNames: string[] = [];
interface NodeTypeInfo {
  type: string;
  named: boolean;
  fields?: Record<string, unknown>;
}
const info = (C as unknown as { nodeTypeInfo?: NodeTypeInfo[] }).nodeTypeInfo;
/** Node types that have fields (children of other types have none): undefined means "ask for every node". */
const WITH_FIELDS: Set<string> | undefined = info
  ? new Set(info.filter((i) => i.named && i.fields && Object.keys(i.fields).length > 0).map((i) => i.type))
  : undefined;
/** Named token types (no fields, no children in any tree): never asked for children. Anonymous nodes are tokens too. */
const LEAF_TYPES: Set<string> = info
  ? new Set(info.filter((i) => i.named && !i.fields && !('children' in i) && !('subtypes' in i)).map((i) => i.type))
  : new Set();
const ANY_LEAF = info !== undefined;
/** Tokens matching tree-sitter-c's identifier pattern (ASCII part: [A-Za-z_$][A-Za-z0-9_$]*). */
const IDENT_TYPES = new Set(['identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'primitive_type']);

function isIdentChar(ch: number): boolean {
  return (ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90) || (ch >= 48 && ch <= 57) || ch === 95 || ch === 36;
}

export interface MirrorOptions {
  /**
   * Asked for each function body (compound_statement under a function_definition) before descending into it,
   * with the body's indices set; `native` is tree-sitter's node for it. True: the body is mirrored as a childless
   * node (its text and range are right, its children are not there: mirror them later from native().walk()).
   */
  skipBody?: (body: Node, native: () => Parser.SyntaxNode) => boolean;
  /**
   * The tree has no error (root hasError false): no MISSING node anywhere, so anonymous tokens (keywords and
   * punctuation; their text is their type, except the `#…` preprocessor aliases) end at start + type length.
   */
  clean?: boolean;
}

/** A cursor over the subtree to mirror (tree.walk() or node.walk()). */
export function mirrorFrom(c: Parser.TreeCursor, src: Source, opts: MirrorOptions = {}): Node {
  const skipBody = opts.skipBody;
  const make = (parent: Node | null): Node => {
    const tid = c.nodeTypeId;
    let type = typeNames[tid];
    if (type === undefined) {
      type = c.nodeType;
      typeNames[tid] = type;
      typeNamed[tid] = c.nodeIsNamed;
    }
    const n = new Node(src, src.nextId++, type, typeNamed[tid]!, false);
    if (parent) {
      n.parent = parent;
      if (!WITH_FIELDS || WITH_FIELDS.has(parent.type)) {
        const fid = c.currentFieldId;
        if (fid) {
          let f = fieldNames[fid];
          if (f === undefined) {
            f = c.currentFieldName;
            fieldNames[fid] = f;
          }
          n.field = f;
        }
      }
      if (parent.children === NO_CHILDREN) parent.children = [n];
      else parent.children.push(n);
    }
    return n;
  };
  const clean = opts.clean === true;
  const text = src.text;
  /** End of the last leaf: in an error-free tree, only whitespace (and comments, which are nodes) lies between tokens. */
  let pos = c.startIndex;
  const skipWs = (i: number): number => {
    for (;;) {
      const ch = text.charCodeAt(i);
      if (ch === 32 || ch === 10 || ch === 9 || ch === 13 || ch === 11 || ch === 12) i++;
      else if (ch === 92 /* \\ */ && (text.charCodeAt(i + 1) === 10 || (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10)))
        i += text.charCodeAt(i + 1) === 10 ? 2 : 3;
      else return i;
    }
  };
  /** Token bounds without asking tree-sitter, when the text at the next token start confirms them; else undefined. */
  const derive = (n: Node): boolean => {
    if (!n.isNamed) {
      if (n.type.charCodeAt(0) === 35 /* # */) return false; // `#  include` is aliased to '#include'
      const s = skipWs(pos);
      if (!text.startsWith(n.type, s)) return false;
      n.startIndex = s;
      n.endIndex = s + n.type.length;
      return true;
    }
    if (!IDENT_TYPES.has(n.type)) return false;
    const s = skipWs(pos);
    const first = text.charCodeAt(s);
    if (!isIdentChar(first) || (first >= 48 && first <= 57)) return false;
    let e = s + 1;
    while (isIdentChar(text.charCodeAt(e))) e++;
    const stop = text.charCodeAt(e);
    if (stop >= 128 || stop === 92) return false; // non-ASCII letters, \u escapes: ask tree-sitter
    n.startIndex = s;
    n.endIndex = e;
    return true;
  };
  const leaf = (n: Node): Node => {
    if (clean) {
      if (!derive(n)) {
        n.startIndex = c.startIndex;
        n.endIndex = c.endIndex;
      }
      pos = n.endIndex;
      return n;
    }
    const s = c.startIndex;
    n.startIndex = s;
    const e = c.endIndex;
    n.endIndex = e;
    if (s === e && c.nodeIsMissing) {
      // Zero-width leaves are where MISSING nodes are; isMissing is readonly for everyone else.
      (n as { isMissing: boolean }).isMissing = true;
      n.hasError = true;
    }
    // An ERROR leaf (one unexpected character) has no error cost of its own: tree-sitter says hasError false.
    return n;
  };
  const inner = (n: Node): void => {
    const ch = n.children;
    n.startIndex = ch[0]!.startIndex;
    // Preprocessor lines end with a hidden newline token: their end is not their last visible child's.
    n.endIndex = n.type.startsWith('preproc_') ? c.endIndex : ch[ch.length - 1]!.endIndex;
    let err = n.type === 'ERROR';
    for (let i = 0; !err && i < ch.length; i++) err = ch[i]!.hasError;
    n.hasError = err;
  };

  const root = make(null);
  const rootStart = c.startIndex;
  const rootEnd = c.endIndex;
  let cur = root;
  for (;;) {
    const skip =
      skipBody !== undefined && cur.field === 'body' && cur.type === 'compound_statement' && cur.parent?.type === 'function_definition' &&
      ((cur.startIndex = c.startIndex), (cur.endIndex = c.endIndex), skipBody(cur, () => c.currentNode));
    const token = ANY_LEAF && (!cur.isNamed || LEAF_TYPES.has(cur.type));
    if (!skip && !token && c.gotoFirstChild()) {
      cur = make(cur);
      continue;
    }
    leaf(cur);
    for (;;) {
      const parent: Node | null = cur.parent;
      if (!parent) break;
      if (c.gotoNextSibling()) {
        cur = make(parent);
        break;
      }
      c.gotoParent();
      inner(parent);
      cur = parent;
    }
    if (cur === root) break;
  }
  // The root spans the whole text (leading / trailing whitespace included), unlike its children.
  root.startIndex = rootStart;
  root.endIndex = rootEnd;
  return root;
}

/** Mirror of a whole tree (`clean` is asked of tree-sitter here). */
export function mirror(tree: Parser.Tree, text: string, opts: Omit<MirrorOptions, 'clean'> = {}): Node {
  return mirrorFrom(tree.walk(), new Source(text), { ...opts, clean: !tree.rootNode.hasError });
}
