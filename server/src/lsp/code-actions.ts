/**
 * Code actions from rule findings (pure): each fix of a diagnostic overlapping the requested range becomes a
 * quickfix (at most one isPreferred per finding, as the rule says); a fix of kind refactor.rewrite (the
 * get_user_pages → _unlocked / _fast conversion) is offered a second time as a refactor.rewrite; and
 * `source.fixAll.mmlens` applies every preferred fix whose edits do not overlap an earlier one.
 */
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { isFindingData, type DocumentFix } from './findings';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.mmlens`;

export interface CodeActionInput {
  uri: string;
  version: number;
  /** The document's diagnostics as last published (their `data` holds the fixes). */
  diagnostics: Diagnostic[];
  range: Range;
  /** `context.only` of the request. */
  only?: string[];
  /** The client supports versioned documentChanges. */
  documentChanges: boolean;
}

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function overlaps(a: Range, b: Range): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function edit(input: CodeActionInput, edits: TextEdit[]): WorkspaceEdit {
  return input.documentChanges
    ? { documentChanges: [{ textDocument: { uri: input.uri, version: input.version }, edits }] }
    : { changes: { [input.uri]: edits } };
}

/** `only` asks for kind k (or a parent of it, e.g. "refactor" for "refactor.rewrite"). */
function wanted(only: string[] | undefined, kind: string): boolean {
  return !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
}

function action(input: CodeActionInput, fix: DocumentFix, kind: string, d: Diagnostic | undefined, preferred: boolean): CodeAction {
  const a: CodeAction = { title: fix.title, kind, edit: edit(input, fix.edits) };
  if (d) a.diagnostics = [d];
  if (preferred) a.isPreferred = true;
  return a;
}

export function codeActions(input: CodeActionInput): CodeAction[] {
  const out: CodeAction[] = [];
  const withFixes = input.diagnostics.filter((d) => isFindingData(d.data) && d.data.fixes.length > 0);
  for (const d of withFixes) {
    if (!overlaps(d.range, input.range) || !isFindingData(d.data)) continue;
    let preferredGiven = false;
    // A rule may state one fix twice, as a quickfix and as a refactor.rewrite (gup-convertible-to-unlocked does):
    // it is offered once per kind.
    const quickfixes = new Set<string>();
    for (const fix of d.data.fixes) {
      const key = JSON.stringify([fix.title, fix.edits]);
      if (wanted(input.only, CodeActionKind.QuickFix) && !quickfixes.has(key)) {
        quickfixes.add(key);
        const preferred: boolean = fix.isPreferred && !preferredGiven;
        preferredGiven ||= preferred;
        out.push(action(input, fix, CodeActionKind.QuickFix, d, preferred));
      }
      if (fix.kind === 'refactor.rewrite' && wanted(input.only, CodeActionKind.RefactorRewrite)) {
        out.push(action(input, fix, CodeActionKind.RefactorRewrite, undefined, false));
      }
    }
  }
  if (input.only?.some((o) => FIX_ALL_KIND === o || FIX_ALL_KIND.startsWith(`${o}.`))) {
    const all = fixAll(withFixes);
    if (all.edits.length) {
      out.push({ title: `Kernel MM Lens: apply ${all.count} preferred fix${all.count === 1 ? '' : 'es'}`, kind: FIX_ALL_KIND, edit: edit(input, all.edits), diagnostics: all.diagnostics });
    }
  }
  return out;
}

/** The preferred fix of every finding, in document order, skipping fixes that overlap one already taken. */
export function fixAll(diagnostics: Diagnostic[]): { edits: TextEdit[]; count: number; diagnostics: Diagnostic[] } {
  const taken: TextEdit[] = [];
  const used: Diagnostic[] = [];
  const sorted = [...diagnostics].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  for (const d of sorted) {
    if (!isFindingData(d.data)) continue;
    const fix = d.data.fixes.find((f) => f.isPreferred) ?? (d.data.fixes.length === 1 ? d.data.fixes[0] : undefined);
    if (!fix) continue;
    if (fix.edits.some((e) => taken.some((t) => overlaps(t.range, e.range)))) continue;
    taken.push(...fix.edits);
    used.push(d);
  }
  return { edits: taken, count: used.length, diagnostics: used };
}
