/**
 * Issue #10 item 7: the validator checks a GUP op's arguments against the era's signature (write/force ints before
 * 4.9, get_user_pages_fast's write int before 5.2, FOLL flags that do not exist yet), with the field path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../../../simulator/src';
import { gupArgRows } from '../../../simulator/src/engine/gup-signatures';
import { GUP_SIGNATURES } from '../../../server/src/c/gup-signatures';
import type { GupFunction } from '../../../server/src/c/types';

function errors(era: string, gup: Record<string, unknown>): string[] {
  const r = validateScenario({
    version: 1,
    name: 'v',
    description: 'validator test',
    era,
    memory: { vmas: [{ id: 'buf', pages: 2, type: 'anon' }] },
    tasks: [{ id: 't', script: [{ sleep: { us: 1 } }, { gup: { address: 'buf+0', nr_pages: 1, ...gup } }] }],
  });
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

test('item 7: get_user_pages_unlocked takes write/force ints up to 4.8 (FOLL_NOWAIT cannot be passed), gup_flags from 4.9', () => {
  const op = { variant: 'get_user_pages_unlocked', gup_flags: ['FOLL_WRITE', 'FOLL_NOWAIT'] };
  assert.deepEqual(errors('4.8', op), [
    'tasks[0].script[1].gup.gup_flags[1]: get_user_pages_unlocked(start, nr_pages, write, force, pages) takes write/force ints, not gup_flags, in era 4.8: FOLL_NOWAIT cannot be passed',
  ]);
  assert.deepEqual(errors('4.4', op), [
    'tasks[0].script[1].gup.gup_flags[1]: get_user_pages_unlocked(tsk, mm, start, nr_pages, write, force, pages) takes write/force ints, not gup_flags, in era 4.4: FOLL_NOWAIT cannot be passed',
  ]);
  assert.deepEqual(errors('4.9', op), []);
  // write and force are expressible before 4.9.
  assert.deepEqual(errors('4.8', { variant: 'get_user_pages_unlocked', gup_flags: ['FOLL_WRITE', 'FOLL_FORCE'] }), []);
});

test('item 7: get_user_pages_fast takes a write int up to 5.1 (no FOLL_FORCE), gup_flags from 5.2', () => {
  const op = { variant: 'get_user_pages_fast', gup_flags: ['FOLL_FORCE'] };
  assert.deepEqual(errors('5.1', op), [
    'tasks[0].script[1].gup.gup_flags[0]: get_user_pages_fast(start, nr_pages, write, pages) takes a write int, not gup_flags, in era 5.1: FOLL_FORCE cannot be passed',
  ]);
  assert.deepEqual(errors('5.2', op), []);
});

test('item 7: FOLL flags that do not exist yet: FOLL_INTERRUPTIBLE before 6.2, FOLL_REMOTE before 4.6', () => {
  assert.deepEqual(errors('6.1', { variant: 'get_user_pages_unlocked', gup_flags: ['FOLL_INTERRUPTIBLE'] }), [
    'tasks[0].script[1].gup.gup_flags[0]: FOLL_INTERRUPTIBLE does not exist in era 6.1 (from 6.2)',
  ]);
  assert.deepEqual(errors('6.2', { variant: 'get_user_pages_unlocked', gup_flags: ['FOLL_INTERRUPTIBLE'] }), []);
  assert.deepEqual(errors('4.5', { variant: 'get_user_pages', gup_flags: ['FOLL_REMOTE'] }).length, 1);
  assert.deepEqual(errors('4.9', { variant: 'get_user_pages', gup_flags: ['FOLL_REMOTE'] }), []);
});

test('item 7: locked / vmas errors name the era prototype', () => {
  assert.deepEqual(errors('4.9', { variant: 'get_user_pages_remote', locked: true }), [
    'tasks[0].script[1].gup.locked: get_user_pages_remote takes no int *locked argument in era 4.9: get_user_pages_remote(tsk, mm, start, nr_pages, gup_flags, pages, vmas)',
  ]);
  assert.deepEqual(errors('4.10', { variant: 'get_user_pages_remote', locked: true }), []);
});

test('item 7: the simulator signature table agrees with the analysis table (server/src/c/gup-signatures.ts)', () => {
  for (const row of gupArgRows()) {
    const theirs = GUP_SIGNATURES[row.variant as GupFunction].find((s) => s.eras.from === row.from && s.eras.to === row.to);
    assert.ok(theirs, `${row.variant} ${row.from ?? ''}–${row.to ?? ''}`);
    assert.equal(theirs.roles.join(', '), row.args.proto, row.variant);
    assert.equal(theirs.roles.includes('locked'), row.args.locked, `${row.variant} locked`);
    assert.equal(theirs.roles.includes('vmas'), row.args.vmas, `${row.variant} vmas`);
    const flags = theirs.roles.includes('gup_flags') ? 'gup_flags' : theirs.roles.includes('force') ? 'write-force' : 'write';
    assert.equal(flags, row.args.flags, `${row.variant} flags`);
  }
});
