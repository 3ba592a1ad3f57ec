/**
 * The Analyzer owns the per-document cache (uri → version, text, parsed PatchDocument, diagnostics, facts, era) and
 * answers pure queries on it. It knows nothing about the connection: the protocol layer (server.ts) feeds it
 * documents, settings and workspace roots and publishes what it returns. Every entry point survives every input:
 * internal failures become one error diagnostic and a log line, never an exception out of analyze().
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic, DocumentSymbol } from 'vscode-languageserver';
import { isAnalysedLanguage, type DocumentEraInfo } from '../../../common/protocol';
import { ERA_AUTO, SETTINGS_SECTION, resolveSettings, type MmLensSettings } from '../../../common/settings';
import { parseMakefileVersion, resolveEra, type EraResolution } from '../era/detect';
import { factsForCFile, factsForPatchDocument, type FactsOptions } from '../facts/compute';
import { formatFacts } from '../facts/format';
import { parsePatchDocument } from '../series';
import type { ParseOptions, PatchDocument } from '../series/types';
import {
  internalErrorDiagnostic,
  issueDiagnostic,
  replacementCharactersDiagnostic,
  tooLargeDiagnostic,
} from './diagnostics';
import { PositionMapper } from './positions';
import { matchFile } from '../config/baseline';
import { DocumentConfigs, configProblemDiagnostic, type DocumentConfig } from './document-config';
import type { Finding } from '../rules/types';
import { IncrementalCCheck } from '../rules/check-c';
import type { Rule } from '../rules/types';
import type { CFileFacts, PatchDocumentFacts } from '../facts/types';
import { cFindingDiagnostics, disabledRules, patchFindingDiagnostics, type DiagnosticContext } from './findings';
import { patchLenses, patchSymbols, type LensAnchor } from './outline';
import { cOutline, type GupSite } from './c-outline';
import { defaultPatchChecker, type PatchChecker } from './patch-check';
import { gitBaseFor, type GitBase } from './git-base';
import { errorDetail, errorMessage, silentLogger, type AnalyzerDocument, type LensKind, type Logger } from './types';

export type { AnalyzerDocument, LensKind, Logger } from './types';

export interface AnalyzerOptions {
  settings?: MmLensSettings;
  /** Workspace folders as file system paths (era roots, kernel tree for patches). */
  workspaceRoots?: string[];
  log?: Logger;
  /** Bytes of a file on disk (used to re-decode a non-UTF-8 patch the editor filled with U+FFFD); undefined when absent. */
  readFileBytes?: (path: string) => Uint8Array | undefined;
  /** Text of a small file on disk (workspace Makefiles); undefined when absent. */
  readFileText?: (path: string) => string | undefined;
  /** The patch parser (a seam for tests; defaults to parsePatchDocument). */
  parsePatch?: (input: string | Uint8Array, opts: ParseOptions) => PatchDocument;
  /** Time budget in ms to parse and analyse one document's C (facts); default DEFAULT_BUDGET_MS, 0 for none. */
  budgetMs?: number;
  /** The rules run (default: the registry); tests inject their own. */
  rules?: readonly Rule[];
  /** Findings of a patch document (default: server/src/rules/check-patch.ts). */
  checkPatch?: PatchChecker;
  /** docs/rules of the installed extension (codeDescription links); undefined: public URLs. */
  docsRoot?: string;
}

export type { GupSite } from './c-outline';

/**
 * Everything the protocol layer answers from, for one version of one document: plain JSON (it crosses the worker
 * boundary).
 */
/** What a document's outline is made of. */
export type Outline = Pick<DocumentModel, 'symbols' | 'lenses' | 'gupSites'>;
export const OUTLINE_KEYS = ['symbols', 'lenses', 'gupSites'] as const;

/** A model without its outline: what publishing diagnostics needs (the worker sends no more per keystroke). */
export type DiagnosticsModel = Omit<DocumentModel, keyof Outline>;

/** The model carries its outline (it was asked for with it). */
export function hasOutline(m: DiagnosticsModel | DocumentModel): m is DocumentModel {
  return 'symbols' in m;
}

