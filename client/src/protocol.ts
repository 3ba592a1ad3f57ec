/**
 * Identifiers the client shares with package.json and the language server. Pure (no `vscode` import), so tests and
 * the server can load it; test/manifest checks these against the manifest.
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

export function factsText(result: unknown): string {
  if (typeof result === 'string') return result;
  if (typeof result === 'object' && result !== null && 'text' in result && typeof result.text === 'string') return result.text;
  if (result === null || result === undefined) return '(the server returned no facts for this file)';
  return JSON.stringify(result, null, 2);
}
