/**
 * Shape checks of the text document notifications' params, done before TextDocuments sees them: the library trusts
 * the client (a `didOpen` with `textDocument: 5` threw a TypeError inside it, one with `uri: 12` was stored and got
 * diagnostics published for uri 12). A notification has no response to carry -32602: an invalid one is ignored,
 * with one warning line in the log, and nothing is stored.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { Logger } from './types';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A URI the server can key a document by: a string with a scheme (`file:`, `untitled:`, …). */
export function isDocumentUri(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 * 1024 && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(v);
}

function isVersion(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function isPosition(v: unknown): boolean {
  return isRecord(v) && Number.isSafeInteger(v.line) && (v.line as number) >= 0 && Number.isSafeInteger(v.character) && (v.character as number) >= 0;
}

/** Why the params of `method` are not acceptable, or undefined when they are. */
export function invalidParams(method: string, p: unknown): string | undefined {
  if (!isRecord(p)) return 'params is not an object';
  const td = p.textDocument;
  if (!isRecord(td)) return 'textDocument is not an object';
  if (!isDocumentUri(td.uri)) return `textDocument.uri ${JSON.stringify(td.uri)?.slice(0, 80) ?? 'undefined'} is not a URI`;
  if (method === 'textDocument/didOpen') {
    if (typeof td.languageId !== 'string') return 'textDocument.languageId is not a string';
    if (!isVersion(td.version)) return 'textDocument.version is not an integer';
    if (typeof td.text !== 'string') return 'textDocument.text is not a string';
  }
  if (method === 'textDocument/didChange') {
    if (!isVersion(td.version)) return 'textDocument.version is not an integer';
    if (!Array.isArray(p.contentChanges)) return 'contentChanges is not an array';
    for (const c of p.contentChanges as unknown[]) {
      if (!isRecord(c) || typeof c.text !== 'string') return 'a content change has no text';
      if (c.range !== undefined && !(isRecord(c.range) && isPosition(c.range.start) && isPosition(c.range.end))) return 'a content change has an invalid range';
    }
  }
  return undefined;
}

type Handler = (p: never) => unknown;
const GUARDED: Record<string, string> = {
  onDidOpenTextDocument: 'textDocument/didOpen',
  onDidChangeTextDocument: 'textDocument/didChange',
  onDidCloseTextDocument: 'textDocument/didClose',
  onDidSaveTextDocument: 'textDocument/didSave',
  onWillSaveTextDocument: 'textDocument/willSave',
};

/**
 * The connection as TextDocuments.listen should see it: its text document notification handlers only run on valid
 * params. Everything else is the connection itself.
 */
export function validatingConnection(connection: Connection, log: Logger): Connection {
  return new Proxy(connection, {
    get(target, prop, receiver) {
      const method = typeof prop === 'string' ? GUARDED[prop] : undefined;
      const value: unknown = Reflect.get(target, prop, receiver);
      if (!method || typeof value !== 'function') return value;
      return (handler: Handler) =>
        (value as (h: (p: unknown) => unknown) => unknown).call(target, (p: unknown) => {
          const why = invalidParams(method, p);
          if (why === undefined) return handler(p as never);
          log.warn(`Kernel MM Lens: ignored ${method} with invalid params (-32602): ${why}`);
          return undefined;
        });
    },
  });
}
