/**
 * Path globs of `.mmlens.json` (`skip`, `overrides[].paths`) and function globs (`overrides[].functions`), matched
 * against paths relative to the config file's directory, with `/` separators:
 *   `*` any run of characters but `/`, `?` one such character, `**` any number of whole directories,
 *   a pattern without `/` matches a name at any depth (`*.h`), and a pattern that matches a directory matches
 *   everything below it (`arch/um` is `arch/um/**`).
 */

function toRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` or a trailing `**`: any number of directories.
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:[^/]*/)*';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export class Glob {
  private readonly re: RegExp;
  private readonly anyDepth: boolean;
  constructor(readonly pattern: string) {
    const p = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
    this.anyDepth = !p.includes('/');
    this.re = toRegExp(p.replace(/^\//, ''));
  }

  /** `rel`: a path relative to the config directory, `/`-separated, no leading `./`. */
  matchesPath(rel: string): boolean {
    const parts = rel.split('/');
    for (let k = parts.length; k >= 1; k--) {
      if (this.re.test(parts.slice(0, k).join('/'))) return true;
      if (this.anyDepth && this.re.test(parts[k - 1]!)) return true;
    }
    return false;
  }

  /** Function names: `*` and `?` only, the whole name. */
  matchesName(name: string): boolean {
    return this.re.test(name);
  }
}
