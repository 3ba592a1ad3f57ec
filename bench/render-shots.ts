import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { renderTimelineSvg } from '../simulator/src/render/svg-timeline';
import type { RunResult } from '../simulator/src/result';
(async () => {
  const dir = '/work/main/test/fixtures/simulator';
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.result.json'))) {
    const r = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as RunResult;
    const svg = renderTimelineSvg(r);
    const name = f.replace('.result.json', '');
    writeFileSync(`/tmp/mmr/${name}.svg`, svg);
    const m = /width="(\d+)" height="(\d+)"/.exec(svg);
    await page.setViewportSize({ width: Number(m?.[1] ?? 1200), height: Number(m?.[2] ?? 800) });
    await page.goto(`file:///tmp/mmr/${name}.svg`);
    await page.screenshot({ path: `/tmp/mmr/${name}.png` });
    console.log(name, svg.length);
  }
  await browser.close();
})();
