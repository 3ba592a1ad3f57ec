// End to end in a real VS Code: the packaged extension (.vsix from `vsce package`) installed into code-server, the
// workbench driven in headless Chromium through playwright-core, checking what a user sees:
//   1. a .mbox opens in the "Patch series (mbox)" language and is highlighted by our grammar;
//   2. "Kernel MM Lens: Show facts for this file" prints the facts of the series into an output channel (the language
//      server runs, answers mmLens/facts, and the client shows the result);
//   3. a truncated .patch gets the server's truncated-hunk diagnostic in the status bar count and the Problems panel.
// code-server is not a project dependency (too heavy): .ci/install-code-server.sh installs it, and `npm test` runs that
// (test/setup.sh). Without code-server or Chromium the test fails; `npm run test:quick` leaves it out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  codeServerEnv,
  ensureBuilt,
  findChromium,
  findCodeServer,
  findFiles,
  installExtension,
  killMarked,
  packageVsix,
  root,
  startCodeServer,
  tail,
  type RunningCodeServer,
} from './code-server';

const SERIES = 'gup-unlocked-v2.mbox';
const TRUNCATED = 'truncated-hunk.patch';
/** A `Signed-off-by:` line of the sample series (1-based). */
const TRAILER_LINE = 52;
/** A git diff whose only hunk declares 7 old / 6 new lines but stops after 4 / 3. */
const TRUNCATED_PATCH = [
  'diff --git a/mm/gup.c b/mm/gup.c',
  'index 1111111..2222222 100644',
  '--- a/mm/gup.c',
  '+++ b/mm/gup.c',
  '@@ -100,7 +100,6 @@ long pin_some_pages(unsigned long start)',
  ' {',
  '-\tmmap_read_lock(current->mm);',
  '-\tret = get_user_pages(start, 1, FOLL_WRITE, pages);',
  '+\tret = get_user_pages_unlocked(start, 1, pages, FOLL_WRITE);',
  ' \treturn ret;',
  '',
].join('\n');

/** Every wait is bounded; the whole test ends by itself well within its own timeout. */
const UI_TIMEOUT = 45_000;

