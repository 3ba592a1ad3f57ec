// docs/ci.md: the GitHub Actions step that runs `mmlens check --git origin/master..HEAD --format sarif` is taken
// from the page and run with bash in a generated repository (a local `origin`, mmlens on the PATH), and its SARIF is
// validated against the 2.1.0 schema; the pre-push hook stops a push of the commit that introduces the error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildFixture, git, ROOT } from './git-fixture';
import { validateSarif } from './sarif-schema';

const tmp = mkdtempSync(join(tmpdir(), 'mmlens-ci-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const doc = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');

/** An `mmlens` on the PATH running this checkout's source (no build needed). */
function mmlensBin(): string {
  const bin = join(tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  const js = join(bin, 'mmlens.cjs');
  writeFileSync(
    js,
    `require(require.resolve('tsx/cjs', { paths: [${JSON.stringify(ROOT)}] }));\n` +
      `require(${JSON.stringify(join(ROOT, 'cli', 'mmlens.ts'))}).main(process.argv.slice(2)).then((c) => { process.exitCode = c; });\n`,
  );
  writeFileSync(join(bin, 'mmlens'), `#!/bin/sh\nexec '${process.execPath}' '${js}' "$@"\n`);
  chmodSync(join(bin, 'mmlens'), 0o755);
  return bin;
}

function yamlRunStep(): string {
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
  const m = /- name: mmlens check\n\s+shell: bash\n\s+run: \|\n((?:\s{10}.*\n)+)/.exec(yaml);
  assert.ok(m, 'the workflow has the "mmlens check" step');
  return m[1]!.split('\n').map((l) => l.slice(10)).join('\n');
}

describe('docs/ci.md', () => {
  it("the workflow's mmlens step produces valid SARIF with the branch's finding at its place in HEAD's files", () => {
    const origin = buildFixture(join(tmp, 'origin'));
    // The pull request branch: the series on top of master's base; master on origin is the base tree.
    git(origin.dir, 'checkout', '-q', '--detach');
    git(origin.dir, 'branch', '-q', '-f', 'pr', origin.ids.p3);
    git(origin.dir, 'branch', '-q', '-f', 'master', origin.ids.base);
    const work = join(tmp, 'work');
    git(tmp, 'clone', '-q', '--branch', 'pr', `file://${origin.dir}`, work);
    const step = yamlRunStep();
    assert.match(step, /mmlens check --git origin\/master\.\.HEAD --format sarif --output mmlens\.sarif/);
    const r = spawnSync('bash', ['-e', '-c', step], { cwd: work, encoding: 'utf8', env: { ...process.env, PATH: `${mmlensBin()}:${process.env.PATH}` } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /3 commit\(s\) in origin\/master\.\.HEAD: 3 checked/);
    const log = JSON.parse(readFileSync(join(work, 'mmlens.sarif'), 'utf8')) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    validateSarif(log);
    const errors = log.runs[0]!.results.filter((x) => x.level === 'error');
    assert.deepEqual(
      errors.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine]),
      [['forbidden-flag-combination', 'arch/foo/mm/fault.c', 59]],
    );
  });

  it('the pre-push hook stops a push that introduces the error, and lets a clean one through', () => {
    const hook = /```sh\n(#!\/bin\/sh\n# mmlens pre-push hook[\s\S]*?)```/.exec(doc)![1]!;
    const fx = buildFixture(join(tmp, 'hook'));
    const bare = join(tmp, 'hook-remote.git');
    git(tmp, 'init', '-q', '--bare', bare);
    git(fx.dir, 'remote', 'add', 'origin', bare);
    git(fx.dir, 'push', '-q', 'origin', `${fx.ids.p1}:refs/heads/master`);
    writeFileSync(join(fx.dir, '.git', 'hooks', 'pre-push'), hook);
    chmodSync(join(fx.dir, '.git', 'hooks', 'pre-push'), 0o755);
    const env = { ...process.env, PATH: `${mmlensBin()}:${process.env.PATH}` };
    const bad = spawnSync('git', ['push', 'origin', `${fx.ids.p2}:refs/heads/master`], { cwd: fx.dir, encoding: 'utf8', env });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /fault\.c:59:3: error: .*\[forbidden-flag-combination\]/);
    assert.match(bad.stderr, /1 finding\(s\) \(1 error, 0 warning, 0 information\)/);
    assert.match(bad.stderr, /error: failed to push some refs/);
    const ok = spawnSync('git', ['push', 'origin', `${fx.ids.side}:refs/heads/notes`], { cwd: fx.dir, encoding: 'utf8', env });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /1 commit\(s\) in .*: 0 checked, 1 naming no mm identifier/);
  });
});
