// The extension's own page and first run: the README shipped in the .vsix (client/README.md, not the developer
// README), the icon, the settings title, the walkthrough, `npm run package`, and the server version in the start log.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { COMMAND_SET_ERA, COMMAND_SHOW_FACTS } from '../../common/protocol';
import { SERVER_VERSION } from '../../server/src/server';
import { VSCE_PACKAGE_ARGS } from '../vscode/code-server';

const ROOT = join(__dirname, '..', '..');
const PAGE = 'client/README.md';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string; altText?: string };
  completionEvents?: string[];
}
interface Manifest {
  version: string;
  icon?: string;
  scripts: Record<string, string>;
  contributes: {
    commands: { command: string }[];
    configuration: { title?: string; properties: Record<string, unknown> };
    walkthroughs?: { id: string; title: string; description: string; steps: Step[] }[];
  };
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

/** The PNG signature and IHDR size of a file. */
function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${path} is a PNG`);
  assert.equal(b.subarray(12, 16).toString('ascii'), 'IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/**
 * VS Code's settings editor labels a setting from its key (settingsTreeModels.ts, settingKeyToDisplayFormat): the
 * part before the last dot is the category, camelCase split into words and capitalised ("kernelMmLens" → "Kernel Mm
 * Lens"), unless it repeats the settings group (the extension id, hyphens dropped: "kernel-mm-lens" → "kernelmmlens",
 * compared case-insensitively), in which case it is dropped. A condensed copy of that rule, to test our keys against.
 */
function settingCategory(key: string, groupId: string): string {
  const category = key.slice(0, key.lastIndexOf('.'));
  const parts = groupId.split('.').map((p) => (p.replace(/-/g, '').toLowerCase() === category.toLowerCase() ? p.replace(/-/g, '') : p));
  for (let n = parts.length; n > 0; n--) {
    const re = new RegExp(`^${parts.slice(0, n).join('\\.')}(\\.|$)`, 'i');
    if (re.test(category)) return category.replace(re, '');
  }
  return category.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^[a-z]/, (c) => c.toUpperCase());
}

describe('the extension page and first run', () => {
  test('npm run package builds production bundles, then packages with the extension page as README', () => {
    assert.equal(manifest.scripts.package, `node esbuild.mjs --production && vsce package ${VSCE_PACKAGE_ARGS.join(' ')}`);
    assert.ok(VSCE_PACKAGE_ARGS.includes('--readme-path') && VSCE_PACKAGE_ARGS[VSCE_PACKAGE_ARGS.indexOf('--readme-path') + 1] === PAGE);
  });

  test('the page names every setting and command, shows a screenshot that exists, and is not the developer README', () => {
    const page = readFileSync(join(ROOT, PAGE), 'utf8');
    for (const key of Object.keys(manifest.contributes.configuration.properties)) assert.ok(page.includes(`\`${key}\``), `${key} on the page`);
    assert.match(page, /Show facts for this file/);
    assert.match(page, /Set the kernel era for this folder/);
    assert.match(page, /Simulate this fault path/);
    assert.match(page, /## On the command line\n\n[^#]*`mmlens check/);
    assert.doesNotMatch(page, /npm ci|bench\/|test\/run\.mjs/, 'no developer instructions');
    const images = [...page.matchAll(/!\[[^\]]+\]\(([^)]+)\)/g)].map((m) => m[1]!);
    assert.deepEqual(images, ['media/screenshot.png']);
    const shot = pngSize(join(ROOT, images[0]!));
    assert.ok(shot.width >= 800 && shot.height >= 400, `a real screenshot (${shot.width}×${shot.height})`);
  });

  test('the icon is a square PNG of at least 128 pixels', () => {
    assert.equal(manifest.icon, 'media/icon.png');
    const { width, height } = pngSize(join(ROOT, manifest.icon));
    assert.equal(width, height);
    assert.ok(width >= 128);
  });

  test('the settings read "Kernel MM Lens": the title, and no "Kernel Mm Lens" category under the extension group', () => {
    assert.equal(manifest.contributes.configuration.title, 'Kernel MM Lens');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string };
    const groupId = `${pkg.publisher}.${pkg.name}`;
    assert.equal(settingCategory('kernelMmLens.era', 'search'), 'Kernel Mm Lens', 'the derivation, checked on a group it does not trim');
    for (const key of Object.keys(manifest.contributes.configuration.properties)) {
      const category = settingCategory(key, groupId);
      // vscode-languageclient fixes the trace key as <client id>.trace.server: its category is not the group alone, so
      // VS Code wordifies it ("Kernel Mm Lens › Trace: Server"), as for every language client; the only one left.
      assert.equal(category, key === 'kernelMmLens.trace.server' ? 'Kernel Mm Lens.trace' : '', `${key}: category "${category}"`);
    }
  });

  test('the walkthrough: open a patch, set the tree and era, simulate; every command and medium exists', () => {
    const w = manifest.contributes.walkthroughs ?? [];
    assert.equal(w.length, 1);
    assert.deepEqual(
      w[0]!.steps.map((s) => s.id),
      ['openPatch', 'setTreeAndEra', 'simulate'],
    );
    const ours = new Set(manifest.contributes.commands.map((c) => c.command));
    const builtIn = new Set(['workbench.action.files.openFile', 'workbench.action.openSettings']);
    for (const s of w[0]!.steps) {
      const md = s.media.markdown;
      assert.ok(md && existsSync(join(ROOT, md)), `${s.id}: medium ${md}`);
      const commands = [...s.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]!);
      assert.ok(commands.length >= 1, `${s.id} has a button`);
      for (const c of commands) assert.ok(ours.has(c) || builtIn.has(c), `${s.id}: command ${c}`);
      assert.ok((s.completionEvents ?? []).length >= 1, `${s.id}: completion events`);
    }
    assert.ok(w[0]!.steps[1]!.description.includes(`command:${COMMAND_SET_ERA}`));
    assert.ok(ours.has(COMMAND_SHOW_FACTS));
  });

  test('the server reports the version of the package', () => {
    assert.equal(SERVER_VERSION, manifest.version);
  });

  test('the .vsix carries the page as its README, with the icon, screenshot and walkthrough media', { timeout: 180_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'mmlens-vsix-'));
    try {
      const vsix = join(out, 'x.vsix');
      const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
      const r = spawnSync(process.execPath, [vsce, 'package', ...VSCE_PACKAGE_ARGS, '--out', vsix], { cwd: ROOT, encoding: 'utf8', input: '' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
      assert.equal(list.status, 0, list.stderr);
      const files = list.stdout.split('\n').filter(Boolean);
      for (const f of ['extension/readme.md', 'extension/media/icon.png', 'extension/media/screenshot.png', 'extension/media/walkthrough/open-patch.md'])
        assert.ok(files.includes(f), `${f} in the .vsix`);
      assert.equal(files.filter((f) => /^extension\/readme\.md$/i.test(f)).length, 1, 'one README');
      const readme = spawnSync('unzip', ['-p', vsix, 'extension/readme.md'], { encoding: 'utf8' }).stdout;
      assert.equal(readme, readFileSync(join(ROOT, PAGE), 'utf8'), 'the page, with its relative image link kept');
      const vsixManifest = spawnSync('unzip', ['-p', vsix, 'extension.vsixmanifest'], { encoding: 'utf8' }).stdout;
      assert.match(vsixManifest, /<Icon>extension\/media\/icon\.png<\/Icon>/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