export interface DocumentModel {
  uri: string;
  version: number;
  kind: LensKind;
  diagnostics: Diagnostic[];
  symbols: DocumentSymbol[];
  lenses: LensAnchor[];
  gupSites: GupSite[];
  /** The era the document was analysed for ("6.8"); undefined when not analysed. */
  era?: string;
  /** The era with its range and where it came from (mmLens/documentInfo); undefined when not analysed. */
  eraInfo?: DocumentEraInfo;
}

interface CacheEntry {
  doc: AnalyzerDocument;
  kind: LensKind;
  /** File system path for file: URIs. */
  path: string | undefined;
  byteLength: number;
  /** Settings generation the derived data below was computed for. */
  generation: number;
  patch?: PatchDocument;
  /** The patch was parsed from the bytes on disk (charset-aware) rather than from the editor's text. */
  parsedFromBytes?: boolean;
  diagnostics?: Diagnostic[];
  model?: DocumentModel;
  facts?: string;
  era?: EraResolution;
  /** Patches in a git checkout: the base-commit's tree, or why the work tree (git-base.ts). */
  gitBase?: GitBase | null;
  /** C files: the tree and per-function facts and findings of the previous version (carried to the next one). */
  cCheck?: IncrementalCCheck;
}

const PATCH_EXTENSIONS = /\.(?:patch|diff|mbox|mbx|eml)$/i;
const C_EXTENSIONS = /\.[ch]$/i;
const MAX_DISK_READ = 64 * 1024 * 1024;

/** Patch languageIds of other editors (neovim calls a git format-patch file 'gitsendemail'). */
const FOREIGN_PATCH_LANGUAGES = new Set(['gitsendemail', 'patch']);

