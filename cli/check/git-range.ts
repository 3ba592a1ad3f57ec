/**
 * `mmlens check --git A..B`: every commit of the range is a patch checked on whole functions, its pre-image being the
 * parent's tree read from git's object store (one long-lived `git cat-file --batch`), never the work tree. Findings
 * are classified introduced / fixed / pre-existing per commit, and reported in the files of the range's tip: each
 * location is carried through the later commits' diffs (line-map.ts), so SARIF locations are files of the analysed
 * commit, as GitHub code scanning requires.
 */
import { join } from 'node:path';
import { MM_IDENTIFIERS_RE } from '../../server/src/facts/compute';
import { commitTreeFactsOptions, readCommitTree, treePathsOf } from '../../server/src/git/base-tree';
import { CatFile } from '../../server/src/git/cat-file';
import { parsePatchDocument } from '../../server/src/series';
import { checkPatchDocument, type PatchFinding } from '../../server/src/rules/check-patch';
import type { RuleSelection } from '../../server/src/rules/run';
import type { Rule } from '../../server/src/rules/types';
import type { Range } from '../../server/src/c/types';
import type { EraInfo } from '../../server/src/facts/types';
import { commitsOf, rangeArgs, type CommitChunk, type Repo } from './git-repo';
import { mapLine, scanDiff } from './line-map';
import type { FileReport, ReportedFinding } from './report';

export interface GitRangeOptions {
  era?: string;
  selection?: RuleSelection;
  /** Rules instead of the registry's (tests). */
  rules?: readonly Rule[];
}

export type CommitStatus = 'checked' | 'no-mm' | 'merge' | 'error';

export interface CommitResult {
  id: string;
  subject: string;
  /** 1-based position in the range, oldest first. */
  index: number;
  status: CommitStatus;
  era?: EraInfo;
  /** One line each: merge skipped, binary or submodule change not analysed, files rebuilt from hunks. */
  notes: string[];
  /** One line each: the commit (or a file of it) could not be analysed. */
  errors: { code: string; message: string }[];
}

