// A small real LSP client for the tests: vscode-jsonrpc over any pair of streams (a child's stdio, in-memory pipes).
import { PassThrough } from 'node:stream';
import {
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  ClientCapabilities,
  Diagnostic,
  InitializeResult,
  PublishDiagnosticsParams,
  TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer, type MmLensServerOptions } from '../../server/src/server';

export interface LogMessage {
  type: number;
  message: string;
}

export const CLIENT_CAPABILITIES: ClientCapabilities = {
  workspace: { workspaceFolders: true, configuration: true, didChangeConfiguration: { dynamicRegistration: false } },
  textDocument: {
    synchronization: { didSave: true, dynamicRegistration: false },
    publishDiagnostics: { relatedInformation: true, versionSupport: true },
  },
};

export class TestClient {
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  readonly logs: LogMessage[] = [];
  /** Answers workspace/configuration (one value per item). */
  configuration: (section: string | undefined) => unknown = () => null;
  readonly configurationRequests: (string | undefined)[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly connection: MessageConnection) {
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.push(p);
      this.wake();
    });
    connection.onNotification('window/logMessage', (p: LogMessage) => {
      this.logs.push(p);
      this.wake();
    });
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((i) => {
        this.configurationRequests.push(i.section);
        this.wake();
        return this.configuration(i.section);
      }),
    );
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('workspace/workspaceFolders', () => null);
    connection.listen();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `check` returns a value (re-checked on every message), rejects after `timeoutMs`. */
  async waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 20000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The first publishDiagnostics for `uri` after index `from` (of this.diagnostics) matching `pred`. */
  async nextDiagnostics(
    uri: string,
    from: number,
    pred: (p: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs?: number,
  ): Promise<PublishDiagnosticsParams> {
    return this.waitFor(`diagnostics for ${uri}`, () => this.diagnostics.slice(from).find((p) => p.uri === uri && pred(p)), timeoutMs);
  }

  published(uri: string): PublishDiagnosticsParams[] {
    return this.diagnostics.filter((p) => p.uri === uri);
  }

  /** processId: the server's watchdog polls it; null in process (its interval would keep the test alive). */
  processId: number | null = process.pid;

  initialize(params: { rootUri?: string | null; workspaceFolders?: { uri: string; name: string }[] | null; initializationOptions?: unknown; capabilities?: ClientCapabilities }): Promise<InitializeResult> {
    return this.connection.sendRequest('initialize', {
      processId: this.processId,
      rootUri: params.rootUri ?? null,
      workspaceFolders: params.workspaceFolders ?? null,
      capabilities: params.capabilities ?? CLIENT_CAPABILITIES,
      ...(params.initializationOptions !== undefined ? { initializationOptions: params.initializationOptions } : {}),
    });
  }

  async initialized(): Promise<void> {
    await this.connection.sendNotification('initialized', {});
  }

  open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
  }

  save(uri: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  configure(settings: unknown): Promise<void> {
    return this.connection.sendNotification('workspace/didChangeConfiguration', { settings });
  }

  facts(uri: string): Promise<unknown> {
    return this.connection.sendRequest('mmLens/facts', { textDocument: { uri } });
  }
}

export function codesOf(p: PublishDiagnosticsParams): (string | number | undefined)[] {
  return p.diagnostics.map((d: Diagnostic) => d.code);
}

/**
 * The real server (startServer) and a TestClient in this process, joined by in-memory pipes. Never send `exit`
 * here: the library would end this process.
 */
export function inProcessServer(opts: MmLensServerOptions = {}): { client: TestClient; dispose: () => Promise<void> } {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  // Reader/writer rather than raw streams: with streams the library exits the process when they end.
  const serverConnection = createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(serverConnection, opts);
  const clientConnection = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const client = new TestClient(clientConnection);
  client.processId = null;
  return {
    client,
    dispose: async () => {
      // shutdown stops the server's pending analyses (best effort: the test may have failed before initialize). It
      // answers once the analysis worker is idle, which on a loaded machine can take seconds: disposing the
      // connections before that answer made the server's reply (and its log of the failed reply) throw "Connection
      // is disposed" after the test had ended.
      await Promise.race([clientConnection.sendRequest('shutdown').catch(() => {}), new Promise((r) => setTimeout(r, 15_000).unref())]);
      clientConnection.dispose();
      serverConnection.dispose();
      toServer.destroy();
      toClient.destroy();
    },
  };
}
