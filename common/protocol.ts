/**
 * Identifiers the client shares with package.json and the language server (one place, so the two never drift).
 * Pure (no `vscode` import), so tests, the server and the CLI can load it; test/manifest checks these against the
 * manifest.
 */

/** Languages the server analyses: C sources, .patch/.diff (VS Code's built-in `diff`), and mail series. */
export const LANGUAGE_IDS = ['c', 'diff', 'kernel-mbox'] as const;
export type AnalysedLanguage = (typeof LANGUAGE_IDS)[number];

export function isAnalysedLanguage(languageId: string): languageId is AnalysedLanguage {
  return (LANGUAGE_IDS as readonly string[]).includes(languageId);
}

export const COMMAND_SHOW_FACTS = 'kernelMmLens.showFacts';

/**
 * `mmLens/facts` — client → server request. Params follow the LSP convention of a TextDocumentIdentifier; the server
 * answers with the facts as text (a string, or `{ text }`). Anything else is shown as JSON rather than dropped.
 */
export const FACTS_METHOD = 'mmLens/facts';

export interface FactsParams {
  textDocument: { uri: string };
}

/** What the server answers to `mmLens/facts` (the client also accepts a bare string). */
export interface FactsResult {
  /** formatFacts output, or one line saying why there are no facts (too large, unsupported language…). */
  text: string;
}

/** `Diagnostic.source` of everything the server reports. */
export const DIAGNOSTIC_SOURCE = 'kernel-mm-lens';

/**
 * Diagnostic codes the server adds itself (the parse issues keep their own codes, see server/src/series/issues.ts).
 * kebab-case and stable.
 */
export const SERVER_DIAGNOSTIC_CODES = {
  /** The document is larger than `kernelMmLens.maxFileSize` and was not analysed (information). */
  notAnalysedTooLarge: 'not-analysed-too-large',
  /** The editor's text holds U+FFFD: the file was not valid UTF-8 and its bytes are not available (information). */
  replacementCharacters: 'replacement-characters',
  /** The analysis itself failed; the message carries the exception (error). */
  internalError: 'internal-error',
} as const;

export function factsText(result: unknown): string {
  if (typeof result === 'string') return result;
  if (typeof result === 'object' && result !== null && 'text' in result && typeof result.text === 'string') return result.text;
  if (result === null || result === undefined) return '(the server returned no facts for this file)';
  return JSON.stringify(result, null, 2);
}
