import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { preprocess } from '../../server/src/c/parser';
import { kernelCFile } from '../../bench/gen/kernel-c';
import { rng } from '../../bench/fuzz/mutate';
import { cFiles } from './helpers';

const ROOT = join(__dirname, '..', '..');

/**
 * The definition preprocess() must keep: three passes, each building the text the next one reads (what it did before
 * it read one view of the text and built it once). Regexes where the product uses indexOf.
 */
function reference(text: string): string {
  const WORDS = [
    '__user', '__iomem', '__rcu', '__percpu', '__must_check', '__init', '__exit', '__always_inline', '__maybe_unused',
    '__kprobes', '__force', '__visible', 'asmlinkage', 'noinline', 'notrace', '__cold', '__weak', '__sched', '__ref',
    '__read_mostly', '__noreturn', '__bitwise', '__attribute_const__', 'noinstr', '__ro_after_init', '__initdata',
    '__cpuidle', '__irq_entry', '__latent_entropy', '__noclone', '__pure', '__used', '__nocfi',
  ];
  const apply = (s: string, edits: [number, string][]): string => {
    let out = '';
    let at = 0;
    for (const [i, r] of edits) {
      if (i < at) continue;
      out += s.slice(at, i) + r;
      at = i + r.length;
    }
    return out + s.slice(at);
  };
  const matchParen = (s: string, open: number, limit: number): number => {
    let depth = 0;
    for (let i = open; i < Math.min(s.length, open + limit); i++) {
      if (s[i] === '(') depth++;
      else if (s[i] === ')' && --depth === 0) return i;
    }
    return -1;
  };
  let out = text.replace(new RegExp(`\\b(?:${WORDS.join('|')})\\b`, 'g'), (m) => ' '.repeat(m.length));
  const calls: [number, string][] = [];
  for (const m of out.matchAll(/\b(?:__acquires|__releases|__must_hold)\s*\(/g)) {
    const close = matchParen(out, m.index + m[0].length - 1, 400);
    if (close >= 0) calls.push([m.index, out.slice(m.index, close + 1).replace(/[^\n]/g, ' ')]);
  }
  out = apply(out, calls);
  const loops: [number, string][] = [];
  for (const m of out.matchAll(/\b(\w*for_each\w*)\s*\(/g)) {
    const start = m.index;
    let p = start - 1;
    while (p >= 0 && /\s/.test(out[p]!)) p--;
    const prev = p >= 0 ? out[p]! : '';
    if (!(prev === '' || ';{}:)'.includes(prev) || out.slice(Math.max(0, p - 3), p + 1) === 'else')) continue;
    if (out.slice(out.lastIndexOf('\n', start) + 1, start).trimStart().startsWith('#')) continue;
    const close = matchParen(out, start + m[0].length - 1, 2000);
    if (close < 0) continue;
    let n = close + 1;
    while (n < out.length && /\s/.test(out[n]!)) n++;
    const next = n < out.length ? out[n]! : '';
    if (next === ';' || next === '' || next === ',' || next === ')') continue;
    loops.push([start, 'while' + ' '.repeat(m[1]!.length - 5)]);
  }
  return apply(out, loops);
}

test('preprocess equals the three-pass definition on the fixtures, a generated file and the cases where the passes meet', () => {
  const texts = cFiles(join(ROOT, 'test', 'fixtures'), /\.c$/).map((p) => readFileSync(p, 'utf8'));
  texts.push(kernelCFile(400));
  texts.push(
    // a blanked word between `__acquires` and its `(`, and between a loop head's name and its `(`
    'static void a(void) __acquires __rcu (x) { list_for_each __rcu (p, h) { f(p); } }\n',
    // a loop head inside a blanked annotation's argument; an annotation that overlaps the one before it
    'void b(void) __must_hold(list_for_each(p, h) { x; }) __releases(y\n) { __acquires(__acquires(z)); }\n',
    // a blanked annotation inside a loop head's parentheses, the loop head on a preprocessor line, after else
    'void c(void) { if (x) y(); else list_for_each_entry(p, __must_hold(q) h, m) { } \n# list_for_each(p, h) {\n}\n',
    // words that only look blanked; CRLF and a non-breaking space around a loop head
    'int ___user, __user_x, x__rcu, __rcu2;\r\nvoid d(void) {\r\n\u00a0hlist_for_each\u00a0(p, h)\r\n{ }\r\n}\r\n',
    // unclosed parentheses: an annotation and a loop head that never close
    'void e(void) __acquires(x { list_for_each(p, h { }\n',
  );
  for (const t of texts) assert.equal(preprocess(t), reference(t));
});

test('preprocess equals the three-pass definition on mutated kernel C', () => {
  const rand = rng(0x9e9);
  const snippets = ['__rcu ', '__acquires(', '__must_hold(m) ', ')', '(', '\n', '#', 'list_for_each(p, h) ', ' else ', ';', '{', '}', '__user', 'for_each', ' ', '\u00a0'];
  const base = [kernelCFile(120), ...cFiles(join(ROOT, 'test', 'fixtures'), /\.c$/).slice(0, 20).map((p) => readFileSync(p, 'utf8'))];
  let differ = 0;
  for (let i = 0; i < 2000; i++) {
    let t = base[i % base.length]!;
    for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) {
      const at = Math.floor(rand() * t.length);
      t = t.slice(0, at) + snippets[Math.floor(rand() * snippets.length)] + t.slice(at);
    }
    if (preprocess(t) !== reference(t)) differ++;
    assert.equal(preprocess(t).length, t.length);
  }
  assert.equal(differ, 0);
});
