/**
 * The status bar item of the active document's kernel era: what the server analysed it for and where that came
 * from (mmLens/documentInfo), and on click a quick pick that writes `kernelMmLens.era` for the document's workspace
 * folder. The texts and picker items are common/era-status.ts (pure, tested without an editor).
 */
import * as vscode from 'vscode';
import type { LanguageClient, StaticFeature } from 'vscode-languageclient/node';
import { COMMAND_SET_ERA, DOCUMENT_INFO_METHOD, isAnalysedLanguage, type DocumentInfoParams } from '../../common/protocol';
import { TYPE_ERA_LABEL, eraPickItems, eraStatusText, eraStatusTooltip, validateTypedEra, type EraPickItem } from '../../common/era-status';
import { SETTINGS_SECTION } from '../../common/settings';

export const ERA_STATUS_ID = 'kernelMmLens.era';

/** Opts the client in to mmLens/documentInfo (the server sends it only to clients that say so). */
const documentInfoFeature: StaticFeature = {
  fillClientCapabilities(capabilities) {
    const experimental: Record<string, unknown> = { ...(capabilities.experimental as Record<string, unknown> | undefined) };
    experimental.mmLens = { documentInfo: true };
    capabilities.experimental = experimental;
  },
  initialize() {},
  getState: () => ({ kind: 'static' }),
  clear() {},
};

export interface EraStatus {
  /** Registers the capability and the notification handler on a client that has not started yet. */
  attach(client: LanguageClient): void;
}

export function registerEraStatus(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): EraStatus {
  const infos = new Map<string, DocumentInfoParams>();
  const item = vscode.window.createStatusBarItem(ERA_STATUS_ID, vscode.StatusBarAlignment.Right, 100);
  item.name = 'Kernel MM Lens era';
  item.command = COMMAND_SET_ERA;

  const update = () => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.uri.scheme !== 'file' || !isAnalysedLanguage(doc.languageId)) {
      item.hide();
      return;
    }
    const info = infos.get(doc.uri.toString());
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    item.text = `$(versions) ${eraStatusText(info?.era)}`;
    item.tooltip = eraStatusTooltip(info?.era, folder?.name);
    item.show();
  };

  context.subscriptions.push(
    item,
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidCloseTextDocument((d) => infos.delete(d.uri.toString())),
    vscode.commands.registerCommand(COMMAND_SET_ERA, (uri?: vscode.Uri) => pickEra(uri, infos, log)),
  );
  update();

  return {
    attach(client) {
      client.registerFeature(documentInfoFeature);
      client.onNotification(DOCUMENT_INFO_METHOD, (p: DocumentInfoParams) => {
        if (typeof p?.uri !== 'string') return;
        infos.set(p.uri, p);
        if (vscode.window.activeTextEditor?.document.uri.toString() === p.uri) update();
      });
    },
  };
}

/** The quick pick; writes the choice to the folder of the document (the user settings without a folder). */
async function pickEra(uri: vscode.Uri | undefined, infos: Map<string, DocumentInfoParams>, log: vscode.LogOutputChannel): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  const folder = target ? vscode.workspace.getWorkspaceFolder(target) : undefined;
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, folder?.uri ?? target);
  const current = config.get<string>('era') ?? 'auto';
  const info = target ? infos.get(target.toString())?.era : undefined;
  const where = folder ? `the folder ${folder.name}` : 'your user settings';
  const picked = await vscode.window.showQuickPick<EraPickItem & vscode.QuickPickItem>(eraPickItems(info, current), {
    title: `Kernel MM Lens: kernel era for ${where}`,
    placeHolder: `now ${current}${info ? `; this file: ${eraStatusText(info)}` : ''}`,
  });
  if (!picked) return;
  let value = picked.value;
  if (picked.label === TYPE_ERA_LABEL) {
    value = (
      await vscode.window.showInputBox({ title: `Kernel MM Lens: kernel era for ${where}`, prompt: 'A kernel version such as 5.6, or auto', validateInput: validateTypedEra })
    )?.trim();
  }
  if (!value) return;
  const scope = folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global;
  try {
    await config.update('era', value, scope);
    log.info(`kernelMmLens.era = ${value} for ${where}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`Cannot set kernelMmLens.era for ${where}: ${message}`);
    void vscode.window.showErrorMessage(`Kernel MM Lens: cannot set the era: ${message}`);
  }
}
