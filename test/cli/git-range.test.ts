// mmlens check --git RANGE and --git-dir on real repositories built in a temporary folder (git-fixture.ts): commits
// on their parent's tree from git (never the work tree), one cat-file process, merges, binary changes, renames,
// deleted files, errors one line each, series on their base-commit, SARIF locations in the tip's files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Io } from '../../cli/io';
import { main } from '../../cli/mmlens';
import { buildFixture, git, ROOT, SAMPLE, type Fixture } from './git-fixture';
import { validateSarif } from './sarif-schema';

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s), stderrIsTTY: false };
  return io;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

interface JsonOut {
  git: { tip: string };
  commits: { commit: string; subject: string; status: string; notes: string[]; errors: { code: string; message: string }[]; era?: { era: string; source: string } }[];
  files: { path: string; findings: { rule: string; range: { start: { line: number } }; fixes: unknown[]; related: { message: string }[]; patch: { status: string; file: string; fileRange: { start: { line: number } }; commit: { id: string; fixedBy?: string } } }[] }[];
}

const tmp = mkdtempSync(join(tmpdir(), 'mmlens-git-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let fx: Fixture;
before(() => {
  fx = buildFixture(join(tmp, 'repo'));
});

describe('mmlens check --git', () => {
  it('every commit of base..master: classified per commit, merge skipped, binary noted, no-mm commits not parsed, finding carried through the rename', async () => {
    const r = await run('check', '--git', `${fx.ids.base}..master`, '--git-dir', fx.dir, '--format', 'json', '--show', 'all');
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out) as JsonOut;
    assert.equal(j.git.tip, fx.ids.docs);
    const status = Object.fromEntries(j.commits.map((c) => [c.subject, c.status]));
    assert.deepEqual(status, {
      'misc/foo_dma: use get_user_pages_unlocked()': 'checked',
      'foo/mm: retry a page fault at most once': 'checked',
      'misc/bar_remote: let get_user_pages_remote() drop mmap_lock': 'checked',
      'firmware: add foo blob': 'no-mm',
      'foo/mm: rename fault.c to fault_32.c': 'no-mm',
      'misc: remove bar_remote': 'checked',
      'notes: add side notes': 'no-mm',
      'Merge branch side': 'merge',
      'README: describe the tree': 'no-mm',
    });
    const byId = new Map(j.commits.map((c) => [c.commit, c]));
    assert.deepEqual(byId.get(fx.ids.binary)!.notes, ['binary-change: firmware/foo.bin: binary change, not analysed']);
    assert.match(byId.get(fx.ids.merge)!.notes[0]!, /^merge commit: skipped/);
    // The era is the parent commit's Makefile, read from git.
    assert.equal(byId.get(fx.ids.p2)!.era!.era, '6.8');
    assert.match(byId.get(fx.ids.p2)!.era!.source, new RegExp(`${fx.ids.p1.slice(0, 12)}:Makefile`));
    const all = j.files.flatMap((f) => f.findings.map((x) => ({ ...x, path: f.path })));
    const intro = all.filter((x) => x.patch.status === 'introduced');
    assert.equal(intro.length, 1);
    assert.equal(intro[0]!.rule, 'forbidden-flag-combination');
    assert.equal(intro[0]!.patch.commit.id, fx.ids.p2);
    // At the tip the file is fault_32.c, two lines further down; in the commit it was fault.c:59.
    assert.equal(intro[0]!.path, 'arch/foo/mm/fault_32.c');
    assert.equal(intro[0]!.range.start.line + 1, 61);
    assert.equal(intro[0]!.patch.file, 'arch/foo/mm/fault.c');
    assert.equal(intro[0]!.patch.fileRange.start.line + 1, 59);
    assert.deepEqual(intro[0]!.fixes, [], 'the fix edits fault.c as of the commit: not offered once a later commit changed the file');
    const fixed = all.filter((x) => x.patch.status === 'fixed');
    assert.ok(fixed.some((x) => x.rule === 'gup-convertible-to-unlocked' && x.patch.commit.id === fx.ids.p1 && x.path === 'drivers/misc/foo_dma.c'), JSON.stringify(fixed.map((x) => [x.rule, x.path])));
  });

  it('text: findings under their commit line, tip positions, the commit in the note; summary on stderr', async () => {
    const r = await run('check', '--git', `${fx.ids.base}..master`, '--git-dir', fx.dir);
    assert.equal(r.code, 1);
    const lines = r.out.split('\n');
    // p1 only fixes a finding (always listed, as information); p2 introduces the error.
    assert.equal(lines[0], `commit ${fx.ids.p1.slice(0, 12)} "misc/foo_dma: use get_user_pages_unlocked()" (1/9)`);
    assert.match(lines[1]!, new RegExp(`^(?:.*/)?drivers/misc/foo_dma\\.c:\\d+:\\d+: information: commit ${fx.ids.p1.slice(0, 12)} \\(1/9\\) fixes gup-convertible-to-unlocked in drivers/misc/foo_dma\\.c:40: `));
    const at = lines.indexOf(`commit ${fx.ids.p2.slice(0, 12)} "foo/mm: retry a page fault at most once" (2/9)`);
    assert.ok(at > 0, r.out);
    assert.equal(lines.filter((l) => l.startsWith('commit ')).length, 2, r.out);
    lines.splice(0, at);
    assert.match(lines[1]!, /^.*arch\/foo\/mm\/fault_32\.c:61:3: error: .*\[forbidden-flag-combination\]$/);
    assert.match(lines[2]!, new RegExp(`note: introduced by commit ${fx.ids.p2.slice(0, 12)} \\(2/9\\) "foo/mm: retry a page fault at most once" in arch/foo/mm/fault\\.c:59:3$`));
    assert.match(r.err, /mmlens: commit [0-9a-f]{12} "firmware: add foo blob": note: binary-change: firmware\/foo\.bin: binary change, not analysed\n/);
    assert.match(r.err, /9 commit\(s\) in [0-9a-f]+\.\.master: 4 checked, 4 naming no mm identifier \(not parsed\), 1 merge\(s\) skipped in [\d.]+ s: 1 finding\(s\) \(1 error, 0 warning, 0 information\)/);
  });

  it('reads the parent trees from git, never the work tree (a work tree Makefile of 5.4 and a broken fault.c change nothing)', async () => {
    const a = await run('check', '--git', `${fx.ids.p1}..${fx.ids.p3}`, '--git-dir', fx.dir, '--format', 'json');
    writeFileSync(join(fx.dir, 'Makefile'), 'VERSION = 5\nPATCHLEVEL = 4\n');
    writeFileSync(join(fx.dir, 'arch', 'foo', 'mm', 'fault.c'), 'garbage {{{\n');
    try {
      const b = await run('check', '--git', `${fx.ids.p1}..${fx.ids.p3}`, '--git-dir', fx.dir, '--format', 'json');
      assert.equal(b.out, a.out);
      assert.equal(b.code, 1);
    } finally {
      git(fx.dir, 'checkout', '-q', '--', 'Makefile');
      rmSync(join(fx.dir, 'arch', 'foo', 'mm', 'fault.c'));
    }
  });

  it('one git log and one cat-file --batch process for the whole range (git calls counted through a PATH shim)', async () => {
    const shim = join(tmp, 'shim');
    mkdirSync(shim, { recursive: true });
    const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    const log = join(tmp, 'git-calls.log');
    writeFileSync(join(shim, 'git'), `#!/bin/sh\nfor a in "$@"; do case "$a" in -c|core.*) ;; *) echo "$a" >> '${log}'; break;; esac; done\nexec '${realGit}' "$@"\n`);
    chmodSync(join(shim, 'git'), 0o755);
    writeFileSync(log, '');
    const path = process.env.PATH;
    process.env.PATH = `${shim}:${path}`;
    try {
      const r = await run('check', '--git', `${fx.ids.base}..master`, '--git-dir', fx.dir, '--format', 'json');
      assert.equal(r.code, 1);
    } finally {
      process.env.PATH = path;
    }
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.equal(calls.filter((c) => c === 'cat-file').length, 1, calls.join(' '));
    assert.equal(calls.filter((c) => c === 'log').length, 1, calls.join(' '));
    assert.ok(calls.length <= 6, calls.join(' '));
  });

  it('a single commit, HEAD~3.. and @{u}..', async () => {
    const one = JSON.parse((await run('check', '--git', fx.ids.p2, '--git-dir', fx.dir, '--format', 'json')).out) as JsonOut;
    assert.deepEqual(one.commits.map((c) => c.commit), [fx.ids.p2]);
    assert.equal(one.files[0]!.findings[0]!.rule, 'forbidden-flag-combination');
    // At the commit itself, the finding keeps the commit's own position and its fix.
    assert.equal(one.files[0]!.path, 'arch/foo/mm/fault.c');
    assert.equal(one.files[0]!.findings[0]!.range.start.line + 1, 59);
    assert.equal(one.files[0]!.findings[0]!.fixes.length, 1);
    const rel = JSON.parse((await run('check', '--git', 'HEAD~3..', '--git-dir', fx.dir, '--format', 'json')).out) as JsonOut;
    assert.deepEqual(rel.commits.map((c) => c.subject).sort(), ['Merge branch side', 'README: describe the tree', 'misc: remove bar_remote', 'notes: add side notes'].sort());
    const noUp = await run('check', '--git', '@{u}..', '--git-dir', fx.dir);
    assert.equal(noUp.code, 2);
    assert.equal(noUp.err, "mmlens: --git @{u}..: no upstream configured for branch 'master'\n");
    git(fx.dir, 'branch', '-q', '--set-upstream-to=side', 'master');
    try {
      const up = JSON.parse((await run('check', '--git', '@{u}..', '--git-dir', fx.dir, '--format', 'json')).out) as JsonOut;
      assert.deepEqual(up.commits.map((c) => c.subject), ['firmware: add foo blob', 'foo/mm: rename fault.c to fault_32.c', 'misc: remove bar_remote', 'Merge branch side', 'README: describe the tree']);
    } finally {
      git(fx.dir, 'branch', '-q', '--unset-upstream', 'master');
    }
  });

  it('errors are one plain line: not a repository, unknown revision, --git with files, shallow clone missing the parent', async () => {
    const plain = join(tmp, 'plain');
    mkdirSync(plain, { recursive: true });
    const a = await run('check', '--git', 'HEAD~1..', '--git-dir', plain);
    assert.deepEqual([a.code, a.err], [2, `mmlens: --git-dir: ${plain} is not a git repository (or any of its parents)\n`]);
    const b = await run('check', '--git', 'nope..HEAD', '--git-dir', fx.dir);
    assert.deepEqual([b.code, b.err], [2, "mmlens: --git nope..HEAD: unknown revision 'nope'\n"]);
    const c = await run('check', '--git', 'HEAD~1..', 'x.patch');
    assert.deepEqual([c.code, c.err], [2, 'mmlens: check: --git checks commits: name no files with it\n']);
    const shallow = join(tmp, 'shallow');
    git(tmp, 'clone', '-q', '--depth', '1', '--branch', 'side', `file://${fx.dir}`, shallow);
    const s = await run('check', '--git', 'HEAD', '--git-dir', shallow, '--format', 'json');
    assert.equal(s.code, 2);
    assert.match(s.err, /^mmlens: commit [0-9a-f]{12} "notes: add side notes": error: shallow-clone: the parent is not in this shallow clone \(git fetch --deepen=1 or --unshallow\)\n/);
    git(shallow, 'fetch', '-q', '--deepen=1');
    const t = await run('check', '--git', 'HEAD~1..HEAD', '--git-dir', shallow, '--format', 'json');
    assert.equal(t.code, 0, t.err);
  });

  it('SARIF: valid 2.1.0, locations in the files of the tip, the commit in the message and properties', async () => {
    const r = await run('check', '--git', `${fx.ids.base}..master`, '--git-dir', fx.dir, '--format', 'sarif');
    const log = JSON.parse(r.out) as { runs: { results: { ruleId: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; properties: { commit: string } }[]; versionControlProvenance: { revisionId: string }[] }[] };
    validateSarif(log);
    const res = log.runs[0]!.results.filter((x) => x.ruleId === 'forbidden-flag-combination');
    assert.equal(res.length, 1);
    assert.equal(res[0]!.locations[0]!.physicalLocation.artifactLocation.uri, 'arch/foo/mm/fault_32.c');
    assert.equal(res[0]!.locations[0]!.physicalLocation.region.startLine, 61);
    assert.equal(res[0]!.properties.commit, fx.ids.p2);
    assert.match(res[0]!.message.text, new RegExp(`\\[commit ${fx.ids.p2.slice(0, 12)} \\(2/9\\) "foo/mm: retry a page fault at most once": introduced in arch/foo/mm/fault\\.c:59\\]`));
    assert.equal(log.runs[0]!.versionControlProvenance[0]!.revisionId, fx.ids.docs);
  });
});

describe('mmlens check SERIES --git-dir', () => {
  it('a series exported with git format-patch --base is applied on its base-commit from git', async () => {
    const mbox = join(tmp, 'series.mbox');
    writeFileSync(mbox, git(fx.dir, 'format-patch', '--stdout', '--cover-letter', `--base=${fx.ids.base}`, `${fx.ids.base}..${fx.ids.p3}`) + '\n');
    // The work tree is at master (fault.c renamed): only git's base tree has the files as the series expects.
    const r = await run('check', mbox, '--git-dir', fx.dir);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, new RegExp(`^mmlens: ${mbox}: applied on base-commit ${fx.ids.base.slice(0, 12)} of ${fx.dir} \\(files read from git\\)\n`));
    assert.match(r.out, /: error: .*\[forbidden-flag-combination\]\n.*note: introduced by patch 2\/3 "foo\/mm: retry a page fault at most once" in arch\/foo\/mm\/fault\.c:59:3\n/);
    assert.doesNotMatch(r.out, /rebuilt from the hunks/);
  });

  it('a base-commit the repository lacks: said, then --tree or fragments; --base names one that it has', async () => {
    const a = await run('check', SAMPLE, '--git-dir', fx.dir, '--format', 'json', '--show', 'all');
    assert.match(a.err, new RegExp(`^mmlens: ${SAMPLE}: base-commit d209cf277490d2a39b9a8b7c1b013f33f8994cdc is not in ${fx.dir}: checked on functions rebuilt from the hunks \\(no --tree\\)\n`));
    const fa = (JSON.parse(a.out) as { files: { findings: { patch: { fragment: boolean } }[] }[] }).files[0]!.findings;
    assert.ok(fa.length > 0 && fa.every((f) => f.patch.fragment), a.out);
    const t = await run('check', SAMPLE, '--git-dir', fx.dir, '--tree', join(ROOT, 'samples', 'tree'));
    assert.match(t.err, /is not in .*: checked on --tree .*samples\/tree\n/);
    assert.doesNotMatch(t.out, /rebuilt from the hunks/);
    const b = await run('check', SAMPLE, '--git-dir', fx.dir, '--base', fx.ids.base);
    assert.match(b.err, new RegExp(`^mmlens: ${SAMPLE}: applied on --base ${fx.ids.base.slice(0, 12)} of ${fx.dir} \\(files read from git\\)\n`));
    assert.doesNotMatch(b.out, /rebuilt from the hunks/);
    assert.equal(b.code, 1);
  });
});
