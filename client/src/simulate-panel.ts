/**
 * "Simulate this fault path" in VS Code: the server's code lenses carry the `mmlens.simulate` command; the
 * middleware below turns them into this panel's command, which asks the server (mmLens/simulate) and shows the
 * result in a webview: the SVG timeline per side (before/after side by side for a hunk), outcome per task, what is
 * not modelled, a preset picker and a re-run button, and events that reveal their source line when clicked.
 * Strict CSP: no remote content, inline styles only for the SVG, one nonce'd script.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { RequestType, type LanguageClient, type Middleware } from 'vscode-languageclient/node';
import { SIMULATE_METHOD, type SimulateRequestParams, type SimulateResponse } from '../../server/src/simulate/types';
import { renderPanelHtml } from './simulate-html';

export const COMMAND_SIMULATE_AT = 'kernelMmLens.simulateFaultPath';
const SERVER_COMMAND = 'mmlens.simulate';
const SimulateRequest = new RequestType<SimulateRequestParams, SimulateResponse, void>(SIMULATE_METHOD);

/** Code lenses from the server open the panel instead of running the server command. */
export const simulateLensMiddleware: Middleware = {
  provideCodeLenses: async (document, token, next) => {
    const lenses = (await next(document, token)) ?? [];
    for (const l of lenses) {
      if (l.command?.command === SERVER_COMMAND) l.command = { ...l.command, command: COMMAND_SIMULATE_AT };
    }
    return lenses;
  },
};

export function registerSimulatePanel(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined): void {
  let panel: vscode.WebviewPanel | undefined;
  let last: SimulateRequestParams | undefined;

  const run = async (params: SimulateRequestParams): Promise<void> => {
    const client = getClient();
    if (!client) {
      void vscode.window.showWarningMessage('Kernel MM Lens: the language server is not running.');
      return;
    }
    last = params;
    const r = await client.sendRequest(SimulateRequest, params);
    if (!panel) {
      panel = vscode.window.createWebviewPanel('kernelMmLens.simulation', 'Kernel MM Lens: simulation', vscode.ViewColumn.Beside, {
        enableScripts: true,
        localResourceRoots: [],
      });
      panel.onDidDispose(() => (panel = undefined), null, context.subscriptions);
      panel.webview.onDidReceiveMessage(async (m: { type: string; preset?: string; line?: number }) => {
        if (m.type === 'rerun' && last) await run({ ...last, ...(m.preset ? { preset: m.preset } : {}) });
        if (m.type === 'reveal' && last && typeof m.line === 'number') {
          const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(last.uri));
          const pos = new vscode.Position(m.line, 0);
          await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos) });
        }
      }, null, context.subscriptions);
    }
    panel.webview.html = renderPanelHtml(r, randomBytes(16).toString('base64'), panel.webview.cspSource);
    panel.reveal(vscode.ViewColumn.Beside, true);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(COMMAND_SIMULATE_AT, async (arg?: SimulateRequestParams) => {
      const editor = vscode.window.activeTextEditor;
      const params = arg ?? (editor ? { uri: editor.document.uri.toString(), line: editor.selection.active.line } : undefined);
      if (!params) {
        void vscode.window.showInformationMessage('Kernel MM Lens: put the cursor in a fault-retry loop or on a GUP call.');
        return;
      }
      try {
        await run(params);
      } catch (error) {
        void vscode.window.showErrorMessage(`Kernel MM Lens: simulation failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
}
