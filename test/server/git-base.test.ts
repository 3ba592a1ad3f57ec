// The language server on a patch inside a git checkout: analysed on its base-commit's tree (read from git) when the
// repository has that commit, else on the work tree; the log line and the facts say which.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { Analyzer, type Logger } from '../../server/src/lsp/analyzer';
import { buildFixture, git, SAMPLE } from '../cli/git-fixture';

const tmp = mkdtempSync(join(tmpdir(), 'mmlens-gitbase-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function logger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(`warn: ${m}`), error: (m) => void lines.push(`error: ${m}`) };
}

test('a series in a checkout: analysed on its base-commit from git (the work tree has moved on); otherwise on the work tree, said so', () => {
  const fx = buildFixture(join(tmp, 'repo'));
  const series = join(fx.dir, 'series.mbox');
  writeFileSync(series, git(fx.dir, 'format-patch', '--stdout', '--cover-letter', `--base=${fx.ids.base}`, `${fx.ids.base}..${fx.ids.p3}`) + '\n');
  const log = logger();
  const a = new Analyzer({ workspaceRoots: [fx.dir], log });
  const uri = pathToFileURL(series).href;
  const diags = a.analyze({ uri, languageId: 'kernel-mbox', text: readFileSync(series, 'utf8'), version: 1 });
  // Whole functions from the base tree: the error of patch 2 (fault.c is fault_32.c in the work tree).
  assert.ok(diags.some((d) => d.code === 'forbidden-flag-combination'), JSON.stringify(diags.map((d) => d.code)));
  const short = fx.ids.base.slice(0, 12);
  assert.deepEqual(log.lines, [`${series}: analysed on base-commit ${short} of repo (${fx.dir}), files read from git`]);
  assert.match(a.factsText(uri), new RegExp(`files read from git base-commit ${short} of ${fx.dir} \\(not the work tree\\)`));
  assert.match(a.factsText(uri), /arch\/foo\/mm\/fault\.c[^\n]*\n(?:.*\n)*?.*whole/);

  const other = join(fx.dir, 'other.mbox');
  copyFileSync(SAMPLE, other);
  const log2 = logger();
  const b = new Analyzer({ workspaceRoots: [fx.dir], log: log2 });
  const uri2 = pathToFileURL(other).href;
  b.analyze({ uri: uri2, languageId: 'kernel-mbox', text: readFileSync(other, 'utf8'), version: 1 });
  assert.deepEqual(log2.lines, [`${other}: base-commit d209cf277490 is not in the repository ${fx.dir}: analysed on the work tree ${fx.dir}`]);
  assert.match(b.factsText(uri2), new RegExp(`files read from ${fx.dir} \\(the work tree: base-commit d209cf277490 is not in the repository ${fx.dir}\\)`));
});
