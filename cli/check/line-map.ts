/**
 * Follows a file line through later commits' diffs, so a finding of commit k is reported where that line is at the
 * tip of the range (GitHub code scanning only shows locations in the files of the analysed commit). A light scan of
 * the unified diff (file headers, hunk headers and the first character of hunk lines), also for commits that are
 * not analysed: their diffs still move lines.
 */

interface ScannedHunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** First character of each body line (' ', '-', '+'). */
  body: string;
}

export interface ScannedFile {
  oldPath: string | null;
  newPath: string | null;
  hunks: ScannedHunk[];
}

function unprefix(p: string, prefix: string): string | null {
  if (p === '/dev/null') return null;
  const t = p.replace(/\t.*$/, '');
  return t.startsWith(prefix) ? t.slice(prefix.length) : t;
}

/** Files of a diff with their hunks (paths without a/ b/; null for /dev/null). */
export function scanDiff(diff: string): ScannedFile[] {
  const out: ScannedFile[] = [];
  let cur: ScannedFile | undefined;
  let hunk: ScannedHunk | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of diff.split('\n')) {
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const c = line[0] ?? ' ';
      if (c === '\\') continue;
      if (c === ' ' || c === '-' || c === '+') hunk.body += c;
      if (c !== '+') oldLeft--;
      if (c !== '-') newLeft--;
      continue;
    }
    hunk = undefined;
    if (line.startsWith('diff --git ')) {
      const m = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
      cur = { oldPath: m?.[1] ?? null, newPath: m?.[2] ?? null, hunks: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (h) {
      hunk = { oldStart: Number(h[1]), oldCount: h[2] === undefined ? 1 : Number(h[2]), newStart: Number(h[3]), newCount: h[4] === undefined ? 1 : Number(h[4]), body: '' };
      cur.hunks.push(hunk);
      oldLeft = hunk.oldCount;
      newLeft = hunk.newCount;
    } else if (line.startsWith('rename from ')) cur.oldPath = line.slice(12);
    else if (line.startsWith('rename to ')) cur.newPath = line.slice(10);
    else if (line.startsWith('new file mode')) cur.oldPath = null;
    else if (line.startsWith('deleted file mode')) cur.newPath = null;
    else if (line.startsWith('--- ')) cur.oldPath = unprefix(line.slice(4), 'a/');
    else if (line.startsWith('+++ ')) cur.newPath = unprefix(line.slice(4), 'b/');
  }
  return out;
}

/** Where 1-based line `line` of the old file is in the new file: exact when it is a context line, else the line
 *  that took its place (deleted lines), or null when the file is deleted. */
export function mapLine(f: ScannedFile, line: number): { line: number; exact: boolean } | null {
  if (f.newPath === null) return null;
  let delta = 0;
  for (const h of f.hunks) {
    const first = h.oldCount === 0 ? h.oldStart + 1 : h.oldStart;
    if (line < first) return { line: line + delta, exact: true };
    if (line >= first + h.oldCount) {
      delta += h.newCount - h.oldCount;
      continue;
    }
    let o = first;
    let n = h.newCount === 0 ? h.newStart + 1 : h.newStart;
    for (const c of h.body) {
      if (c === ' ') {
        if (o === line) return { line: n, exact: true };
        o++;
        n++;
      } else if (c === '-') {
        if (o === line) return { line: n, exact: false };
        o++;
      } else if (c === '+') n++;
    }
    return { line: line + delta, exact: false };
  }
  return { line: line + delta, exact: true };
}
