// Builds the server bundle the way esbuild.mjs does (cjs, node20, native tree-sitter external) into a temp dir, so
// the end-to-end tests run the real artefact without depending on the rest of the build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { root } from './fixtures';

export interface ServerBundle {
  /** The bundled server (dist/server.js equivalent). */
  path: string;
  /** Environment to run it with: tree-sitter stays external and is found through NODE_PATH. */
  env: NodeJS.ProcessEnv;
  dispose(): void;
}

export async function buildServerBundle(): Promise<ServerBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-server-'));
  const path = join(dir, 'server.js');
  // The analysis worker is bundled beside the server, as esbuild.mjs does (dist/analysis-worker.js).
  await build({
    entryPoints: [join(root, 'server', 'src', 'analysis-worker.ts')],
    outfile: join(dir, 'analysis-worker.js'),
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
    path,
    env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
