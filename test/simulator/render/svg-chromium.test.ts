/**
 * The timeline pictures in a real browser: headless Chromium (Debian's /usr/bin/chromium through playwright-core).
 * Every RunResult fixture and every preset in simulator/scenarios/ (run through simulate(), so new presets are
 * covered automatically) must load as an <img> with a non-zero natural size, parse as an SVG document without a
 * parser error, expose the expected data-lane elements, and be screenshotted (PNG in a temp dir, path printed).
 * If Chromium cannot be launched this test FAILS with a message saying how to install it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { simulate, validateScenario } from '../../../simulator/src/index';
import type { RunResult } from '../../../simulator/src/result';
import { renderComparisonSvg } from '../../../simulator/src/render/compare';
import { renderTimelineSvg } from '../../../simulator/src/render/svg-timeline';
import { fixtureNames, loadFixture } from '../../fixtures/simulator/index';

const CHROMIUM = process.env.MMLENS_CHROMIUM ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PRESETS = join(__dirname, '../../../simulator/scenarios');
const outDir = mkdtempSync(join(tmpdir(), 'mmlens-svg-'));
let browser: Browser | null = null;
let launchError = '';

before(async () => {
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 30_000,
    });
  } catch (e) {
    launchError = e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
});

after(async () => {
  await browser?.close();
});

function needBrowser(): Browser {
  if (!browser) {
    assert.fail(
      `cannot launch Chromium at ${CHROMIUM} (${launchError || 'not found'}); install it with ` +
        '`npm test` (test/setup.sh) or `apt-get update && apt-get install -y chromium`, or set MMLENS_CHROMIUM',
    );
  }
  return browser;
}

interface Case {
  name: string;
  svg: string;
  lanes: string[];
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const n of fixtureNames()) {
    const r = loadFixture(n);
    out.push({ name: `fixture-${n}`, svg: renderTimelineSvg(r), lanes: ['mmap_lock', ...r.tasks.map((t) => `task:${t.id}`)] });
  }
  const presets = existsSync(PRESETS) ? readdirSync(PRESETS).filter((f) => f.endsWith('.json')).sort() : [];
  for (const f of presets) {
    const v = validateScenario(JSON.parse(readFileSync(join(PRESETS, f), 'utf8')));
    assert.ok(v.ok, `preset ${f} is invalid: ${v.ok ? '' : v.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    const r: RunResult = simulate(v.scenario);
    out.push({ name: `preset-${f.slice(0, -5)}`, svg: renderTimelineSvg(r), lanes: ['mmap_lock', ...r.tasks.map((t) => `task:${t.id}`)] });
  }
  const a = loadFixture('swap-wp-5.4');
  const b = loadFixture('swap-wp-5.7');
  out.push({ name: 'compare-swap-wp', svg: renderComparisonSvg(a, b), lanes: ['mmap_lock', 'task:writer', 'task:monitor', 'mmap_lock', 'task:writer', 'task:monitor'] });
  return out;
}

async function checkInBrowser(page: Page, c: Case): Promise<void> {
  const file = join(outDir, `${c.name}.svg`);
  writeFileSync(file, c.svg);
  const m = /width="(\d+)" height="(\d+)"/.exec(c.svg);
  assert.ok(m, 'root has width and height');
  const [w, h] = [Number(m[1]), Number(m[2])];

  // 1. As an image: a valid picture has a natural size.
  await page.setViewportSize({ width: 800, height: 600 });
  await page.goto('about:blank');
  await page.setContent(`<html><body style="margin:0"><img id="i" src="data:image/svg+xml;base64,${Buffer.from(c.svg).toString('base64')}"></body></html>`);
  // Page scripts are passed as strings: tsx's transpiled closures would reference helpers the page lacks.
  const size = (await page.evaluate(`new Promise((resolve) => {
    const img = document.getElementById('i');
    const done = (ok) => resolve({ w: img.naturalWidth, h: img.naturalHeight, ok });
    if (img.complete) done(img.naturalWidth > 0);
    else { img.onload = () => done(true); img.onerror = () => done(false); }
  })`)) as { w: number; h: number; ok: boolean };
  assert.ok(size.ok && size.w > 0 && size.h > 0, `${c.name}: <img> did not load (${JSON.stringify(size)})`);
  assert.equal(size.w, w);
  assert.equal(size.h, h);

  // 2. As a document: no parser error, the expected lanes.
  await page.setViewportSize({ width: w, height: Math.min(h, 4000) });
  await page.goto(`file://${file}`);
  const doc = (await page.evaluate(`({
    root: document.documentElement.nodeName,
    parserError: document.getElementsByTagName('parsererror').length,
    lanes: Array.from(document.querySelectorAll('[data-lane]')).map((e) => e.getAttribute('data-lane') || ''),
    legend: document.querySelectorAll('.legend').length,
    verdict: document.querySelectorAll('.verdict').length,
    box: document.documentElement.getBBox().width,
  })`)) as { root: string; parserError: number; lanes: string[]; legend: number; verdict: number; box: number };
  assert.equal(doc.root, 'svg', `${c.name}: not an SVG document`);
  assert.equal(doc.parserError, 0, `${c.name}: XML parser error`);
  assert.deepEqual(doc.lanes, c.lanes, `${c.name}: lanes`);
  assert.ok(doc.legend >= 1 && doc.verdict >= 1, `${c.name}: legend and verdict`);
  assert.ok(doc.box > 100, `${c.name}: something is drawn`);

  // 3. A screenshot to look at.
  const png = join(outDir, `${c.name}.png`);
  await page.screenshot({ path: png });
  assert.ok(statSync(png).size > 2000, `${c.name}: screenshot is not empty`);
}

test('every fixture, every preset and a comparison render as valid pictures in headless Chromium', async () => {
  const b = needBrowser();
  const page = await b.newPage();
  try {
    const all = cases();
    assert.ok(all.length >= fixtureNames().length + 1);
    for (const c of all) await checkInBrowser(page, c);
    console.log(`# ${all.length} pictures checked; screenshots in ${outDir}`);
  } finally {
    await page.close();
  }
});
