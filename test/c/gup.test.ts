import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEra } from '../../common/era';
import { extractCFacts, gupSignatureFor, type GupCallFact } from '../../server/src/c/index';
import { factsOf, fixture, fn, lineOf } from './helpers';

function gups(rel: string, era: string, name: string): { text: string; calls: GupCallFact[] } {
  return { text: fixture(rel), calls: fn(factsOf(rel, era), name).gupCalls };
}
const roles = (g: GupCallFact) => g.args.map((a) => a.role);

test('<=4.5: get_user_pages(tsk, mm, …, write, force, pages, vmas) and fixup_user_fault(tsk, mm, addr, flags)', () => {
  const { text, calls } = gups('gup/v4.4.c', '4.4', 'pin_buffer');
  assert.equal(calls.length, 1);
  const g = calls[0]!;
  assert.equal(g.callee, 'get_user_pages');
  assert.deepEqual([g.range.start.line, g.range.end.line], [lineOf(text, 'get_user_pages('), lineOf(text, 'pages, vmas);')]);
  assert.deepEqual(roles(g), ['tsk', 'mm', 'start', 'nr_pages', 'write', 'force', 'pages', 'vmas']);
  assert.equal(g.arityMismatch, undefined);
  assert.deepEqual([g.tsk, g.mm, g.mmImplied, g.vmasNull, g.assignedTo], ['current', 'current->mm', false, false, 'ret']);
  const fx = gups('gup/v4.4.c', '4.4', 'touch_remote').calls[0]!;
  assert.deepEqual(roles(fx), ['tsk', 'mm', 'address', 'fault_flags']);
  assert.deepEqual(fx.flagNames, ['FAULT_FLAG_WRITE']);
  assert.equal(fx.lockedNull, undefined);
});

test('4.6–4.8: write/force ints, current->mm implied; _locked with &locked; _remote with tsk', () => {
  const { calls } = gups('gup/v4.8.c', '4.8', 'grab_pages');
  assert.deepEqual(calls.map((c) => [c.callee, roles(c), c.mm, c.mmImplied]), [
    ['get_user_pages_unlocked', ['start', 'nr_pages', 'write', 'force', 'pages'], 'current->mm', true],
    ['get_user_pages_locked', ['start', 'nr_pages', 'write', 'force', 'pages', 'locked'], 'current->mm', true],
  ]);
  assert.deepEqual([calls[1]!.lockedVar, calls[1]!.lockedNull], ['locked', false]);
  const r = gups('gup/v4.8.c', '4.8', 'grab_remote').calls[0]!;
  assert.deepEqual(roles(r), ['tsk', 'mm', 'start', 'nr_pages', 'write', 'force', 'pages', 'vmas']);
  assert.deepEqual([r.mm, r.tsk, r.vmasNull, r.assignedTo], ['mm', 'tsk', false, undefined]);
});

test('4.9–6.4: gup_flags + vmas; flags through a local variable; _unlocked has pages before gup_flags', () => {
  const { text, calls } = gups('gup/v5.4.c', '5.4', 'map_user_buffer');
  const [g, u] = [calls[0]!, calls[1]!];
  assert.equal(g.range.start.line, lineOf(text, 'ret = get_user_pages('));
  assert.deepEqual(roles(g), ['start', 'nr_pages', 'gup_flags', 'pages', 'vmas']);
  assert.deepEqual(g.flagNames, ['FOLL_WRITE', 'FOLL_FORCE']);
  assert.deepEqual(g.flagsVia, ['gup_flags']);
  assert.equal(g.vmasNull, true);
  assert.equal(u.callee, 'get_user_pages_unlocked');
  assert.deepEqual(roles(u), ['start', 'nr_pages', 'pages', 'gup_flags']);
  assert.deepEqual(u.flagNames, ['FOLL_WRITE', 'FOLL_LONGTERM']);
  assert.equal(u.args[3]!.text, 'FOLL_WRITE | FOLL_LONGTERM');
});

