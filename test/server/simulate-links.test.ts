// "Simulate this fault path": each trace event that stands for a statement of the code links to that statement's
// document line (server/src/simulate/run.ts linkEvents, from the simulator's structured TraceStep and the
// extraction's sources), in a C file and in a patch (each side of a before/after its own lines: '-' lines before,
// '+' lines after, context lines both); other tasks' events and steps the code has no statement for carry none.
// Overrides are validated field by field with a message, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSettings } from '../../common/settings';
import { Analyzer } from '../../server/src/lsp/analyzer';
import { simulateAt } from '../../server/src/simulate/run';
import type { SimulatedSide, SimulateRequestParams } from '../../server/src/simulate/types';
import { root } from './fixtures';

function run(file: string, params: Omit<SimulateRequestParams, 'uri'>) {
  const text = readFileSync(join(root, 'test', 'fixtures', 'editor', file), 'utf8');
  const uri = `file:///${file}`;
  const a = new Analyzer({ settings: resolveSettings({ era: '6.8' }) });
  const doc = { uri, languageId: file.endsWith('.c') ? 'c' : 'diff', text, version: 1 };
  a.update(doc);
  return { r: simulateAt(a, doc, { uri, ...params }), lines: text.split('\n') };
}

/** step → the 1-based document lines its events of `task` link to (every distinct one, in first-seen order). */
function stepLines(side: SimulatedSide, task: string): Record<string, (number | null)[]> {
  const out: Record<string, (number | null)[]> = {};
  for (const e of side.events) {
    if (e.task !== task || !e.step) continue;
    const l = e.documentLine === undefined ? null : e.documentLine + 1;
    const seen = (out[e.step] ??= []);
    if (!seen.includes(l)) seen.push(l);
  }
  return out;
}

test('C: every statement of the retry loop an event stands for is linked to its exact line', () => {
  const { r, lines } = run('fault.c', { line: 11 });
  assert.equal(r.ok, true, r.message);
  const side = r.sides[0]!;
  assert.deepEqual(stepLines(side, 'vcpu0'), {
    'fault-entry': [9], // unsigned int flags = FAULT_FLAG_DEFAULT;
    lock: [13], // retry: mmap_read_lock(mm);
    'fault-call': [19], // fault = handle_mm_fault(...)
    'signal-check': [20], // if (fault_signal_pending(fault, regs))
    'retry-flags': [25], // flags |= FAULT_FLAG_TRIED;
    retry: [27], // goto retry;
    relock: [13], // the re-take is the same statement, at the label
    unlock: [29], // mmap_read_unlock(mm);
  });
  assert.equal(lines[24]!.trim(), 'flags |= FAULT_FLAG_TRIED;');
  // The second vCPU runs the same handler: same lines. The uffd monitor's copy and the other task's code: none.
  assert.deepEqual(stepLines(side, 'vcpu1'), stepLines(side, 'vcpu0'));
  for (const task of ['monitor', 'qemu']) {
    const evs = side.events.filter((e) => e.task === task);
    assert.ok(evs.length > 0, task);
    assert.ok(evs.every((e) => e.step === undefined && e.documentLine === undefined), task);
  }
  // Inside handle_mm_fault (handle_userfault's message, the block): no statement of this code.
  assert.ok(side.events.some((e) => e.task === 'vcpu0' && /^blocked in handle_userfault/.test(e.label) && e.documentLine === undefined));
  // seq matches the SVG's data-seq of the same event.
  const markers = new Set([...side.svg.matchAll(/data-seq="(\d+)"/g)].map((m) => Number(m[1])));
  const linked = side.events.filter((e) => e.documentLine !== undefined && markers.has(e.seq));
  assert.ok(linked.length > 0 && linked.every((e) => e.task.startsWith('vcpu')), 'timeline markers of linked events');
});

test('C: the GUP call with its caller lock and unlock; with &locked overridden, the *locked test has no line in this code', () => {
  const { r } = run('fault.c', { line: 37 });
  assert.equal(r.ok, true, r.message);
  assert.deepEqual(stepLines(r.sides[0]!, 'dio'), { 'gup-call': [38], 'gup-lock': [37], 'gup-fault': [38], 'gup-unlock': [39] });
  assert.ok(r.sides[0]!.events.filter((e) => e.task === 'writer').every((e) => e.documentLine === undefined && e.step === undefined));
  const o = run('fault.c', { line: 37, overrides: { gup: { variant: 'get_user_pages_remote', locked: true } } }).r;
  assert.equal(o.ok, true, o.message);
  assert.deepEqual(o.sides[0]!.applied, { gup: { variant: 'get_user_pages_remote', gup_flags: ['FOLL_WRITE'], locked: true }, era: '6.8', seed: 1, presetSeed: 1 });
  assert.deepEqual(stepLines(o.sides[0]!, 'dio')['locked-test'], [null]);
  assert.equal(o.sides[0]!.verdict, 'dio: ok (1) at 2002 µs, 1 retry; writer: ok at 105 µs; ps: ok at 202 µs');
});

