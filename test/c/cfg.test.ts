import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEra } from '../../common/era';
import {
  extractCFacts,
  findPathAvoiding,
  forwardDataflow,
  nodeAtLine,
  pathExistsAvoiding,
  type Cfg,
  type CfgNode,
} from '../../server/src/c/index';
import { factsOf, fixture, fn, lineOf } from './helpers';

function cfgOf(src: string): Cfg {
  return extractCFacts(src, { era: parseEra('6.1') }).functions[0]!.cfg;
}
const edgesOf = (cfg: Cfg) => cfg.edges.map((e) => `${cfg.nodes[e.from]!.text}->${cfg.nodes[e.to]!.text}:${e.label}${e.back ? '*' : ''}`);

test('if/else, return and fallthrough edges', () => {
  const cfg = cfgOf('int f(int a)\n{\n\tif (a)\n\t\tx();\n\telse\n\t\treturn 1;\n\ty();\n\treturn 0;\n}\n');
  assert.deepEqual(edgesOf(cfg), [
    'entry->(a):fallthrough',
    '(a)->x();:true',
    '(a)->return 1;:false',
    'return 1;->exit:return',
    'x();->y();:fallthrough',
    'y();->return 0;:fallthrough',
    'return 0;->exit:return',
  ]);
  assert.deepEqual(cfg.nodes.map((n) => [n.kind, n.range.start.line]), [
    ['entry', 0], ['exit', 0], ['cond', 2], ['stmt', 3], ['return', 5], ['stmt', 6], ['return', 7],
  ]);
});

test('switch with case fallthrough, break and no default', () => {
  const cfg = cfgOf('void f(int a)\n{\n\tswitch (a) {\n\tcase 1:\n\t\tx();\n\tcase 2:\n\t\ty();\n\t\tbreak;\n\t}\n\tz();\n}\n');
  assert.deepEqual(edgesOf(cfg), [
    'entry->(a):fallthrough',
    '(a)->case 1::case',
    'case 1:->x();:fallthrough',
    'x();->case 2::fallthrough',
    '(a)->case 2::case',
    'case 2:->y();:fallthrough',
    'y();->break;:fallthrough',
    'break;->z();:break',
    '(a)->z();:default',
    'z();->exit:fallthrough',
  ]);
});

test('loops: while back-edge, do-while, for with update, continue/break, goto back-edge', () => {
  const cfg = cfgOf(
    'void f(int n)\n{\n\twhile (n) {\n\t\tif (g())\n\t\t\tcontinue;\n\t\tbreak;\n\t}\n\tdo {\n\t\tn--;\n\t} while (n > 0);\n\tfor (i = 0; i < n; i++)\n\t\th();\nagain:\n\tif (k())\n\t\tgoto again;\n}\n',
  );
  const e = edgesOf(cfg);
  assert.ok(e.includes('continue;->(n):continue*'));
  assert.ok(e.includes('break;->do:break'));
  assert.ok(e.includes('(n > 0)->do:back-edge*'));
  assert.ok(e.includes('h();->i++:fallthrough'));
  assert.ok(e.includes('i++->i < n:back-edge*'));
  assert.ok(e.includes('i < n->again::false'));
  assert.ok(e.includes('goto again;->again::goto*'));
  assert.ok(e.includes('(n)->do:false'));
  assert.equal(cfg.edges.filter((x) => x.back).length, 4);
});

test('for (;;) has no false exit; BUG() terminates a path', () => {
  const cfg = cfgOf('void f(void)\n{\n\tfor (;;) {\n\t\tif (a())\n\t\t\tbreak;\n\t}\n\tif (b())\n\t\tBUG();\n\tc();\n}\n');
  const e = edgesOf(cfg);
  assert.ok(!e.some((x) => x.startsWith('for (;;)->') && x.endsWith(':false')));
  assert.ok(e.includes('break;->(b()):break'));
  assert.ok(!e.some((x) => x.startsWith('BUG();->')));
});