/** What a document is analysed as: its languageId first, its file name for other languages. */
export function lensKind(languageId: string, uri: string): LensKind {
  if (isAnalysedLanguage(languageId)) return languageId === 'c' ? 'c' : 'patch';
  if (FOREIGN_PATCH_LANGUAGES.has(languageId)) return 'patch';
  const name = uri.replace(/[?#].*$/, '');
  if (PATCH_EXTENSIONS.test(name)) return 'patch';
  if (C_EXTENSIONS.test(name)) return 'c';
  return 'other';
}

/** File system path of a file: URI, undefined for other schemes or malformed URIs. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function defaultReadFileBytes(path: string): Uint8Array | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > MAX_DISK_READ) return undefined;
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function defaultReadFileText(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return readFileSync(path, 'utf8').slice(0, 64 * 1024);
  } catch {
    return undefined;
  }
}

function isInside(path: string, root: string): boolean {
  const r = resolve(root);
  const p = resolve(path);
  return p === r || p.startsWith(r.endsWith(sep) ? r : r + sep);
}

export class Analyzer {
  private readonly cache = new Map<string, CacheEntry>();
  private settings: MmLensSettings;
  private roots: string[];
  private generation = 0;
  private readonly log: Logger;
  private readonly readFileBytes: (path: string) => Uint8Array | undefined;
  private readonly readFileText: (path: string) => string | undefined;
  private readonly parsePatch: (input: string | Uint8Array, opts: ParseOptions) => PatchDocument;
  private readonly rules: readonly Rule[] | undefined;
  private readonly checkPatch: PatchChecker;
  private readonly docsRoot: string | undefined;
  private readonly budgetMs: number | undefined;
  private readonly configs = new DocumentConfigs();

  constructor(opts: AnalyzerOptions = {}) {
    this.budgetMs = opts.budgetMs;
    this.settings = opts.settings ?? resolveSettings(undefined);
    this.roots = [...(opts.workspaceRoots ?? [])];
    this.log = opts.log ?? silentLogger;
    this.readFileBytes = opts.readFileBytes ?? defaultReadFileBytes;
    this.readFileText = opts.readFileText ?? defaultReadFileText;
    this.parsePatch = opts.parsePatch ?? parsePatchDocument;
    this.rules = opts.rules;
    this.checkPatch = opts.checkPatch ?? defaultPatchChecker;
    this.docsRoot = opts.docsRoot;
  }

  getSettings(): MmLensSettings {
    return this.settings;
  }

  /** New settings invalidate every cached result (the next analyze() recomputes). */
  setSettings(settings: MmLensSettings): void {
    this.settings = settings;
    this.generation++;
  }

  getWorkspaceRoots(): readonly string[] {
    return this.roots;
  }

  setWorkspaceRoots(roots: string[]): void {
    this.roots = [...roots];
    this.generation++;
  }

  /** Records the current text of a document without analysing it (cheap; cached results of the same version stay). */
  update(doc: AnalyzerDocument): void {
    this.entry(doc);
  }

  /** Drops a closed document. */
  forget(uri: string): void {
    this.cache.delete(uri);
  }

  /** Version of the cached text, undefined when the document is unknown. */
  versionOf(uri: string): number | undefined {
    return this.cache.get(uri)?.doc.version;
  }

  /** URIs of every cached document. */
  uris(): string[] {
    return [...this.cache.keys()];
  }

  /** The parsed patch document of the cached version (undefined for C files, unparsed or oversized documents). */
  patchDocument(uri: string): PatchDocument | undefined {
    const e = this.cache.get(uri);
    return e && e.generation === this.generation ? e.patch : undefined;
  }

  /**
   * Diagnostics of a document (cached per version and settings). Never throws: an internal failure is logged and
   * reported as one `internal-error` diagnostic.
   */
  analyze(doc: AnalyzerDocument): Diagnostic[] {
    return this.model(doc).diagnostics;
  }

  /**
   * Diagnostics, outline, lens anchors and GUP sites of a document (cached per version and settings). Never throws:
   * an internal failure is logged and reported as one `internal-error` diagnostic.
   */
  model(doc: AnalyzerDocument): DocumentModel {
    let e: CacheEntry | undefined;
    try {
      e = this.entry(doc);
      if (e.model) return e.model;
      e.model = this.build(e);
      e.diagnostics = e.model.diagnostics;
      return e.model;
    } catch (error) {
      this.log.error(`Analysis of ${doc.uri} (version ${doc.version}) failed: ${errorDetail(error)}`);
      const diagnostics = [internalErrorDiagnostic(errorMessage(error))];
      const model: DocumentModel = { uri: doc.uri, version: doc.version, kind: e?.kind ?? 'other', diagnostics, symbols: [], lenses: [], gupSites: [] };
      if (e) {
        e.model = model;
        e.diagnostics = diagnostics;
      }
      return model;
    }
  }

  /** What the cached document is analysed as (undefined when unknown). */
  kindOf(uri: string): LensKind | undefined {
    return this.cache.get(uri)?.kind;
  }

  /** Facts of a cached C document (undefined for other kinds or oversized documents). */
  cFileFacts(uri: string): CFileFacts | undefined {
    const e = this.cache.get(uri);
    if (!e || e.kind !== 'c' || this.tooLarge(e)) return undefined;
    return this.cFacts(e);
  }

  /** Facts of a cached patch document (undefined for other kinds or oversized documents). */
  patchDocumentFacts(uri: string): PatchDocumentFacts | undefined {
    const e = this.cache.get(uri);
    if (!e || e.kind !== 'patch' || this.tooLarge(e)) return undefined;
    this.refresh(e);
    this.parsed(e);
    return this.patchFacts(e);
  }

  /**
   * The facts of the cached version of a document as text (formatFacts), or one line saying why there are none.
   * Throws when the computation itself fails (the server turns that into a request error).
   */
  factsText(uri: string): string {
    const e = this.cache.get(uri);
    if (!e) return `${uri}: not open in the editor; no facts.\n`;
    this.refresh(e);
    if (e.facts !== undefined) return e.facts;
    const name = e.path ?? uri;
    if (e.kind === 'other') {
      e.facts = `${name}: facts are computed for C, patch/diff and mbox files only (languageId ${e.doc.languageId}).\n`;
    } else if (this.tooLarge(e)) {
      e.facts =
        `${name}: not analysed: ${e.byteLength} bytes, over the ${this.settings.maxFileSize}-byte limit ` +
        `(${SETTINGS_SECTION}.maxFileSize).\n`;
    } else {
      const text = formatFacts(e.kind === 'c' ? this.cFacts(e) : this.patchFacts(e));
      // Documents without a file show their URI, not the virtual path their facts were computed under.
      e.facts = e.path ? text : text.split(this.factsPath(e, this.kernelTree(undefined))).join(e.doc.uri);
    }
    return e.facts;
  }

  /** The kernel era the document is analysed for (setting, Makefile above the file or in a workspace root, hints, default). */
  era(uri: string): EraResolution | undefined {
    const e = this.cache.get(uri);
    if (!e) return undefined;
    this.refresh(e);
    if (!e.era) {
      const setting = this.explicitEra();
      e.era = resolveEra({
        ...(setting ? { setting } : {}),
        ...(e.path ? { filePath: e.path } : {}),
        workspaceRoots: this.roots,
        text: e.doc.text,
      });
    }
    return e.era;
  }

  /**
   * The kernel tree facts read patched files from: the innermost workspace root holding `path` when it is a kernel
   * tree (top-level Makefile with VERSION/PATCHLEVEL), else the first other root that is one (a patch saved outside
   * the tree under review), else undefined.
   */
  kernelTree(path: string | undefined): string | undefined {
    if (this.settings.kernelTree) return resolve(this.settings.kernelTree);
    const holding = path ? this.roots.filter((r) => isInside(path, r)).sort((a, b) => b.length - a.length) : [];
    const candidates = [...holding, ...this.roots.filter((r) => !holding.includes(r))];
    for (const root of candidates) {
      const makefile = this.readFileText(join(root, 'Makefile'));
      if (makefile !== undefined && parseMakefileVersion(makefile)) return resolve(root);
    }
    return undefined;
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────────────────

  private entry(doc: AnalyzerDocument): CacheEntry {
    const old = this.cache.get(doc.uri);
    if (old && old.doc.version === doc.version && old.doc.text === doc.text && old.doc.languageId === doc.languageId) {
      this.refresh(old);
      return old;
    }
    const e: CacheEntry = {
      doc: { uri: doc.uri, languageId: doc.languageId, text: doc.text, version: doc.version },
      kind: lensKind(doc.languageId, doc.uri),
      path: uriToPath(doc.uri),
      byteLength: Buffer.byteLength(doc.text, 'utf8'),
      generation: this.generation,
    };
    if (old?.cCheck && e.kind === 'c') e.cCheck = old.cCheck;
    this.cache.set(doc.uri, e);
    return e;
  }

  /** Drops derived data computed under older settings or roots. */
  private refresh(e: CacheEntry): void {
    if (e.generation === this.generation) return;
    e.generation = this.generation;
    e.diagnostics = undefined;
    e.model = undefined;
    e.facts = undefined;
    e.era = undefined;
    e.patch = undefined;
    e.parsedFromBytes = undefined;
    e.gitBase = undefined;
  }

  private tooLarge(e: CacheEntry): boolean {
    return e.byteLength > this.settings.maxFileSize;
  }

  private explicitEra(): string | undefined {
    return this.settings.era === ERA_AUTO ? undefined : this.settings.era;
  }

  private build(e: CacheEntry): DocumentModel {
    const model: DocumentModel = { uri: e.doc.uri, version: e.doc.version, kind: e.kind, diagnostics: [], symbols: [], lenses: [], gupSites: [] };
    if (e.kind === 'other') return model;
    if (this.tooLarge(e)) {
      model.diagnostics = [tooLargeDiagnostic(e.byteLength, this.settings.maxFileSize, new PositionMapper(e.doc.text).firstLine())];
      return model;
    }
    // .mmlens.json above the file (editor settings win over it) and its baseline.
    const conf: DocumentConfig | undefined = e.path ? this.configs.forPath(e.path, this.settings) : undefined;
    const eff = conf?.effective;
    const ctx: DiagnosticContext = {
      uri: e.doc.uri,
      settings: this.settings,
      docsRoot: this.docsRoot,
      ...(eff ? { level: (rule: string, fn: string) => (eff.skipped ? 'off' : eff.levelOf(rule, fn).value) } : {}),
    };
    const selection = eff ? (eff.skipped ? { only: [] } : eff.selection) : { disable: disabledRules(this.settings) };
    const confDiagnostics = conf?.problems.length ? [configProblemDiagnostic(conf.problems)] : [];
    const baselined = (findings: (Finding & { status?: string; file?: string })[]): Set<Finding> => {
      if (!conf?.baseline) return new Set();
      const candidates = findings.filter((f) => f.status !== 'fixed');
      const m = matchFile(candidates, conf.baseline, (f) => f.file);
      return new Set(candidates.filter((_f, k) => m.baselined[k]));
    };
    const ruleOpts = this.rules ? { rules: this.rules } : {};
    if (e.kind === 'c') {
      const tree = e.path ? undefined : this.kernelTree(undefined);
      const era = eff ? eff.era.value : this.explicitEra();
      e.cCheck ??= new IncrementalCCheck();
      const check = e.cCheck.check(e.doc.text, this.factsPath(e, tree), { ...(era ? { era } : {}), selection, ...ruleOpts });
      for (const ie of check.internalErrors) this.log.error(`Rule ${ie.rule} failed on ${ie.function} in ${e.doc.uri}: ${ie.message}`);
      model.era = check.facts.era.era;
      model.eraInfo = check.facts.era;
      model.diagnostics = [...confDiagnostics, ...cFindingDiagnostics({ ...ctx, baselined: baselined(check.findings) }, check.findings)];
      const cCheck = e.cCheck;
      this.lazyOutline(model, () => cOutline(check.facts.facts, (fn) => cCheck.facts.originOf(fn)));
      return model;
    }
    const doc = this.parsed(e);
    // (Not built for C files: its line index and lone-CR scan were 3% of a keystroke in a 5,000-line file.)
    const positions = new PositionMapper(e.doc.text);
    const out = doc.issues.map((issue) => issueDiagnostic(issue, positions));
    const fffd = e.parsedFromBytes ? -1 : e.doc.text.indexOf('\uFFFD');
    if (fffd >= 0) {
      const at = positions.positionAt(fffd);
      out.push(replacementCharactersDiagnostic({ start: at, end: { line: at.line, character: at.character + 1 } }));
    }
    const tree = eff?.kernelTree.value ? resolve(eff.kernelTree.value) : this.kernelTree(e.path);
    const era = eff ? eff.era.value : this.explicitEra();
    const check = this.checkPatch(doc, e.doc.text, this.factsPath(e, tree), {
      ...this.factsOptions(tree),
      ...(era ? { era } : {}),
      ...this.gitBase(e, doc, tree),
      selection,
      ...ruleOpts,
    });
    for (const ie of check.internalErrors) this.log.error(`Rule ${ie.rule} failed on ${ie.function} in ${e.doc.uri}: ${ie.message}`);
    out.push(...confDiagnostics, ...patchFindingDiagnostics({ ...ctx, baselined: baselined(check.findings) }, check.findings));
    const facts: PatchDocumentFacts = check.facts;
    model.era = facts.era.era;
    model.eraInfo = facts.era;
    model.diagnostics = out;
    this.lazyOutline(model, () => ({ symbols: patchSymbols(doc), lenses: patchLenses(doc, facts), gupSites: patchGupSites(facts) }));
    return model;
  }

  /**
   * The model's symbols, lenses and GUP sites, computed on their first read: publishing diagnostics reads none of
   * them (the language server asks its worker for them when a request needs them), and a keystroke in a 5,000-line
   * file would otherwise rebuild the outline of every function. A failure is logged and leaves them empty.
   */
  private lazyOutline(model: DocumentModel, compute: () => Outline): void {
    let outline: Outline | undefined;
    const get = (): Outline => {
      if (!outline) {
        try {
          outline = compute();
        } catch (error) {
          this.log.error(`Outline of ${model.uri} (version ${model.version}) failed: ${errorDetail(error)}`);
          outline = { symbols: [], lenses: [], gupSites: [] };
        }
      }
      return outline;
    };
    for (const key of OUTLINE_KEYS) {
      Object.defineProperty(model, key, {
        get: () => get()[key],
        set: (value: unknown) => Object.defineProperty(model, key, { value, writable: true, enumerable: true, configurable: true }),
        enumerable: true,
        configurable: true,
      });
    }
  }

  /**
   * Parses a patch document once per version. When the editor's text holds U+FFFD (it could not decode the file as
   * UTF-8) and the file on disk still decodes to exactly that text, the bytes are parsed instead: the parser honours
   * the mails' charsets and reports the non-UTF-8 decoding itself.
   */
  private parsed(e: CacheEntry): PatchDocument {
    if (e.patch) return e.patch;
    const opts: ParseOptions = { uri: e.doc.uri };
    const bytes = e.path && e.doc.text.includes('\uFFFD') ? this.readFileBytes(e.path) : undefined;
    if (bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') === e.doc.text) {
      e.patch = this.parsePatch(bytes, opts);
      e.parsedFromBytes = true;
    } else {
      e.patch = this.parsePatch(e.doc.text, opts);
      e.parsedFromBytes = false;
    }
    return e.patch;
  }

  /** A path the facts code can resolve Makefiles from: the file itself, or a virtual name inside the kernel tree. */
  private factsPath(e: CacheEntry, tree: string | undefined): string {
    if (e.path) return e.path;
    const name = basename(e.doc.uri.replace(/[?#].*$/, '').replace(/^[a-z][\w+.-]*:/i, '')) || 'untitled';
    return join(tree ?? resolve(sep, 'nonexistent-mmlens-untitled'), name);
  }

  private factsOptions(tree: string | undefined): FactsOptions {
    const era = this.explicitEra();
    return { ...(era ? { era } : {}), ...(tree ? { tree } : {}), ...(this.budgetMs !== undefined ? { budgetMs: this.budgetMs } : {}) };
  }

  private patchFacts(e: CacheEntry) {
    const tree = this.kernelTree(e.path);
    const path = this.factsPath(e, tree);
    const doc = this.parsed(e);
    return factsForPatchDocument(doc, e.doc.text, path, { ...this.factsOptions(tree), ...this.gitBase(e, doc, tree) });
  }

  /** Facts options of a patch inside a git checkout: its base-commit's tree when the repository has it (logged once per version). */
  private gitBase(e: CacheEntry, doc: PatchDocument, tree: string | undefined): FactsOptions {
    if (e.gitBase === undefined) {
      e.gitBase = this.settings.kernelTree ? null : (gitBaseFor(e.path ?? tree, doc, tree) ?? null);
      if (e.gitBase) this.log.info(`${e.path ?? e.doc.uri}: ${e.gitBase.status}`);
    }
    return e.gitBase?.options ?? {};
  }

  private cFacts(e: CacheEntry) {
    // The era comes from the Makefile above the file, or above a virtual path inside the workspace's kernel tree.
    const tree = e.path ? undefined : this.kernelTree(undefined);
    return factsForCFile(e.doc.text, this.factsPath(e, tree), this.factsOptions(undefined));
  }
}

function lockedOf(g: { lockedNull?: boolean }): GupSite['locked'] {
  return g.lockedNull === undefined ? 'absent' : g.lockedNull ? 'null' : 'set';
}


/** GUP calls of the post-images (pre-images for removed lines) at their document lines. */
function patchGupSites(facts: PatchDocumentFacts): GupSite[] {
  const out: GupSite[] = [];
  for (const p of facts.patches) {
    for (const f of p.files) {
      for (const side of [f.pre, f.post]) {
        if (!side) continue;
        const docLine = new Map(side.lines.map(([fileLine, d, change]) => [fileLine, { d, change }]));
        for (const unit of side.units) {
          for (const fn of unit.facts.functions) {
            for (const g of fn.gupCalls) {
              const at = docLine.get(g.calleeRange.start.line);
              if (!at || (side.side === 'pre' && at.change !== 'removed')) continue;
              // Diff lines carry a one-character prefix: the file column is shifted by one in the document.
              out.push({
                range: {
                  start: { line: at.d, character: g.calleeRange.start.column + 1 },
                  end: { line: at.d, character: g.calleeRange.end.column + 1 },
                },
                callee: g.callee,
                locked: lockedOf(g),
              });
            }
          }
        }
      }
    }
  }
  return out;
}

/** Settings from whatever a client sent (initializationOptions or didChangeConfiguration), problems logged. */
export function settingsFrom(raw: unknown, log: Logger): MmLensSettings {
  let section = raw;
  if (typeof raw === 'object' && raw !== null && SETTINGS_SECTION in raw) {
    section = (raw as Record<string, unknown>)[SETTINGS_SECTION];
  }
  return resolveSettings(section, (problem) => log.warn(`Settings: ${problem}`));
}
