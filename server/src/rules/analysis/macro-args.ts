/**
 * Whether a statement's macro calls (ALL_CAPS callees) could touch a variable: only when the variable appears among
 * a macro's own arguments. `IS_ENABLED(CONFIG_PGSTE) && gmap && (flags & FAULT_FLAG_RETRY_NOWAIT)` (s390) names
 * `flags` outside the macro: the macro cannot write it.
 */
export function macroArgsMention(text: string, calls: string[], mention: RegExp): boolean {
  for (const c of calls) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(c)) continue;
    const re = new RegExp(`\\b${c}\\s*\\(`, 'g');
    let m: RegExpExecArray | null;
    let found = false;
    while ((m = re.exec(text))) {
      found = true;
      let depth = 0;
      let end = -1;
      for (let i = m.index + m[0].length - 1; i < text.length; i++) {
        if (text[i] === '(') depth++;
        else if (text[i] === ')' && --depth === 0) {
          end = i;
          break;
        }
      }
      if (end < 0 || mention.test(text.slice(m.index + m[0].length, end))) return true;
    }
    // Called without a visible argument list (truncated text): unknown.
    if (!found) return mention.test(text);
  }
  return false;
}
