/**
 * The Kernel MM Lens language server: a thin protocol layer (bash-language-server's BashServer shape). Every LSP
 * message is bound to one private method; the work is done by the Analyzer (server/src/lsp/analyzer.ts), which is
 * testable without a connection. Transports: whatever the command line names (`--stdio`, `--node-ipc`,
 * `--socket=N`); the VS Code client uses IPC.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CancellationToken,
  ErrorCodes,
  LSPErrorCodes,
  ProposedFeatures,
  RequestType,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CodeAction,
  type CodeActionParams,
  type CodeLens,
  type CodeLensParams,
  type Connection,
  type DidChangeConfigurationParams,
  type DocumentSymbol,
  type DocumentSymbolParams,
  type ExecuteCommandParams,
  type Hover,
  type HoverParams,
  type InitializeError,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
  type TextDocumentChangeEvent,
  type WorkspaceFolder,
  type WorkspaceFoldersChangeEvent,
} from 'vscode-languageserver/node';
import { readFileSync, statSync } from 'node:fs';
import { DOCUMENT_INFO_METHOD, FACTS_METHOD, type DocumentInfoParams, type FactsParams, type FactsResult } from '../../common/protocol';
import { ERA_AUTO, SETTINGS_SECTION } from '../../common/settings';
import { Analyzer, hasOutline, lensKind, settingsFrom, uriToPath, type DiagnosticsModel, type DocumentModel } from './lsp/analyzer';
import { FIX_ALL_KIND, codeActions } from './lsp/code-actions';
import { findDocsRoot, forClient } from './lsp/findings';
import { configDiagnostics, isConfigUri } from './lsp/document-config';
import { hoverAt } from './lsp/hover';
import { stamp, TIMING } from './lsp/timing';
import { CancelledError, InProcessBackend, WorkerPool, defaultWorkerScript, type AnalysisBackend, type WorkerScript } from './lsp/worker-pool';
import type { WorkerContext } from './lsp/worker-protocol';
import { SIMULATE_METHOD, type SimulateRequestParams, type SimulateResponse } from './simulate/types';
import { validatingConnection } from './lsp/params';
import { AnalysisScheduler, DEFAULT_DEBOUNCE_MS, DEFAULT_TIME_BUDGET_MS } from './lsp/scheduler';
import { errorDetail, errorMessage, safeLogger, type AnalyzerDocument, type Logger } from './lsp/types';

export const SERVER_NAME = 'kernel-mm-lens';
export const SERVER_VERSION = '0.1.0';

export const FactsRequest = new RequestType<FactsParams, FactsResult, void>(FACTS_METHOD);
export const SimulateRequest = new RequestType<SimulateRequestParams, SimulateResponse, void>(SIMULATE_METHOD);

/** The command code lenses carry; any client runs it through workspace/executeCommand (VS Code opens a panel instead). */
export const SIMULATE_COMMAND = 'mmlens.simulate';

/** Extension of a file: URI → languageId, for facts of files that are not open. */
const LANGUAGE_BY_EXTENSION: [RegExp, string][] = [
  [/\.[ch]$/i, 'c'],
  [/\.(?:patch|diff)$/i, 'diff'],
  [/\.(?:mbox|mbx|eml)$/i, 'kernel-mbox'],
];
const MAX_UNOPENED_FACTS_FILE = 64 * 1024 * 1024;

export interface MmLensServerOptions {
  debounceMs?: number;
  timeBudgetMs?: number;
  /**
   * Where analyses run: a worker script (default: dist/analysis-worker.js beside the bundle, or the TypeScript
   * entry through tsx), `false` for this thread, or a backend (tests).
   */
  worker?: WorkerScript | false | AnalysisBackend;
  /** Budget in ms to parse and analyse one document's C for facts (command line `--budget-ms=N`; 0: none). */
  budgetMs?: number;
}

function makeBackend(opt: MmLensServerOptions['worker'], log: Logger): AnalysisBackend {
  if (opt && 'analyze' in opt) return opt;
  const script = opt === false ? undefined : (opt ?? defaultWorkerScript());
  return script ? new WorkerPool(script, log) : new InProcessBackend(log);
}

