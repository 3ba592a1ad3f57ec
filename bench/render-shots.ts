/**
 * Renders every RunResult fixture and every preset (through simulate()) to SVG and to a PNG screenshot in
 * headless Chromium, plus one before/after comparison, so a human can look at the pictures.
 * Usage: npx tsx bench/render-shots.ts [outdir]   (default /tmp/mmlens-shots)
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { simulate, validateScenario } from '../simulator/src/index';
import type { RunResult } from '../simulator/src/result';
import { renderComparisonSvg } from '../simulator/src/render/compare';
import { renderTimelineSvg } from '../simulator/src/render/svg-timeline';

const out = process.argv[2] ?? '/tmp/mmlens-shots';
const root = join(__dirname, '..');

function runs(): Array<[string, string]> {
  const list: Array<[string, string]> = [];
  const fx = join(root, 'test/fixtures/simulator');
  for (const f of readdirSync(fx).filter((x) => x.endsWith('.result.json'))) {
    list.push([`fixture-${f.replace('.result.json', '')}`, renderTimelineSvg(JSON.parse(readFileSync(join(fx, f), 'utf8')) as RunResult)]);
  }
  const pd = join(root, 'simulator/scenarios');
  const byName = new Map<string, RunResult>();
  for (const f of readdirSync(pd).filter((x) => x.endsWith('.json'))) {
    const v = validateScenario(JSON.parse(readFileSync(join(pd, f), 'utf8')));
    if (!v.ok) continue;
    const r = simulate(v.scenario);
    byName.set(f.replace('.json', ''), r);
    list.push([`preset-${f.replace('.json', '')}`, renderTimelineSvg(r)]);
  }
  const a = byName.get('file-io-writer-before');
  const b = byName.get('file-io-writer-after');
  if (a && b) list.push(['compare-file-io-writer', renderComparisonSvg(a, b)]);
  return list;
}

void (async () => {
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  for (const [name, svg] of runs()) {
    writeFileSync(join(out, `${name}.svg`), svg);
    const m = /width="(\d+)" height="(\d+)"/.exec(svg);
    await page.setViewportSize({ width: Number(m?.[1] ?? 1200), height: Number(m?.[2] ?? 800) });
    await page.goto(`file://${join(out, `${name}.svg`)}`);
    await page.screenshot({ path: join(out, `${name}.png`) });
    console.log(`${name}: ${svg.length} bytes`);
  }
  await browser.close();
})();
