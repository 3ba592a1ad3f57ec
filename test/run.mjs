// Runs every test/**/*.test.ts with node's own test runner (TypeScript loaded through tsx).
// Usage: node test/run.mjs [--quick] [path-substring ...]   e.g. node test/run.mjs series simulator/behaviours
// No test may be skipped: a run with a skipped (or todo) test exits 1 and names it. `--quick` leaves out the suites
// that need a tool from outside node_modules (the list below; `npm test` installs those tools through test/setup.sh)
// and prints what it left out.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

/** Suites that need a browser or an editor (installed by test/setup.sh): what `--quick` leaves out. */
const NEEDS_TOOLS = {
  'test/server/nvim.test.ts': 'neovim',
  'test/simulator/render/svg-chromium.test.ts': 'Chromium',
  'test/vscode/extension.e2e.test.ts': 'code-server and Chromium',
  'test/vscode/highlight.e2e.test.ts': 'code-server and Chromium',
  'test/vscode/ux.e2e.test.ts': 'code-server and Chromium',
  'test/vscode/editor.e2e.test.ts': 'code-server and Chromium',
};

const root = new URL('..', import.meta.url).pathname;
for (const f of Object.keys(NEEDS_TOOLS)) {
  if (!existsSync(join(root, f))) {
    console.error(`test/run.mjs: ${f} is listed in NEEDS_TOOLS but does not exist; update the list`);
    process.exit(1);
  }
}
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'fixtures' || name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((a) => a !== '--quick');
const matching = walk(join(root, 'test'), [])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
const leftOut = quick ? matching.filter((f) => f in NEEDS_TOOLS) : [];
const files = matching.filter((f) => !leftOut.includes(f));
const leftOutLine = `test/run.mjs --quick: left out ${leftOut.length} suite(s) that need tools: ${
  leftOut.map((f) => `${f} (${NEEDS_TOOLS[f]})`).join(', ') || 'none'
}; \`npm test\` runs them`;
if (quick) console.log(leftOutLine);
if (files.length === 0) {
  console.error(`test/run.mjs: no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}

// A second reporter (TAP, to a file) is read after the run for skipped and todo tests. The code-server suites each
// start a VS Code and a Chromium: they run one at a time after the rest (side by side on a 2-core machine their
// first analyses took longer than their bounded waits), the other suites in parallel as node's runner does.
const tapDir = mkdtempSync(join(tmpdir(), 'mmlens-run-'));
const serial = files.filter((f) => f.startsWith('test/vscode/'));
const batches = [files.filter((f) => !serial.includes(f)), ...serial.map((f) => [f])].filter((b) => b.length > 0);
let status = 0;
let tap = '';
batches.forEach((batch, i) => {
  const tapFile = join(tapDir, `report-${i}.tap`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...batch],
    { cwd: root, stdio: 'inherit' },
  );
  if ((r.status ?? 1) !== 0) status = r.status ?? 1;
  if (existsSync(tapFile)) tap += readFileSync(tapFile, 'utf8') + '\n';
});
rmSync(tapDir, { recursive: true, force: true });
const notRun = tap
  .split('\n')
  .map((l) => /^\s*(?:not )?ok \d+ - (.*?) # (SKIP|TODO)\b\s*(.*)$/i.exec(l))
  .filter((m) => m !== null)
  .map((m) => `${m[2].toUpperCase()} ${m[1]}${m[3] ? `: ${m[3]}` : ''}`);
if (quick) console.log(leftOutLine);
if (notRun.length > 0) {
  console.error(`test/run.mjs: ${notRun.length} test(s) did not run, and every test must:`);
  for (const s of notRun) console.error(`  ${s}`);
  process.exit(1);
}
if (batches.length > 1) console.log(`test/run.mjs: ${batches.length} runs (the code-server suites one at a time): ${status === 0 ? 'all passed' : 'FAILED'}`);
process.exit(status);
