// A second, independent client: headless neovim (0.7+) starts the bundled server with vim.lsp.start_client on a
// fixture .patch and must see the truncated-hunk diagnostic through vim.diagnostic.get(); then it applies the
// preferred code action of a rule finding in a C file and in a .patch, and the finding goes. Fails when nvim is not
// installed (`npm test` installs it through test/setup.sh; `npm run test:quick` leaves this suite out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServerBundle } from './bundle';
import { FIXTURES, SAMPLE_SERIES, SAMPLE_TREE, TRUNCATED_HUNK_LINE, fixturePath, fixtureText, fixturesDir, lineOf, root } from './fixtures';

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

// neovim applies a rule's quick fix: a textDocument/codeAction request for the finding's range, the preferred
// action's workspace edit applied with vim.lsp.util.apply_workspace_edit (neovim 0.7 has no `apply` option in
// vim.lsp.buf.code_action; this is what it does with the chosen action), neovim's own didChange, and the finding gone.
const CODE_ACTION_LUA = String.raw`
local bundle, file, root, code, out, node, node_path = unpack(vim.fn.json_decode(vim.env.MMLENS_NVIM_ARGS))
vim.cmd('filetype on')
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local result = { filetype = vim.bo[buf].filetype }
local function rule_diagnostics()
  local r = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local c = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    if c == code then table.insert(r, d) end
  end
  return r
end
local id = vim.lsp.start_client({
  name = 'kernel-mm-lens',
  cmd = { node, bundle, '--stdio' },
  cmd_env = { NODE_PATH = node_path },
  root_dir = root,
  settings = { kernelMmLens = { era = 'auto' } },
})
result.started = id ~= nil
if id then
  vim.lsp.buf_attach_client(buf, id)
  result.got = vim.wait(20000, function() return #rule_diagnostics() > 0 end, 50)
  local d = rule_diagnostics()[1]
  if d then
    result.finding = { lnum = d.lnum, col = d.col, severity = d.severity, message = d.message }
    local range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } }
    local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      range = range,
      context = { diagnostics = { { range = range, message = d.message, severity = d.severity, code = code } } },
    }, 10000)
    result.actions = {}
    local chosen
    for _, r in pairs(responses or {}) do
      for _, a in ipairs(r.result or {}) do
        table.insert(result.actions, { title = a.title, kind = a.kind, preferred = a.isPreferred == true })
        if a.isPreferred and not chosen then chosen = a end
      end
    end
    if chosen then
      vim.lsp.util.apply_workspace_edit(chosen.edit, 'utf-16')
      result.gone = vim.wait(20000, function() return #rule_diagnostics() == 0 end, 50)
      result.left = {}
      for _, x in ipairs(vim.diagnostic.get(buf)) do
        table.insert(result.left, { code = x.code or (x.user_data and x.user_data.lsp and x.user_data.lsp.code), lnum = x.lnum, severity = x.severity })
      end
      result.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      vim.cmd('write')
    end
  end
  vim.lsp.stop_client(id)
end
local f = io.open(out, 'w')
f:write(vim.fn.json_encode(result))
f:close()
vim.cmd('qa!')
`;

interface NvimCodeActionResult {
  filetype: string;
  started: boolean;
  got?: boolean;
  finding?: { lnum: number; col: number; severity: number; message: string };
  actions?: { title: string; kind: string; preferred: boolean }[];
  gone?: boolean;
  left?: { code: string; lnum: number; severity: number }[];
  lines?: string[];
}