export interface GitRangeResult {
  tip: string;
  commits: CommitResult[];
  /** Findings by tree file at the tip (path relative to the repository root). */
  reports: FileReport[];
  /** Objects read through the one cat-file process. */
  objectsRead: number;
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** A finding waiting to be carried to the tip: the ranges it owns are moved in place. */
interface Pending {
  finding: ReportedFinding;
  file: string | null;
  ranges: Range[];
  /** A later commit changed the file: the fixes (edits of the commit's image) no longer apply as they are. */
  touched: boolean;
  /** Set when a later commit deleted the file or the line: where the location was last. */
  lost?: string;
}

function copyRange(r: Range): Range {
  return { start: { ...r.start }, end: { ...r.end } };
}

function toReported(f: PatchFinding, c: CommitChunk, index: number, total: number): ReportedFinding {
  const range = copyRange(f.range);
  return {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    function: f.function,
    statement: f.statement,
    fingerprint: f.fingerprint,
    range,
    related: f.related.map((r) => ({ range: copyRange(r.range), message: r.message })),
    fixes:
      f.side === 'post'
        ? (f.fixes ?? []).map((x) => ({ title: x.title, ...(x.kind ? { kind: x.kind } : {}), ...(x.isPreferred ? { isPreferred: true } : {}), edits: x.edits.map((e) => ({ range: copyRange(e.range), newText: e.newText })) }))
        : [],
    patch: { status: f.status, file: f.file, fileRange: copyRange(f.range), index, total, subject: c.subject, exact: true, fragment: f.fragment, commit: { id: c.id } },
  };
}

/** Moves a pending finding through one commit's diff. */
function carry(p: Pending, files: ReturnType<typeof scanDiff>, commit: string): void {
  if (p.file === null) return;
  const sf = files.find((f) => f.oldPath === p.file);
  if (!sf) return;
  p.touched = true;
  if (sf.newPath === null) {
    p.lost ??= `${p.file} deleted by commit ${shortId(commit)}`;
    return;
  }
  p.file = sf.newPath;
  for (const r of p.ranges) {
    const m = mapLine(sf, r.start.line + 1);
    if (!m) continue;
    const d = m.line - 1 - r.start.line;
    if (!m.exact && r === p.ranges[0]) p.lost ??= `line changed by commit ${shortId(commit)}`;
    r.start.line += d;
    r.end.line += d;
  }
}

/** Binary and submodule changes: one note each (the commit's other files are still checked). */
function notesOf(c: CommitChunk): string[] {
  const notes: string[] = [];
  for (const sec of c.diff.split(/^(?=diff --git )/m)) {
    const head = /^diff --git a\/(.*) b\/(.*)$/m.exec(sec);
    if (!head) continue;
    const path = head[2]!;
    if (/^(?:new file mode|deleted file mode|index [0-9a-f]+\.\.[0-9a-f]+) 160000$/m.test(sec) || /^[-+]Subproject commit /m.test(sec))
      notes.push(`submodule-change: ${path}: submodule change, not analysed`);
    else if (/^Binary files .* differ$/m.test(sec) || /^GIT binary patch$/m.test(sec))
      notes.push(`binary-change: ${path}: binary change, not analysed`);
  }
  return notes;
}

export async function checkGitRange(repo: Repo, spec: string, opts: GitRangeOptions = {}, onCommit?: (c: CommitResult) => void): Promise<GitRangeResult> {
  const { args, tip } = rangeArgs(repo, spec);
  const cat = new CatFile(repo.cwd);
  const chunks: CommitChunk[] = [];
  const commits: CommitResult[] = [];
  const pending: Pending[] = [];
  try {
    // The list first (the total is known for "k/n"); diffs are kept only until their commit is processed.
    for await (const c of commitsOf(repo, args)) chunks.push(c);
    const total = chunks.length;
    for (let i = 0; i < total; i++) {
      const c = chunks[i]!;
      chunks[i] = { ...c, diff: '' }; // let the text go once processed
      const index = i + 1;
      const res: CommitResult = { id: c.id, subject: c.subject, index, status: 'checked', notes: [], errors: [] };
      const scanned = scanDiff(c.diff);
      let own: PatchFinding[] = [];
      if (c.parents.length > 1) {
        res.status = 'merge';
        res.notes.push('merge commit: skipped (the commits it merges are checked one by one)');
      } else if (repo.shallow.has(c.id)) {
        res.status = 'error';
        res.errors.push({ code: 'shallow-clone', message: `the parent is not in this shallow clone (git fetch --deepen=${total - i} or --unshallow)` });
      } else {
        res.notes.push(...notesOf(c));
        if (!MM_IDENTIFIERS_RE.test(c.diff)) res.status = 'no-mm';
        else {
          try {
            own = await analyseCommit(cat, repo, c, opts, res);
          } catch (e) {
            res.status = 'error';
            res.errors.push({ code: 'internal-error', message: `internal error: ${(e as Error).message}` });
          }
        }
      }
      // Findings fixed here close the ones introduced earlier in the range (same rule and statement, same file).
      const introducedBy = new Map<PatchFinding, ReportedFinding>();
      for (const f of own) {
        if (f.status !== 'fixed') continue;
        const intro = pending.find((p) => p.finding.patch?.status === 'introduced' && p.file === f.file && p.finding.rule === f.rule && p.finding.statement === f.statement && p.finding.patch.fixedBy === undefined)?.finding;
        if (!intro?.patch) continue;
        intro.patch.fixedBy = index;
        if (intro.patch.commit) intro.patch.commit.fixedBy = c.id;
        introducedBy.set(f, intro);
      }
      // Earlier findings move with this commit's diff; then this commit's own join them.
      for (const p of pending) carry(p, scanned, c.id);
      for (const f of own) {
        const rep = toReported(f, c, index, total);
        const intro = introducedBy.get(f)?.patch;
        if (intro && rep.patch) {
          rep.patch.introducedBy = intro.index;
          if (rep.patch.commit && intro.commit) rep.patch.commit.introducedBy = intro.commit.id;
        }
        const p: Pending = { finding: rep, file: f.file, ranges: [rep.range, ...rep.related.map((r) => r.range)], touched: false };
        if (f.side === 'pre') {
          // A fixed finding is in the parent's file: carried through this commit first.
          carry(p, scanned, c.id);
          p.touched = true;
          delete p.lost; // its lines are the ones this commit removes
        }
        pending.push(p);
      }
      commits.push(res);
      onCommit?.(res);
    }
  } finally {
    cat.close();
  }
  // Reports per tip file, in order of first appearance (commit order, then file order).
  const byFile = new Map<string, FileReport>();
  for (const p of pending) {
    const file = p.file ?? p.finding.patch?.file ?? '';
    if (p.touched && p.finding.fixes.length) p.finding.fixes = [];
    if (p.lost) p.finding.related.push({ range: copyRange(p.finding.range), message: `not at the tip as it was: ${p.lost}` });
    let r = byFile.get(file);
    if (!r) {
      r = { path: file, kind: 'patch', findings: [], errors: [], internalErrors: [], bytes: 0 };
      byFile.set(file, r);
    }
    r.findings.push(p.finding);
  }
  return { tip, commits, reports: [...byFile.values()], objectsRead: cat.reads };
}

async function analyseCommit(cat: CatFile, repo: Repo, c: CommitChunk, opts: GitRangeOptions, res: CommitResult): Promise<PatchFinding[]> {
  const doc = parsePatchDocument(c.diff, { uri: `${c.id}.patch` });
  for (const i of doc.issues) if (i.severity === 'error') res.errors.push({ code: i.code, message: `diff line ${i.position.line + 1}: ${i.message}` });
  const parent = c.parents[0];
  // A root commit adds every file: its pre-image is the empty tree.
  const tree = parent ? await readCommitTree(cat, repo.root, parent, treePathsOf(doc)) : { commit: '', root: repo.root, files: new Map<string, string | null>(), makefile: null };
  if (!tree) {
    res.status = 'error';
    res.errors.push({ code: 'missing-parent', message: `parent ${shortId(parent!)} is not in the repository` });
    return [];
  }
  for (const [path, text] of tree.files)
    if (text === null) res.errors.push({ code: 'missing-blob', message: `${path}: not in the parent's tree (${shortId(parent!)}:${path})` });
  const check = checkPatchDocument(doc, c.diff, join(repo.root, `${shortId(c.id)}.patch`), {
    ...commitTreeFactsOptions(tree),
    ...(opts.era ? { era: opts.era } : {}),
    ...(opts.selection ? { selection: opts.selection } : {}),
    ...(opts.rules ? { rules: opts.rules } : {}),
  });
  res.era = check.facts.era;
  const rebuilt = new Set<string>();
  for (const p of check.facts.patches)
    for (const f of p.files)
      for (const side of [f.pre, f.post])
        if (side?.mode === 'fragments' && side.note && (f.oldPath === null || tree.files.get(f.oldPath) !== null))
          rebuilt.add(`${f.newPath ?? f.oldPath}: functions rebuilt from the hunks (${side.note})`);
  res.notes.push(...rebuilt);
  for (const e of check.internalErrors) res.errors.push({ code: 'internal-error', message: `rule ${e.rule} failed on ${e.function}: ${e.message}` });
  return check.findings;
}
