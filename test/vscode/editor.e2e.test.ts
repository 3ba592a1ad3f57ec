// The editor features in a real VS Code: the packaged extension (.vsix) installed into code-server, driven in headless
// Chromium through playwright-core, with the real rule catalogue:
//   1. a .patch that adds a lock/get_user_pages()/unlock sequence, in a kernel tree: the gup-convertible-to-unlocked
//      finding is listed in the Problems panel;
//   2. its conversion quick fix (Ctrl+. → "… get_user_pages_fast …") rewrites the call, drops the lock and unlock
//      lines and recounts the hunk header: the problem goes, and the saved patch passes `git apply --check`;
//   3. "Kernel MM Lens: Simulate this fault path" on the call opens the simulation webview, whose DOM holds the SVG
//      timeline with a lane for mmap_lock and one per task of the preset;
//   4. in the webview's form, the GUP variant changed back to get_user_pages and re-run: the writer now waits for the
//      I/O (the verdict changes, the field is marked changed); clicking an event moves the editor's cursor to its line.
// Screenshots are kept on failure (and with MMLENS_E2E_SCREENSHOTS). MMLENS_E2E_VSIX=<file> tests a .vsix built
// beforehand (e.g. by `npm run package`) instead of packaging one here. Needs code-server and Chromium, like
// extension.e2e.test.ts (test/setup.sh installs them; `npm run test:quick` leaves this suite out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { ensureBuilt, findFiles, installExtension, packageVsix, root, startCodeServer, type RunningCodeServer } from './code-server';
import {
  QUIET_SETTINGS,
  UI_TIMEOUT,
  WORKBENCH_BROWSER,
  cleanUp,
  editorText,
  goToLine,
  launchPage,
  loadWorkbench,
  makeSandbox,
  markersText,
  openFile,
  poll,
  reportFailure,
  requireTools,
  runCommand,
  screenshots,
  stopAll,
  writeUserSettings,
} from './workbench';

const PATCH = '0001-foo_dma-add-foo_dma_pin_one.patch';
const PATCH_TEXT = readFileSync(join(root, 'test', 'fixtures', 'editor', 'foo-dma-pin-one.patch'), 'utf8');
/** 1-based line of the added get_user_pages call in the patch. */
const GUP_LINE = PATCH_TEXT.split('\n').findIndex((l) => l.startsWith('+\tret = get_user_pages(')) + 1;
/** What the preferred fix must make of the patch: the call converted, lock and unlock gone, the header recounted. */
const FIXED_TEXT = PATCH_TEXT.replace('@@ -59,3 +59,14 @@', '@@ -59,3 +59,12 @@')
  .replace('+\tmmap_read_lock(mm);\n', '')
  .replace('+\tmmap_read_unlock(mm);\n', '')
  .replace('get_user_pages(uaddr & PAGE_MASK, 1, FOLL_WRITE, page)', 'get_user_pages_fast(uaddr & PAGE_MASK, 1, FOLL_WRITE, page)');
const FIX_TITLE = 'Replace the locked get_user_pages with get_user_pages_fast(start, nr_pages, gup_flags, pages)';