function runCodeAction(bundle: { path: string; env: NodeJS.ProcessEnv }, dir: string, file: string, root: string, code: string): { result: NvimCodeActionResult; stderr: string } {
  const script = join(dir, 'code-action.lua');
  const out = join(dir, 'code-action.json');
  writeFileSync(script, CODE_ACTION_LUA);
  rmSync(out, { force: true });
  const args = [bundle.path, file, root, code, out, process.execPath, bundle.env.NODE_PATH];
  const r = spawnSync(NVIM, ['--headless', '--clean', '-n', '-c', `luafile ${script}`], {
    cwd: root,
    env: { ...process.env, MMLENS_NVIM_ARGS: JSON.stringify(args), XDG_STATE_HOME: dir, XDG_DATA_HOME: dir, XDG_CACHE_HOME: dir },
    encoding: 'utf8',
    timeout: 80_000,
  });
  assert.equal(r.error, undefined, `nvim failed to run: ${String(r.error)}`);
  return { result: JSON.parse(readFileSync(out, 'utf8')) as NvimCodeActionResult, stderr: r.stderr };
}

test('neovim (headless) gets rule findings in a C file and a .patch and applies their preferred code action: the finding goes', { timeout: 180_000 }, async (t) => {
  if (!version) {
    assert.fail(`${NVIM} is not installed or does not run: \`npm test\` installs it (test/setup.sh), or apt-get install neovim`);
  }
  t.diagnostic(`using ${version}`);
  const bundle = await buildServerBundle();
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-nvim-'));
  try {
    await t.test('C file: gup-convertible-to-unlocked → get_user_pages_fast', () => {
      const file = join(dir, 'fault.c');
      cpSync(join(root, 'test', 'fixtures', 'editor', 'fault.c'), file);
      const gupLine = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('get_user_pages('));
      const { result, stderr } = runCodeAction(bundle, dir, file, dir, 'gup-convertible-to-unlocked');
      assert.equal(result.filetype, 'c');
      assert.ok(result.got, `no rule finding within 20 s; nvim stderr:\n${stderr}`);
      assert.deepEqual([result.finding?.lnum, result.finding?.col, result.finding?.severity], [gupLine, 7, 3]);
      assert.deepEqual(result.actions?.map((a) => [a.kind, a.preferred]), [['quickfix', true], ['quickfix', false], ['refactor.rewrite', false]]);
      assert.ok(result.gone, `the finding is still there after the fix: ${JSON.stringify(result.left)}`);
      assert.deepEqual(result.left, []);
      // The lock/unlock around the call went with it.
      assert.deepEqual(result.lines?.slice(gupLine - 3, gupLine + 1), ['\tint ret;', '', '\tret = get_user_pages_fast(addr, 1, FOLL_WRITE, pages);', '\treturn ret;']);
    });

    await t.test('.patch in a kernel tree: forbidden-flag-combination → the cleared flag removed; the written patch still applies', () => {
      const tree = join(dir, 'tree');
      cpSync(SAMPLE_TREE, tree, { recursive: true });
      const mails = readFileSync(SAMPLE_SERIES, 'utf8').split(/^(?=From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m);
      const file = join(tree, '0002-foo-mm-retry-a-page-fault-at-most-once.patch');
      writeFileSync(file, mails[2]!);
      const added = mails[2]!.split('\n').indexOf('+\t\tflags &= ~FAULT_FLAG_ALLOW_RETRY;');
      const { result, stderr } = runCodeAction(bundle, dir, file, tree, 'forbidden-flag-combination');
      assert.ok(result.got, `no rule finding within 20 s; nvim stderr:\n${stderr}`);
      assert.deepEqual([result.finding?.lnum, result.finding?.col, result.finding?.severity], [added, 3, 1]);
      assert.deepEqual(result.actions, [{ title: 'Remove `flags &= ~FAULT_FLAG_ALLOW_RETRY` (from 5.7 a retry keeps ALLOW_RETRY)', kind: 'quickfix', preferred: true }]);
      assert.ok(result.gone, `the finding is still there after the fix: ${JSON.stringify(result.left)}`);
      assert.deepEqual(result.left, []);
      const written = readFileSync(file, 'utf8');
      assert.ok(!written.includes('FAULT_FLAG_ALLOW_RETRY;') && written.includes('@@ -31,6 +31,10 @@'), written);
      const check = spawnSync('git', ['apply', '--check', file], { cwd: tree, encoding: 'utf8' });
      assert.equal(check.status, 0, `git apply --check: ${check.stderr}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    bundle.dispose();
  }
});
