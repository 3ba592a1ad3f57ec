// The language server's use of .mmlens.json: the Analyzer applies the nearest file under the editor settings,
// greys out or hides baselined findings by kernelMmLens.baselinedFindings, says so when the config is invalid, and a
// .mmlens.json document gets its problems at the offending key.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { resolveSettings } from '../../common/settings';
import type { Io } from '../../cli/io';
import { main } from '../../cli/mmlens';
import { Analyzer } from '../../server/src/lsp/analyzer';
import { configDiagnostics } from '../../server/src/lsp/document-config';

const FIX = join(__dirname, '..', 'fixtures', 'rules');
const tmp = mkdtempSync(join(tmpdir(), 'mmlens-editor-config-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const quiet: Io = { stdout: () => {}, stderr: () => {} };

function diagnostics(path: string, settings: unknown = {}) {
  const a = new Analyzer({ settings: resolveSettings(settings) });
  return a.analyze({ uri: pathToFileURL(path).href, languageId: 'c', text: readFileSync(path, 'utf8'), version: 1 });
}

describe('.mmlens.json in the editor', () => {
  const dir = join(tmp, 'ws');
  mkdirSync(dir, { recursive: true });
  const c = join(dir, 'fault.c');
  copyFileSync(join(FIX, 'retry-without-tried', 'positive.c'), c);

  it('applies the nearest file; an editor setting wins over it', () => {
    const all = diagnostics(c);
    const removed = all.filter((d) => d.code === 'removed-gup-api').length;
    assert.ok(removed > 0);
    const plain = all.filter((d) => d.code === 'retry-without-tried');
    assert.equal(plain.length, 3);
    assert.ok(plain.every((d) => d.severity === DiagnosticSeverity.Warning));
    writeFileSync(join(dir, '.mmlens.json'), '{ "rules": { "retry-without-tried": "error", "removed-gup-api": "off" } }');
    const d = diagnostics(c);
    assert.deepEqual(d.filter((x) => x.code === 'retry-without-tried').map((x) => x.severity), [1, 1, 1]);
    assert.equal(d.filter((x) => x.code === 'removed-gup-api').length, 0);
    const s = diagnostics(c, { rules: { 'retry-without-tried': 'hint', 'removed-gup-api': 'warning' } });
    assert.deepEqual(s.filter((x) => x.code === 'retry-without-tried').map((x) => x.severity), [4, 4, 4]);
    assert.deepEqual(s.filter((x) => x.code === 'removed-gup-api').map((x) => x.severity), Array.from({ length: removed }, () => DiagnosticSeverity.Warning));
  });

  it('baselined findings: dim (hint, marked), hide, or show; a new finding keeps its severity', async () => {
    const b = join(dir, 'baseline.json');
    writeFileSync(join(dir, '.mmlens.json'), '{ "baseline": "baseline.json" }');
    assert.equal(await main(['check', c, '--no-progress', '--write-baseline', b], quiet), 0);
    const text = readFileSync(c, 'utf8');
    writeFileSync(c, text + '\nvoid extra(struct mm_struct *mm)\n{\n\tdown_read(&mm->mmap_sem);\n\tup_read(&mm->mmap_sem);\n}\n');
    const dim = diagnostics(c).filter((d) => d.code !== 'mmlens-config');
    const fresh = dim.filter((d) => !String(d.message).startsWith('(in the baseline) '));
    assert.ok(fresh.length >= 1, 'the new function has findings');
    assert.ok(fresh.every((d) => d.severity !== DiagnosticSeverity.Hint && d.range.start.line > text.split('\n').length - 1));
    const old = dim.filter((d) => String(d.message).startsWith('(in the baseline) '));
    assert.equal(old.length, 7);
    assert.ok(old.every((d) => d.severity === DiagnosticSeverity.Hint));
    assert.equal(diagnostics(c, { baselinedFindings: 'hide' }).length, fresh.length);
    assert.equal(diagnostics(c, { baselinedFindings: 'show' }).filter((d) => d.severity === DiagnosticSeverity.Hint).length, 0);
  });

  it('an invalid config is said on the document, not silently replaced by defaults', () => {
    writeFileSync(join(dir, '.mmlens.json'), '{ "tier": 7 }');
    const d = diagnostics(c);
    assert.equal(d[0]!.code, 'mmlens-config');
    assert.equal(d[0]!.message, `Kernel MM Lens configuration: ${join(dir, '.mmlens.json')} is invalid and not applied: ${join(dir, '.mmlens.json')}:1:11: tier: expected 1, 2 or 3 (rules of tier <= N run)`);
  });

  it('a .mmlens.json document: each problem at its key or value', () => {
    const text = '{\n  "era": "6.8",\n  "rulez": {}\n}';
    assert.deepEqual(configDiagnostics(text, '/w/.mmlens.json').map((d) => [d.range, d.severity, d.message]), [
      [{ start: { line: 2, character: 2 }, end: { line: 2, character: 9 } }, DiagnosticSeverity.Error, 'unknown key "rulez" in the configuration (allowed: era, kernelTree, tier, rules, skip, overrides, baseline)'],
    ]);
    assert.deepEqual(configDiagnostics('{ "era": "6.8" }', '/w/.mmlens.json'), []);
  });
});
