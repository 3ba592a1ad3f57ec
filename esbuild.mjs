// Bundles the extension client and the mmlens CLI. Type-checking is separate (`npm run typecheck`).
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // tree-sitter and its grammar are native addons loaded from their prebuilds at run time.
  external: ['vscode', 'tree-sitter', 'tree-sitter-c'],
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['cli/mmlens.ts'], outfile: 'dist/mmlens.js' },
  // Worker threads of `mmlens check` (cli/check/pool.ts loads it next to dist/mmlens.js).
  { entryPoints: ['cli/check/worker-entry.ts'], outfile: 'dist/check-worker.js' },
  { entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/analysis-worker.ts'], outfile: 'dist/analysis-worker.js' },
].filter((e) => existsSync(e.entryPoints[0]));

await Promise.all(entries.map((e) => esbuild.build({ ...common, ...e })));
