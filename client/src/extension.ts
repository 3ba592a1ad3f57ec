/**
 * The VS Code side of Kernel MM Lens: a thin client (lsp-sample style) that starts the bundled language server
 * (dist/server.js) over IPC for C, diff/patch and mbox files, forwards the `kernelMmLens` settings, and registers a
 * few commands (client/src/facts-view.ts, era-status.ts, simulate-panel.ts). Highlighting is pure TextMate (syntaxes/) and works even when the server is missing or failing.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { SETTINGS_SECTION, resolveSettings, type MmLensSettings } from '../../common/settings';
import { LANGUAGE_IDS } from '../../common/protocol';

import { registerSimulatePanel, simulateLensMiddleware } from './simulate-panel';
import { registerEraStatus } from './era-status';
import { registerFactsView } from './facts-view';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Kernel MM Lens', { log: true });
  context.subscriptions.push(log);

  registerFactsView(context, () => client, log);
  const eraStatus = registerEraStatus(context, log);
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
  eraStatus.attach(client);
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
