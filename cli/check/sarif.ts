/**
 * SARIF 2.1.0 output (as GitHub code scanning accepts it): the catalogue's rules with help text and links, results
 * with locations, related locations, fixes and partialFingerprints (the same finding is tracked across commits).
 */
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Range } from '../../server/src/c/types';
import { ruleDocPath, ruleDocUrl } from '../../server/src/rules/registry';
import type { Rule, Severity } from '../../server/src/rules/types';
import type { FileReport } from './report';
import { patchLabel } from './text';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', information: 'note' };

function uri(path: string, base: string): string {
  const rel = relative(base, path);
  const p = rel.startsWith('..') ? path : rel;
  return p.split(sep).map(encodeURIComponent).join('/');
}

function region(r: Range): { startLine: number; startColumn: number; endLine: number; endColumn: number } {
  return { startLine: r.start.line + 1, startColumn: r.start.column + 1, endLine: r.end.line + 1, endColumn: Math.max(r.end.column + 1, r.end.line === r.start.line ? r.start.column + 2 : 1) };
}

/** Exact region (fix replacements: an empty range is an insertion point). */
function exactRegion(r: Range): { startLine: number; startColumn: number; endLine: number; endColumn: number } {
  return { startLine: r.start.line + 1, startColumn: r.start.column + 1, endLine: r.end.line + 1, endColumn: r.end.column + 1 };
}

function helpOf(rule: Rule, root: string | undefined): string {
  if (root) {
    try {
      return readFileSync(join(root, ruleDocPath(rule.id)), 'utf8');
    } catch {
      /* fall through: the page is not next to the tool */
    }
  }
  return `${rule.title}\n\nEras: ${rule.erasText}.${rule.fixText ? ` Fix: ${rule.fixText}.` : ''}`;
}

export function toSarif(reports: FileReport[], rules: readonly Rule[], opts: { version: string; baseDir: string; docsRoot?: string; docsUrl?: string }): Log {
  const descriptors: ReportingDescriptor[] = rules.map((r) => {
    const help = helpOf(r, opts.docsRoot);
    return {
      id: r.id,
      name: r.id.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase()),
      shortDescription: { text: r.title },
      fullDescription: { text: `${r.title} (eras: ${r.erasText})` },
      help: { text: help, markdown: help },
      ...(opts.docsUrl ? { helpUri: ruleDocUrl(r.id, opts.docsUrl) } : {}),
      defaultConfiguration: { level: LEVEL[r.severity] },
      properties: { tags: ['linux-kernel', 'memory-management', `tier-${r.tier}`], tier: r.tier, eras: r.erasText, precision: 'high' },
    };
  });
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: Result[] = [];
  for (const rep of reports) {
    const art = { uri: uri(rep.path, opts.baseDir), uriBaseId: '%SRCROOT%' };
    for (const f of rep.findings) {
      const ri = index.get(f.rule);
      const where = f.patch
        ? ` [${patchLabel(f.patch)} "${f.patch.subject}": ${f.patch.status} in ${f.patch.file}:${f.patch.fileRange.start.line + 1}]`
        : '';
      const res: Result = {
        ruleId: f.rule,
        ...(ri !== undefined ? { ruleIndex: ri } : {}),
        level: f.patch?.status === 'fixed' ? 'note' : LEVEL[f.severity],
        message: { text: (f.patch?.status === 'fixed' ? `Fixed by this ${f.patch.commit ? 'commit' : 'patch'}: ${f.message}` : f.message) + where },
        locations: [{ physicalLocation: { artifactLocation: art, region: region(f.range) } }],
        partialFingerprints: { 'mmlensFinding/v1': `${f.fingerprint}:${f.patch?.file ?? ''}` },
        properties: { function: f.function, ...(f.patch ? { patchStatus: f.patch.status, patchIndex: f.patch.index, treeFile: f.patch.file, ...(f.patch.commit ? { commit: f.patch.commit.id } : {}) } : {}) },
      };
      if (f.related.length)
        res.relatedLocations = f.related.map((r, i) => ({ id: i + 1, message: { text: r.message }, physicalLocation: { artifactLocation: art, region: region(r.range) } }));
      if (f.fixes.length)
        res.fixes = f.fixes.map((x) => ({
          description: { text: x.title },
          artifactChanges: [{ artifactLocation: art, replacements: x.edits.map((e) => ({ deletedRegion: exactRegion(e.range), insertedContent: { text: e.newText } })) }],
        }));
      results.push(res);
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Kernel MM Lens', semanticVersion: opts.version, version: opts.version, rules: descriptors } },
        originalUriBaseIds: { '%SRCROOT%': { uri: 'file://' + opts.baseDir.split(sep).map(encodeURIComponent).join('/') + '/' } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
