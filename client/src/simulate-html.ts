// The simulation panel's HTML (pure: no vscode import, so tests render it): see simulate-panel.ts.
// A form with the scenario's parameters (preset, era, seed; per side the fault path's flags, retry set/clear, signal
// check, lock re-take, VMA lock, COMPLETED handling, or the GUP variant, FOLL flags, locked, vmas), pre-filled with
// what was run and marked "changed" where that differs from what was extracted; the outcome per side; the events,
// those of the extracted code linked to their line (list items and the SVG timeline's markers).
import { FAULT_FLAGS, GUP_FLAGS, GUP_VARIANTS, LOCK_RETAKES, SIGNAL_CHECKS } from '../../server/src/simulate/names';
import type { SimulatedSide, SimulateResponse } from '../../server/src/simulate/types';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PanelOptions {
  /** Why the last re-run did not run (an invalid parameter…): shown above the previous result. */
  error?: string;
}

type FieldKind = 'text' | 'number' | 'select' | 'checkbox';

interface Field {
  name: string;
  label: string;
  kind: FieldKind;
  /** Value run and value extracted, as the form shows them ('' = absent, 'true'/'false' for checkboxes). */
  value: string;
  extracted: string;
  options?: readonly string[];
  title?: string;
  /** What an empty text/number field means. */
  placeholder?: string;
}

const flags = (v: readonly string[] | undefined): string => (v === undefined ? '' : v.join('|'));
const bool = (v: boolean | undefined): string => (v ? 'true' : 'false');

function fieldHtml(f: Field, side: string): string {
  const changed = f.value !== f.extracted;
  const id = `f-${side.replace(/\W/g, '')}-${f.name.replace(/\W/g, '_')}`;
  const attrs = `id="${id}" name="${esc(f.name)}" data-side="${esc(side)}" data-field="${esc(f.name)}" data-kind="${f.kind}" data-extracted="${esc(f.extracted)}"${f.title ? ` title="${esc(f.title)}"` : ''}`;
  let input: string;
  if (f.kind === 'select') {
    const opts = [...(f.options ?? [])];
    if (!opts.includes(f.value)) opts.unshift(f.value);
    input = `<select ${attrs}>${opts.map((o) => `<option value="${esc(o)}"${o === f.value ? ' selected' : ''}>${esc(o || '(era default)')}</option>`).join('')}</select>`;
  } else if (f.kind === 'checkbox') {
    input = `<input type="checkbox" ${attrs}${f.value === 'true' ? ' checked' : ''}>`;
  } else {
    input = `<input type="${f.kind}" ${attrs} value="${esc(f.value)}"${f.kind === 'number' ? ' min="0" step="1"' : ''} placeholder="${esc(f.placeholder ?? '(era default)')}">`;
  }
  const note = changed ? ` <span class="was">(extracted: ${esc(f.extracted === '' ? 'era default' : f.extracted)})</span>` : '';
  return `<label class="field${changed ? ' changed' : ''}" for="${id}"><span class="name">${esc(f.label)}</span> ${input}${note}</label>`;
}

