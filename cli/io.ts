/** The CLI's only contact with the terminal: commands write through an Io so tests can capture output. */
export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** True when stderr is an interactive terminal (progress bars are drawn only then). */
  stderrIsTTY?: boolean;
}

export const processIo: Io = {
  stdout: (s) => {
    process.stdout.write(s);
  },
  stderr: (s) => {
    process.stderr.write(s);
  },
  stderrIsTTY: process.stderr.isTTY === true,
};

/** A usage or input error: reported as one line `mmlens: …` and exit code 2, never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
