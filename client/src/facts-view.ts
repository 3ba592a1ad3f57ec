/**
 * "Show facts for this file" as a read-only document, one per file (`mmlens-facts:` URIs, a
 * TextDocumentContentProvider), opened at its top; a new run replaces its text. Every location in it is a link
 * (DocumentLinkProvider over common/facts-links.ts) that opens the patch, or the tree file, at that line.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { RequestType, ResponseError, State, type LanguageClient } from 'vscode-languageclient/node';
import { factsLinks } from '../../common/facts-links';
import { COMMAND_SHOW_FACTS, FACTS_METHOD, factsText, isAnalysedLanguage, type FactsParams } from '../../common/protocol';

export const FACTS_SCHEME = 'mmlens-facts';

const FactsRequest = new RequestType<FactsParams, unknown, void>(FACTS_METHOD);

/** `mmlens-facts:/<relative path> (facts)?<source uri>`: the tab reads "<file> (facts)". */
export function factsUriFor(source: vscode.Uri): vscode.Uri {
  const rel = vscode.workspace.asRelativePath(source, false);
  return vscode.Uri.from({ scheme: FACTS_SCHEME, path: `/${rel} (facts)`, query: source.toString() });
}

function sourceOf(factsUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.parse(factsUri.query, true);
}

/** file URI whose fragment `L<n>` VS Code's opener turns into the selection of line n. */
function atLine(uri: vscode.Uri, line0: number): vscode.Uri {
  return uri.with({ fragment: `L${line0 + 1}` });
}

class FactsDocuments implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? `Kernel MM Lens: no facts yet for ${sourceOf(uri).fsPath}; run "Kernel MM Lens: Show facts for this file".\n`;
  }

  provideDocumentLinks(document: vscode.TextDocument): vscode.DocumentLink[] {
    const source = sourceOf(document.uri);
    return factsLinks(document.getText(), existsSync).map((l) => {
      const range = new vscode.Range(l.line, l.start, l.line, l.end);
      const target = l.target.kind === 'source' ? atLine(source, l.target.line) : atLine(vscode.Uri.file(l.target.path), l.target.line);
      const link = new vscode.DocumentLink(range, target);
      const name = l.target.kind === 'source' ? basename(source.fsPath) : basename(l.target.path);
      link.tooltip = `Open ${name} at line ${l.target.line + 1}`;
      return link;
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerFactsView(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined, log: vscode.LogOutputChannel): void {
  const docs = new FactsDocuments();
  context.subscriptions.push(
    docs,
    vscode.workspace.registerTextDocumentContentProvider(FACTS_SCHEME, docs),
    vscode.languages.registerDocumentLinkProvider({ scheme: FACTS_SCHEME }, docs),
    vscode.commands.registerCommand(COMMAND_SHOW_FACTS, (uri?: vscode.Uri) => showFacts(uri, docs, getClient(), log)),
  );
}

async function showFacts(uri: vscode.Uri | undefined, docs: FactsDocuments, client: LanguageClient | undefined, log: vscode.LogOutputChannel): Promise<void> {
  const document = uri
    ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())
    : vscode.window.activeTextEditor?.document;
  const target = uri ?? document?.uri;
  if (!target) {
    void vscode.window.showInformationMessage('Kernel MM Lens: open a C, patch or mbox file first.');
    return;
  }
  if (target.scheme === FACTS_SCHEME) return showFacts(sourceOf(target), docs, client, log);
  if (document && !isAnalysedLanguage(document.languageId)) {
    void vscode.window.showInformationMessage(`Kernel MM Lens: no facts for ${document.languageId} files (C, patch/diff and mbox only).`);
    return;
  }
  if (target.scheme !== 'file') {
    void vscode.window.showInformationMessage('Kernel MM Lens: facts are available for files on disk only.');
    return;
  }
  if (!client || client.state !== State.Running) {
    void vscode.window.showWarningMessage('Kernel MM Lens: the language server is not running; see the "Kernel MM Lens" output.');
    return;
  }
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Kernel MM Lens: facts' },
      (_progress, token) => client.sendRequest(FactsRequest, { textDocument: { uri: target.toString() } }, token),
    );
    const factsUri = factsUriFor(target);
    docs.set(factsUri, factsText(result));
    const shown = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(factsUri), {
      preview: false,
      // Beside the file, so the links open into the file's group and the facts stay in view.
      viewColumn: vscode.ViewColumn.Beside,
      selection: new vscode.Range(0, 0, 0, 0),
    });
    shown.revealRange(new vscode.Range(0, 0, 0, 0), vscode.TextEditorRevealType.AtTop);
  } catch (error) {
    const message = error instanceof ResponseError ? `${error.message} (code ${error.code})` : error instanceof Error ? error.message : String(error);
    log.error(`${FACTS_METHOD} failed for ${target.toString()}: ${message}`);
    void vscode.window.showErrorMessage(`Kernel MM Lens: could not get facts: ${message}`);
  }
}