test('the packaged extension in code-server: a rule finding in a patch, its conversion fix, and the simulation webview', { timeout: 300_000 }, async (t) => {
  const tools = requireTools();
  const started = Date.now();
  const step = (what: string) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  // The workspace is a kernel tree (top-level Makefile: 6.8) holding the patch, so rules see the whole file.
  const box = makeSandbox('mmlens-vscode-editor-', 'linux');
  const { dirs, workspace, env } = box;
  cpSync(join(root, 'samples', 'tree'), workspace, { recursive: true });
  writeFileSync(join(workspace, PATCH), PATCH_TEXT);
  writeUserSettings(dirs, { ...QUIET_SETTINGS, 'files.autoSave': 'off' });

  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const shot = screenshots(t, box.shots, () => page, true);
  let ok = false;
  try {
    let vsix = process.env.MMLENS_E2E_VSIX;
    if (!vsix) {
      ensureBuilt();
      vsix = packageVsix(box.tmp);
    }
    step(`installing ${vsix}`);
    installExtension(tools.codeServer, dirs, vsix, env);
    server = await startCodeServer(tools.codeServer, dirs, workspace, env, join(box.tmp, 'code-server.log'), box.marker);
    step(`code-server up at ${server.url}`);
    ({ browser, page } = await launchPage(tools.chromium, box, WORKBENCH_BROWSER));
    await loadWorkbench(page, server, workspace, PATCH);
    step('workbench loaded');

    // ── 1. the finding in the Problems panel ────────────────────────────────────────────────────────────────────
    await openFile(page, PATCH);
    await page.keyboard.press('Control+Shift+M');
    const problems = await poll(
      async () => {
        const text = await markersText(page!);
        return text.includes('gup-convertible-to-unlocked') ? text : undefined;
      },
      UI_TIMEOUT,
      'the gup-convertible-to-unlocked finding in the Problems panel',
    );
    t.diagnostic(`problems panel: ${problems.replace(/\s+/g, ' ').slice(0, 300)}`);
    assert.match(problems, /get_user_pages holds mmap_lock for the whole call, through page-in I\/O/);
    assert.match(problems, /kernel-mm-lens\W*gup-convertible-to-unlocked\b/);
    assert.match(problems, new RegExp(`\\[Ln ${GUP_LINE}, Col 9\\]`));
    step('finding listed in the Problems panel');
    await shot('problem');

    // ── 2. the conversion quick fix ─────────────────────────────────────────────────────────────────────────────
    await goToLine(page, GUP_LINE, 12);
    await poll(
      async () => {
        await page!.keyboard.press('Escape');
        await page!.keyboard.press('Control+.');
        await page!.locator(`.action-widget .monaco-list-row[aria-label="${FIX_TITLE}"]`).waitFor({ state: 'visible', timeout: 5_000 });
        const rows = await page!.locator('.action-widget .monaco-list-row').evaluateAll((es) => es.map((e) => e.getAttribute('aria-label')));
        t.diagnostic(`code actions: ${rows.join(' | ')}`);
        await shot('quick-fix-menu');
        // The widget's overlay takes the pointer: choose with the keyboard, as a user does.
        for (let i = 0; i < rows.length; i++) {
          const focused = await page!.locator('.action-widget .monaco-list-row.focused').getAttribute('aria-label', { timeout: 2_000 });
          if (focused === FIX_TITLE) break;
          await page!.keyboard.press('ArrowDown');
        }
        assert.equal(await page!.locator('.action-widget .monaco-list-row.focused').getAttribute('aria-label', { timeout: 2_000 }), FIX_TITLE);
        await page!.keyboard.press('Enter');
        return true;
      },
      UI_TIMEOUT,
      `the "${FIX_TITLE}" code action`,
    );
    await poll(async () => ((await editorText(page!)).includes('get_user_pages_fast(uaddr') ? true : undefined), UI_TIMEOUT, 'the call rewritten in the editor');
    await page.keyboard.press('Control+S');
    const saved = await poll(
      async () => {
        const s = readFileSync(join(workspace, PATCH), 'utf8');
        return s !== PATCH_TEXT ? s : undefined;
      },
      UI_TIMEOUT,
      'the patch saved',
    );
    assert.equal(saved, FIXED_TEXT);
    const check = spawnSync('git', ['apply', '--check', PATCH], { cwd: workspace, encoding: 'utf8' });
    assert.equal(check.status, 0, `git apply --check of the fixed patch: ${check.stderr}`);
    await poll(
      async () => {
        const text = await markersText(page!);
        return !text.includes('gup-convertible-to-unlocked') && /No problems have been detected/i.test(text) ? true : undefined;
      },
      UI_TIMEOUT,
      'the finding gone from the Problems panel',
    );
    step('quick fix applied: call converted, patch saved and applicable, problem gone');
    await shot('fixed');

    // ── 3. Simulate this fault path → the webview's timeline ────────────────────────────────────────────────────
    await goToLine(page, GUP_LINE - 1, 12);
    await runCommand(page, 'Kernel MM Lens: Simulate this fault path');
    const found = await poll(
      async () => {
        for (const frame of page!.frames()) {
          const r = await webviewTimeline(frame);
          if (r && r.lanes.length > 0) return r;
        }
        return undefined;
      },
      UI_TIMEOUT,
      'the timeline lanes in the simulation webview',
    );
    t.diagnostic(`webview: ${JSON.stringify(found)}`);
    assert.deepEqual(found.lanes, ['mmap_lock', 'task:dio', 'task:writer', 'task:ps']);
    assert.equal(found.heading, 'this path: foo_dma_pin_one() lines 68–68, era 6.8');
    assert.equal(found.verdict, 'dio: ok (1) at 2002 µs, 1 retry; writer: ok at 105 µs; ps: ok at 202 µs');
    assert.equal(found.variant, 'get_user_pages_fast');
    assert.match(found.csp, /default-src 'none'/);
    step('simulation webview shows the timeline');
    await shot('simulation');

    // ── 4. the form: another GUP variant, re-run; an event reveals its line ─────────────────────────────────────
    const form = await poll(async () => {
      for (const frame of page!.frames()) if ((await frame.locator('[data-field="gup.variant"]').count().catch(() => 0)) > 0) return frame;
      return undefined;
    }, UI_TIMEOUT, 'the parameters form in the webview');
    await form.selectOption('[data-field="gup.variant"]', 'get_user_pages');
    await form.click('#rerun');
    const rerun = await poll(
      async () => {
        for (const frame of page!.frames()) {
          const r = await webviewTimeline(frame);
          if (r && r.verdict.includes('max writer wait')) return { frame, r };
        }
        return undefined;
      },
      UI_TIMEOUT,
      'the re-run verdict with the locked get_user_pages',
    );
    assert.equal(rerun.r.verdict, 'dio: ok (1) at 2001 µs; writer: ok at 2006 µs; ps: ok at 2008 µs; max writer wait 1901 µs');
    assert.equal(rerun.r.variant, 'get_user_pages');
    assert.deepEqual(rerun.r.changed, ['GUP variant']);
    step('re-run with the form\'s variant: the writer waits for the I/O');
    await shot('rerun');
    await goToLine(page, 1, 1);
    const event = rerun.frame.locator('li.src', { hasText: 'get_user_pages returns 1' }).first();
    const eventLine = Number(await event.getAttribute('data-line'));
    assert.equal(eventLine + 1, GUP_LINE - 1, 'the GUP call\'s event links to the call (one line up after the fix)');
    await event.click();
    await poll(
      async () => {
        const status = await page!.locator('[id="status.editor.selection"]').first().innerText({ timeout: 2_000 }).catch(() => '');
        return status.includes(`Ln ${eventLine + 1},`) ? status : undefined;
      },
      UI_TIMEOUT,
      `the editor's cursor on line ${eventLine + 1} after clicking the event`,
    );
    step('clicking an event moved the cursor to its line');
    await shot('revealed');

    const logs = join(dirs.userDataDir, 'logs');
    for (const f of findFiles(logs, /^Kernel MM Lens\.log$/)) assert.doesNotMatch(readFileSync(f, 'utf8'), /\[(error|warning)\]/, `${f} has no errors or warnings`);
    ok = true;
  } finally {
    if (!ok) await reportFailure(t, { shot, page, server, box, saveLogs: true });
    await stopAll(t, box, browser, server);
    cleanUp(t, box, ok, server, true);
  }
});