function sideFields(s: SimulatedSide): Field[] {
  const x = s.extracted;
  if (x.kind === 'gup') {
    const a = s.applied.gup ?? x.gup!;
    const e = x.gup!;
    return [
      { name: 'gup.variant', label: 'GUP variant', kind: 'select', value: a.variant, extracted: e.variant, options: GUP_VARIANTS },
      { name: 'gup.gup_flags', label: 'FOLL flags', kind: 'text', value: flags(a.gup_flags), extracted: flags(e.gup_flags), title: `| between names: ${GUP_FLAGS.join(' ')}`, placeholder: 'none' },
      { name: 'gup.locked', label: 'locked passed', kind: 'checkbox', value: bool(a.locked), extracted: bool(e.locked) },
      { name: 'gup.vmas', label: 'vmas passed', kind: 'checkbox', value: bool(a.vmas), extracted: bool(e.vmas) },
    ];
  }
  const a = s.applied.faultPath ?? {};
  const e = x.faultPath ?? {};
  const max = (r: typeof a.retry) => (r?.max === undefined || r.max === null ? '' : String(r.max));
  const title = `| between names: ${FAULT_FLAGS.join(' ')}`;
  return [
    { name: 'faultPath.initialFlags', label: 'initial flags', kind: 'text', value: flags(a.initialFlags), extracted: flags(e.initialFlags), title },
    { name: 'faultPath.retry.set', label: 'retry sets', kind: 'text', value: flags(a.retry?.set), extracted: flags(e.retry?.set), title, placeholder: 'none' },
    { name: 'faultPath.retry.clear', label: 'retry clears', kind: 'text', value: flags(a.retry?.clear), extracted: flags(e.retry?.clear), title, placeholder: 'none' },
    { name: 'faultPath.retry.max', label: 'max retries', kind: 'number', value: max(a.retry), extracted: max(e.retry), placeholder: 'unbounded' },
    { name: 'faultPath.signalCheck', label: 'signal check', kind: 'select', value: a.signalCheck ?? '', extracted: e.signalCheck ?? '', options: SIGNAL_CHECKS },
    { name: 'faultPath.lockRetake', label: 'lock re-taken', kind: 'select', value: a.lockRetake ?? '', extracted: e.lockRetake ?? '', options: ['', ...LOCK_RETAKES] },
    { name: 'faultPath.vmaLock', label: 'per-VMA lock first', kind: 'checkbox', value: bool(a.vmaLock), extracted: bool(e.vmaLock) },
    { name: 'faultPath.handlesCompleted', label: 'handles VM_FAULT_COMPLETED', kind: 'checkbox', value: bool(a.handlesCompleted), extracted: bool(e.handlesCompleted) },
  ];
}

function eventHtml(e: SimulatedSide['events'][number]): string {
  const text = `${e.t} µs · ${esc(e.task)} · ${esc(e.label)}`;
  if (e.documentLine !== undefined) return `<li class="src" data-line="${e.documentLine}" data-seq="${e.seq}" tabindex="0">${text} <span class="line">→ line ${e.documentLine + 1}</span></li>`;
  if (e.step) return `<li data-seq="${e.seq}">${text} <span class="noline">(${esc(e.step)}: no such statement in this code)</span></li>`;
  return `<li data-seq="${e.seq}" class="other">${text} <span class="noline">(not this code)</span></li>`;
}