test('patch: before/after on the hunk header, each side linked to its own lines of the .patch', () => {
  const { r, lines } = run('toy-retry.patch', { line: 15 });
  assert.equal(r.ok, true, r.message);
  assert.deepEqual(r.sides.map((s) => s.label), ['before', 'after']);
  const [before, after] = r.sides as [SimulatedSide, SimulatedSide];
  assert.deepEqual(stepLines(before, 'vcpu0'), {
    'fault-entry': [21], // -	unsigned int flags = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
    lock: [26],
    'fault-call': [32],
    'signal-check': [33], // -	if (fatal_signal_pending(current))
    'retry-flags': [37], // -		flags &= ~FAULT_FLAG_ALLOW_RETRY;
    retry: [40],
    relock: [26],
    unlock: [42],
  });
  assert.deepEqual(stepLines(after, 'vcpu0'), {
    'fault-entry': [22], // +	unsigned int flags = FAULT_FLAG_DEFAULT;
    lock: [26],
    'fault-call': [32],
    'signal-check': [34], // +	if (fault_signal_pending(fault, regs))
    'retry-flags': [38], //  		flags |= FAULT_FLAG_TRIED;
    retry: [40],
    relock: [26],
    unlock: [42],
  });
  assert.deepEqual([lines[20], lines[21], lines[32], lines[33], lines[36]].map((l) => l![0]), ['-', '+', '-', '+', '-']);
  assert.equal(lines[39], ' \t\tgoto retry;');
});

test('overrides: the retry path without ALLOW_RETRY (≤5.6 single retry) turns the uffd-wp third attempt into SIGBUS; bad values are named', () => {
  const base = run('fault.c', { line: 11, preset: 'uffd-wp-swapped-5.7' }).r;
  assert.deepEqual(base.sides[0]!.outcomes.find((o) => o.task === 'app'), { task: 'app', outcome: 'ok' });
  const capped = run('fault.c', { line: 11, preset: 'uffd-wp-swapped-5.7', overrides: { faultPath: { retry: { set: ['TRIED'], clear: ['ALLOW_RETRY'], max: 1 } } } }).r;
  assert.equal(capped.ok, true, capped.message);
  assert.deepEqual(capped.sides[0]!.outcomes.find((o) => o.task === 'app'), { task: 'app', outcome: 'SIGBUS' });
  assert.deepEqual(capped.sides[0]!.extracted.faultPath?.retry, { set: ['TRIED'], clear: [], max: null }, 'the extraction is kept as it was');
  const bad = (overrides: unknown, seed?: unknown) => {
    const x = run('fault.c', { line: 11, overrides: overrides as SimulateRequestParams['overrides'], ...(seed !== undefined ? { seed: seed as number } : {}) }).r;
    assert.equal(x.ok, false);
    assert.deepEqual(x.sides, []);
    return x.message;
  };
  assert.equal(bad({ faultPath: { retry: { set: ['TRIED', 'BOGUS'] } } }), 'invalid parameter: faultPath.retry.set: "BOGUS" is not one of WRITE, MKWRITE, ALLOW_RETRY, RETRY_NOWAIT, KILLABLE, TRIED, USER, REMOTE, INSTRUCTION, INTERRUPTIBLE, UNSHARE, ORIG_PTE_VALID, VMA_LOCK');
  assert.equal(bad({ faultPath: { signalCheck: 'maybe' } }), 'invalid parameter: faultPath.signalCheck: "maybe" is not one of fault_signal_pending, fatal, none');
  assert.equal(bad({ era: '2.6' }), 'invalid parameter: era: 2.6 is outside the eras the model covers (3.18 to 6.19)');
  assert.equal(bad({ era: 'new' }), 'invalid parameter: era: "new" is not a kernel version (expected e.g. "5.7" or "6.8")');
  assert.equal(bad({ gup: { locked: 'yes' } }), 'invalid parameter: gup.locked: expected true or false, got "yes"');
  assert.equal(bad({ gup: { address: 0 } }), 'invalid parameter: gup.address: not a parameter (expected one of variant, gup_flags, locked, lockedValue, vmas)');
  assert.equal(bad('flags=TRIED'), 'invalid parameter: overrides: expected an object, got "flags=TRIED"');
  assert.equal(bad({ faultPath: { retry: { max: -1 } } }), 'invalid parameter: faultPath.retry.max: expected an integer from 0 to 1000, got -1');
  assert.equal(bad({}, 1.5), 'invalid parameter: seed: expected an integer from 0 to 4294967295, got 1.5');
});
