/**
 * `mmlens check --git A..B` over a generated repository of N commits (default 1,000), next to the baseline measured
 * in the same run: the way `scripts/checkpatch.pl -g A..B` reads a range, one `git show` process per commit (only
 * reading, no analysis at all). mmlens reads the whole range with one `git log -p` and one `git cat-file --batch`,
 * skips commits whose diff names no mm identifier, and checks the others on whole functions.
 *
 *   node --import tsx bench/git-range.ts [--commits 1000] [--mm-share 0.1] [--files 60]
 *
 * The repository is written with one `git fast-import`. Prints figures only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGitRange } from '../cli/check/git-range';
import { openRepo } from '../cli/check/git-repo';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const COMMITS = arg('--commits', 1000);
const MM_SHARE = arg('--mm-share', 0.1);
const FILES = arg('--files', 60);

/** A driver file: plain helpers, and (mm files) a GUP call under the mmap lock that commits edit around. */
function fileText(i: number, rev: number, mm: boolean): string {
  const helpers: string[] = [];
  for (let h = 0; h < 12; h++)
    helpers.push(`static int helper_${i}_${h}(struct dev_${i} *d, int n)\n{\n\tint k, acc = ${h === rev % 12 ? rev : 0};\n\n\tfor (k = 0; k < n; k++)\n\t\tacc += d->regs[k] * ${h + 1};\n\treturn acc;\n}\n`);
  const pin = mm
    ? `static long dev_${i}_pin(struct mm_struct *mm, unsigned long start, unsigned long n, struct page **pages)\n{\n\tlong got;\n\n\tmmap_read_lock(mm);\n\tgot = get_user_pages(start, n, FOLL_WRITE, pages);\t/* rev ${rev} */\n\tmmap_read_unlock(mm);\n\treturn got;\n}\n`
    : '';
  return `// SPDX-License-Identifier: GPL-2.0\n#include <linux/mm.h>\n\n${helpers.slice(0, 6).join('\n')}\n${pin}\n${helpers.slice(6).join('\n')}`;
}

function buildRepo(dir: string): void {
  execFileSync('git', ['init', '-q', '-b', 'master', dir]);
  const mmFile = (i: number): boolean => i < Math.max(1, Math.round(FILES * MM_SHARE * 2));
  const rev = new Array<number>(FILES).fill(0);
  let stream = '';
  let mark = 0;
  const blob = (text: string): string => {
    const b = Buffer.byteLength(text);
    stream += `blob\nmark :${++mark}\ndata ${b}\n${text}\n`;
    return `:${mark}`;
  };
  const commit = (msg: string, changes: [string, string][], n: number): void => {
    const when = 1767225600 + n * 60;
    stream += `commit refs/heads/master\ncommitter Bench <bench@example.org> ${when} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n`;
    for (const [path, m] of changes) stream += `M 100644 ${m} ${path}\n`;
    stream += '\n';
  };
  const initial: [string, string][] = [['Makefile', blob('VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 0\n')]];
  for (let i = 0; i < FILES; i++) initial.push([`drivers/bench/dev_${i}.c`, blob(fileText(i, 0, mmFile(i)))]);
  commit('bench: initial tree', initial, 0);
  // Commits: MM_SHARE of them edit the GUP function of an mm file (their diff names get_user_pages); the others a
  // helper of any file (a helper's line only: no mm identifier in the diff).
  let x = 12345;
  const rnd = (n: number): number => ((x = (x * 1103515245 + 12345) % 2147483648), x % n);
  for (let c = 1; c <= COMMITS; c++) {
    const mm = rnd(1000) < MM_SHARE * 1000;
    const i = mm ? rnd(Math.max(1, Math.round(FILES * MM_SHARE * 2))) : rnd(FILES);
    rev[i]! += mm ? 0 : 1;
    const text = mm ? fileText(i, rev[i]!, true).replace(`/* rev ${rev[i]} */`, `/* rev ${rev[i]}.${c} */`) : fileText(i, rev[i]!, mmFile(i));
    commit(`bench: ${mm ? 'pin' : 'tune'} dev_${i} (${c})`, [[`drivers/bench/dev_${i}.c`, blob(text)]], c);
  }
  const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, input: stream, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`fast-import: ${r.stderr.toString()}`);
  execFileSync('git', ['checkout', '-q', 'master'], { cwd: dir });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-bench-git-'));
  try {
    let t = process.hrtime.bigint();
    buildRepo(dir);
    const ms = (a: bigint): number => Number(process.hrtime.bigint() - a) / 1e6;
    console.log(`repository: ${COMMITS} commits over ${FILES} files (${Math.round(MM_SHARE * 100)}% of commits touch a GUP call), built in ${ms(t).toFixed(0)} ms`);
    const range = 'master~' + COMMITS + '..master';
    // Baseline: checkpatch.pl -g reads each commit with its own `git show --format=email` process.
    t = process.hrtime.bigint();
    const ids = execFileSync('git', ['rev-list', '--reverse', range], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean);
    let bytes = 0;
    for (const id of ids) bytes += execFileSync('git', ['show', '--format=email', '--patch-with-stat', id], { cwd: dir, maxBuffer: 1 << 28 }).length;
    const base = ms(t);
    console.log(`baseline (checkpatch -g style, one git show per commit, no analysis): ${ids.length} commits, ${(bytes / 1e6).toFixed(1)} MB in ${base.toFixed(0)} ms: ${((ids.length / base) * 1000).toFixed(0)} commits/s`);
    t = process.hrtime.bigint();
    const res = await checkGitRange(openRepo(dir, '--git'), range);
    const took = ms(t);
    const n = (s: string): number => res.commits.filter((c) => c.status === s).length;
    const findings = res.reports.reduce((a, r) => a + r.findings.length, 0);
    console.log(
      `mmlens check --git: ${res.commits.length} commits (${n('checked')} checked on whole functions, ${n('no-mm')} skipped unparsed) in ${took.toFixed(0)} ms: ` +
        `${((res.commits.length / took) * 1000).toFixed(0)} commits/s, ${res.objectsRead} objects through one cat-file process, ${findings} finding(s); ` +
        `${(base / took).toFixed(2)}× the baseline's speed`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
