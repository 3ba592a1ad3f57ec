/**
 * Rule findings as LSP diagnostics (pure functions). A C file's findings sit at their file positions; a patch's at
 * their position in the .patch/.mbox (introduced on the added lines, fixed as information, pre-existing only when
 * `kernelMmLens.showPreExisting` asks). Every diagnostic carries `code` (the rule id), `codeDescription` (the rule's
 * page), `relatedInformation` (the other statements involved) and `data` (the fixes in document coordinates, for
 * code actions; published to the client without their edits, see forClient).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation, type Range as LspRange } from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE } from '../../../common/protocol';
import type { MmLensSettings } from '../../../common/settings';
import type { Range } from '../c/types';
import { ruleDocUrl } from '../rules/registry';
import type { Finding, Fix, RelatedLocation, Severity } from '../rules/types';
import type { PatchFinding } from './patch-check';

/** A fix as code actions need it: LSP ranges in the document. */
export interface DocumentFix {
  title: string;
  kind: 'quickfix' | 'refactor.rewrite';
  isPreferred: boolean;
  edits: { range: LspRange; newText: string }[];
}

/** `Diagnostic.data` of a rule finding. */
export interface FindingData {
  rule: string;
  fingerprint: string;
  status?: PatchFinding['status'];
  fixes: DocumentFix[];
}

const SEVERITY: Record<Severity | 'hint', DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function lspRange(r: Range): LspRange {
  return { start: { line: r.start.line, character: r.start.column }, end: { line: r.end.line, character: r.end.column } };
}

/**
 * Where rule pages are linked to. The extension ships docs/rules/*.md beside dist/ (see .vscodeignore), and a source
 * checkout has them at docs/rules/: diagnostics link to the page's file: URI (works offline and matches the installed
 * version). The project has no published site, so a server without the pages on disk gives no codeDescription.
 */
export function findDocsRoot(startDir: string): string | undefined {
  let dir = startDir;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'docs', 'rules');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export function ruleDocHref(id: string, docsRoot: string | undefined): string | undefined {
  if (!docsRoot) return undefined;
  const page = join(docsRoot, `${id}.md`);
  return existsSync(page) ? ruleDocUrl(id, pathToFileURL(docsRoot).href) : undefined;
}

/** The severity a finding is shown with, or undefined when the rule is switched off. */
export function effectiveSeverity(rule: string, catalogue: Severity, settings: MmLensSettings): DiagnosticSeverity | undefined {
  const s = settings.rules[rule];
  if (s === 'off') return undefined;
  if (s === undefined || s === 'default') return SEVERITY[catalogue];
  return SEVERITY[s];
}

/** Rule ids switched off in the settings (passed to the runner so they do not even run). */
export function disabledRules(settings: MmLensSettings): string[] {
  return Object.entries(settings.rules)
    .filter(([, v]) => v === 'off')
    .map(([k]) => k);
}

/**
 * The fixes as `Diagnostic.data` carries them. A fix stated twice with the same title and edits, as a quickfix and
 * as a refactor.rewrite (gup-convertible-to-unlocked states its conversion so), is carried once, as the
 * refactor.rewrite: codeActions() offers a refactor.rewrite fix under both kinds anyway. Those edits were half of
 * every publishDiagnostics of a file full of locked get_user_pages calls.
 */
function fixesOf(fixes: Fix[] | undefined): DocumentFix[] {
  if (!fixes?.length) return [];
  // A kept finding (its function unchanged since the last keystroke) brings the same fixes: converted once.
  const known = converted.get(fixes);
  if (known) return known;
  const out: DocumentFix[] = [];
  for (const f of fixes) {
    const fix: DocumentFix = {
      title: f.title,
      kind: f.kind ?? 'quickfix',
      isPreferred: f.isPreferred === true,
      edits: f.edits.map((e) => ({ range: lspRange(e.range), newText: e.newText })),
    };
    const same = out.find((o) => o.title === fix.title && sameEdits(o.edits, fix.edits));
    if (same) {
      if (fix.kind === 'refactor.rewrite') same.kind = 'refactor.rewrite';
      same.isPreferred ||= fix.isPreferred;
      continue;
    }
    out.push(fix);
  }
  converted.set(fixes, out);
  return out;
}

/** Fixes as converted, by the rule's fix list they came from. */
const converted = new WeakMap<Fix[], DocumentFix[]>();

function sameEdits(a: DocumentFix['edits'], b: DocumentFix['edits']): boolean {
  return a.length === b.length && a.every((e, k) => {
    const o = b[k]!;
    return e.newText === o.newText && e.range.start.line === o.range.start.line && e.range.start.character === o.range.start.character &&
      e.range.end.line === o.range.end.line && e.range.end.character === o.range.end.character;
  });
}

function related(uri: string, list: RelatedLocation[]): DiagnosticRelatedInformation[] {
  return list.map((r) => ({ location: { uri, range: lspRange(r.range) }, message: r.message }));
}

