// Subject lines: '[PATCH v3 2/5] mm/gup: …', '[RFC PATCH]', '[PATCH RESEND]', 'Re: [PATCH …]'.
import type { DocPosition, ParsedSubject, SubjectPrefix } from './types';

const REPLY_RE = /^(?:(?:re|aw|fwd?|sv)\s*:\s*)+/i;

function parseTokens(groups: string[]): SubjectPrefix {
  const prefix: SubjectPrefix = { raw: '', isPatch: false, version: 1, rfc: false, resend: false, tags: [] };
  for (const g of groups) {
    for (const tok of g.split(/[\s,]+/)) {
      if (tok === '') continue;
      const up = tok.toUpperCase();
      let m: RegExpExecArray | null;
      if (up === 'PATCH' || up === 'PATCHV' ) prefix.isPatch = true;
      else if (up === 'RFC') prefix.rfc = true;
      else if (up === 'RESEND') prefix.resend = true;
      else if ((m = /^v(\d{1,6})$/i.exec(tok))) prefix.version = Number(m[1]);
      else if ((m = /^PATCH-?v(\d{1,6})$/i.exec(tok))) {
        prefix.isPatch = true;
        prefix.version = Number(m[1]);
      } else if ((m = /^(\d{1,6})\/(\d{1,6})$/.exec(tok))) {
        prefix.index = Number(m[1]);
        prefix.total = Number(m[2]);
      } else prefix.tags.push(tok);
    }
  }
  return prefix;
}

export function parseSubject(raw: string, position: DocPosition): ParsedSubject {
  let rest = raw.trim();
  let isReply = false;
  const rm = REPLY_RE.exec(rest);
  if (rm) {
    isReply = true;
    rest = rest.slice(rm[0].length);
  }
  const groups: string[] = [];
  let prefixRaw = '';
  for (;;) {
    const t = rest.replace(/^\s+/, '');
    if (!t.startsWith('[')) break;
    const close = t.indexOf(']');
    if (close < 0) break;
    groups.push(t.slice(1, close));
    prefixRaw += (prefixRaw === '' ? '' : '') + t.slice(0, close + 1);
    rest = t.slice(close + 1);
  }
  let prefix: SubjectPrefix | null = null;
  if (groups.length > 0) {
    prefix = parseTokens(groups);
    prefix.raw = prefixRaw;
  }
  return { raw, cleaned: rest.trim(), isReply, prefix, position };
}
