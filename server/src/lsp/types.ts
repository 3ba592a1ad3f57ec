// Types shared by the analyzer, the scheduler and the protocol layer (server.ts).

/** One open document as the analyzer sees it: no editor or connection object, just the data. */
export interface AnalyzerDocument {
  uri: string;
  /** LSP languageId ('c', 'diff', 'kernel-mbox', …). */
  languageId: string;
  text: string;
  version: number;
}

/** What a document is analysed as. */
export type LensKind = 'patch' | 'c' | 'other';

/** Where the server writes its log (the connection console in production, an array in tests). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Message plus the first stack frames, for the server log. */
export function errorDetail(error: unknown): string {
  if (error instanceof Error && error.stack) return error.stack.split('\n').slice(0, 6).join('\n');
  return String(error);
}

/**
 * A logger that never throws (the connection console throws once the connection is closed or disposed), falling
 * back to stderr, which is never the protocol channel.
 */
export function safeLogger(target: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (message: string): void => {
      try {
        target[level](message);
      } catch {
        try {
          process.stderr.write(`[${level}] ${message}\n`);
        } catch {
          // Nowhere left to write.
        }
      }
    };
  return { info: guard('info'), warn: guard('warn'), error: guard('error') };
}