/** `--budget-ms=N` (or `--budget-ms N`) on the server's command line; undefined when absent or not a whole number. */
export function budgetFromArgv(argv: readonly string[]): number | undefined {
  const i = argv.findIndex((a) => a === '--budget-ms' || a.startsWith('--budget-ms='));
  if (i < 0) return undefined;
  const raw = argv[i]!.includes('=') ? argv[i]!.slice('--budget-ms='.length) : argv[i + 1];
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

export class MmLensServer {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly scheduler: AnalysisScheduler;
  /** Documents opened but whose first content event has not arrived yet (analysed at once, not debounced). */
  private readonly justOpened = new Set<string>();
  private readonly log: Logger;
  private readonly backend: AnalysisBackend;
  /** The last published model per document (answers code actions, hovers, symbols and lenses). */
  private readonly models = new Map<string, DiagnosticsModel | DocumentModel>();
  /** With MMLENS_TIMING=1: when each document's last change arrived. */
  private readonly changedAt = new Map<string, number>();
  private readonly docsRoot = findDocsRoot(__dirname);
  /** Bumped on each save of a .mmlens.json (open documents are re-analysed under it). */
  private configStamp = 0;

  private constructor(
    private readonly connection: Connection,
    private readonly analyzer: Analyzer,
    private readonly clientCapabilities: InitializeParams['capabilities'],
    private readonly settingsFromInitialization: boolean,
    opts: MmLensServerOptions,
  ) {
    this.log = safeLogger(connection.console);
    this.scheduler = new AnalysisScheduler((uri) => this.analyzeAndPublish(uri), {
      debounceMs: opts.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      timeBudgetMs: opts.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS,
      log: this.log,
    });
    this.backend = makeBackend(opts.worker, this.log);
  }

  /** Builds the server from the initialize request: settings from initializationOptions, roots from the workspace folders. */
  static initialize(connection: Connection, params: InitializeParams, opts: MmLensServerOptions = {}): MmLensServer {
    const log = safeLogger(connection.console);
    const init: unknown = params.initializationOptions;
    const hasSettings = typeof init === 'object' && init !== null && Object.keys(init).length > 0;
    const analyzer = new Analyzer({
      settings: settingsFrom(hasSettings ? init : undefined, log),
      workspaceRoots: rootsOf(params.workspaceFolders ?? undefined, params.rootUri ?? undefined),
      log,
      ...(opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : {}),
    });
    return new MmLensServer(connection, analyzer, params.capabilities, hasSettings, opts);
  }

  capabilities(): ServerCapabilities {
    return {
      textDocumentSync: {
        openClose: true,
        change: TextDocumentSyncKind.Incremental,
        save: { includeText: false },
      },
      codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.rewrite', FIX_ALL_KIND] },
      hoverProvider: true,
      documentSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
      executeCommandProvider: { commands: [SIMULATE_COMMAND] },
      workspace: {
        workspaceFolders: { supported: true, changeNotifications: true },
      },
      experimental: { mmLens: { factsRequest: FACTS_METHOD, simulateRequest: SIMULATE_METHOD, documentInfoNotification: DOCUMENT_INFO_METHOD } },
    };
  }

  register(connection: Connection): void {
    this.documents.onDidOpen((e) => this.onDidOpen(e));
    this.documents.onDidChangeContent((e) => this.onDidChangeContent(e));
    this.documents.onDidSave((e) => this.onDidSave(e));
    this.documents.onDidClose((e) => this.onDidClose(e));
    this.documents.listen(validatingConnection(connection, this.log));
    connection.onInitialized(() => this.onInitialized());
    connection.onDidChangeConfiguration((p) => this.onDidChangeConfiguration(p));
    connection.onRequest(FactsRequest, (p, token) => this.onFacts(p, token));
    connection.onRequest(SimulateRequest, (p) => this.onSimulate(p));
    connection.onCodeAction((p) => this.onCodeAction(p));
    connection.onHover((p) => this.onHover(p));
    connection.onDocumentSymbol((p) => this.onDocumentSymbol(p));
    connection.onCodeLens((p) => this.onCodeLens(p));
    connection.onExecuteCommand((p) => this.onExecuteCommand(p));
    connection.onShutdown(() => this.onShutdown());
  }

  /** The analyzer (for tests and embedding). */
  getAnalyzer(): Analyzer {
    return this.analyzer;
  }

  // ── handlers ─────────────────────────────────────────────────────────────────────────────────────────────────

  private onInitialized(): void {
    const workspace = this.clientCapabilities.workspace;
    if (workspace?.workspaceFolders) {
      try {
        this.connection.workspace.onDidChangeWorkspaceFolders((e) => this.onDidChangeWorkspaceFolders(e));
      } catch (error) {
        this.log.warn(`Kernel MM Lens: no workspace folder change events: ${errorMessage(error)}`);
      }
    }
    if (!this.settingsFromInitialization) void this.pullSettings();
    this.log.info(this.startLine());
  }

  /** "Kernel MM Lens server 0.1.0, era auto (per document: …), tree /path" — the first line of the log. */
  startLine(): string {
    const settings = this.analyzer.getSettings();
    const era = settings.era === ERA_AUTO ? 'auto (per document: Makefile, hints in the code, or the newest era)' : `${settings.era} (kernelMmLens.era)`;
    const tree = this.analyzer.kernelTree(undefined);
    const treeText = tree ? tree : 'none (patches outside a tree are rebuilt from their hunks)';
    return `Kernel MM Lens server ${SERVER_VERSION}, era ${era}, tree ${treeText}`;
  }

  private onDidOpen(e: TextDocumentChangeEvent<TextDocument>): void {
    this.justOpened.add(e.document.uri);
  }

  private onDidChangeContent(e: TextDocumentChangeEvent<TextDocument>): void {
    if (TIMING) this.changedAt.set(e.document.uri, stamp());
    const uri = e.document.uri;
    if (isConfigUri(uri)) {
      this.justOpened.delete(uri);
      this.publishConfigDiagnostics(e.document);
      return;
    }
    this.analyzer.update(toAnalyzerDocument(e.document));
    if (this.justOpened.delete(uri)) this.scheduler.schedule(uri, 0);
    else if (this.analyzer.getSettings().run === 'onType') this.scheduler.schedule(uri);
  }

  private onDidSave(e: TextDocumentChangeEvent<TextDocument>): void {
    if (isConfigUri(e.document.uri)) {
      this.configStamp++;
      this.reanalyzeAll();
      return;
    }
    if (this.analyzer.getSettings().run === 'onSave') this.scheduler.schedule(e.document.uri, 0);
  }

  private onDidClose(e: TextDocumentChangeEvent<TextDocument>): void {
    const uri = e.document.uri;
    this.scheduler.cancel(uri);
    this.justOpened.delete(uri);
    this.changedAt.delete(uri);
    this.analyzer.forget(uri);
    this.models.delete(uri);
    this.backend.forget(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => {});
  }

  private onDidChangeConfiguration(p: DidChangeConfigurationParams): void {
    const settings: unknown = p.settings;
    if (typeof settings === 'object' && settings !== null && SETTINGS_SECTION in settings) {
      this.applySettings(settings);
    } else {
      // Pull-model clients (neovim, Helix…) send an empty notification: ask for the section.
      void this.pullSettings();
    }
  }

  private onDidChangeWorkspaceFolders(e: WorkspaceFoldersChangeEvent): void {
    const removed = new Set(rootsOf(e.removed));
    const roots = this.analyzer.getWorkspaceRoots().filter((r) => !removed.has(r));
    for (const r of rootsOf(e.added)) if (!roots.includes(r)) roots.push(r);
    this.analyzer.setWorkspaceRoots(roots);
    this.reanalyzeAll();
  }

  private onFacts(p: FactsParams, token: CancellationToken): FactsResult | ResponseError<void> {
    const uri = p?.textDocument?.uri;
    if (typeof uri !== 'string') return new ResponseError(ErrorCodes.InvalidParams, `${FACTS_METHOD}: textDocument.uri is missing`);
    if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    const open = this.documents.get(uri);
    const doc = open ? toAnalyzerDocument(open) : this.unopenedDocument(uri);
    if (!doc) return { text: `${uri}: not open and not readable from disk; no facts.\n` };
    try {
      this.analyzer.update(doc);
      return { text: this.analyzer.factsText(uri) };
    } catch (error) {
      this.log.error(`Kernel MM Lens: ${FACTS_METHOD} failed for ${uri}: ${errorDetail(error)}`);
      return new ResponseError(ErrorCodes.InternalError, `facts failed: ${errorMessage(error)}`);
    } finally {
      if (!open) this.analyzer.forget(uri);
    }
  }

  /** Answered once no analysis runs (the exit that follows must not stop a worker inside tree-sitter). */
  private async onShutdown(): Promise<void> {
    this.scheduler.dispose();
    await this.backend.dispose();
  }

  /** The model of the open document's current version, analysing it now when the published one is older. */
  private async currentModel(uri: string): Promise<DiagnosticsModel | undefined> {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    const m = this.models.get(uri);
    if (m && m.version === document.version) return m;
    try {
      return await this.backend.analyze(toAnalyzerDocument(document), this.workerContext());
    } catch {
      return m;
    }
  }

  /**
   * The current version's model with its outline (symbols, lenses, GUP sites), which the published model does not
   * carry: asked for from the worker (which has the analysis cached) once per version, kept until the next one.
   */
  private async currentOutlined(uri: string): Promise<DocumentModel | undefined> {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    const m = this.models.get(uri);
    if (m && m.version === document.version && hasOutline(m)) return m;
    try {
      const full = await this.backend.model(toAnalyzerDocument(document), this.workerContext());
      const now = this.models.get(uri);
      if (this.documents.get(uri)?.version === full.version && (!now || now.version <= full.version)) this.models.set(uri, full);
      return full;
    } catch {
      return m && hasOutline(m) ? m : undefined;
    }
  }

  private async onCodeAction(p: CodeActionParams): Promise<CodeAction[]> {
    const m = await this.currentModel(p.textDocument.uri);
    if (!m) return [];
    const documentChanges = this.clientCapabilities.workspace?.workspaceEdit?.documentChanges === true;
    return codeActions({
      uri: m.uri,
      version: m.version,
      diagnostics: m.diagnostics,
      range: p.range,
      ...(p.context.only ? { only: p.context.only } : {}),
      documentChanges,
    });
  }

  private async onHover(p: HoverParams): Promise<Hover | null> {
    const document = this.documents.get(p.textDocument.uri);
    const m = await this.currentOutlined(p.textDocument.uri);
    if (!document || !m) return null;
    return hoverAt(m, document.getText({ start: { line: p.position.line, character: 0 }, end: { line: p.position.line + 1, character: 0 } }), p.position);
  }

  private async onDocumentSymbol(p: DocumentSymbolParams): Promise<DocumentSymbol[]> {
    return (await this.currentOutlined(p.textDocument.uri))?.symbols ?? [];
  }

  private async onCodeLens(p: CodeLensParams): Promise<CodeLens[]> {
    const m = await this.currentOutlined(p.textDocument.uri);
    if (!m) return [];
    return m.lenses.map((l) => ({
      range: l.range,
      command: { title: l.title, command: SIMULATE_COMMAND, arguments: [{ uri: m.uri, line: l.line } satisfies SimulateRequestParams] },
    }));
  }

  private async onSimulate(p: SimulateRequestParams): Promise<SimulateResponse | ResponseError<void>> {
    if (typeof p?.uri !== 'string' || typeof p.line !== 'number') {
      return new ResponseError(ErrorCodes.InvalidParams, `${SIMULATE_METHOD}: uri and line are required`);
    }
    const open = this.documents.get(p.uri);
    const doc = open ? toAnalyzerDocument(open) : this.unopenedDocument(p.uri);
    if (!doc) return new ResponseError(ErrorCodes.InvalidParams, `${p.uri}: not open and not readable from disk`);
    try {
      return await this.backend.simulate(doc, this.workerContext(), p);
    } catch (error) {
      this.log.error(`Kernel MM Lens: simulation at ${p.uri}:${p.line + 1} failed: ${errorDetail(error)}`);
      return new ResponseError(ErrorCodes.InternalError, `simulation failed: ${errorMessage(error)}`);
    }
  }

  /** workspace/executeCommand of a lens: runs the simulation and tells the verdict (clients without a panel). */
  private async onExecuteCommand(p: ExecuteCommandParams): Promise<SimulateResponse | ResponseError<void>> {
    if (p.command !== SIMULATE_COMMAND) return new ResponseError(ErrorCodes.InvalidParams, `unknown command ${p.command}`);
    const arg = (p.arguments ?? [])[0] as SimulateRequestParams | undefined;
    const r = await this.onSimulate(arg ?? ({} as SimulateRequestParams));
    if (r instanceof ResponseError) return r;
    const text = r.ok
      ? r.sides.map((s) => `${s.label}: ${s.verdict}${s.extracted.notModelled.length ? ` (not modelled: ${s.extracted.notModelled.join('; ')})` : ''}`).join('\n')
      : `Kernel MM Lens: nothing simulated: ${r.message}`;
    void this.connection.window.showInformationMessage(text);
    return r;
  }

  private workerContext(): WorkerContext {
    return { settings: this.analyzer.getSettings(), roots: [...this.analyzer.getWorkspaceRoots()], docsRoot: this.docsRoot, configStamp: this.configStamp };
  }

  // ── work ─────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Analyses the current version of an open document off the main thread and publishes its diagnostics. A newer
   * version cancels the analysis (CancelledError); results of a stale version are dropped.
   */
  private async analyzeAndPublish(uri: string): Promise<void> {
    const document = this.documents.get(uri);
    if (!document) return;
    if (isConfigUri(uri)) return this.publishConfigDiagnostics(document);
    const version = document.version;
    const run = TIMING ? stamp() : 0;
    let model: DiagnosticsModel;
    try {
      model = await this.backend.analyze(toAnalyzerDocument(document), this.workerContext());
    } catch (error) {
      if (error instanceof CancelledError) return;
      throw error;
    }
    if (this.documents.get(uri)?.version !== version) return;
    // (A model of this version with its outline, asked for by a request meanwhile, is the same analysis: kept.)
    const kept = this.models.get(uri);
    if (!kept || kept.version !== version || !hasOutline(kept)) this.models.set(uri, model);
    const related = this.clientCapabilities.textDocument?.publishDiagnostics?.relatedInformation === true;
    const diagnostics = model.diagnostics.map((d) => forClient(d, related));
    void this.connection.sendDiagnostics({ uri, version, diagnostics }).catch((error: unknown) => {
      this.log.error(`Kernel MM Lens: cannot publish diagnostics for ${uri}: ${errorMessage(error)}`);
    });
    if (TIMING) {
      const hop = this.backend.timingOf?.(uri, version);
      process.stderr.write(`mmlens-timing ${JSON.stringify({ uri, version, changed: this.changedAt.get(uri), run, ...hop, published: stamp() })}\n`);
    }
    if (this.wantsDocumentInfo()) {
      const info: DocumentInfoParams = { uri, version, ...(model.eraInfo ? { era: model.eraInfo } : {}) };
      void this.connection.sendNotification(DOCUMENT_INFO_METHOD, info).catch((error: unknown) => {
        this.log.error(`Kernel MM Lens: cannot send ${DOCUMENT_INFO_METHOD} for ${uri}: ${errorMessage(error)}`);
      });
    }
  }

  /** Clients opt in to mmLens/documentInfo with `capabilities.experimental.mmLens.documentInfo: true`. */
  private wantsDocumentInfo(): boolean {
    const experimental: unknown = this.clientCapabilities.experimental;
    if (typeof experimental !== 'object' || experimental === null || !('mmLens' in experimental)) return false;
    const mmLens: unknown = experimental.mmLens;
    return typeof mmLens === 'object' && mmLens !== null && 'documentInfo' in mmLens && mmLens.documentInfo === true;
  }

  /** A .mmlens.json document: each problem at its key or value (the buffer, saved or not). */
  private publishConfigDiagnostics(document: TextDocument): void {
    const path = uriToPath(document.uri) ?? document.uri;
    void this.connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: configDiagnostics(document.getText(), path) }).catch(() => {});
  }

  private reanalyzeAll(): void {
    for (const d of this.documents.all()) this.scheduler.schedule(d.uri, 0);
  }

  /** New settings re-analyse every open document; the same settings again (a pull after initialize) change nothing. */
  private applySettings(raw: unknown): void {
    const settings = settingsFrom(raw, this.log);
    if (JSON.stringify(settings) === JSON.stringify(this.analyzer.getSettings())) return;
    this.analyzer.setSettings(settings);
    this.reanalyzeAll();
  }

  private async pullSettings(): Promise<void> {
    if (!this.clientCapabilities.workspace?.configuration) return;
    try {
      const section: unknown = await this.connection.workspace.getConfiguration(SETTINGS_SECTION);
      this.applySettings({ [SETTINGS_SECTION]: section ?? undefined });
    } catch (error) {
      this.log.warn(`Kernel MM Lens: cannot read the ${SETTINGS_SECTION} settings: ${errorMessage(error)}`);
    }
  }

  /** A file: URI that is not open: read from disk (facts on an explorer selection). */
  private unopenedDocument(uri: string): AnalyzerDocument | undefined {
    const path = uriToPath(uri);
    if (!path) return undefined;
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_UNOPENED_FACTS_FILE) return undefined;
      const languageId = LANGUAGE_BY_EXTENSION.find(([re]) => re.test(path))?.[1] ?? 'plaintext';
      if (lensKind(languageId, uri) === 'other') return undefined;
      return { uri, languageId, text: readFileSync(path, 'utf8'), version: -1 };
    } catch {
      return undefined;
    }
  }
}

