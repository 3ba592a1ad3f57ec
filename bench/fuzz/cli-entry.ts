// The real CLI (cli/mmlens.ts main, as bin/mmlens.js runs it) for the fuzz campaign's child processes, plus one
// stderr line with the process's peak resident memory when it exits.
import { main } from '../../cli/mmlens';

process.on('exit', () => {
  process.stderr.write(`\nFUZZ-MAXRSS-KB ${process.resourceUsage().maxRSS}\n`);
});
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mmlens: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