test('the fixture patch adds one locked get_user_pages call and applies to the sample tree', () => {
  assert.equal(PATCH_TEXT.split('\n')[GUP_LINE - 1], '+\tret = get_user_pages(uaddr & PAGE_MASK, 1, FOLL_WRITE, page);');
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-fixture-'));
  try {
    const tree = join(dir, 'tree');
    cpSync(join(root, 'samples', 'tree'), tree, { recursive: true });
    writeFileSync(join(dir, 'a.patch'), PATCH_TEXT);
    writeFileSync(join(dir, 'b.patch'), FIXED_TEXT);
    for (const p of ['a.patch', 'b.patch']) {
      const r = spawnSync('git', ['apply', '--check', join(dir, p)], { cwd: tree, encoding: 'utf8' });
      assert.equal(r.status, 0, `${p}: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface WebviewTimeline {
  lanes: string[];
  heading: string;
  verdict: string;
  /** The form's GUP variant, and the names of the fields marked changed. */
  variant: string;
  changed: string[];
  csp: string;
}

/** Runs in a frame (a string: the project compiles without the DOM library): the simulation panel's content. */
const TIMELINE_SCRIPT = `(() => {
  const lanes = Array.from(document.querySelectorAll('.timeline svg [data-lane]')).map((e) => e.getAttribute('data-lane'));
  if (lanes.length === 0) return undefined;
  const text = (sel) => (document.querySelector(sel)?.textContent || '').trim();
  return {
    lanes,
    heading: text('.side h2'),
    verdict: text('.side .verdict'),
    variant: document.querySelector('[data-field="gup.variant"]')?.value || '',
    changed: Array.from(document.querySelectorAll('.field.changed .name')).map((e) => e.textContent),
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') || '',
  };
})()`;

async function webviewTimeline(frame: Frame): Promise<WebviewTimeline | undefined> {
  try {
    return (await frame.evaluate(TIMELINE_SCRIPT)) as WebviewTimeline | undefined;
  } catch {
    return undefined; // a frame that went away or is not ready
  }
}