test('the packaged extension in code-server: mbox language + highlighting, facts command, truncated-hunk problem', { timeout: 420_000 }, async (t) => {
  const codeServer = findCodeServer();
  const browserPath = findChromium();
  const missing = [
    !codeServer.path && `code-server (looked at ${codeServer.looked.join(', ')}; run .ci/install-code-server.sh or set MMLENS_CODE_SERVER)`,
    !browserPath.path && `chromium (looked at ${browserPath.looked.join(', ')}; apt-get install chromium or set MMLENS_CHROMIUM)`,
  ].filter((s): s is string => typeof s === 'string');
  if (missing.length > 0) {
    assert.fail(`not found: ${missing.join('; ')}; \`npm test\` installs both (test/setup.sh)`);
  }

  const started = Date.now();
  const step = (what: string) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  ensureBuilt();

  const marker = randomUUID();
  const tmp = mkdtempSync(join(tmpdir(), 'mmlens-vscode-e2e-'));
  const shots = process.env.MMLENS_E2E_SCREENSHOTS || join(tmp, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const dirs = { userDataDir: join(tmp, 'user-data'), extensionsDir: join(tmp, 'extensions'), home: join(tmp, 'home') };
  const workspace = join(tmp, 'workspace');
  for (const d of [dirs.userDataDir, dirs.extensionsDir, dirs.home, workspace]) mkdirSync(d, { recursive: true });

  // The workspace: the sample series and tree, and the truncated patch.
  copyFileSync(join(root, 'samples', 'series', SERIES), join(workspace, SERIES));
  cpSync(join(root, 'samples', 'tree'), join(workspace, 'tree'), { recursive: true });
  writeFileSync(join(workspace, TRUNCATED), TRUNCATED_PATCH);

  // Quiet, deterministic workbench: no welcome page, trust prompt, tips, update checks or minimap.
  mkdirSync(join(dirs.userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'editor.minimap.enabled': false,
        'editor.stickyScroll.enabled': false,
        'workbench.colorTheme': 'Default Dark Modern',
        'window.restoreWindows': 'none',
      },
      null,
      2,
    ),
  );

  const env = codeServerEnv(dirs, marker);
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let n = 0;
  const shot = async (name: string) => {
    if (!page) return;
    const file = join(shots, `${String(++n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, timeout: 10_000 }).catch(() => {});
    t.diagnostic(`screenshot ${file}`);
  };
  let ok = false;
  try {
    if (process.env.MMLENS_E2E_INSTALL === 'link') {
      // Development shortcut: the repository itself as an unpacked extension (no packaging; .vscodeignore untested).
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
      symlinkSync(root, join(dirs.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir');
      step('linked the repository into the extensions dir');
    } else {
      const vsix = packageVsix(tmp);
      step(`packaged ${vsix}`);
      installExtension(codeServer.path!, dirs, vsix, env);
      step('installed the .vsix into code-server');
    }

    server = await startCodeServer(codeServer.path!, dirs, workspace, env, join(tmp, 'code-server.log'), marker);
    step(`code-server up at ${server.url}`);

    browser = await chromium.launch({
      executablePath: browserPath.path!,
      headless: true,
      chromiumSandbox: false,
      args: ['--disable-gpu', '--disable-background-networking'],
      env: { ...env, MMLENS_E2E_MARKER: `${marker}-browser` },
      timeout: 30_000,
    });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    await page.goto(`${server.url}?folder=${encodeURIComponent(workspace)}`, { timeout: 30_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('[id="workbench.parts.statusbar"]').waitFor();
    // The explorer lists the workspace once the remote file system is ready.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: SERIES }).first().waitFor({ timeout: 60_000 });
    step('workbench loaded');
    await shot('workbench');

    // ── 1. the mbox: language mode and highlighting ─────────────────────────────────────────────────────────────
    await openFile(page, SERIES);
    await expectText(page, '[id="status.editor.mode"]', (s) => s.includes('Patch series (mbox)'), 'language mode "Patch series (mbox)"');
    step('mbox open in "Patch series (mbox)"');
    await goToLine(page, TRAILER_LINE);
    const tokens = await poll(
      async () => {
        const r = await trailerTokens(page!);
        return r && r.trailerClass !== r.plainClass && r.trailerColor !== r.plainColor ? r : undefined;
      },
      UI_TIMEOUT,
      'a highlighted Signed-off-by: trailer',
    );
    t.diagnostic(`tokens: ${JSON.stringify(tokens)}`);
    assert.notEqual(tokens.trailerClass, 'mtk1', 'the trailer has a colour of its own, not the default foreground');
    assert.ok(tokens.distinctClasses >= 3, `several token colours on screen (${tokens.distinctClasses})`);
    await shot('mbox-highlighted');

    // ── 2. facts command → a read-only facts document beside the file (its links: test/vscode/ux.e2e.test.ts) ────
    await runCommand(page, 'Kernel MM Lens: Show facts for this file');
    await page.locator('.tabs-container .tab.active', { hasText: `${SERIES} (facts)` }).waitFor({ timeout: UI_TIMEOUT });
    const factsEditor = page.locator('.editor-group-container.active .editor-instance .view-lines').first();
    const facts = await poll(
      async () => {
        const text = (await factsEditor.innerText({ timeout: 2_000 }).catch(() => '')).replace(/\u00a0/g, ' ');
        return /mbox series, v2, 3 patch\(es\), cover letter/.test(text) ? text : undefined;
      },
      UI_TIMEOUT,
      'the facts document of the series',
    );
    t.diagnostic(`facts on screen: ${facts.split('\n').slice(0, 3).join(' | ')}`);
    assert.match(facts, /mbox series, v2, 3 patch\(es\), cover letter/);
    step('facts shown as a document');
    await shot('facts-document');

    // ── 3. the truncated patch: diagnostics in the status bar and the Problems panel ─────────────────────────────
    await openFile(page, TRUNCATED);
    await expectText(page, '[id="status.editor.mode"]', (s) => s.trim() === 'Diff', 'language mode "Diff"');
    const errors = await poll(
      async () => {
        const label = (await page!.locator('[id="status.problems"] a, [id="status.problems"]').first().getAttribute('aria-label')) ?? '';
        const m = /Errors?:\s*(\d+)/i.exec(label) ?? /(\d+)\s+errors?/i.exec(label);
        const count = m ? Number(m[1]) : 0;
        return count >= 1 ? { count, label } : undefined;
      },
      150_000,
      'an error count ≥ 1 in the status bar',
    );
    t.diagnostic(`status bar problems: ${errors.label}`);
    await page.keyboard.press('Control+Shift+M');
    const problems = await poll(
      async () => {
        const text = (await page!.locator('.markers-panel').first().innerText({ timeout: 2_000 }).catch(() => '')).replace(/\u00a0/g, ' ');
        return /truncated hunk/.test(text) ? text : undefined;
      },
      UI_TIMEOUT,
      'the truncated-hunk problem in the Problems panel',
    );
    t.diagnostic(`problems panel: ${problems.replace(/\s+/g, ' ').slice(0, 300)}`);
    assert.match(problems, /truncated hunk: header declares 7 old \/ 6 new lines/);
    assert.match(problems, new RegExp(TRUNCATED.replace('.', '\\.')));
    assert.match(problems, /kernel-mm-lens\W*truncated-hunk\b/, 'the problem comes from our server, code truncated-hunk');
    step('truncated-hunk problem listed');
    await shot('problems');

    // ── the logs: activated, no error from the client or the server ─────────────────────────────────────────────
    const logs = join(dirs.userDataDir, 'logs');
    const hostLog = findFiles(logs, /^(remote)?exthost\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
    assert.match(hostLog, /_doActivateExtension kernel-mm-lens\.kernel-mm-lens\b/, 'the extension host activated Kernel MM Lens');
    assert.doesNotMatch(hostLog, /kernel-mm-lens\.kernel-mm-lens.*(failed|error)/i);
    const ourLogs = findFiles(logs, /^Kernel MM Lens\.log$/);
    assert.ok(ourLogs.length > 0, 'the "Kernel MM Lens" log channel exists');
    for (const f of ourLogs) assert.doesNotMatch(readFileSync(f, 'utf8'), /\[(error|warning)\]/, `${f} has no errors or warnings`);
    ok = true;
  } finally {
    if (!ok) {
      await shot('failure');
      if (page) {
        const panel = await page.locator('[id="workbench.parts.panel"]').innerText({ timeout: 2_000 }).catch((e: unknown) => `(no panel text: ${String(e)})`);
        t.diagnostic(`panel text:\n${panel.slice(0, 1_500)}`);
      }
      if (server) t.diagnostic(`code-server log:\n${tail(server.logPath)}`);
      for (const f of findFiles(join(dirs.userDataDir, 'logs'), /Kernel MM Lens|exthost\.log$|remoteexthost\.log$/)) {
        t.diagnostic(`${f}:\n${tail(f, 3_000)}`);
        saveCopy(f, join(shots, basename(f)));
      }
    }
    const leftovers: string[] = [];
    if (browser) await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    leftovers.push(...(await killMarked(`${marker}-browser`)));
    if (server) leftovers.push(...(await server.stop()));
    leftovers.push(...(await killMarked(marker)));
    if (leftovers.length > 0) t.diagnostic(`killed leftover processes: ${leftovers.join('; ')}`);
    // Kept: everything with MMLENS_E2E_KEEP; the screenshots (and logs) in MMLENS_E2E_SCREENSHOTS or after a failure.
    if (process.env.MMLENS_E2E_KEEP) t.diagnostic(`kept ${tmp}`);
    else {
      const keepShots = !ok || Boolean(process.env.MMLENS_E2E_SCREENSHOTS);
      if (!ok && server) saveCopy(server.logPath, join(shots, 'code-server.log'));
      for (const name of readdirSync(tmp)) {
        const p = join(tmp, name);
        if (!(keepShots && p === shots)) rmSync(p, { recursive: true, force: true });
      }
      if (!keepShots || shots !== join(tmp, 'screenshots')) rmSync(tmp, { recursive: true, force: true });
      if (keepShots) t.diagnostic(`screenshots in ${shots}`);
    }
  }
});

/** Copies a log next to the screenshots of a failed run; a missing log is not a second failure. */
function saveCopy(from: string, to: string): void {
  try {
    copyFileSync(from, to);
  } catch {
    // nothing to keep
  }
}

// ── workbench helpers ────────────────────────────────────────────────────────────────────────────────────────────

/** Polls `probe` until it returns a value, every 250 ms, for at most `ms`. */
async function poll<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function expectText(page: Page, selector: string, ok: (text: string) => boolean, what: string): Promise<string> {
  return poll(
    async () => {
      const text = (await page.locator(selector).first().textContent({ timeout: 2_000 })) ?? '';
      return ok(text) ? text : undefined;
    },
    UI_TIMEOUT,
    what,
  );
}

/** Quick Open (Ctrl+P): type the name, pick the row, wait until its tab is the active one. */
async function openFile(page: Page, name: string): Promise<void> {
  await poll(
    async () => {
      await focusWorkbench(page);
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(name);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 10_000 });
      return true;
    },
    UI_TIMEOUT,
    `${name} to open from Quick Open`,
  ).catch(async (error: unknown) => {
    await page.keyboard.press('Escape').catch(() => {});
    throw error;
  });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
}

/** Command palette (F1): type the title, wait for the row, run it. */
async function runCommand(page: Page, title: string): Promise<void> {
  await focusEditor(page);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Go to Line (Ctrl+G) in the active editor. */
async function goToLine(page: Page, line: number): Promise<void> {
  await focusEditor(page);
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

async function focusWorkbench(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
}

/** Closes whatever quick input or hover is open; the active editor keeps driving `editorLangId` (no clicks: a click
 * on the editor would move its cursor and scroll). */
async function focusEditor(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
}

/**
 * Token classes in the editor: the span holding "Signed-off-by" against the span of a plain prose line of the mail
 * body, with their computed colours and the number of distinct mtk classes on screen.
 */
interface TrailerTokens {
  trailerClass: string;
  trailerColor: string;
  plainClass: string;
  plainColor: string;
  distinctClasses: number;
  trailerLine: string;
}

/** Runs in the page (a string: the project compiles without the DOM library). */
const TRAILER_TOKENS_SCRIPT = `(() => {
  const editor = document.querySelector('.editor-instance .monaco-editor .view-lines');
  if (!editor) return undefined;
  const text = (e) => (e.textContent || '').replace(/\\u00a0/g, ' ');
  const spans = Array.from(editor.querySelectorAll('.view-line > span > span'));
  const trailer = spans.find((s) => text(s).startsWith('Signed-off-by'));
  // A line of prose: one span covering the whole line, starting with words (no header, trailer or diff line).
  const plain = Array.from(editor.querySelectorAll('.view-line > span'))
    .filter((l) => l.children.length === 1 && /^[a-z][a-z_() ]+ [a-z]+ /i.test(text(l)) && !/^[\\w-]+:/.test(text(l)))
    .map((l) => l.children[0])[0];
  if (!trailer || !plain) return undefined;
  return {
    trailerClass: trailer.className,
    trailerColor: getComputedStyle(trailer).color,
    plainClass: plain.className,
    plainColor: getComputedStyle(plain).color,
    distinctClasses: new Set(spans.map((s) => s.className)).size,
    trailerLine: text(trailer.parentElement),
  };
})()`;

/**
 * Token classes in the editor: the span holding "Signed-off-by" against the span of a plain prose line of the mail
 * body, with their computed colours and the number of distinct mtk classes on screen.
 */
async function trailerTokens(page: Page): Promise<TrailerTokens | undefined> {
  return (await page.evaluate(TRAILER_TOKENS_SCRIPT)) as TrailerTokens | undefined;
}

test('the truncated patch fixture declares more lines than its body has', () => {
  const lines = TRUNCATED_PATCH.split('\n');
  const header = /^@@ -\d+,(\d+) \+\d+,(\d+) @@/.exec(lines[4]!);
  assert.ok(header);
  const body = lines.slice(5).filter((l) => l !== '');
  const old = body.filter((l) => l[0] === ' ' || l[0] === '-').length;
  const neu = body.filter((l) => l[0] === ' ' || l[0] === '+').length;
  assert.deepEqual([Number(header[1]), Number(header[2])], [7, 6]);
  assert.deepEqual([old, neu], [4, 3]);
  // The UI assertion goes to line 52 of the sample for a trailer; keep them in step.
  assert.match(readFileSync(join(root, 'samples', 'series', SERIES), 'utf8').split('\n')[TRAILER_LINE - 1]!, /^Signed-off-by: /);
});