export interface DiagnosticContext {
  uri: string;
  settings: MmLensSettings;
  docsRoot: string | undefined;
  /** A rule's level for a finding's function (.mmlens.json under the editor settings); else the settings alone. */
  level?: (rule: string, fn: string) => 'off' | Severity | 'hint';
  /** Findings recorded in the baseline: greyed out (Hint severity) or hidden, by kernelMmLens.baselinedFindings. */
  baselined?: ReadonlySet<Finding>;
}

function severityOf(ctx: DiagnosticContext, f: Finding): DiagnosticSeverity | undefined {
  if (!ctx.level) return effectiveSeverity(f.rule, f.severity, ctx.settings);
  const l = ctx.level(f.rule, f.function);
  return l === 'off' ? undefined : SEVERITY[l];
}

/** Baselined findings: undefined when hidden, else the severity and message to show. */
function baselineView(ctx: DiagnosticContext, f: Finding, severity: DiagnosticSeverity, message: string): { severity: DiagnosticSeverity; message: string } | undefined {
  if (!ctx.baselined?.has(f) || ctx.settings.baselinedFindings === 'show') return { severity, message };
  if (ctx.settings.baselinedFindings === 'hide') return undefined;
  return { severity: DiagnosticSeverity.Hint, message: `(in the baseline) ${message}` };
}

function diagnostic(
  ctx: DiagnosticContext,
  f: Finding,
  range: Range,
  severity: DiagnosticSeverity,
  message: string,
  rel: RelatedLocation[],
  data: FindingData,
): Diagnostic {
  const d: Diagnostic = {
    range: lspRange(range),
    severity,
    code: f.rule,
    source: DIAGNOSTIC_SOURCE,
    message,
    data,
  };
  const href = ruleDocHref(f.rule, ctx.docsRoot);
  if (href) d.codeDescription = { href };
  if (rel.length) d.relatedInformation = related(ctx.uri, rel);
  return d;
}

/** Findings of a C file (file coordinates are document coordinates). */
export function cFindingDiagnostics(ctx: DiagnosticContext, findings: Finding[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of findings) {
    const severity = severityOf(ctx, f);
    if (severity === undefined) continue;
    const v = baselineView(ctx, f, severity, f.message);
    if (!v) continue;
    out.push(diagnostic(ctx, f, f.range, v.severity, v.message, f.related, { rule: f.rule, fingerprint: f.fingerprint, fixes: fixesOf(f.fixes) }));
  }
  return out;
}

/**
 * Findings of a patch document: introduced ones with their rule's severity on the added line; fixed ones as
 * information on the removed line ("this patch fixes …"); pre-existing ones as information when the setting asks.
 * A finding whose own line is not in the patch sits on the nearest changed line of its function (check-patch.ts).
 */
export function patchFindingDiagnostics(ctx: DiagnosticContext, findings: PatchFinding[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of findings) {
    const base = severityOf(ctx, f);
    if (base === undefined) continue;
    const data: FindingData = { rule: f.rule, fingerprint: f.fingerprint, status: f.status, fixes: [] };
    if (f.status === 'introduced') {
      data.fixes = fixesOf(f.documentFixes);
      const v = baselineView(ctx, f, base, f.message);
      if (v) out.push(diagnostic(ctx, f, f.documentRange, v.severity, v.message, f.documentRelated, data));
    } else if (f.status === 'fixed') {
      const message = `This patch fixes ${f.rule} in ${f.file}${f.function ? ` (${f.function})` : ''}: before it, ${f.message}`;
      out.push(diagnostic(ctx, f, f.documentRange, DiagnosticSeverity.Information, message, f.documentRelated, data));
    } else if (ctx.settings.showPreExisting) {
      const v = baselineView(ctx, f, DiagnosticSeverity.Information, `Pre-existing (before and after this patch) in ${f.file}: ${f.message}`);
      if (v) out.push(diagnostic(ctx, f, f.documentRange, v.severity, v.message, f.documentRelated, data));
    }
  }
  return out;
}

/**
 * A diagnostic as publishDiagnostics carries it to the client: `data` names the finding and its fixes (title, kind,
 * preferred) without their edits, and relatedInformation only for a client that supports it. The edits stay in the
 * server's model, which codeAction reads (server.ts onCodeAction): the client never sends them back. Without them a
 * keystroke on the bench's 5,000-line file with 54 findings publishes 54 KB instead of 74 KB.
 */
export function forClient(d: Diagnostic, relatedInformation: boolean): Diagnostic {
  const { relatedInformation: related, data, ...rest } = d;
  const out: Diagnostic = rest;
  if (relatedInformation && related) out.relatedInformation = related;
  if (isFindingData(data)) {
    out.data = { ...data, fixes: data.fixes.map(({ title, kind, isPreferred }) => ({ title, kind, isPreferred })) } satisfies PublishedFindingData;
  } else if (data !== undefined) out.data = data;
  return out;
}

/** `Diagnostic.data` of a rule finding as published: the fixes without their edits (forClient). */
export interface PublishedFindingData extends Omit<FindingData, 'fixes'> {
  fixes: Omit<DocumentFix, 'edits'>[];
}

export function isFindingData(v: unknown): v is FindingData {
  return typeof v === 'object' && v !== null && typeof (v as FindingData).rule === 'string' && Array.isArray((v as FindingData).fixes);
}
