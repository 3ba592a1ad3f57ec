// Builds the server bundle the way esbuild.mjs does (cjs, node20, native tree-sitter external) into a temp dir, so
// the end-to-end tests run the real artefact without depending on the rest of the build. The directory is laid out
// like the installed extension: dist/server.js and dist/analysis-worker.js, with the rule pages (docs/rules/, the
// diagnostics' codeDescription links) and the simulator presets (simulator/scenarios/) copied beside them.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { root } from './fixtures';

export interface ServerBundle {
  /** The bundled server (dist/server.js equivalent). */
  dir: string;
  /** <dir>/dist/server.js. */
  path: string;
  /** Environment to run it with: tree-sitter stays external and is found through NODE_PATH. */
  env: NodeJS.ProcessEnv;
  dispose(): void;
}

export async function buildServerBundle(): Promise<ServerBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-server-'));
  const path = join(dir, 'dist', 'server.js');
  cpSync(join(root, 'docs', 'rules'), join(dir, 'docs', 'rules'), { recursive: true });
  cpSync(join(root, 'simulator', 'scenarios'), join(dir, 'simulator', 'scenarios'), { recursive: true });
  // The analysis worker is bundled beside the server, as esbuild.mjs does (dist/analysis-worker.js).
  await build({
    entryPoints: [join(root, 'server', 'src', 'analysis-worker.ts')],
    outfile: join(dir, 'dist', 'analysis-worker.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    logLevel: 'silent',
    external: ['vscode', 'tree-sitter', 'tree-sitter-c'],
  });
  await build({
    entryPoints: [join(root, 'server', 'src', 'main.ts')],
    outfile: path,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    logLevel: 'silent',
    external: ['vscode', 'tree-sitter', 'tree-sitter-c'],
  });
  return {
    dir,
    path,
    env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
