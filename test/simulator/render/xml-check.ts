/**
 * A small strict XML well-formedness checker for the SVGs the renderers produce (no DTDs, no CDATA, no PIs
 * other than an optional XML declaration). Throws with the offset and reason on the first error; returns the
 * element tree so tests can query it.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element, entities decoded. */
  text: string;
  parent: XmlElement | null;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ENTITY = /^&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;

function decode(s: string, at: number): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '<') throw new Error(`xml: '<' in text or attribute at ${at + i}`);
    if (c === '&') {
      const m = ENTITY.exec(s.slice(i));
      if (!m) throw new Error(`xml: bad entity at ${at + i}: ${s.slice(i, i + 12)}`);
      const ent = m[0];
      if (ent === '&lt;') out += '<';
      else if (ent === '&gt;') out += '>';
      else if (ent === '&amp;') out += '&';
      else if (ent === '&quot;') out += '"';
      else if (ent === '&apos;') out += "'";
      else if (ent.startsWith('&#x')) out += String.fromCodePoint(parseInt(ent.slice(3, -1), 16));
      else out += String.fromCodePoint(parseInt(ent.slice(2, -1), 10));
      i += ent.length - 1;
    } else {
      const cp = c.charCodeAt(0);
      if (cp < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') throw new Error(`xml: control character U+${cp.toString(16)} at ${at + i}`);
      out += c;
    }
  }
  return out;
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  if (src.startsWith('<?xml')) {
    const e = src.indexOf('?>');
    if (e < 0) throw new Error('xml: unterminated declaration');
    i = e + 2;
  }
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '', parent: null };
  let cur = root;
  let seenRoot = false;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const text = decode(src.slice(i, textEnd), i);
      if (cur === root && text.trim() !== '') throw new Error(`xml: text outside the root element at ${i}`);
      cur.text += text;
    }
    if (lt < 0) break;
    i = lt;
    if (src.startsWith('<!--', i)) {
      const e = src.indexOf('-->', i + 4);
      if (e < 0) throw new Error(`xml: unterminated comment at ${i}`);
      i = e + 3;
      continue;
    }
    if (src.startsWith('</', i)) {
      const m = NAME.exec(src.slice(i + 2));
      if (!m) throw new Error(`xml: bad end tag at ${i}`);
      if (m[0] !== cur.name) throw new Error(`xml: </${m[0]}> closes <${cur.name}> at ${i}`);
      let j = i + 2 + m[0].length;
      while (/\s/.test(src[j] ?? '')) j++;
      if (src[j] !== '>') throw new Error(`xml: bad end tag at ${i}`);
      i = j + 1;
      cur = cur.parent ?? root;
      continue;
    }
    if (src[i + 1] === '!' || src[i + 1] === '?') throw new Error(`xml: unsupported markup at ${i}`);
    const m = NAME.exec(src.slice(i + 1));
    if (!m) throw new Error(`xml: bad start tag at ${i}`);
    if (cur === root) {
      if (seenRoot) throw new Error(`xml: second root element at ${i}`);
      seenRoot = true;
    }
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '', parent: cur };
    let j = i + 1 + m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(src.slice(j, j + 200))?.[0].length ?? 0;
      j += ws;
      if (src.startsWith('/>', j)) {
        cur.children.push(el);
        j += 2;
        break;
      }
      if (src[j] === '>') {
        cur.children.push(el);
        cur = el;
        j += 1;
        break;
      }
      if (ws === 0) throw new Error(`xml: expected whitespace before attribute at ${j}`);
      const an = NAME.exec(src.slice(j));
      if (!an) throw new Error(`xml: bad attribute at ${j}: ${src.slice(j, j + 20)}`);
      j += an[0].length;
      if (src[j] !== '=') throw new Error(`xml: attribute without value at ${j}`);
      const q = src[j + 1];
      if (q !== '"' && q !== "'") throw new Error(`xml: unquoted attribute at ${j}`);
      const e = src.indexOf(q, j + 2);
      if (e < 0) throw new Error(`xml: unterminated attribute at ${j}`);
      if (an[0] in el.attrs) throw new Error(`xml: duplicate attribute ${an[0]} at ${j}`);
      el.attrs[an[0]] = decode(src.slice(j + 2, e), j + 2);
      j = e + 1;
    }
    i = j;
  }
  if (cur !== root) throw new Error(`xml: <${cur.name}> not closed`);
  if (!seenRoot) throw new Error('xml: no root element');
  return root.children[0];
}

export function walk(el: XmlElement, f: (e: XmlElement) => void): void {
  f(el);
  for (const c of el.children) walk(c, f);
}

export function findAll(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  walk(el, (e) => {
    if (pred(e)) out.push(e);
  });
  return out;
}

export function hasClass(e: XmlElement, cls: string): boolean {
  return (e.attrs.class ?? '').split(/\s+/).includes(cls);
}

/** All text inside an element, depth first. */
export function allText(e: XmlElement): string {
  return e.text + e.children.map(allText).join('');
}
