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
  assert.match(html, /<li class="src" data-line="\d+">/);
});
