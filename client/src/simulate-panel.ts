/**
 * "Simulate this fault path" in VS Code: the server's code lenses carry the `mmlens.simulate` command; the
 * middleware below turns them into this panel's command, which asks the server (mmLens/simulate) and shows the
 * result in a webview: the SVG timeline per side (before/after side by side for a hunk), outcome per task, what is
 * not modelled, a form with the scenario's parameters (preset, era, seed, the fault path or GUP call per side) and a
 * re-run that sends them as `overrides` (the server validates them; an invalid one is shown above the last result),
 * and events (list items, timeline markers) that reveal their source line when clicked.
 * Strict CSP: no remote content, inline styles only for the SVG, one nonce'd script.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { RequestType, type LanguageClient, type Middleware } from 'vscode-languageclient/node';
import { SIMULATE_METHOD, type SimulateOverrides, type SimulateRequestParams, type SimulateResponse } from '../../server/src/simulate/types';
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
  /** The last answer that simulated something, shown again under the message when a re-run's parameters are invalid. */
  let shown: { params: SimulateRequestParams; response: SimulateResponse } | undefined;

  const run = async (params: SimulateRequestParams, rerun = false): Promise<void> => {
    const client = getClient();
    if (!client) {
      void vscode.window.showWarningMessage('Kernel MM Lens: the language server is not running.');
      return;
    }
    const r = await client.sendRequest(SimulateRequest, params);
    let html: (nonce: string, csp: string) => string;
    if (!r.ok && rerun && shown && shown.params.uri === params.uri && shown.params.line === params.line) {
      const previous = shown.response;
      html = (nonce, csp) => renderPanelHtml(previous, nonce, csp, { error: `Not re-run: ${r.message ?? 'nothing simulated'}` });
    } else {
      last = params;
      if (r.ok) shown = { params, response: r };
      html = (nonce, csp) => renderPanelHtml(r, nonce, csp);
    }
    if (!panel) {
      panel = vscode.window.createWebviewPanel('kernelMmLens.simulation', 'Kernel MM Lens: simulation', vscode.ViewColumn.Beside, {
        enableScripts: true,
        localResourceRoots: [],
      });
      panel.onDidDispose(() => (panel = undefined), null, context.subscriptions);
      panel.webview.onDidReceiveMessage(async (m: { type: string; preset?: string; line?: number; seed?: number; overrides?: SimulateOverrides }) => {
        try {
          if (m.type === 'rerun' && last) {
            // The form's values go to the server as they are: it checks them and says which one is wrong.
            const { uri, line } = last;
            const preset = m.preset ?? last.preset;
            await run({ uri, line, ...(preset ? { preset } : {}), ...(m.overrides !== undefined ? { overrides: m.overrides } : {}), ...(m.seed !== undefined ? { seed: m.seed } : {}) }, true);
          }
          if (m.type === 'reveal' && last && typeof m.line === 'number') {
            const uri = vscode.Uri.parse(last.uri);
            const doc = await vscode.workspace.openTextDocument(uri);
            const column = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString())?.viewColumn ?? vscode.ViewColumn.One;
            const pos = new vscode.Position(m.line, 0);
            await vscode.window.showTextDocument(doc, { viewColumn: column, selection: new vscode.Range(pos, pos) });
          }
        } catch (error) {
          void vscode.window.showErrorMessage(`Kernel MM Lens: ${error instanceof Error ? error.message : String(error)}`);
        }
      }, null, context.subscriptions);
    }
    panel.webview.html = html(randomBytes(16).toString('base64'), panel.webview.cspSource);
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
