// package.json as a VS Code extension manifest: what VS Code and vsce need, and what the client and grammars rely on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { COMMAND_SET_ERA, COMMAND_SHOW_FACTS, LANGUAGE_IDS } from '../../common/protocol';

const ROOT = join(__dirname, '..', '..');

interface Language {
  id: string;
  aliases?: string[];
  extensions?: string[];
  firstLine?: string;
  configuration?: string;
}
interface Grammar {
  language?: string;
  scopeName: string;
  path: string;
  injectTo?: string[];
  embeddedLanguages?: Record<string, string>;
}
interface Setting {
  type?: string;
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  enum?: unknown[];
}
interface Manifest {
  name: string;
  displayName?: string;
  publisher?: string;
  version?: string;
  license?: string;
  main?: string;
  engines?: { vscode?: string };
  categories?: string[];
  keywords?: string[];
  activationEvents?: string[];
  capabilities?: {
    untrustedWorkspaces?: { supported?: boolean | string; description?: string };
  };
  contributes?: {
    languages?: Language[];
    grammars?: Grammar[];
    commands?: { command: string; title: string; category?: string }[];
    menus?: Record<string, { command: string; when?: string }[]>;
    configuration?: { title?: string; properties?: Record<string, Setting> };
    jsonValidation?: { fileMatch: string; url: string }[];
  };
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const contributes = manifest.contributes ?? {};
const languages = contributes.languages ?? [];
const grammars = contributes.grammars ?? [];
/** Languages VS Code ships that we only add file extensions to, never redefine. */
const BUILT_IN = new Set(['diff', 'c']);

function readJson(rel: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, rel), 'utf8'));
}

