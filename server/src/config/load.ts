/**
 * Finds and reads `.mmlens.json`: walking up from the analysed file, the nearest one wins (no merging with files
 * further up, as with .clang-format without BasedOnStyle). Parsed files are cached by mtime and size, so an edited
 * config is re-read. The CLI, the language server and the git-range mode all go through a ConfigLoader.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RULES } from '../rules/registry';
import { CONFIG_FILE_NAME, formatProblem, parseConfig, type ConfigProblem, type MmLensConfig } from './schema';

export interface LoadedConfig {
  path: string;
  config?: MmLensConfig;
  /** Non-empty when the file is invalid (then config is undefined). */
  problems: ConfigProblem[];
}

/** An invalid config file: the CLI prints every problem as `file:line:col: message`. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export const KNOWN_RULE_IDS: readonly string[] = RULES.map((r) => r.id);

export class ConfigLoader {
  private readonly files = new Map<string, { stamp: string; loaded: LoadedConfig }>();
  private readonly dirs = new Map<string, string | null>();

  /** `cacheDirectories`: remember which directories have no config (one run of the CLI; not for the editor). */
  constructor(private readonly opts: { cacheDirectories?: boolean } = {}) {}

  /** Path of the nearest `.mmlens.json` at or above the file's directory, or undefined. */
  find(filePath: string): string | undefined {
    let dir = dirname(resolve(filePath));
    const visited: string[] = [];
    let found: string | undefined;
    for (;;) {
      const cached = this.opts.cacheDirectories ? this.dirs.get(dir) : undefined;
      if (cached !== undefined) {
        found = cached ?? undefined;
        break;
      }
      visited.push(dir);
      const candidate = join(dir, CONFIG_FILE_NAME);
      if (isFile(candidate)) {
        found = candidate;
        break;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    if (this.opts.cacheDirectories) for (const d of visited) this.dirs.set(d, found ?? null);
    return found;
  }

  /** Reads and validates a config file (cached while its mtime and size do not change). */
  load(configPath: string): LoadedConfig {
    const path = resolve(configPath);
    let stamp: string;
    try {
      const st = statSync(path);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch (e) {
      return { path, problems: [{ path, line: 0, column: 0, offset: 0, length: 0, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }] };
    }
    const c = this.files.get(path);
    if (c && c.stamp === stamp) return c.loaded;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return { path, problems: [{ path, line: 0, column: 0, offset: 0, length: 0, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }] };
    }
    const loaded = loadText(text, path);
    this.files.set(path, { stamp, loaded });
    return loaded;
  }

  /** The nearest config of a file (undefined when there is none). */
  forFile(filePath: string): LoadedConfig | undefined {
    const p = this.find(filePath);
    return p ? this.load(p) : undefined;
  }
}

/** Validates config text (an open editor buffer, or a file's content). */
export function loadText(text: string, path: string): LoadedConfig {
  const r = parseConfig(text, path, KNOWN_RULE_IDS);
  return r.config ? { path, config: r.config, problems: [] } : { path, problems: r.problems };
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}
