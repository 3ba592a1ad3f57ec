/** The validator names the bad field by its path and says what was expected. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../../../simulator/src';

const base = () => ({
  version: 1,
  name: 'v',
  description: 'validator test',
  era: '6.8',
  memory: { vmas: [{ id: 'buf', pages: 2, type: 'anon' }], uffds: [{ id: 'u' }] },
  tasks: [
    { id: 'a', script: [{ access: { address: 'buf+0', mode: 'write' } }] },
    { id: 'b', script: [{ sleep: { us: 1 } }, { sleep: { us: 1 } }, { sleep: { us: 1 } }, { gup: { variant: 'get_user_pages', address: 'buf+0', nr_pages: 1 } }] },
  ],
});

function errors(json: unknown): string[] {
  const r = validateScenario(json);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

test('a valid scenario passes and is returned typed', () => {
  const r = validateScenario(base());
  assert.ok(r.ok);
  assert.equal(r.scenario.tasks.length, 2);
});

test('unknown GUP variant names tasks[1].script[3].gup.variant', () => {
  const j = base();
  (j.tasks[1].script[3] as { gup: { variant: string } }).gup.variant = 'get_user_pages_foo';
  const e = errors(j);
  assert.equal(e.length, 1);
  assert.match(e[0], /^tasks\[1\]\.script\[3\]\.gup\.variant: unknown GUP variant "get_user_pages_foo" \(expected one of get_user_pages, /);
});

test('version, era, missing fields, wrong types and unknown fields are reported by path', () => {
  const j: Record<string, unknown> = { ...base(), version: 2, era: 'linux', extra: true };
  delete j.description;
  assert.deepEqual(errors(j), [
    '$.extra: unknown field (expected one of $schema, version, name, description, era, seed, timing, memory, tasks, signals, expect)',
    'version: unsupported scenario format version number 2 (expected 1)',
    '$.description: required string is missing',
    'era: not a kernel version "linux" (expected e.g. "5.7" or "6.8")',
  ]);
  const k = base();
  (k.memory.vmas[0] as Record<string, unknown>).pages = 'four';
  (k.tasks[0].script[0] as { access: Record<string, unknown> }).access.mode = 'poke';
  assert.deepEqual(errors(k), ['memory.vmas[0].pages: expected an integer ≥ 1, got "four"', 'tasks[0].script[0].access.mode: unknown access mode "poke" (expected one of read, write, exec)']);
});

test('references: unknown vma in an address, unknown uffd, unknown task of a signal', () => {
  const j = base();
  (j.tasks[0].script[0] as { access: Record<string, unknown> }).access.address = 'nope+1';
  (j.tasks[1].script as unknown[]).push({ uffd_close: { uffd: 'v' } });
  (j as Record<string, unknown>).signals = [{ at: 5, task: 'zed', signal: 'SIGKILL' }];
  assert.deepEqual(errors(j), [
    'tasks[0].script[0].access.address: unknown vma "nope" in address "nope+1"',
    'tasks[1].script[4].uffd_close.uffd: unknown uffd "v" (declare it in memory.uffds)',
    'signals[0].task: unknown task "zed"',
  ]);
});

test('an op must have exactly one key naming it', () => {
  const j = base();
  (j.tasks[0].script as unknown[]).push({ frobnicate: {} }, { sleep: { us: 1 }, access: {} });
  assert.deepEqual(errors(j), [
    'tasks[0].script[1].frobnicate: unknown op "frobnicate" (expected one of access, gup, fixup_user_fault, mmap, munmap, mprotect, mremap, madvise, uffdio, uffd_serve, uffd_read, uffd_close, sleep, signal, mmap_read_lock, proc_read, page_lock_hold, wait_io_request, complete_io)',
    'tasks[0].script[2]: an op is an object with exactly one key naming it (one of access, gup, fixup_user_fault, mmap, munmap, mprotect, mremap, madvise, uffdio, uffd_serve, uffd_read, uffd_close, sleep, signal, mmap_read_lock, proc_read, page_lock_hold, wait_io_request, complete_io), got sleep, access',
  ]);
});

test('era availability: uffd ioctls, register modes, fault path fields', () => {
  const j = { ...base(), era: '5.4' };
  (j.tasks[0].script as unknown[]).push({ uffdio: { uffd: 'u', ioctl: 'MOVE', address: 'buf+0', src: 'buf+1' } });
  (j.memory.vmas as unknown[]).push({ id: 'wp', pages: 1, type: 'anon', uffd: { ctx: 'u', modes: ['WP'] } });
  (j.tasks[0] as Record<string, unknown>).faultPath = { signalCheck: 'sometimes', retry: { set: ['TRIED', 'AGAIN'] } };
  assert.deepEqual(errors(j), [
    'memory.vmas[1].uffd.modes: uffd-wp (WP) does not exist before 5.7 (era 5.4)',
    'tasks[0].faultPath.retry.set[1]: unknown fault flag "AGAIN" (expected one of WRITE, MKWRITE, ALLOW_RETRY, RETRY_NOWAIT, KILLABLE, TRIED, USER, REMOTE, INSTRUCTION, INTERRUPTIBLE, UNSHARE, ORIG_PTE_VALID, VMA_LOCK)',
    'tasks[0].faultPath.signalCheck: unknown signal check "sometimes" (expected one of fault_signal_pending, fatal, none)',
    'tasks[0].script[1].uffdio.ioctl: UFFDIO_MOVE does not exist before 6.8 (era 5.4)',
  ]);
});

test('not an object at all', () => {
  assert.deepEqual(errors([1, 2]), ['$: expected an object, got an array']);
});
