// The simulation panel's HTML (pure: no vscode import, so tests render it): see simulate-panel.ts.
import type { SimulateResponse } from '../../server/src/simulate/types';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderPanelHtml(r: SimulateResponse, nonce: string, cspSource: string): string {
  const options = r.presets.map((p) => `<option value="${esc(p)}"${p === r.preset ? ' selected' : ''}>${esc(p)}</option>`).join('');
  const sides = r.sides
    .map((s) => {
      const x = s.extracted;
      const events = s.events
        .slice(0, 400)
        .map((e) => `<li${e.documentLine !== undefined ? ` class="src" data-line="${e.documentLine}"` : ''}>${e.t} µs · ${esc(e.task)} · ${esc(e.label)}</li>`)
        .join('');
      return `<section class="side"><h2>${esc(s.label)}: ${esc(x.function)}() lines ${x.startLine}–${x.endLine}, era ${esc(x.era)}</h2>
<p class="verdict">${esc(s.verdict)}</p>
<table class="outcomes"><tr><th>task</th><th>outcome</th></tr>${s.outcomes.map((o) => `<tr><td>${esc(o.task)}</td><td>${esc(o.outcome)}</td></tr>`).join('')}</table>
${x.notModelled.length ? `<ul class="not-modelled">${x.notModelled.map((n) => `<li>not modelled: ${esc(n)}</li>`).join('')}</ul>` : ''}
<pre class="params">${esc(JSON.stringify(x.kind === 'gup' ? x.gup : x.faultPath, null, 2))}</pre>
<div class="timeline">${s.svg}</div>
<details><summary>events</summary><ol class="events">${events}</ol></details></section>`;
    })
    .join('');
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>body{font-family:var(--vscode-font-family);color:var(--vscode-foreground)} .sides{display:flex;gap:16px;flex-wrap:wrap} .side{flex:1;min-width:420px} .src{cursor:pointer;text-decoration:underline} .timeline svg{max-width:100%;height:auto;background:#fff}</style>
</head><body>
<form id="f"><label>Preset <select id="preset">${options}</select></label> <button type="submit">Re-run</button></form>
${r.ok ? '' : `<p class="error">${esc(r.message ?? 'nothing simulated')}</p>`}
<div class="sides">${sides}</div>
${r.comparison ? `<h2>Before → after</h2><pre class="comparison">${esc(r.comparison.text)}</pre>` : ''}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.getElementById('f').addEventListener('submit', (e) => { e.preventDefault(); vscode.postMessage({ type: 'rerun', preset: document.getElementById('preset').value }); });
for (const li of document.querySelectorAll('li.src')) li.addEventListener('click', () => vscode.postMessage({ type: 'reveal', line: Number(li.dataset.line) }));
</script></body></html>`;
}

