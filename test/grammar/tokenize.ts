/**
 * Test registry for the TextMate grammars: the grammars and injections package.json contributes (so the manifest's
 * scopeName/path/injectTo wiring is exercised too), plus the two grammars VS Code ships built in: source.diff and
 * source.c, taken from the npm package tm-grammars (the same TextMate grammars VS Code bundles).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar, type StateStack } from 'vscode-textmate';

export const ROOT = join(__dirname, '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'grammar');

interface GrammarContribution {
  scopeName: string;
  path: string;
  language?: string;
  injectTo?: string[];
}

function contributedGrammars(): GrammarContribution[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    contributes?: { grammars?: GrammarContribution[] };
  };
  return manifest.contributes?.grammars ?? [];
}

const BUILT_IN: Record<string, string> = {
  'source.diff': require.resolve('tm-grammars/grammars/diff.json'),
  'source.c': require.resolve('tm-grammars/grammars/c.json'),
};

let registryPromise: Promise<Registry> | undefined;

function registry(): Promise<Registry> {
  registryPromise ??= (async () => {
    const wasm = readFileSync(join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const paths = new Map<string, string>(Object.entries(BUILT_IN));
    const injections = new Map<string, string[]>();
    for (const g of contributedGrammars()) {
      paths.set(g.scopeName, join(ROOT, g.path));
      for (const target of g.injectTo ?? []) injections.set(target, [...(injections.get(target) ?? []), g.scopeName]);
    }
    return new Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) => {
        const path = paths.get(scopeName);
        return path === undefined ? null : parseRawGrammar(readFileSync(path, 'utf8'), path);
      },
      getInjections: (scopeName: string) => injections.get(scopeName),
    });
  })();
  return registryPromise;
}

export async function loadGrammar(scopeName: string): Promise<IGrammar> {
  const g = await (await registry()).loadGrammar(scopeName);
  if (!g) throw new Error(`no grammar for ${scopeName}`);
  return g;
}

export interface Token {
  readonly text: string;
  readonly scopes: readonly string[];
}

/** Tokenizes a whole document; one array of tokens per line. */
export async function tokenize(scopeName: string, text: string): Promise<Token[][]> {
  const grammar = await loadGrammar(scopeName);
  let state: StateStack = INITIAL;
  const out: Token[][] = [];
  for (const line of text.split(/\r?\n/)) {
    const r = grammar.tokenizeLine(line, state);
    out.push(r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })));
    state = r.ruleStack;
  }
  return out;
}

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Index of the first line that is exactly `line` (after `from`); throws if absent so tests fail by name. */
export function lineIndex(lines: readonly string[], line: string, from = 0): number {
  const i = lines.indexOf(line, from);
  if (i < 0) throw new Error(`fixture has no line ${JSON.stringify(line)} after line ${from + 1}`);
  return i;
}

/** The token whose text is exactly `text` on a line (throws, listing the line's tokens, if there is none). */
export function token(lineTokens: readonly Token[], text: string): Token {
  const t = lineTokens.find((x) => x.text === text);
  if (!t) {
    const seen = lineTokens.map((x) => `${JSON.stringify(x.text)} ${x.scopes.join(' ')}`).join('\n  ');
    throw new Error(`no token ${JSON.stringify(text)} on the line; tokens:\n  ${seen}`);
  }
  return t;
}

/** A scope the real C grammar nests code in (meta.parens.c, meta.block.c, meta.parens.block.c, ...): not a comment or string. */
const C_NESTING = /^meta\.[\w.-]+\.c$/;

/**
 * Asserts that a token is C code inside the embedded C of a hunk: its scopes begin with `embedding` (the chain down to
 * source.c), end with `scope` (when given; otherwise the token is plain code), and whatever sits between is only the
 * C grammar's own nesting (meta.*.c) - never a comment, a string, or a scope of another grammar.
 */
export function assertC(t: Token, embedding: readonly string[], scope?: string): void {
  const what = `${JSON.stringify(t.text)}: ${t.scopes.join(' ')}`;
  assert.deepEqual(t.scopes.slice(0, embedding.length), [...embedding], what);
  const rest = t.scopes.slice(embedding.length);
  const nesting = scope === undefined ? rest : rest.slice(0, -1);
  if (scope !== undefined) assert.equal(rest.at(-1), scope, what);
  for (const s of nesting) assert.match(s, C_NESTING, what);
}

/** Debug helper: a readable dump of a tokenized document. */
export function dump(lines: readonly Token[][]): string {
  return lines
    .map((toks, i) => `${i + 1}: ${toks.map((t) => `${JSON.stringify(t.text)}[${t.scopes.slice(1).join(' ')}]`).join(' ')}`)
    .join('\n');
}