function toAnalyzerDocument(d: TextDocument): AnalyzerDocument {
  return { uri: d.uri, languageId: d.languageId, text: d.getText(), version: d.version };
}

/** File system paths of workspace folders (file: URIs only), or of the legacy rootUri. */
export function rootsOf(folders: WorkspaceFolder[] | undefined, rootUri?: string): string[] {
  const uris = folders && folders.length ? folders.map((f) => f.uri) : rootUri ? [rootUri] : [];
  const out: string[] = [];
  for (const u of uris) {
    const p = uriToPath(u);
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}

/** Wires a connection to a new MmLensServer on `initialize` and starts listening (used by main() and by tests). */
export function startServer(connection: Connection, opts: MmLensServerOptions = {}): void {
  let initialized = false;
  connection.onInitialize((params): InitializeResult | ResponseError<InitializeError> => {
    // The protocol allows one initialize per session: a second one must not build a second server (it reset every
    // open document).
    if (initialized) return new ResponseError(ErrorCodes.InvalidRequest, 'initialize was already received: it may be sent only once per session', { retry: false });
    if (typeof params !== 'object' || params === null) return new ResponseError(ErrorCodes.InvalidParams, 'initialize: params is not an object', { retry: false });
    initialized = true;
    const server = MmLensServer.initialize(connection, params, opts);
    server.register(connection);
    return { capabilities: server.capabilities(), serverInfo: { name: SERVER_NAME, version: SERVER_VERSION } };
  });
  connection.listen();
}

/** Starts the server on the transport named on the command line (--stdio, --node-ipc, --socket=N). */
export function main(): void {
  const connection = createConnection(ProposedFeatures.all);
  // The last line of defence: a bug must not take the server (and every open editor's diagnostics) down.
  const log = safeLogger(connection.console);
  process.on('uncaughtException', (error) => log.error(`Kernel MM Lens: uncaught exception: ${errorDetail(error)}`));
  process.on('unhandledRejection', (reason) => log.error(`Kernel MM Lens: unhandled rejection: ${errorDetail(reason)}`));
  const budgetMs = budgetFromArgv(process.argv);
  // --debounce-ms=N: the on-type debounce (default 300 ms); bench/keystroke.ts runs with 0 to time the analysis itself.
  const flag = process.argv.find((a) => a.startsWith('--debounce-ms='));
  const debounceMs = flag === undefined ? undefined : Number(flag.slice('--debounce-ms='.length));
  const opts: MmLensServerOptions = budgetMs !== undefined ? { budgetMs } : {};
  if (debounceMs !== undefined && !(Number.isFinite(debounceMs) && debounceMs >= 0)) log.warn(`Kernel MM Lens: ignoring ${flag}: not a number of milliseconds ≥ 0`);
  else if (debounceMs !== undefined) opts.debounceMs = debounceMs;
  startServer(connection, opts);
}
