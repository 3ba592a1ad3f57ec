// What the code-server suites share beyond starting code-server (./code-server.ts): the tools check, the temporary
// user-data/extensions/home directories and their settings, Chromium and the workbench page, the workbench actions
// (Quick Open, the command palette, Go to Line, bounded polling), screenshots, and the failure report and clean-up.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { codeServerEnv, findChromium, findCodeServer, findFiles, killMarked, tail, type CodeServerDirs, type RunningCodeServer } from './code-server';

/** The default bound of a UI wait (page.setDefaultTimeout and the polls that do not say otherwise). */
export const UI_TIMEOUT = 45_000;

/** Monaco renders spaces as NBSP. */
export function norm(s: string): string {
  return s.replace(/\u00a0/g, ' ').trim();
}

/** code-server and Chromium, or a failed assertion naming where they were looked for and how to install them. */
export function requireTools(): { codeServer: string; chromium: string } {
  const codeServer = findCodeServer();
  const browserPath = findChromium();
  const missing = [
    !codeServer.path && `code-server (looked at ${codeServer.looked.join(', ')}; run .ci/install-code-server.sh or set MMLENS_CODE_SERVER)`,
    !browserPath.path && `chromium (looked at ${browserPath.looked.join(', ')}; apt-get install chromium or set MMLENS_CHROMIUM)`,
  ].filter((s): s is string => typeof s === 'string');
  if (missing.length > 0 || !codeServer.path || !browserPath.path) {
    assert.fail(`not found: ${missing.join('; ')}; \`npm test\` installs both (test/setup.sh)`);
  }
  return { codeServer: codeServer.path, chromium: browserPath.path };
}

export interface Sandbox {
  /** Tags every process of the run (code-server's; `${marker}-browser` for Chromium's) for the clean-up. */
  marker: string;
  tmp: string;
  dirs: CodeServerDirs;
  /** The folder code-server opens, `<tmp>/<name>`; created by the caller (copied from samples/tree or made empty). */
  workspace: string;
  /** Where screenshots go: MMLENS_E2E_SCREENSHOTS, else the suite's default, else `<tmp>/screenshots`. */
  shots: string;
  env: NodeJS.ProcessEnv;
}