test('4.10–5.8: _remote(tsk, mm, …, vmas, &locked); _fast gup_flags; fixup_user_fault with &unlocked; _locked', () => {
  const { calls } = gups('gup/v5.4.c', '5.4', 'map_remote');
  assert.deepEqual(calls.map((c) => c.callee), ['get_user_pages_remote', 'get_user_pages_fast', 'fixup_user_fault', 'get_user_pages_locked']);
  const [r, f, x, l] = calls as [GupCallFact, GupCallFact, GupCallFact, GupCallFact];
  assert.deepEqual(roles(r), ['tsk', 'mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked']);
  assert.deepEqual([r.lockedVar, r.lockedNull, r.vmasNull, r.mm, r.flagNames], ['locked', false, false, 'mm', ['FOLL_WRITE', 'FOLL_REMOTE']]);
  assert.deepEqual(roles(f), ['start', 'nr_pages', 'gup_flags', 'pages']);
  assert.deepEqual(roles(x), ['tsk', 'mm', 'address', 'fault_flags', 'unlocked']);
  assert.deepEqual([x.lockedVar, x.flagNames], ['unlocked', ['FAULT_FLAG_WRITE', 'FAULT_FLAG_ALLOW_RETRY']]);
  assert.deepEqual(roles(l), ['start', 'nr_pages', 'gup_flags', 'pages', 'locked']);
  // fixup_user_fault is a fault call too.
  const fc = fn(factsOf('gup/v5.4.c', '5.4'), 'map_remote').faultCalls;
  assert.deepEqual(fc.map((c) => [c.callee, c.flagsExpr, c.target]), [['fixup_user_fault', 'FAULT_FLAG_WRITE | FAULT_FLAG_ALLOW_RETRY', 'mm']]);
});

