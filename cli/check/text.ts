/**
 * gcc-style text output of `mmlens check`: `file:line:col: severity: message [rule-id]`, related locations as
 * `file:line:col: note: …`, and for patch findings where the finding is in the tree and what the patch does to it.
 */
import type { FileReport, ReportedFinding } from './report';

function pos(path: string, r: { start: { line: number; column: number } }): string {
  return `${path}:${r.start.line + 1}:${r.start.column + 1}`;
}

/** "patch 2/3", or "commit 1a2b3c4d5e6f (2/3)" for `check --git`. */
export function patchLabel(p: NonNullable<ReportedFinding['patch']>, which: 'self' | 'fixedBy' = 'self'): string {
  const n = which === 'self' ? p.index : (p.fixedBy ?? 0);
  const id = which === 'self' ? p.commit?.id : p.commit?.fixedBy;
  return id ? `commit ${id.slice(0, 12)} (${n}/${p.total})` : `patch ${n}/${p.total}`;
}

export function formatFinding(path: string, f: ReportedFinding): string {
  const lines: string[] = [];
  const p = f.patch;
  if (p?.status === 'fixed') {
    lines.push(`${pos(path, f.range)}: information: ${patchLabel(p)} fixes ${f.rule} in ${p.file}:${p.fileRange.start.line + 1}: ${f.message} [${f.rule}]`);
  } else {
    lines.push(`${pos(path, f.range)}: ${f.severity}: ${f.message} [${f.rule}]`);
    if (p) {
      const where = `${p.file}:${p.fileRange.start.line + 1}:${p.fileRange.start.column + 1}`;
      const how = p.status === 'introduced' ? `introduced by ${patchLabel(p)}` : `already there before ${patchLabel(p)}`;
      const later = p.fixedBy !== undefined ? `; fixed later by ${patchLabel(p, 'fixedBy')}` : '';
      const frag = p.fragment ? ' (function rebuilt from the hunks: no tree)' : '';
      lines.push(`${pos(path, f.range)}: note: ${how} "${p.subject}" in ${where}${later}${frag}`);
    }
  }
  for (const r of f.related) lines.push(`${pos(path, r.range)}: note: ${r.message}`);
  for (const x of f.fixes) lines.push(`${pos(path, f.range)}: note: fix${x.isPreferred ? ' (preferred)' : ''}: ${x.title}`);
  return lines.join('\n') + '\n';
}

export function formatReport(r: FileReport, shown: ReportedFinding[]): string {
  let out = '';
  for (const e of r.errors) out += `${r.path}:${e.line + 1}:${e.column + 1}: error: ${e.code}: ${e.message}\n`;
  for (const f of shown) out += formatFinding(r.path, f);
  return out;
}
