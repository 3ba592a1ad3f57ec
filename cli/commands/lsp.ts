/**
 * mmlens lsp --stdio — the language server for any LSP client. The transport argument stays on the command line
 * (vscode-languageserver reads it from process.argv); the returned promise never resolves while the server runs:
 * the connection ends the process on `exit`.
 */
import { CliError, type Io } from '../io';
import { main as startLanguageServer } from '../../server/src/server';

const TRANSPORTS = /^--(?:stdio|node-ipc|socket=\d+|pipe=.+)$/;

export function runLspCommand(argv: string[], _io: Io): Promise<number> {
  if (!argv.some((a) => TRANSPORTS.test(a))) {
    throw new CliError('mmlens lsp: name the transport: --stdio (editors), --node-ipc, or --socket=PORT');
  }
  startLanguageServer();
  return new Promise<number>(() => {});
}
