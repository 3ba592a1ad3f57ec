// Highlighting as a user sees it in the default themes: the sample series (.mbox) and a .patch in code-server, in
// Default Dark Modern and Default Light Modern. Checks the rendered colours (a removed line's code is not coloured
// like an added line's; a FAULT_FLAG_* flag is not coloured like the text around it) and keeps the screenshots
// (MMLENS_E2E_SCREENSHOTS, default test/vscode/artifacts/highlight) to be looked at. Fails without code-server or
// chromium (test/setup.sh installs them). Uses the repository as an unpacked extension (the packaging is extension.e2e's job).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, root, startCodeServer, type RunningCodeServer } from './code-server';
import { QUIET_SETTINGS, launchPage, makeSandbox, openFile, poll, requireTools, stopAll, writeUserSettings } from './workbench';

const SERIES = 'gup-unlocked-v2.mbox';
const PATCH = 'x86ish-retry.patch';
const THEMES = ['Default Dark Modern', 'Default Light Modern'];

/**
 * Colour of the first span holding `needle` on the first rendered line that starts with `marker` and holds
 * `lineText` (run in the page; a string, as the project compiles without DOM types). Monaco renders spaces as NBSP.
 */
async function spanColour(page: Page, marker: string, lineText: string, needle: string): Promise<string | undefined> {
  const script = `(() => {
    const [m, l, n] = ${JSON.stringify([marker, lineText, needle])};
    const norm = (s) => (s || '').replace(/\u00a0/g, ' ');
    for (const line of document.querySelectorAll('.editor-instance .view-line')) {
      const text = norm(line.textContent);
      if (!text.startsWith(m) || !text.includes(l)) continue;
      for (const span of line.querySelectorAll('span > span')) if (norm(span.textContent).includes(n)) return getComputedStyle(span).color;
    }
    return undefined;
  })()`;
  return (await page.evaluate(script)) as string | undefined;
}

test('removed and added lines differ, mm flags are coloured: .mbox and .patch in Dark Modern and Light Modern', { timeout: 240_000 }, async (t) => {
  // Missing tools fail the run (npm test installs them: test/setup.sh); npm run test:quick leaves this suite out.
  const tools = requireTools();
  ensureBuilt();
  const box = makeSandbox('mmlens-highlight-', 'workspace', join(root, 'test', 'vscode', 'artifacts', 'highlight'));
  const { tmp, dirs, workspace, shots } = box;
  mkdirSync(workspace, { recursive: true });
  copyFileSync(join(root, 'samples', 'series', SERIES), join(workspace, SERIES));
  copyFileSync(join(root, 'test', 'fixtures', 'fragments', 'x86ish-5.7', '0001.patch'), join(workspace, PATCH));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  symlinkSync(root, join(dirs.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir');
  const settings = (theme: string) => ({ ...QUIET_SETTINGS, 'editor.fontSize': 15, 'workbench.colorTheme': theme });
  for (const theme of THEMES) {
    // One code-server per theme, its settings written before it starts (code-server does not apply an edited
    // settings.json live, and driving the theme picker is slower and more fragile than a restart).
    writeUserSettings(dirs, settings(theme));
    const slug = theme.replace(/^Default /, '').replace(/\s+/g, '-').toLowerCase();
    let server: RunningCodeServer | undefined;
    let browser: Browser | undefined;
    try {
      server = await startCodeServer(tools.codeServer, dirs, workspace, box.env, join(tmp, `code-server-${slug}.log`), box.marker);
      let page: Page;
      ({ browser, page } = await launchPage(tools.chromium, box, { viewport: { width: 1400, height: 900 }, args: ['--disable-gpu'] }));
      await page.goto(`${server.url}?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: SERIES }).first().waitFor({ timeout: 60_000 });
      const themeClass = theme.includes('Light') ? /(?:^|\s)vs(?:\s|$)/ : /(?:^|\s)vs-dark(?:\s|$)/;
      await poll(async () => (themeClass.test((await page.locator('.monaco-workbench').getAttribute('class')) ?? '') ? true : undefined), 30_000, theme);

      // The mbox: patch 1's removed get_user_pages() lines and added get_user_pages_unlocked() line.
      await openFile(page, SERIES, 84);
      // The editor paints before the grammar is loaded (the extension activates later): wait, bounded, for the
      // colours to settle apart; the assertion below reports the last colours seen.
      const colours = async () => [
        await spanColour(page, '-', 'pinned = get_user_pages(', 'pinned'),
        await spanColour(page, '+', 'pinned = get_user_pages_unlocked(', 'pinned'),
      ];
      await poll(async () => { const [r, a] = await colours(); return r && a && r !== a ? true : undefined; }, 45_000, 'mbox colours').catch(() => {});
      const [removed, added] = await colours();
      await page.screenshot({ path: join(shots, `mbox-${slug}.png`) });
      t.diagnostic(`${theme} mbox: removed "pinned" ${removed}, added "pinned" ${added}`);
      assert.notEqual(removed, added, `${theme}: a removed line's code is coloured like an added line's`);

      // The .patch: FAULT_FLAG_DEFAULT on an added line against the text before it.
      await openFile(page, PATCH, 30);
      const patchColours = async () => [
        await spanColour(page, '+', 'flags = FAULT_FLAG_DEFAULT', 'FAULT_FLAG_DEFAULT'),
        await spanColour(page, '+', 'flags = FAULT_FLAG_DEFAULT', 'unsigned int'),
      ];
      await poll(async () => { const [f, x] = await patchColours(); return f && x && f !== x ? true : undefined; }, 45_000, 'patch colours').catch(() => {});
      const [flag, text] = await patchColours();
      await page.screenshot({ path: join(shots, `patch-${slug}.png`) });
      t.diagnostic(`${theme} patch: FAULT_FLAG_DEFAULT ${flag}, text ${text}`);
      assert.notEqual(flag, text, `${theme}: FAULT_FLAG_DEFAULT has the colour of the line around it`);
    } finally {
      await stopAll(t, box, browser, server);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});
