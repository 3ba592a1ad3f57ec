// What a newcomer meets in a real VS Code (issue 12): the packaged extension (.vsix from `vsce package` with the
// flags of `npm run package`) installed into code-server, the workbench driven in headless Chromium:
//   1. the era of the active document in the status bar ("MM era 6.8 (Makefile)" in a tree whose Makefile says 6.8);
//   2. "Show facts for this file" opens a read-only facts document at its top, beside the file, with "[patch line N]"
//      links into the series and "L<n>" links into the tree; a Ctrl+click on "L39" opens drivers/misc/foo_dma.c there;
//   3. a click on the era item offers auto, the detected era and the common versions; picking 5.10 writes
//      kernelMmLens.era into the folder's .vscode/settings.json and the item then reads "MM era 5.10 (setting)";
//   4. the walkthrough "Get started with Kernel MM Lens" opens with its three steps;
//   5. the settings editor filtered to the extension, and the first line of the "Kernel MM Lens" log.
// Screenshots of each step are kept in MMLENS_E2E_SCREENSHOTS (default: test/vscode/artifacts/ux) to be looked at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, findFiles, installExtension, packageVsix, root, startCodeServer, type RunningCodeServer } from './code-server';
import {
  QUIET_SETTINGS,
  UI_TIMEOUT,
  WORKBENCH_BROWSER,
  cleanUp,
  launchPage,
  loadWorkbench,
  makeSandbox,
  norm,
  openFile,
  poll,
  reportFailure,
  requireTools,
  runCommand,
  screenshots,
  stopAll,
  writeUserSettings,
} from './workbench';
import { SERVER_VERSION } from '../../server/src/server';

const SERIES = 'gup-unlocked-v2.mbox';
/** The series line the first "[patch line N -]" of its facts points at (the removed mmap_read_lock). */
const LINKED_LINE = 75;

