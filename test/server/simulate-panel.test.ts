// The simulation panel's HTML (client/src/simulate-panel.ts renderPanelHtml is pure): strict CSP with the nonce of
// its only script, the timeline's lanes, outcomes, what is not modelled, events linked to source lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSettings } from '../../common/settings';
import { Analyzer } from '../../server/src/lsp/analyzer';
import { simulateAt } from '../../server/src/simulate/run';
import { root } from './fixtures';
import { renderPanelHtml } from '../../client/src/simulate-html';

test('panel HTML: CSP allows only the nonce script and no remote content; lanes, outcomes, not-modelled, source links', () => {
  const text = readFileSync(join(root, 'test', 'fixtures', 'editor', 'fault.c'), 'utf8');
  const uri = 'file:///fault.c';
  const a = new Analyzer({ settings: resolveSettings({ era: '6.8' }) });
  const doc = { uri, languageId: 'c', text, version: 1 };
  a.update(doc);
  const r = simulateAt(a, doc, { uri, line: text.split('\n').findIndex((l) => l.startsWith('retry:')) });
  assert.equal(r.ok, true, r.message);
  const html = renderPanelHtml(r, 'NONCE123', 'vscode-resource:');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src vscode-resource: data:; style-src 'unsafe-inline'; script-src 'nonce-NONCE123';">/);
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.match(html, /<script nonce="NONCE123">/);
  assert.doesNotMatch(html, /(?:src|href)="https?:/);
  assert.match(html, /class="lane/);
  assert.match(html, /<td>vcpu0<\/td><td>ok<\/td>/);
  assert.match(html, /not modelled: the retry path calls toy_count_retry\(\)/);
  assert.match(html, /<li class="src" data-line="\d+" data-seq="\d+" tabindex="0">\d+ µs · vcpu0 · .* <span class="line">→ line \d+<\/span><\/li>/);
  assert.match(html, /<li data-seq="\d+" class="other">\d+ µs · monitor · .* <span class="noline">\(not this code\)<\/span><\/li>/);
});

test('panel HTML: the form is pre-filled with what ran, changed values marked against the extraction; an error is shown above the last result', () => {
  const text = readFileSync(join(root, 'test', 'fixtures', 'editor', 'fault.c'), 'utf8');
  const uri = 'file:///fault.c';
  const a = new Analyzer({ settings: resolveSettings({ era: '6.8' }) });
  const doc = { uri, languageId: 'c', text, version: 1 };
  a.update(doc);
  const line = text.split('\n').findIndex((l) => l.startsWith('retry:'));
  const plain = renderPanelHtml(simulateAt(a, doc, { uri, line }), 'N', 'vscode-resource:');
  assert.doesNotMatch(plain, /class="field changed"/);
  assert.match(plain, /<input type="text" id="f-thispath-faultPath_initialFlags" name="faultPath.initialFlags" data-side="this path" data-field="faultPath.initialFlags" data-kind="text" data-extracted="ALLOW_RETRY\|KILLABLE\|INTERRUPTIBLE" [^>]*value="ALLOW_RETRY\|KILLABLE\|INTERRUPTIBLE"/);
  assert.match(plain, /<select id="f-thispath-faultPath_signalCheck"[^>]*><option value="fault_signal_pending" selected>/);
  assert.match(plain, /data-links="\{&#34;\d+&#34;:\d+/);
  const r = simulateAt(a, doc, { uri, line, preset: 'fatal-signal-checked', seed: 7, overrides: { era: '6.6', faultPath: { signalCheck: 'none' } } });
  assert.equal(r.ok, true, r.message);
  const html = renderPanelHtml(r, 'N', 'vscode-resource:', { error: 'Not re-run: invalid parameter: era: "x"' });
  const changed = [...html.matchAll(/<label class="field changed" for="([^"]+)">.*?<span class="was">\(extracted: ([^)]*)\)<\/span><\/label>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(changed, [['f-all-era', '6.8'], ['f-all-seed', '1'], ['f-thispath-faultPath_signalCheck', 'fault_signal_pending']]);
  assert.match(html, /<td>app<\/td><td>livelock<\/td>/);
  assert.match(html, /<p class="error" role="alert">Not re-run: invalid parameter: era: &#34;x&#34;<\/p>/);
  assert.equal(html.match(/<script/g)?.length, 1);
});
