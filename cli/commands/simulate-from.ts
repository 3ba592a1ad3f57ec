/**
 * mmlens simulate --from <file>:<line> [--preset NAME] [--era X.Y] [--tree DIR] [--seed N] [--svg F] [--json]
 * The fault path (or GUP call) at a line of a .c file or a .patch/.mbox (a hunk header: before/after), extracted and
 * run in a preset scenario — the same code as the editor's "Simulate this fault path".
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveSettings } from '../../common/settings';
import { Analyzer, lensKind } from '../../server/src/lsp/analyzer';
import { simulateAt } from '../../server/src/simulate/run';

export interface FromIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

function value(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function runSimulateFrom(argv: string[], io: FromIo): number {
  const from = value(argv, '--from');
  const m = from ? /^(.*):(\d+)$/.exec(from) : null;
  if (!m || Number(m[2]) < 1) {
    io.stderr('mmlens simulate: --from needs <file>:<line> (1-based line)\n');
    return 2;
  }
  const path = resolve(m[1]!);
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    text = readFileSync(path, 'utf8');
  } catch {
    io.stderr(`mmlens simulate: cannot read ${m[1]}\n`);
    return 2;
  }
  const uri = pathToFileURL(path).href;
  const kind = lensKind('', uri);
  if (kind === 'other') {
    io.stderr(`mmlens simulate: ${m[1]} is neither C (.c/.h) nor a patch (.patch/.diff/.mbox/.mbx/.eml)\n`);
    return 2;
  }
  const era = value(argv, '--era');
  const tree = value(argv, '--tree');
  const seed = value(argv, '--seed');
  const analyzer = new Analyzer({ settings: resolveSettings({ ...(era ? { era } : {}), ...(tree ? { kernelTree: tree } : {}), maxFileSize: 64 * 1024 * 1024 }) });
  const doc = { uri, languageId: kind === 'c' ? 'c' : 'diff', text, version: 1 };
  analyzer.update(doc);
  const preset = value(argv, '--preset');
  const r = simulateAt(analyzer, doc, { uri, line: Number(m[2]) - 1, ...(preset ? { preset } : {}), ...(seed ? { seed: Number(seed) } : {}) });
  if (argv.includes('--json')) {
    io.stdout(JSON.stringify(r, null, 2) + '\n');
    return r.ok ? 0 : 1;
  }
  if (!r.ok) {
    io.stderr(`mmlens simulate: ${r.message}\n`);
    return 1;
  }
  for (const s of r.sides) {
    const x = s.extracted;
    io.stdout(`── ${s.label}: ${x.function}() lines ${x.startLine}–${x.endLine}, era ${x.era}, preset ${r.preset}\n`);
    io.stdout(`${x.kind === 'gup' ? 'gup' : 'faultPath'}: ${JSON.stringify(x.kind === 'gup' ? x.gup : x.faultPath)}\n`);
    for (const n of x.notModelled) io.stdout(`not modelled: ${n}\n`);
    io.stdout(s.text.endsWith('\n') ? s.text : s.text + '\n');
  }
  if (r.comparison) io.stdout(r.comparison.text.endsWith('\n') ? r.comparison.text : r.comparison.text + '\n');
  const svg = value(argv, '--svg');
  if (svg) writeFileSync(svg, r.comparison?.svg ?? r.sides[0]!.svg);
  return 0;
}