export function renderPanelHtml(r: SimulateResponse, nonce: string, cspSource: string, opts: PanelOptions = {}): string {
  const options = r.presets.map((p) => `<option value="${esc(p)}"${p === r.preset ? ' selected' : ''}>${esc(p)}</option>`).join('');
  const first = r.sides[0];
  const common = first
    ? [
        fieldHtml({ name: 'era', label: 'Era', kind: 'text', value: first.applied.era, extracted: first.extracted.era }, 'all'),
        fieldHtml({ name: 'seed', label: 'Seed', kind: 'number', value: String(first.applied.seed), extracted: String(first.applied.presetSeed), placeholder: "the preset's" }, 'all'),
      ].join(' ')
    : '';
  const fieldsets = r.sides
    .map((s) => `<fieldset class="side-params" data-side="${esc(s.label)}" data-kind="${s.extracted.kind}"><legend>${esc(s.label)}</legend>${sideFields(s).map((f) => fieldHtml(f, s.label)).join('')}</fieldset>`)
    .join('');
  const sides = r.sides
    .map((s) => {
      const x = s.extracted;
      const links: Record<number, number> = {};
      for (const e of s.events) if (e.documentLine !== undefined) links[e.seq] = e.documentLine;
      return `<section class="side" data-side="${esc(s.label)}" data-links="${esc(JSON.stringify(links))}"><h2>${esc(s.label)}: ${esc(x.function)}() lines ${x.startLine}–${x.endLine}, era ${esc(s.applied.era)}</h2>
<p class="verdict">${esc(s.verdict)}</p>
<table class="outcomes"><tr><th>task</th><th>outcome</th></tr>${s.outcomes.map((o) => `<tr><td>${esc(o.task)}</td><td>${esc(o.outcome)}</td></tr>`).join('')}</table>
${x.notModelled.length ? `<ul class="not-modelled">${x.notModelled.map((n) => `<li>not modelled: ${esc(n)}</li>`).join('')}</ul>` : ''}
<div class="timeline">${s.svg}</div>
<details open><summary>events (click one with a line to show it in the editor)</summary><ol class="events">${s.events.slice(0, 400).map(eventHtml).join('')}</ol></details></section>`;
    })
    .join('');
  const error = opts.error ?? (r.ok ? undefined : (r.message ?? 'nothing simulated'));
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>body{font-family:var(--vscode-font-family);color:var(--vscode-foreground)} .sides{display:flex;gap:16px;flex-wrap:wrap} .side{flex:1;min-width:420px}
.src{cursor:pointer;text-decoration:underline} .noline{opacity:.65} .timeline svg{max-width:100%;height:auto;background:#fff} .timeline g.linked{cursor:pointer}
#f{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:flex-start} fieldset{display:flex;flex-wrap:wrap;gap:4px 12px} .field{white-space:nowrap}
.field.changed .name{font-weight:bold;color:var(--vscode-editorWarning-foreground,#b58900)} .was{opacity:.75;font-size:90%} .error{color:var(--vscode-errorForeground,#d00)}</style>
</head><body>
<form id="f"><label>Preset <select id="preset" name="preset">${options}</select></label> ${common} ${fieldsets} <button type="submit" id="rerun">Re-run</button></form>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<div class="sides">${sides}</div>
${r.comparison ? `<h2>Before → after</h2><pre class="comparison">${esc(r.comparison.text)}</pre>` : ''}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const names = (v) => v.split(/[|,\\s]+/).filter((n) => n).map((n) => n.replace(/^FAULT_FLAG_/, ''));
function collect(side) {
  const out = {};
  for (const el of document.querySelectorAll('[data-side="' + side + '"][data-field]')) {
    const path = el.dataset.field.split('.');
    let v;
    if (el.dataset.kind === 'checkbox') v = el.checked;
    else if (el.dataset.kind === 'number') v = el.value.trim() === '' ? null : Number(el.value);
    else if (['set', 'clear', 'gup_flags'].includes(path[path.length - 1])) v = names(el.value);
    else if (path[path.length - 1] === 'initialFlags') v = el.value.trim() === '' ? undefined : names(el.value);
    else v = el.value === '' ? undefined : el.value;
    if (v === undefined) continue;
    let o = out;
    for (const k of path.slice(0, -1)) o = o[k] = o[k] || {};
    o[path[path.length - 1]] = v;
  }
  return out;
}
document.getElementById('f').addEventListener('submit', (e) => {
  e.preventDefault();
  const all = collect('all');
  const overrides = {};
  if (all.era) overrides.era = all.era;
  const sides = [...document.querySelectorAll('fieldset.side-params')].map((fs) => fs.dataset.side);
  if (sides.length === 1) Object.assign(overrides, collect(sides[0]));
  else if (sides.length > 1) { overrides.sides = {}; for (const s of sides) overrides.sides[s] = collect(s); }
  const msg = { type: 'rerun', preset: document.getElementById('preset').value, overrides };
  if (all.seed !== null && all.seed !== undefined) msg.seed = all.seed;
  vscode.postMessage(msg);
});
const reveal = (line) => vscode.postMessage({ type: 'reveal', line });
for (const li of document.querySelectorAll('li.src')) {
  li.addEventListener('click', () => reveal(Number(li.dataset.line)));
  li.addEventListener('keydown', (e) => { if (e.key === 'Enter') reveal(Number(li.dataset.line)); });
}
for (const sec of document.querySelectorAll('section.side')) {
  const links = JSON.parse(sec.dataset.links);
  for (const g of sec.querySelectorAll('.timeline g.event[data-seq]')) {
    const line = links[g.getAttribute('data-seq')];
    if (line === undefined) continue;
    g.classList.add('linked');
    g.addEventListener('click', () => reveal(line));
  }
}
</script></body></html>`;
}
