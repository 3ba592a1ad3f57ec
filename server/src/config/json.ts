/**
 * A small JSON parser that keeps positions (offsets of every value and key), so a bad `.mmlens.json` gets an error
 * at the offending key in the editor and `file:line:col` in the CLI. Accepts `//` and `/* *\/` comments (the file is
 * JSON with comments, as VS Code's own settings files are: a team writes down why a rule is off). Never throws:
 * syntax errors are returned with their offset; parsing stops at the first one.
 */

export type JsonNode =
  | { type: 'object'; offset: number; length: number; properties: JsonProperty[] }
  | { type: 'array'; offset: number; length: number; items: JsonNode[] }
  | { type: 'string'; offset: number; length: number; value: string }
  | { type: 'number'; offset: number; length: number; value: number }
  | { type: 'boolean'; offset: number; length: number; value: boolean }
  | { type: 'null'; offset: number; length: number };

export interface JsonProperty {
  key: string;
  keyOffset: number;
  keyLength: number;
  value: JsonNode;
}

export interface JsonSyntaxError {
  offset: number;
  length: number;
  message: string;
}

export interface JsonParse {
  root?: JsonNode;
  error?: JsonSyntaxError;
}

class Fail extends Error {
  constructor(
    readonly offset: number,
    readonly len: number,
    message: string,
  ) {
    super(message);
  }
}

/** Nesting deeper than this is an error (a config is a few levels deep; this bounds the recursion). */
const MAX_DEPTH = 64;

export function parseJson(text: string): JsonParse {
  let i = 0;
  const n = text.length;
  const skip = (): void => {
    for (;;) {
      while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r' || text[i] === '\uFEFF')) i++;
      if (text.startsWith('//', i)) {
        while (i < n && text[i] !== '\n') i++;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) throw new Fail(i, 2, 'unterminated /* comment');
        i = end + 2;
      } else return;
    }
  };
  const str = (): { value: string; offset: number; length: number } => {
    const start = i;
    i++; // opening quote
    let out = '';
    while (i < n) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return { value: out, offset: start, length: i - start };
      }
      if (c === '\n') break;
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        throw new Fail(i, 2, 'invalid escape in string');
      }
      out += c;
      i++;
    }
    throw new Fail(start, i - start, 'unterminated string');
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) throw new Fail(i, 1, `nested deeper than ${MAX_DEPTH} levels`);
    skip();
    if (i >= n) throw new Fail(n, 0, 'unexpected end of file: expected a value');
    const start = i;
    const c = text[i]!;
    if (c === '{') {
      i++;
      const properties: JsonProperty[] = [];
      skip();
      if (text[i] === '}') {
        i++;
        return { type: 'object', offset: start, length: i - start, properties };
      }
      for (;;) {
        skip();
        if (text[i] !== '"') throw new Fail(i, 1, i >= n ? 'unexpected end of file: expected a property name' : 'expected a property name in double quotes');
        const k = str();
        skip();
        if (text[i] !== ':') throw new Fail(i, 1, `expected ':' after "${k.value}"`);
        i++;
        const v = value(depth + 1);
        properties.push({ key: k.value, keyOffset: k.offset, keyLength: k.length, value: v });
        skip();
        if (text[i] === ',') {
          i++;
          skip();
          if (text[i] === '}') throw new Fail(i - 1, 1, 'trailing comma');
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { type: 'object', offset: start, length: i - start, properties };
        }
        throw new Fail(i, 1, i >= n ? "unexpected end of file: expected ',' or '}'" : "expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return { type: 'array', offset: start, length: i - start, items };
      }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        if (text[i] === ',') {
          i++;
          skip();
          if (text[i] === ']') throw new Fail(i - 1, 1, 'trailing comma');
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { type: 'array', offset: start, length: i - start, items };
        }
        throw new Fail(i, 1, i >= n ? "unexpected end of file: expected ',' or ']'" : "expected ',' or ']'");
      }
    }
    if (c === '"') {
      const s = str();
      return { type: 'string', ...s };
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (m && m[0].length > 0) {
      i += m[0].length;
      return { type: 'number', offset: start, length: m[0].length, value: Number(m[0]) };
    }
    for (const [word, node] of [
      ['true', { type: 'boolean', value: true }],
      ['false', { type: 'boolean', value: false }],
      ['null', { type: 'null' }],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { ...node, offset: start, length: word.length } as JsonNode;
      }
    }
    const word = /^[^\s,:{}[\]"]{1,40}/.exec(text.slice(i))?.[0] ?? c;
    throw new Fail(i, word.length, `unexpected '${word}': expected a value`);
  };
  try {
    const root = value(0);
    skip();
    if (i < n) throw new Fail(i, 1, 'unexpected text after the end of the JSON value');
    return { root };
  } catch (e) {
    if (e instanceof Fail) return { error: { offset: e.offset, length: e.len, message: e.message } };
    throw e;
  }
}

/** 0-based line and UTF-16 column of an offset. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: Math.min(offset, text.length) - lineStart };
}

/** Plain JavaScript value of a node. */
export function toValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'object':
      return Object.fromEntries(node.properties.map((p) => [p.key, toValue(p.value)]));
    case 'array':
      return node.items.map(toValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}