describe('extension manifest (package.json)', () => {
  test('has the keys VS Code and vsce require', () => {
    assert.equal(manifest.name, 'kernel-mm-lens');
    assert.ok(manifest.publisher, 'publisher');
    assert.ok(manifest.displayName, 'displayName');
    assert.match(manifest.version ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(manifest.engines?.vscode, '^1.91.0');
    assert.equal(manifest.main, './dist/extension.js');
    assert.equal(manifest.license, 'GPL-2.0-only');
    assert.ok(existsSync(join(ROOT, 'LICENSE')), 'LICENSE file');
    assert.ok((manifest.categories ?? []).length > 0, 'categories');
    assert.ok((manifest.keywords ?? []).length > 0 && (manifest.keywords ?? []).length <= 30, 'keywords (vsce allows 30)');
  });

  test('.patch and .diff reuse the built-in diff language instead of defining a new one', () => {
    const diff = languages.filter((l) => l.id === 'diff');
    assert.equal(diff.length, 1);
    assert.deepEqual([...(diff[0]!.extensions ?? [])].sort(), ['.diff', '.patch']);
    // Only extensions: no aliases, configuration or grammar that would override VS Code's own diff support.
    assert.deepEqual(Object.keys(diff[0]!).sort(), ['extensions', 'id']);
    assert.ok(!grammars.some((g) => g.language === 'diff'), 'no grammar replaces the built-in diff grammar');
    assert.ok(!languages.some((l) => l.id !== 'diff' && (l.extensions ?? []).some((e) => e === '.patch' || e === '.diff')));
  });

  test('kernel-mbox covers .mbox/.mbx/.eml and its firstLine matches a format-patch From line only', () => {
    const mbox = languages.find((l) => l.id === 'kernel-mbox');
    assert.ok(mbox, 'kernel-mbox language');
    assert.deepEqual([...(mbox.extensions ?? [])].sort(), ['.eml', '.mbox', '.mbx']);
    assert.ok(mbox.aliases?.includes('Patch series (mbox)'));
    const firstLine = new RegExp(mbox.firstLine ?? '(?!)');
    assert.match('From 3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f30 Mon Sep 17 00:00:00 2001', firstLine);
    assert.match('From mboxrd@z Thu Jan  1 00:00:00 1970', firstLine);
    assert.doesNotMatch('From: Jane Doe <jane.doe@example.org>', firstLine);
    assert.doesNotMatch('diff --git a/mm/gup.c b/mm/gup.c', firstLine);
  });

  test('every language configuration exists and parses', () => {
    for (const l of languages.filter((x) => x.configuration)) {
      assert.ok(existsSync(join(ROOT, l.configuration!)), `${l.id}: ${l.configuration}`);
      const config = readJson(l.configuration!) as { brackets?: unknown };
      assert.ok(Array.isArray(config.brackets), `${l.configuration} has brackets`);
    }
    for (const l of languages.filter((x) => !BUILT_IN.has(x.id))) assert.ok(l.configuration, `${l.id} has a configuration`);
  });

  test('every grammar exists, parses, and declares the scopeName the manifest gives it', () => {
    assert.ok(grammars.length >= 1);
    for (const g of grammars) {
      assert.ok(existsSync(join(ROOT, g.path)), g.path);
      assert.match(g.path, /^\.\/syntaxes\//);
      const raw = readJson(g.path) as { scopeName?: string; injectionSelector?: string; patterns?: unknown[] };
      assert.equal(raw.scopeName, g.scopeName, `${g.path} scopeName`);
      assert.ok(Array.isArray(raw.patterns), `${g.path} has patterns`);
      if (g.injectTo) assert.ok(raw.injectionSelector, `${g.path}: an injection grammar needs an injectionSelector`);
      if (g.language) assert.ok(languages.some((l) => l.id === g.language), `${g.path}: language ${g.language} is contributed`);
      for (const lang of Object.values(g.embeddedLanguages ?? {})) assert.ok(['c', 'diff'].includes(lang), `embedded ${lang}`);
    }
    const mbox = grammars.find((g) => g.language === 'kernel-mbox');
    assert.equal(mbox?.scopeName, 'text.mbox.kernel-patch');
    assert.equal(mbox?.path, './syntaxes/kernel-mbox.tmLanguage.json');
  });

  test('the mbox grammar includes only scopes VS Code has: its own, source.diff and source.c', () => {
    const text = readFileSync(join(ROOT, 'syntaxes', 'kernel-mbox.tmLanguage.json'), 'utf8');
    const external = new Set([...text.matchAll(/"include":\s*"([^"#$][^"]*)"/g)].map((m) => m[1]!));
    assert.deepEqual([...external].sort(), ['source.c', 'source.diff']);
  });

  test('activationEvents cover every contributed language and every language the client serves', () => {
    const events = new Set(manifest.activationEvents ?? []);
    for (const l of languages) assert.ok(events.has(`onLanguage:${l.id}`), `onLanguage:${l.id}`);
    for (const id of LANGUAGE_IDS) assert.ok(events.has(`onLanguage:${id}`), `onLanguage:${id}`);
    for (const e of events) assert.match(e, /^onLanguage:[\w-]+$/);
  });

  test('every setting has a type, a default of that type and a description', () => {
    const props = contributes.configuration?.properties ?? {};
    assert.ok(Object.keys(props).length >= 4);
    for (const [key, s] of Object.entries(props)) {
      assert.match(key, /^kernelMmLens\./, key);
      assert.ok(s.type, `${key}: type`);
      assert.ok(s.default !== undefined, `${key}: default`);
      assert.equal(typeof s.default, s.type === 'integer' ? 'number' : s.type, `${key}: default has type ${s.type}`);
      assert.ok(s.description || s.markdownDescription, `${key}: description`);
      if (s.enum) assert.ok(s.enum.includes(s.default), `${key}: default is one of its enum`);
    }
  });

  test('commands have a category, are implemented by the client and hidden where they do not apply', () => {
    const commands = contributes.commands ?? [];
    assert.deepEqual(
      commands.map((c) => c.command),
      [COMMAND_SHOW_FACTS, 'kernelMmLens.simulateFaultPath', COMMAND_SET_ERA],
    );
    for (const c of commands) {
      assert.equal(c.category, 'Kernel MM Lens', c.command);
      assert.ok(c.title && !c.title.startsWith('Kernel MM Lens'), `${c.command}: the category carries the prefix`);
    }
    const palette = contributes.menus?.commandPalette ?? [];
    assert.ok(palette.some((m) => m.command === COMMAND_SHOW_FACTS && m.when?.includes('kernel-mbox')));
    assert.ok(palette.some((m) => m.command === COMMAND_SET_ERA && m.when?.includes('kernel-mbox')));
  });

  test('untrusted workspaces are declared with a reason', () => {
    const u = manifest.capabilities?.untrustedWorkspaces;
    assert.ok(u, 'capabilities.untrustedWorkspaces');
    assert.ok(u.supported === true || u.supported === 'limited');
    assert.ok((u.description ?? '').length > 20, 'description');
  });
});

describe('vsce packaging (.vscodeignore)', () => {
  const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  test('vsce ls lists the bundles, grammars, language configuration, manifest, icon, walkthrough, LICENSE and the native parser', { timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, [vsce, 'ls', '--readme-path', 'client/README.md'], { cwd: ROOT, encoding: 'utf8', input: '' });
    assert.equal(r.status, 0, r.stderr);
    const files = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    const allowed = [
      /^package\.json$/,
      // The extension page is client/README.md (`npm run package` passes --readme-path; test/manifest/extension-page).
      /^client\/README\.md$/,
      /^media\/(icon|screenshot)\.png$/,
      /^media\/walkthrough\/[\w-]+\.md$/,
      /^LICENSE$/,
      /^CHANGELOG\.md$/,
      /^dist\/(extension|server|analysis-worker)\.js$/,
      // Rule pages (codeDescription links) and the simulator presets ("Simulate this fault path").
      /^docs\/rules\/[\w-]+\.md$/,
      /^simulator\/scenarios\/[\w.-]+\.json$/,
      /^syntaxes\/[\w.-]+\.(tmLanguage|language-configuration)\.json$/,
      // The .mmlens.json schema (contributes.jsonValidation).
      /^schemas\/mmlens\.schema\.json$/,
      // The server's native parser (esbuild leaves it external): entry points, node types and prebuilt binaries only.
      /^node_modules\/tree-sitter\/(package\.json|index\.js|prebuilds\/[\w-]+\/tree-sitter\.node)$/,
      /^node_modules\/tree-sitter-c\/(package\.json|bindings\/node\/index\.js|src\/node-types\.json|prebuilds\/[\w-]+\/tree-sitter-c\.node)$/,
      /^node_modules\/node-gyp-build\/[\w.-]+$/,
    ];
    for (const f of files) assert.ok(allowed.some((re) => re.test(f)), `unexpected file in the package: ${f}`);
    for (const g of grammars) assert.ok(files.includes(g.path.replace(/^\.\//, '')), `${g.path} is packaged`);
    for (const l of languages.filter((x) => x.configuration)) assert.ok(files.includes(l.configuration!.replace(/^\.\//, '')));
    for (const must of ['package.json', 'client/README.md', 'LICENSE', 'media/icon.png', 'media/screenshot.png']) assert.ok(files.includes(must), must);
    assert.ok(!files.includes('README.md'), 'the developer README stays out of the package');
    for (const v of contributes.jsonValidation ?? []) assert.ok(files.includes(v.url.replace(/^\.\//, '')), `${v.url} is packaged`);
    if (existsSync(join(ROOT, 'dist', 'extension.js'))) assert.ok(files.includes('dist/extension.js'), 'the client bundle');
    for (const native of ['node_modules/tree-sitter/prebuilds/linux-x64/tree-sitter.node', 'node_modules/tree-sitter-c/prebuilds/linux-x64/tree-sitter-c.node', 'node_modules/tree-sitter-c/src/node-types.json', 'node_modules/node-gyp-build/index.js'])
      assert.ok(files.includes(native), `${native} is packaged (dist/server.js requires it at run time)`);
  });
});
