/**
 * mmlens — Kernel MM Lens on the command line: the same analysis and simulator as the editor, for CI and terminals.
 *
 *   mmlens check <file|dir>...     the rule catalogue over C files, patches and series (text, JSON, SARIF)
 *   mmlens rules                   the rule catalogue
 *   mmlens facts <file|dir>...     GUP call sites, mmap lock operations, fault-retry loops, era (text or --json)
 *   mmlens simulate <scenario>     run the mm + userfaultfd simulator (see `mmlens simulate --help`)
 */
import { CliError, type Io, processIo } from './io';
import { runCheckCommand } from './commands/check';
import { runConfigCommand } from './commands/config';
import { runFactsCommand } from './commands/facts';
import { runRulesCommand } from './commands/rules';
import { runSimulateCommand } from './commands/simulate';
import { runLspCommand } from './commands/lsp';

export const VERSION = '0.1.0';

const USAGE = `usage: mmlens <command> [options]

commands:
  check <file|dir>...   check C files, patches and series against the rule catalogue
                        (mmlens check --help for the options: --format text|json|sarif, --tree, --era, …)
  rules [--json]        list the rule catalogue
  config --explain F    the effective .mmlens.json configuration of a file, with where each value came from
  lsp --stdio           start the language server (any LSP client: Neovim, Helix, Emacs…); also --node-ipc, --socket=N
  facts <file|dir>...   print the kernel facts of C files, patches and patch series
                        (GUP call sites with argument roles, mmap lock operations, fault calls,
                        fault-retry loops, the kernel era and where it came from)
      --json              machine-readable output
      --era X.Y           analyse for this kernel era (default: Makefile of the tree, hints, newest)
      --tree DIR          kernel tree the patched files are read from (must be a directory)
      --max-bytes N       skip files larger than N bytes when walking directories (default 10 MB)
      --budget-ms N       time budget to parse and analyse one file (default 5000; 0: none); a file
                          over it is skipped with a parse-budget-exceeded problem (exit 1)
      -L, --follow        descend into symbolic links to directories (default: not; each real file is read once)
      --no-progress       no progress bar on stderr
  simulate <scenario.json|preset> [--seed N] [--svg out.svg] [--json] [--explore] [--compare other.json]
  simulate --list-presets
  help                  this text
  --version             print the version
`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'check':
        return await runCheckCommand(rest, io, VERSION);
      case 'rules':
        return runRulesCommand(rest, io);
      case 'config':
        return runConfigCommand(rest, io);
      case 'facts':
        return await runFactsCommand(rest, io);
      case 'lsp':
        return await runLspCommand(rest, io);
      case 'simulate':
        return await runSimulateCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return cmd === undefined ? 2 : 0;
      case '--version':
      case '-V':
        io.stdout(`mmlens ${VERSION}\n`);
        return 0;
      default:
        throw new CliError(`unknown command '${cmd}' (try 'mmlens help')`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`mmlens: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