test('5.9–6.4: _remote(mm, …, vmas, locked) and pin_ variants; NULL vmas / NULL locked', () => {
  const { calls } = gups('gup/v5.10.c', '5.10', 'pin_for_dma');
  assert.deepEqual(calls.map((c) => [c.callee, roles(c)]), [
    ['pin_user_pages_remote', ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked']],
    ['pin_user_pages_unlocked', ['start', 'nr_pages', 'pages', 'gup_flags']],
    ['pin_user_pages_fast', ['start', 'nr_pages', 'gup_flags', 'pages']],
    ['get_user_pages_fast_only', ['start', 'nr_pages', 'gup_flags', 'pages']],
    ['get_user_pages_remote', ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked']],
    ['fixup_user_fault', ['mm', 'address', 'fault_flags', 'unlocked']],
  ]);
  assert.deepEqual([calls[0]!.vmasNull, calls[0]!.lockedVar, calls[0]!.flagNames], [true, 'locked', ['FOLL_WRITE', 'FOLL_LONGTERM']]);
  assert.deepEqual([calls[4]!.vmasNull, calls[4]!.lockedNull, calls[4]!.lockedVar], [true, true, undefined]);
  assert.deepEqual([calls[5]!.lockedNull, calls[5]!.mm], [true, 'mm']);
  assert.ok(calls.every((c) => c.existsInEra && !c.arityMismatch));
});

test('>=6.5: no vmas; get_user_page_vma_remote; a 5-arg get_user_pages is an arity mismatch naming 4.9–6.4', () => {
  const { text, calls } = gups('gup/v6.5.c', '6.5', 'access_one');
  assert.deepEqual(calls.map((c) => [c.callee, c.range.start.line, roles(c)]), [
    ['get_user_pages_remote', lineOf(text, 'get_user_pages_remote'), ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'locked']],
    ['get_user_page_vma_remote', lineOf(text, 'get_user_page_vma_remote'), ['mm', 'start', 'gup_flags', 'vma']],
    ['get_user_pages', lineOf(text, 'FOLL_WRITE, pages);'), ['start', 'nr_pages', 'gup_flags', 'pages']],
    ['pin_user_pages', lineOf(text, 'pin_user_pages'), ['start', 'nr_pages', 'gup_flags', 'pages']],
    ['get_user_pages', lineOf(text, 'pages, NULL);'), ['start', 'nr_pages', 'gup_flags', 'pages', 'vmas']],
  ]);
  assert.deepEqual(calls[0]!.flagNames, ['FOLL_FORCE', 'FOLL_WRITE']);
  assert.deepEqual(calls[0]!.flagsVia, ['flags']);
  assert.equal(calls[1]!.args[3]!.addressOf, 'vma');
  assert.deepEqual(calls[4]!.arityMismatch, { actual: 5, expected: 4, matchingEras: [{ from: '4.9', to: '6.4' }] });
  assert.deepEqual(calls[4]!.signature, ['start', 'nr_pages', 'gup_flags', 'pages']);
  assert.deepEqual(calls[4]!.signatureEras, { from: '4.9', to: '6.4' });
  assert.equal(calls[4]!.vmasNull, true);
});

test('removed APIs: exists=false with the eras of the matching arity', () => {
  const src = 'void f(void)\n{\n\tget_user_pages_locked(a, n, 0, p, &locked);\n\tget_user_pages_longterm(a, n, 0, p, NULL);\n\t__get_user_pages_fast(a, n, 1, p);\n\tpin_user_pages_fast_only(a, n, 0, p);\n}\n';
  const calls = extractCFacts(src, { era: parseEra('6.5') }).functions[0]!.gupCalls;
  assert.deepEqual(calls.map((c) => [c.callee, c.existsInEra, c.arityMismatch]), [
    ['get_user_pages_locked', false, { actual: 5, expected: null, matchingEras: [{ from: '4.9', to: '5.17' }] }],
    ['get_user_pages_longterm', false, { actual: 5, expected: null, matchingEras: [{ from: '4.15', to: '5.1' }] }],
    ['__get_user_pages_fast', false, { actual: 4, expected: null, matchingEras: [{ to: '5.7' }] }],
    ['pin_user_pages_fast_only', false, { actual: 4, expected: null, matchingEras: [{ from: '5.8', to: '6.2' }] }],
  ]);
  // Roles still come from the matching signature.
  assert.deepEqual(calls[0]!.args.map((a) => a.role), ['start', 'nr_pages', 'gup_flags', 'pages', 'locked']);
  assert.equal(calls[0]!.lockedVar, 'locked');
});

test('old tsk/mm call in a new era: mismatch lists every matching era range', () => {
  const src = 'void f(void)\n{\n\tget_user_pages_remote(tsk, mm, a, 1, 1, 0, p, NULL);\n}\n';
  const g = extractCFacts(src, { era: parseEra('6.1') }).functions[0]!.gupCalls[0]!;
  assert.deepEqual(g.arityMismatch, { actual: 8, expected: 7, matchingEras: [{ from: '4.6', to: '4.8' }, { from: '4.10', to: '5.8' }] });
  assert.deepEqual(g.args.map((a) => a.role), ['tsk', 'mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked']);
});

test('__get_user_pages: nonblocking before 5.7, locked after', () => {
  assert.equal(gupSignatureFor('__get_user_pages', parseEra('4.8'))!.roles[7], 'nonblocking');
  assert.equal(gupSignatureFor('__get_user_pages', parseEra('5.7'))!.roles[7], 'locked');
  assert.equal(gupSignatureFor('get_user_pages_remote', parseEra('4.5')), undefined);
  assert.deepEqual(gupSignatureFor('get_user_pages_remote', parseEra('4.9'))!.roles.length, 7);
});

test('facts are plain JSON', () => {
  const facts = factsOf('gup/v5.4.c', '5.4');
  assert.deepEqual(JSON.parse(JSON.stringify(facts)), facts);
});
