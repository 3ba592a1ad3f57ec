import { closeSync, lstatSync, openSync, readSync, readdirSync, statSync, type Stats } from 'node:fs';
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

export interface WalkOptions {
  /** Skip files larger than this when walking (a file named on the command line over it is an error). */
  maxBytes: number;
  /** Descend into symbolic links to directories met while walking (default false, like rg without -L). */
  followLinks?: boolean;
}

/** A file's identity on its file system: a real file reached by several names (links, bind loops) is read once. */
function realId(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

/**
 * Expands the command line's paths: files are taken as they are (any name), directories are walked for
 * .c/.h/.patch/.diff/.mbox files, skipping VCS and build directories and files over maxBytes. Each real file
 * (device + inode) is taken once, whatever names reach it. Symbolic links to directories met while walking are
 * not descended into unless followLinks; when they are, a directory already being walked or walked before (a link
 * loop such as `build/source -> ..`) is skipped and reported. Paths named on the command line are always followed.
 */
export function collectInputs(paths: string[], opts: WalkOptions | number): WalkResult {
  const { maxBytes, followLinks = false } = typeof opts === 'number' ? { maxBytes: opts } : opts;
  const files: InputFile[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  const addFile = (p: string, st: Stats, kind: InputKind): void => {
    const id = realId(st);
    if (seenFiles.has(id)) return;
    seenFiles.add(id);
    files.push({ path: p, kind, size: st.size });
  };
  const visit = (dir: string, st: Stats): void => {
    const id = realId(st);
    if (seenDirs.has(id)) {
      skipped.push({ path: dir, reason: 'directory already walked (symbolic link loop or second name)' });
      return;
    }
    seenDirs.add(id);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      skipped.push({ path: dir, reason: `cannot read directory: ${(e as Error).message}` });
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      let st: Stats;
      let link = false;
      try {
        st = lstatSync(p);
        if (st.isSymbolicLink()) {
          link = true;
          st = statSync(p);
        }
      } catch {
        continue; // dangling symlink, or gone meanwhile
      }
      if (st.isDirectory()) {
        if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
        if (link && !followLinks) continue;
        visit(p, st);
      } else if (st.isFile()) {
        const kind = kindByExtension(p);
        if (!kind) continue;
        if (st.size > maxBytes) skipped.push({ path: p, reason: `larger than ${maxBytes} bytes` });
        else addFile(p, st, kind);
      }
    }
  };
  for (const p of paths) {
    let st: Stats;
    try {
      st = statSync(p);
    } catch {
      throw new CliError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) visit(p, st);
    else if (st.size > maxBytes) throw new CliError(`${p}: ${st.size} bytes is over the limit of ${maxBytes} (use --max-bytes)`);
    else addFile(p, st, kindByExtension(p) ?? kindByContent(readHead(p)));
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