/** A temporary directory with code-server's user-data, extensions and home directories, and the screenshots folder. */
export function makeSandbox(prefix: string, workspaceName: string, defaultShots?: string): Sandbox {
  const marker = randomUUID();
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const shots = process.env.MMLENS_E2E_SCREENSHOTS || defaultShots || join(tmp, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const dirs = { userDataDir: join(tmp, 'user-data'), extensionsDir: join(tmp, 'extensions'), home: join(tmp, 'home') };
  for (const d of [dirs.userDataDir, dirs.extensionsDir, dirs.home, join(dirs.userDataDir, 'User')]) mkdirSync(d, { recursive: true });
  return { marker, tmp, dirs, workspace: join(tmp, workspaceName), shots, env: codeServerEnv(dirs, marker) };
}

/** A quiet, deterministic workbench: no welcome page, trust prompt, tips, update checks, minimap or sticky scroll. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
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
  'window.restoreWindows': 'none',
};

/** The user settings.json (code-server reads it at start, it does not apply later edits live). */
export function writeUserSettings(dirs: CodeServerDirs, settings: Record<string, unknown>): void {
  writeFileSync(join(dirs.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

export interface BrowserOptions {
  viewport: { width: number; height: number };
  args: string[];
  /** Bound of Chromium's launch; undefined: playwright's own. */
  launchTimeout?: number;
}

/** The options of the suites that drive the workbench at length. */
export const WORKBENCH_BROWSER: BrowserOptions = {
  viewport: { width: 1600, height: 1000 },
  args: ['--disable-gpu', '--disable-background-networking'],
  launchTimeout: 30_000,
};

/** Headless Chromium, tagged `${marker}-browser`, and a page whose waits default to UI_TIMEOUT. */
export async function launchPage(chromiumPath: string, box: Sandbox, options: BrowserOptions): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    chromiumSandbox: false,
    args: options.args,
    env: { ...box.env, MMLENS_E2E_MARKER: `${box.marker}-browser` },
    timeout: options.launchTimeout,
  });
  const page = await (await browser.newContext({ viewport: options.viewport })).newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  return { browser, page };
}

/** Opens the workspace in the page and waits (bounded) until the explorer lists `listed`. */
export async function loadWorkbench(page: Page, server: RunningCodeServer, workspace: string, listed: string): Promise<void> {
  await page.goto(`${server.url}?folder=${encodeURIComponent(workspace)}`, { timeout: 30_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The explorer lists the workspace once the remote file system is ready.
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: listed }).first().waitFor({ timeout: 60_000 });
}

/** Polls `probe` until it returns a value, every 250 ms, for at most `ms`; a throw counts as "not yet". */
export async function poll<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
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

/** Polls the text of the first `selector` until `ok` accepts it (bounded by UI_TIMEOUT). */
export async function expectText(page: Page, selector: string, ok: (text: string) => boolean, what: string): Promise<string> {
  return poll(
    async () => {
      const text = (await page.locator(selector).first().textContent({ timeout: 2_000 })) ?? '';
      return ok(text) ? text : undefined;
    },
    UI_TIMEOUT,
    what,
  );
}

/** Quick Open (Ctrl+P): type the name (`name:line` with a line), pick the row, wait until its tab is the active one
 * and an editor shows. */
export async function openFile(page: Page, name: string, line?: number): Promise<void> {
  await poll(
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(line === undefined ? name : `${name}:${line}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 10_000 });
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

/** Command palette (F1): type the title, wait for the row, run it, and (unless the command opens a picker of its
 * own) wait until the palette has closed. Escape first closes whatever quick input or hover is open; no click, which
 * would move the active editor's cursor. */
export async function runCommand(page: Page, title: string, opensPicker = false): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  if (!opensPicker) await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Go to Line (Ctrl+G) `line` or `line:column` in the active editor, which keeps the focus. */
export async function goToLine(page: Page, line: number, column?: number): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(column === undefined ? `:${line}` : `:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** The Problems panel's text ('' while it is not there). */
export async function markersText(page: Page): Promise<string> {
  return (await page.locator('.markers-panel').first().innerText({ timeout: 2_000 }).catch(() => '')).replace(/\u00a0/g, ' ');
}

/** The active editor's rendered lines. */
export async function editorText(page: Page): Promise<string> {
  return (await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText({ timeout: 2_000 })).replace(/\u00a0/g, ' ');
}

/** `shot(name)` saves the page as `<shots>/<NN>-<name>.png` (numbered in order) or `<shots>/<name>.png`; no page, no
 * screenshot, and a screenshot that fails is not a second failure. */
export function screenshots(t: TestContext, shots: string, page: () => Page | undefined, numbered: boolean): (name: string) => Promise<void> {
  let n = 0;
  return async (name) => {
    const p = page();
    if (!p) return;
    const file = join(shots, numbered ? `${String(++n).padStart(2, '0')}-${name}.png` : `${name}.png`);
    await p.screenshot({ path: file, timeout: 10_000 }).catch(() => {});
    t.diagnostic(`screenshot ${file}`);
  };
}

export interface FailureReport {
  shot: (name: string) => Promise<void>;
  page: Page | undefined;
  server: RunningCodeServer | undefined;
  box: Sandbox;
  /** Print the text of the workbench's panel. */
  panelText?: boolean;
  /** Copy the extension host and Kernel MM Lens logs next to the screenshots. */
  saveLogs?: boolean;
}

/** After a failure: a `failure` screenshot, the panel's text, code-server's log tail and the extension logs' tails. */
export async function reportFailure(t: TestContext, r: FailureReport): Promise<void> {
  await r.shot('failure');
  if (r.panelText && r.page) {
    const panel = await r.page.locator('[id="workbench.parts.panel"]').innerText({ timeout: 2_000 }).catch((e: unknown) => `(no panel text: ${String(e)})`);
    t.diagnostic(`panel text:\n${panel.slice(0, 1_500)}`);
  }
  if (r.server) t.diagnostic(`code-server log:\n${tail(r.server.logPath)}`);
  for (const f of findFiles(join(r.box.dirs.userDataDir, 'logs'), /Kernel MM Lens|exthost\.log$|remoteexthost\.log$/)) {
    t.diagnostic(`${f}:\n${tail(f, 3_000)}`);
    if (r.saveLogs) saveCopy(f, join(r.box.shots, basename(f)));
  }
}

/** Closes Chromium (bounded) and stops code-server, then kills whatever still carries the run's marker. */
export async function stopAll(t: TestContext, box: Sandbox, browser: Browser | undefined, server: RunningCodeServer | undefined): Promise<void> {
  const leftovers: string[] = [];
  if (browser) await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  leftovers.push(...(await killMarked(`${box.marker}-browser`)));
  if (server) leftovers.push(...(await server.stop()));
  leftovers.push(...(await killMarked(box.marker)));
  if (leftovers.length > 0) t.diagnostic(`killed leftover processes: ${leftovers.join('; ')}`);
}

/**
 * Removes the temporary directory, except: everything with MMLENS_E2E_KEEP; the screenshots when they are kept
 * (after a failure, or always when they go to MMLENS_E2E_SCREENSHOTS or a suite's own folder), with code-server's
 * log beside them after a failure when `saveLogs`.
 */
export function cleanUp(t: TestContext, box: Sandbox, ok: boolean, server: RunningCodeServer | undefined, saveLogs: boolean): void {
  if (process.env.MMLENS_E2E_KEEP) {
    t.diagnostic(`kept ${box.tmp}`);
    return;
  }
  const inTmp = box.shots === join(box.tmp, 'screenshots');
  const keepShots = !ok || !inTmp;
  if (!ok && server && saveLogs) saveCopy(server.logPath, join(box.shots, 'code-server.log'));
  for (const name of readdirSync(box.tmp)) {
    const p = join(box.tmp, name);
    if (!(keepShots && p === box.shots)) rmSync(p, { recursive: true, force: true });
  }
  if (!keepShots || !inTmp) rmSync(box.tmp, { recursive: true, force: true });
  if (keepShots) t.diagnostic(`screenshots in ${box.shots}`);
}

/** Copies a log next to the screenshots of a failed run; a missing log is not a second failure. */
function saveCopy(from: string, to: string): void {
  try {
    copyFileSync(from, to);
  } catch {
    // nothing to keep
  }
}
