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
/** The era picker behind the status bar item (client/src/era-status.ts). */
export const COMMAND_SET_ERA = 'kernelMmLens.setEra';

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

/**
 * `mmLens/documentInfo` — server → client notification, sent after each analysis of an open document to clients
 * that announce `capabilities.experimental.mmLens.documentInfo: true` (other clients never see it). It says which
 * kernel era the document was analysed for and where that came from (the VS Code status bar shows it).
 */
export const DOCUMENT_INFO_METHOD = 'mmLens/documentInfo';

/** Where an era came from: `kernelMmLens.era`, a tree's Makefile, hints in the code, or the default (newest era). */
export type EraSourceKind = 'setting' | 'makefile' | 'patch-hints' | 'default';

/** The era of one document (the shape of the analysis' EraInfo). */
export interface DocumentEraInfo {
  /** The era the rules were evaluated for ("6.8"). */
  era: string;
  /** Every era the result may be for: from = to unless the era came from hints ("3.18"–"5.7"). */
  range: { from: string; to: string };
  sourceKind: EraSourceKind;
  /** Human-readable source: "Makefile VERSION/PATCHLEVEL (/path/Makefile)", "hints in the code: …", … */
  source: string;
}

export interface DocumentInfoParams {
  uri: string;
  /** The document version analysed. */
  version: number;
  /** Absent when the document was not analysed (too large, not C/patch/mbox). */
  era?: DocumentEraInfo;
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