test('the era in the status bar and its picker, the facts document and its links, the walkthrough', { timeout: 480_000 }, async (t) => {
  const tools = requireTools();
  const started = Date.now();
  const step = (what: string) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  ensureBuilt();
  // The workspace is a kernel tree (the sample tree: Makefile 6.8) with the series saved at its top.
  const box = makeSandbox('mmlens-ux-e2e-', 'linux', join(root, 'test', 'vscode', 'artifacts', 'ux'));
  const { dirs, workspace, env, shots } = box;
  cpSync(join(root, 'samples', 'tree'), workspace, { recursive: true });
  copyFileSync(join(root, 'samples', 'series', SERIES), join(workspace, SERIES));
  writeUserSettings(dirs, { ...QUIET_SETTINGS, 'workbench.colorTheme': 'Default Dark Modern' });

  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const shot = screenshots(t, shots, () => page, false);
  let ok = false;
  try {
    installExtension(tools.codeServer, dirs, packageVsix(box.tmp), env);
    step('packaged and installed the .vsix');
    server = await startCodeServer(tools.codeServer, dirs, workspace, env, join(box.tmp, 'code-server.log'), box.marker);
    ({ browser, page } = await launchPage(tools.chromium, box, WORKBENCH_BROWSER));
    await loadWorkbench(page, server, workspace, SERIES);
    step('workbench loaded');

    // ── 1. the era in the status bar ──────────────────────────────────────────────────────────────────────────
    await openFile(page, SERIES);
    const eraItem = page.locator('.statusbar-item', { hasText: 'MM era' }).first();
    const eraText = await poll(async () => {
      const s = norm(await eraItem.innerText({ timeout: 2_000 }));
      return /MM era \d/.test(s) ? s : undefined;
      // The first analysis of the series (the tree read, every patch applied) on a loaded 2-core machine.
    }, 150_000, 'the era in the status bar');
    assert.equal(eraText, 'MM era 6.8 (Makefile)');
    const tooltip = (await eraItem.locator('a').first().getAttribute('aria-label')) ?? '';
    t.diagnostic(`era item: "${eraText}", aria-label "${tooltip}"`);
    step('status bar shows the era');

    // ── 2. facts as a document with links ─────────────────────────────────────────────────────────────────────
    await runCommand(page, 'Kernel MM Lens: Show facts for this file');
    const factsTab = page.locator('.tabs-container .tab.active', { hasText: `${SERIES} (facts)` });
    await factsTab.waitFor();
    const factsEditor = page.locator('.editor-group-container.active .editor-instance .view-lines').first();
    const top = await poll(async () => {
      const s = norm(await factsEditor.innerText({ timeout: 2_000 }));
      return s.includes('mbox series, v2, 3 patch(es)') ? s : undefined;
    }, UI_TIMEOUT, 'the facts document');
    const firstLine = top.split('\n')[0]!;
    assert.match(firstLine, new RegExp(`${SERIES.replace('.', '\\.')}: mbox series, v2, 3 patch\\(es\\), cover letter$`), 'opens at its top');
    assert.match(top, /era 6\.8 from Makefile VERSION\/PATCHLEVEL/);
    // Read-only: typing does not change it.
    await page.keyboard.type('zzz');
    assert.ok(!norm(await factsEditor.innerText()).includes('zzz'), 'the facts document is read-only');
    // Links: "[patch line 75 -]" into the series, and "L39" of the first file's before side into the tree file.
    const patchLink = page.locator('.editor-group-container.active .view-lines span.detected-link', { hasText: `patch line ${LINKED_LINE}` }).first();
    await patchLink.waitFor();
    const treeLink = page.locator('.editor-group-container.active .view-lines span.detected-link', { hasText: /^L39$/ }).first();
    await treeLink.waitFor();
    await shot('facts-document');
    // The series and its facts side by side, the series focused (the era item shows for files, not for the facts):
    // the extension page's screenshot (media/screenshot.png is a copy of it).
    await page.keyboard.press('Control+1');
    await poll(async () => (/MM era 6\.8 \(Makefile\)/.test(norm(await eraItem.innerText({ timeout: 2_000 }))) ? true : undefined), UI_TIMEOUT, 'the era item for the series');
    await shot('overview');
    await page.keyboard.press('Control+2');
    await page.locator('.editor-group-container.active .tabs-container .tab.active', { hasText: `${SERIES} (facts)` }).waitFor();
    // Monaco takes the mouse on its own layer (the spans do not receive pointer events): Ctrl+click at the link's place.
    const link = await treeLink.boundingBox();
    assert.ok(link, 'the L39 link is on screen');
    await page.mouse.move(link.x + link.width / 2, link.y + link.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.move(link.x + link.width / 2 + 1, link.y + link.height / 2);
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.up('Control');
    // The link opens the file in the active group (the facts' group).
    await page.locator('.editor-group-container.active .tabs-container .tab.active', { hasText: 'foo_dma.c' }).waitFor();
    const position = await poll(async () => {
      const s = norm(await page!.locator('[id="status.editor.selection"]').first().innerText({ timeout: 2_000 }));
      return /^Ln 39, Col 1\b/.test(s) ? s : undefined;
    }, UI_TIMEOUT, 'drivers/misc/foo_dma.c at line 39');
    t.diagnostic(`after the link: ${position}`);
    await shot('facts-link-opened');
    step('facts document and link');

    // ── 3. the era picker ─────────────────────────────────────────────────────────────────────────────────────
    await page.keyboard.press('Escape');
    // foo_dma.c (opened by the link) is the active file: wait for its analysis, then click.
    await poll(async () => (norm(await eraItem.innerText({ timeout: 2_000 })) === 'MM era 6.8 (Makefile)' ? true : undefined), UI_TIMEOUT, 'the era of foo_dma.c');
    await eraItem.click();
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible' });
    const labels = await poll(async () => {
      const all = (await rows.locator('.label-name').allInnerTexts()).map(norm);
      return all.length >= 5 ? all : undefined;
    }, UI_TIMEOUT, 'the era picker');
    t.diagnostic(`picker rows: ${labels.join(' | ')}`);
    assert.deepEqual(labels.slice(0, 3), ['auto', '6.8', '4.19']);
    await shot('era-picker');
    const input = page.locator('.quick-input-widget input');
    await input.fill('5.10');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'long-term kernel' }).first().waitFor();
    await page.keyboard.press('Enter');
    const afterPick = await poll(async () => {
      const s = norm(await eraItem.innerText({ timeout: 2_000 }));
      return s === 'MM era 5.10 (setting)' ? s : undefined;
    }, UI_TIMEOUT, 'the era from the setting');
    assert.equal(afterPick, 'MM era 5.10 (setting)');
    const folderSettings = JSON.parse(readFileSync(join(workspace, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(folderSettings['kernelMmLens.era'], '5.10');
    await shot('era-set');
    step('era picked and written to the folder settings');

    // ── 4. the walkthrough ────────────────────────────────────────────────────────────────────────────────────
    // The command opens a picker of walkthroughs: the quick input stays open.
    await runCommand(page, 'Welcome: Open Walkthrough...', true);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Kernel MM Lens' }).first().click();
    const walkthrough = page.locator('.gettingStartedContainer').first();
    const steps = await poll(async () => {
      const s = norm(await walkthrough.innerText({ timeout: 2_000 }));
      return s.includes('Simulate a fault path') ? s : undefined;
    }, UI_TIMEOUT, 'the walkthrough');
    for (const title of ['Get started with Kernel MM Lens', 'Open a patch or a series', 'Set the kernel tree and era', 'Simulate a fault path'])
      assert.ok(steps.includes(title), `walkthrough shows "${title}"`);
    // The first step is done: a patch series was opened.
    await shot('walkthrough');
    step('walkthrough');

    // ── 5. the settings editor and the start log line ────────────────────────────────────────────────────────
    await runCommand(page, 'Preferences: Open Settings (UI)');
    const search = page.locator('.settings-editor .suggest-input-container textarea, .settings-editor .search-container textarea').first();
    await search.waitFor();
    await search.fill('@ext:kernel-mm-lens.kernel-mm-lens');
    await page.locator('.settings-editor .setting-item-contents', { hasText: 'Kernel Tree' }).first().waitFor();
    const titles = (await page.locator('.settings-editor .setting-item-title').allInnerTexts()).map(norm);
    t.diagnostic(`settings titles with @ext: ${titles.join(' | ')}`);
    // In search results (and the extension page's "Settings" opens them with @ext:) VS Code names the category from
    // the key prefix, "kernelMmLens" → "Kernel Mm Lens"; no manifest field changes it short of renaming every key
    // (test/manifest/extension-page.test.ts has the derivation; browsing, the group trims it to "Era").
    assert.match(titles.join(' | '), /Kernel Mm Lens:\s*Era/);
    await shot('settings');

    const logs = findFiles(join(dirs.userDataDir, 'logs'), /^Kernel MM Lens\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
    const startLine = logs.split('\n').find((l) => l.includes('Kernel MM Lens server'));
    t.diagnostic(`start line: ${startLine ?? '(none)'}`);
    assert.ok(startLine?.endsWith(`Kernel MM Lens server ${SERVER_VERSION}, era auto (per document: Makefile, hints in the code, or the newest era), tree ${workspace}`), startLine);
    assert.doesNotMatch(logs, /\[error\]/);
    ok = true;
  } finally {
    if (!ok) await reportFailure(t, { shot, page, server, box });
    await stopAll(t, box, browser, server);
    cleanUp(t, box, ok, server, false);
  }
  assert.ok(existsSync(join(shots, 'facts-document.png')));
});
