/**
 * Checks one input file (C or patch) and turns the result into a FileReport. Pure apart from reading the file;
 * runs in-process or inside a worker thread (pool.ts). Never throws: failures become report errors.
 */
import { readFileSync } from 'node:fs';
import type { Era } from '../../common/era';
import { MM_IDENTIFIERS_RE } from '../../server/src/facts/compute';
import { checkCText } from '../../server/src/rules/check-c';
import { checkPatchText } from '../../server/src/rules/check-patch';
import type { RuleSelection } from '../../server/src/rules/run';
import type { Finding, Rule } from '../../server/src/rules/types';
import { commitTreeFactsOptions, type CommitTree } from '../../server/src/git/base-tree';
import type { FileReport, ReportedFinding } from './report';

export interface AnalyseOptions {
  era?: string;
  tree?: string;
  selection?: RuleSelection;
  /** Rules to run instead of the registry's (tests; functions do not cross worker threads: in-process only). */
  rules?: readonly Rule[];
  /** Patches: the tree is this git commit's (files read beforehand from git: `check --git-dir`), not `tree`. */
  commitTree?: CommitTree;
}

/** Per thread: the Makefile above each directory, looked up once. */
const makefileCache = new Map<string, { era: Era; path: string } | null>();

function fromFinding(f: Finding): ReportedFinding {
  return {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    function: f.function,
    statement: f.statement,
    fingerprint: f.fingerprint,
    range: f.range,
    related: f.related,
    fixes: (f.fixes ?? []).map((x) => ({ title: x.title, ...(x.kind ? { kind: x.kind } : {}), ...(x.isPreferred ? { isPreferred: true } : {}), edits: x.edits })),
  };
}

export function analyseFile(path: string, kind: 'c' | 'patch', opts: AnalyseOptions): FileReport {
  const report: FileReport = { path, kind, findings: [], errors: [], internalErrors: [], bytes: 0 };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    report.errors.push({ line: 0, column: 0, code: 'unreadable', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return report;
  }
  report.bytes = bytes.length;
  try {
    if (kind === 'c') {
      if (bytes.subarray(0, 8192).includes(0)) {
        report.errors.push({ line: 0, column: 0, code: 'binary-file', message: 'binary file (NUL bytes), not C source' });
        return report;
      }
      const text = bytes.toString('utf8');
      if (!MM_IDENTIFIERS_RE.test(text)) {
        // Cheap prefilter: nothing a rule looks at can be in this file (no era lookup, no parse).
        report.skippedNoMm = true;
        return report;
      }
      const r = checkCText(text, path, {
        ...(opts.era ? { era: opts.era } : {}),
        ...(opts.selection ? { selection: opts.selection } : {}),
        ...(opts.rules ? { rules: opts.rules } : {}),
        sliceMm: true,
        makefileCache,
      });
      report.era = r.facts.era;
      report.findings = r.findings.map(fromFinding);
      report.internalErrors = r.internalErrors;
      return report;
    }
    const r = checkPatchText(bytes, path, {
      ...(opts.era ? { era: opts.era } : {}),
      ...(opts.tree ? { tree: opts.tree } : {}),
      ...(opts.commitTree ? { ...commitTreeFactsOptions(opts.commitTree), treeNote: `git commit ${opts.commitTree.commit.slice(0, 12)}` } : {}),
      ...(opts.selection ? { selection: opts.selection } : {}),
      ...(opts.rules ? { rules: opts.rules } : {}),
    });
    report.era = r.facts.era;
    report.internalErrors = r.internalErrors;
    for (const i of r.document.issues)
      if (i.severity === 'error') report.errors.push({ line: i.position.line, column: i.position.column, code: i.code, message: i.message });
    if (r.document.patches.length === 0 && report.errors.length === 0)
      report.errors.push({ line: 0, column: 0, code: 'no-patch', message: 'no patch found in this file' });
    const total = r.facts.series?.total ?? r.facts.patches.length;
    for (const f of r.findings) {
      const base = fromFinding(f);
      report.findings.push({
        ...base,
        range: f.documentRange,
        related: [{ range: f.range, message: `${f.file}:${f.range.start.line + 1}:${f.range.start.column + 1} (${f.side === 'post' ? 'after' : 'before'} the patch)` }, ...f.documentRelated].slice(f.documentExact ? 1 : 0),
        fixes: (f.documentFixes ?? []).map((x) => ({ title: x.title, ...(x.kind ? { kind: x.kind } : {}), ...(x.isPreferred ? { isPreferred: true } : {}), edits: x.edits })),
        patch: {
          status: f.status,
          file: f.file,
          fileRange: f.range,
          index: f.patchIndex,
          total,
          subject: f.patchSubject,
          exact: f.documentExact,
          fragment: f.fragment,
          ...(f.fixedBy !== undefined ? { fixedBy: f.fixedBy } : {}),
          ...(f.introducedBy !== undefined ? { introducedBy: f.introducedBy } : {}),
        },
      });
    }
    return report;
  } catch (e) {
    report.errors.push({ line: 0, column: 0, code: 'internal-error', message: `internal error: ${(e as Error).message}` });
    return report;
  }
}
