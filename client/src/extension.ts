/**
 * The VS Code side of Kernel MM Lens: a thin client (lsp-sample style) that starts the bundled language server
 * (dist/server.js) over IPC for C, diff/patch and mbox files, forwards the `kernelMmLens` settings, and adds one
 * command. Highlighting is pure TextMate (syntaxes/) and works even when the server is missing or failing.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  LanguageClient,
  RequestType,
  ResponseError,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { SETTINGS_SECTION, resolveSettings, type MmLensSettings } from '../../common/settings';
import { COMMAND_SHOW_FACTS, FACTS_METHOD, LANGUAGE_IDS, factsText, isAnalysedLanguage, type FactsParams } from '../../common/protocol';

import { registerSimulatePanel, simulateLensMiddleware } from './simulate-panel';

const FactsRequest = new RequestType<FactsParams, unknown, void>(FACTS_METHOD);

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Kernel MM Lens', { log: true });
  const facts = vscode.window.createOutputChannel('Kernel MM Lens: Facts');
  context.subscriptions.push(log, facts);

  context.subscriptions.push(
    vscode.commands.registerCommand(COMMAND_SHOW_FACTS, (uri?: vscode.Uri) => showFacts(uri, facts, log)),
  );
  registerSimulatePanel(context, () => client);

  const serverModule = context.asAbsolutePath('dist/server.js');
  if (!existsSync(serverModule)) {
    log.warn(`Language server not found at ${serverModule}; syntax highlighting only.`);
    return;
  }

  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // .mmlens.json too: the server reports its problems at the offending key.
    documentSelector: [...LANGUAGE_IDS.map((language) => ({ scheme: 'file', language })), { scheme: 'file', pattern: '**/.mmlens.json' }],
    synchronize: { configurationSection: SETTINGS_SECTION },
    initializationOptions: currentSettings(log),
    outputChannel: log,
    middleware: simulateLensMiddleware,
    initializationFailedHandler: (error) => {
      log.error(`Language server failed to initialize: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage('Kernel MM Lens: the language server failed to start; see the "Kernel MM Lens" output.');
      return false;
    },
  };

  client = new LanguageClient('kernelMmLens', 'Kernel MM Lens', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    // The default error handler already stops restarting after repeated crashes; keep the extension alive.
    log.error(`Language server did not start: ${errorMessage(error)}`);
  }
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}

/** Reads the section the way the server will receive it, reporting bad values in the output channel. */
function currentSettings(log: vscode.LogOutputChannel): MmLensSettings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const raw = {
    era: c.get('era'),
    run: c.get('run'),
    maxFileSize: c.get('maxFileSize'),
    trace: { server: c.get('trace.server') },
    rules: c.get('rules'),
    showPreExisting: c.get('showPreExisting'),
    kernelTree: c.get('kernelTree'),
  };
  return resolveSettings(raw, (problem) => log.warn(`Settings: ${problem}`));
}

async function showFacts(uri: vscode.Uri | undefined, facts: vscode.OutputChannel, log: vscode.LogOutputChannel): Promise<void> {
  const document = uri
    ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())
    : vscode.window.activeTextEditor?.document;
  const target = uri ?? document?.uri;
  if (!target) {
    void vscode.window.showInformationMessage('Kernel MM Lens: open a C, patch or mbox file first.');
    return;
  }
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
  const running = client;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Kernel MM Lens: facts' },
      (_progress, token) => running.sendRequest(FactsRequest, { textDocument: { uri: target.toString() } }, token),
    );
    facts.appendLine(`── ${vscode.workspace.asRelativePath(target)} ──`);
    facts.appendLine(factsText(result));
    facts.appendLine('');
    facts.show(true);
  } catch (error) {
    const message = error instanceof ResponseError ? `${error.message} (code ${error.code})` : errorMessage(error);
    log.error(`${FACTS_METHOD} failed for ${target.toString()}: ${message}`);
    void vscode.window.showErrorMessage(`Kernel MM Lens: could not get facts: ${message}`);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