test('facts point to their CFG nodes', () => {
  const text = fixture('retry/v5.7-default.c');
  const f = fn(factsOf('retry/v5.7-default.c', '5.7'), 'do_user_fault');
  const fault = f.faultCalls[0]!;
  assert.equal(f.cfg.nodes[fault.node]!.range.start.line, lineOf(text, 'handle_mm_fault'));
  assert.deepEqual(f.cfg.nodes[fault.node]!.calls, ['handle_mm_fault']);
  const loop = f.retryLoops[0]!;
  assert.equal(f.cfg.nodes[loop.headNode]!.kind, 'label');
  assert.equal(f.cfg.nodes[loop.backEdges[0]!.node]!.kind, 'goto');
  assert.equal(f.cfg.nodes[loop.retryTests[0]!.node]!.kind, 'cond');
  assert.equal(nodeAtLine(f.cfg, lineOf(text, 'goto retry'))!.kind, 'goto');
});

test('path avoiding a predicate: the back-edge is reachable from the fault only through the TRIED update', () => {
  const text = fixture('retry/v5.7-default.c');
  const f = fn(factsOf('retry/v5.7-default.c', '5.7'), 'do_user_fault');
  const fault = f.faultCalls[0]!.node;
  const back = f.retryLoops[0]!.backEdges[0]!.node;
  const setsTried = (n: CfgNode) => n.text.includes('FAULT_FLAG_TRIED');
  assert.equal(pathExistsAvoiding(f.cfg, fault, back, setsTried), false);
  const path = findPathAvoiding(f.cfg, fault, back, () => false)!;
  assert.deepEqual(path.map((id) => f.cfg.nodes[id]!.range.start.line), [
    lineOf(text, 'handle_mm_fault'),
    lineOf(text, 'if (fault_signal_pending('),
    lineOf(text, 'if (fault & VM_FAULT_RETRY)'),
    lineOf(text, '|= FAULT_FLAG_TRIED'),
    lineOf(text, 'goto retry'),
  ]);
  // The defective <=5.6 form reaches its back-edge without TRIED.
  const g = fn(factsOf('retry/v5.6-no-tried.c', '5.6'), 'do_page_fault');
  assert.equal(pathExistsAvoiding(g.cfg, g.faultCalls[0]!.node, g.retryLoops[0]!.backEdges[0]!.node, setsTried), true);
});

test('forwardDataflow tracks lock state (held / not held / maybe) through the retry loop', () => {
  const f = fn(factsOf('retry/v5.7-default.c', '5.7'), 'do_user_fault');
  const text = fixture('retry/v5.7-default.c');
  type S = 'held' | 'free' | 'maybe';
  const res = forwardDataflow<S>(
    f.cfg,
    'free',
    (n, s) => (n.calls.includes('mmap_read_lock') ? 'held' : n.calls.includes('mmap_read_unlock') ? 'free' : s),
    (a, b) => (a === b ? a : 'maybe'),
    // RETRY means the callee dropped the lock: refine along the true edge of a RETRY test.
    { edge: (e, s) => (e.label === 'true' && f.cfg.nodes[e.from]!.text.includes('VM_FAULT_RETRY') ? 'free' : s) },
  );
  assert.equal(res.converged, true);
  const at = (needle: string) => res.in[nodeAtLine(f.cfg, lineOf(text, needle))!.id];
  assert.equal(at('handle_mm_fault'), 'held');
  assert.equal(at('goto retry'), 'free');
  assert.equal(at('mmap_read_lock(mm)'), 'free');
  assert.equal(at('mmap_read_unlock(mm);\n'.trim()), 'held');
  assert.equal(res.in[f.cfg.exit], 'maybe');
});

test('forwardDataflow with edge refinement and a non-converging transfer is capped', () => {
  const cfg = cfgOf('void f(int l)\n{\n\tif (l)\n\t\tx();\n\ty();\n}\n');
  const res = forwardDataflow<number>(cfg, 0, (_n, s) => s, (a, b) => Math.max(a, b), {
    edge: (e, s) => (e.label === 'true' ? s + 1 : s),
  });
  assert.equal(res.in[nodeAtLine(cfg, 3)!.id], 1);
  assert.equal(res.in[nodeAtLine(cfg, 4)!.id], 1);
  const loop = cfgOf('void f(void)\n{\n\twhile (1)\n\t\tx();\n}\n');
  const bad = forwardDataflow<number>(loop, 0, (_n, s) => s + 1, (a, b) => Math.max(a, b), { maxIterations: 100 });
  assert.equal(bad.converged, false);
});
