// A second, independent client: headless neovim (0.7+) starts the bundled server with vim.lsp.start_client on a
// fixture .patch and must see the truncated-hunk diagnostic through vim.diagnostic.get(). Fails when nvim is not
// installed (`npm test` installs it through test/setup.sh; `npm run test:quick` leaves this suite out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServerBundle } from './bundle';
import { FIXTURES, TRUNCATED_HUNK_LINE, fixturePath, fixtureText, fixturesDir, lineOf } from './fixtures';

/** The neovim binary; MMLENS_NVIM overrides it (MMLENS_NVIM=/nonexistent shows the failure). */
const NVIM = process.env.MMLENS_NVIM || 'nvim';

function nvimVersion(): string | undefined {
  const r = spawnSync(NVIM, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.split('\n')[0];
}

const version = nvimVersion();

const LUA = String.raw`
local bundle, file, out, node, node_path = unpack(vim.fn.json_decode(vim.env.MMLENS_NVIM_ARGS))
vim.cmd('filetype on')
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local result = { filetype = vim.bo[buf].filetype, diagnostics = {} }
local id = vim.lsp.start_client({
  name = 'kernel-mm-lens',
  cmd = { node, bundle, '--stdio' },
  cmd_env = { NODE_PATH = node_path },
  root_dir = vim.fn.fnamemodify(file, ':h'),
})
result.started = id ~= nil
if id then
  vim.lsp.buf_attach_client(buf, id)
  result.got = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(result.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, severity = d.severity,
      message = d.message, source = d.source, code = d.code or lsp.code,
    })
  end
  vim.lsp.stop_client(id)
end
local f = io.open(out, 'w')
f:write(vim.fn.json_encode(result))
f:close()
vim.cmd('qa!')
`;

interface NvimResult {
  filetype: string;
  started: boolean;
  got?: boolean;
  diagnostics: { lnum: number; col: number; end_lnum: number; end_col: number; severity: number; message: string; source: string; code: string }[];
}

test(
  'neovim (headless) shows the truncated-hunk diagnostic of a .patch via vim.lsp',
  { timeout: 60_000 },
  async (t) => {
    if (!version) {
      assert.fail(`${NVIM} is not installed or does not run: \`npm test\` installs it (test/setup.sh), or apt-get install neovim`);
    }
    t.diagnostic(`using ${version}`);
    const bundle = await buildServerBundle();
    const dir = mkdtempSync(join(tmpdir(), 'mmlens-nvim-'));
    try {
      const script = join(dir, 'client.lua');
      const out = join(dir, 'result.json');
      writeFileSync(script, LUA);
      const args = [bundle.path, fixturePath(FIXTURES.truncated), out, process.execPath, bundle.env.NODE_PATH];
      const r = spawnSync(NVIM, ['--headless', '--clean', '-n', '-c', `luafile ${script}`], {
        cwd: fixturesDir,
        env: { ...process.env, MMLENS_NVIM_ARGS: JSON.stringify(args), XDG_STATE_HOME: dir, XDG_DATA_HOME: dir, XDG_CACHE_HOME: dir },
        encoding: 'utf8',
        timeout: 50_000,
      });
      assert.equal(r.error, undefined, `nvim failed to run: ${String(r.error)}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as NvimResult;
      // neovim names a git format-patch file 'gitsendemail' (a plain diff would be 'diff'): the languageId the
      // server gets is not VS Code's, and the server must still treat the file as a patch.
      assert.ok(['gitsendemail', 'diff'].includes(result.filetype), `filetype ${result.filetype}`);
      assert.ok(result.started, 'vim.lsp.start_client returned a client id');
      assert.ok(result.got, `no diagnostics within 20 s; nvim stderr:\n${r.stderr}`);
      const header = lineOf(fixtureText(FIXTURES.truncated), TRUNCATED_HUNK_LINE);
      // The parse problem, and the rule finding the patch fixes (information, severity 3 in neovim).
      assert.deepEqual(
        result.diagnostics.filter((d) => d.code !== 'truncated-hunk').map((d) => [d.code, d.lnum, d.severity]),
        [['gup-convertible-to-unlocked', 19, 3]],
      );
      assert.deepEqual(result.diagnostics.filter((d) => d.code === 'truncated-hunk'), [
        {
          lnum: TRUNCATED_HUNK_LINE,
          col: 0,
          end_lnum: TRUNCATED_HUNK_LINE,
          end_col: header.length,
          severity: 1,
          message: 'truncated hunk: header declares 7 old / 5 new lines, body has 5 / 3 before the end of the input',
          source: 'kernel-mm-lens',
          code: 'truncated-hunk',
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      bundle.dispose();
    }
  },
);
