import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { CliError } from './io';

/** What mmlens reads: kernel C, and patches in every form (diff, format-patch, mbox series). */
export type InputKind = 'c' | 'patch';

const C_EXT = new Set(['.c', '.h']);
const PATCH_EXT = new Set(['.patch', '.diff', '.mbox', '.mbx', '.eml']);
/** Directories never worth walking in a kernel tree or a checkout. */
const SKIP_DIRS = new Set(['.git', 'node_modules', '.pc', '.tmp_versions', 'Documentation']);

export interface InputFile {
  path: string;
  kind: InputKind;
  size: number;
}

export interface WalkResult {
  files: InputFile[];
  /** Files passed over, with the reason (too large, unreadable). */
  skipped: { path: string; reason: string }[];
}

export function kindByExtension(path: string): InputKind | undefined {
  const ext = extname(path).toLowerCase();
  if (C_EXT.has(ext)) return 'c';
  if (PATCH_EXT.has(ext)) return 'patch';
  return undefined;
}

/** Sniffs a file named on the command line without a known extension. */
export function kindByContent(head: string): InputKind {
  if (/^From [^\n]*\d{4}$/m.test(head.slice(0, 200)) || /^(diff --git |--- a\/|Index: |@@ )/m.test(head)) return 'patch';
  return 'c';
}

/**
 * Expands the command line's paths: files are taken as they are (any name), directories are walked for
 * .c/.h/.patch/.diff/.mbox files, skipping VCS and build directories and files over maxBytes.
 */
export function collectInputs(paths: string[], maxBytes: number): WalkResult {
  const files: InputFile[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const visit = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      skipped.push({ path: dir, reason: `cannot read directory: ${(e as Error).message}` });
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // dangling symlink
      }
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name) && !name.startsWith('.')) visit(p);
      } else if (st.isFile()) {
        const kind = kindByExtension(p);
        if (!kind) continue;
        if (st.size > maxBytes) skipped.push({ path: p, reason: `larger than ${maxBytes} bytes` });
        else files.push({ path: p, kind, size: st.size });
      }
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CliError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) visit(p);
    else if (st.size > maxBytes) throw new CliError(`${p}: ${st.size} bytes is over the limit of ${maxBytes} (use --max-bytes)`);
    else files.push({ path: p, kind: kindByExtension(p) ?? kindByContent(readHead(p)), size: st.size });
  }
  return { files, skipped };
}

function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}
