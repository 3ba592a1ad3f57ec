/**
 * Scenario validator (format version 1). Hand-written so that every error names the field by its path and says
 * what was expected, e.g. `tasks[1].script[3].gup.variant: unknown GUP variant "get_user_pages_foo"`. Besides the
 * shape (simulator/schema/scenario.schema.json says the same), it checks references (task, vma, uffd and file ids)
 * and era availability (GUP variants, vmas/locked parameters, uffd ioctls).
 */

import { eraAtLeast, tryParseEra, type Era } from '../../../common/era';
import { FOLL_FLAG_FROM, expressibleFlags, follFlagExists, gupArgsFor } from '../engine/gup-signatures';
import { GUP_VARIANT_ERAS, UFFD_IOCTL_ERAS, gupVariantExists, gupVariantInfo } from '../engine/rules';
import { parseAddressSpec } from './address';
import type { GupFlagName, GupVariant, Scenario, ScriptOpName } from './types';

export interface ValidationError {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true; scenario: Scenario } | { ok: false; errors: ValidationError[] };

type J = unknown;
type Obj = Record<string, J>;

const FAULT_FLAGS = ['WRITE', 'MKWRITE', 'ALLOW_RETRY', 'RETRY_NOWAIT', 'KILLABLE', 'TRIED', 'USER', 'REMOTE', 'INSTRUCTION', 'INTERRUPTIBLE', 'UNSHARE', 'ORIG_PTE_VALID', 'VMA_LOCK'];
const GUP_FLAGS = ['FOLL_WRITE', 'FOLL_FORCE', 'FOLL_NOWAIT', 'FOLL_LONGTERM', 'FOLL_REMOTE', 'FOLL_INTERRUPTIBLE', 'FOLL_TOUCH', 'FOLL_GET', 'FOLL_PIN'];
const VMA_TYPES = ['anon', 'shmem', 'file', 'hugetlb', 'dax', 'pfnmap'];
const PTE_STATES = ['none', 'present-rw', 'present-ro', 'swap', 'wp-marker', 'poison'];
const UFFD_MODES = ['MISSING', 'WP', 'MINOR'];
const IOCTLS = Object.keys(UFFD_IOCTL_ERAS);
const RESOLVES = ['COPY', 'ZEROPAGE', 'CONTINUE', 'WRITEPROTECT', 'WAKE', 'MOVE', 'POISON'];
const FEATURES = ['PAGEFAULT_FLAG_WP', 'EVENT_FORK', 'EVENT_REMAP', 'EVENT_REMOVE', 'MISSING_HUGETLBFS', 'MISSING_SHMEM', 'EVENT_UNMAP', 'SIGBUS', 'THREAD_ID', 'MINOR_HUGETLBFS', 'MINOR_SHMEM', 'EXACT_ADDRESS', 'WP_HUGETLBFS_SHMEM', 'WP_UNPOPULATED', 'POISON', 'WP_ASYNC', 'MOVE'];
const OP_NAMES: ScriptOpName[] = ['access', 'gup', 'fixup_user_fault', 'mmap', 'munmap', 'mprotect', 'mremap', 'madvise', 'uffdio', 'uffd_serve', 'uffd_read', 'uffd_close', 'sleep', 'signal', 'mmap_read_lock', 'proc_read', 'page_lock_hold', 'wait_io_request', 'complete_io'];

class V {
  errors: ValidationError[] = [];
  err(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  obj(v: J, path: string): Obj | null {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.err(path, `expected an object, got ${describe(v)}`);
      return null;
    }
    return v as Obj;
  }
  arr(v: J, path: string): J[] | null {
    if (!Array.isArray(v)) {
      this.err(path, `expected an array, got ${describe(v)}`);
      return null;
    }
    return v;
  }
  str(o: Obj, k: string, path: string, required: boolean): string | undefined {
    const v = o[k];
    if (v === undefined) {
      if (required) this.err(`${path}.${k}`, 'required string is missing');
      return undefined;
    }
    if (typeof v !== 'string' || v.length === 0) {
      this.err(`${path}.${k}`, `expected a non-empty string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }
  num(o: Obj, k: string, path: string, required: boolean, min = 0): number | undefined {
    const v = o[k];
    if (v === undefined) {
      if (required) this.err(`${path}.${k}`, 'required number is missing');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || !Number.isInteger(v)) {
      this.err(`${path}.${k}`, `expected an integer ≥ ${min}, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }
  bool(o: Obj, k: string, path: string): void {
    const v = o[k];
    if (v !== undefined && typeof v !== 'boolean') this.err(`${path}.${k}`, `expected true or false, got ${describe(v)}`);
  }
  oneOf(o: Obj, k: string, path: string, allowed: string[], what: string, required: boolean): string | undefined {
    const v = o[k];
    if (v === undefined) {
      if (required) this.err(`${path}.${k}`, `required ${what} is missing (one of ${allowed.join(', ')})`);
      return undefined;
    }
    if (typeof v !== 'string' || !allowed.includes(v)) {
      this.err(`${path}.${k}`, `unknown ${what} ${JSON.stringify(v)} (expected one of ${allowed.join(', ')})`);
      return undefined;
    }
    return v;
  }
  list(o: Obj, k: string, path: string, allowed: string[], what: string): string[] | undefined {
    const v = o[k];
    if (v === undefined) return undefined;
    const a = this.arr(v, `${path}.${k}`);
    if (!a) return undefined;
    const out: string[] = [];
    a.forEach((x, i) => {
      if (typeof x !== 'string' || !allowed.includes(x)) this.err(`${path}.${k}[${i}]`, `unknown ${what} ${JSON.stringify(x)} (expected one of ${allowed.join(', ')})`);
      else out.push(x);
    });
    return out;
  }
  keys(o: Obj, path: string, allowed: string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.err(`${path}.${k}`, `unknown field (expected one of ${allowed.join(', ')})`);
  }
}

function describe(v: J): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function validateScenario(json: unknown): ValidationResult {
  const v = new V();
  const root = v.obj(json, '$');
  if (!root) return { ok: false, errors: v.errors };
  v.keys(root, '$', ['$schema', 'version', 'name', 'description', 'era', 'seed', 'timing', 'memory', 'tasks', 'signals', 'expect']);
  if (root.version !== 1) v.err('version', `unsupported scenario format version ${describe(root.version)} (expected 1)`);
  v.str(root, 'name', '$', true);
  v.str(root, 'description', '$', true);
  const eraStr = v.str(root, 'era', '$', true);
  let era: Era | undefined;
  if (eraStr !== undefined) {
    era = tryParseEra(eraStr);
    if (!era) v.err('era', `not a kernel version ${JSON.stringify(eraStr)} (expected e.g. "5.7" or "6.8")`);
  }
  v.num(root, 'seed', '$', false);
  if (root.timing !== undefined) {
    const tm = v.obj(root.timing, 'timing');
    if (tm) {
      v.keys(tm, 'timing', ['faultCostUs', 'writerHoldUs', 'ioctlCostUs', 'jitterUs']);
      for (const k of ['faultCostUs', 'writerHoldUs', 'ioctlCostUs', 'jitterUs']) v.num(tm, k, 'timing', false);
    }
  }
  const vmaIds = new Set<string>();
  const uffdIds = new Set<string>();
  const fileIds = new Set<string>();
  const taskIds = new Set<string>();
  const mem = root.memory === undefined ? (v.err('memory', 'required object is missing'), null) : v.obj(root.memory, 'memory');
  if (mem) {
    v.keys(mem, 'memory', ['vmas', 'files', 'uffds', 'ioLatencyUs', 'swapInLatencyUs']);
    v.num(mem, 'ioLatencyUs', 'memory', false);
    v.num(mem, 'swapInLatencyUs', 'memory', false);
    (v.arr(mem.uffds ?? [], 'memory.uffds') ?? []).forEach((u, i) => {
      const p = `memory.uffds[${i}]`;
      const o = v.obj(u, p);
      if (!o) return;
      v.keys(o, p, ['id', 'api', 'features', 'userModeOnly', 'nonblock']);
      const id = v.str(o, 'id', p, true);
      if (id) uffdIds.add(id);
      v.list(o, 'features', p, FEATURES, 'uffd feature');
      v.bool(o, 'api', p);
      v.bool(o, 'userModeOnly', p);
      v.bool(o, 'nonblock', p);
    });
    (v.arr(mem.files ?? [], 'memory.files') ?? []).forEach((f, i) => {
      const p = `memory.files[${i}]`;
      const o = v.obj(f, p);
      if (!o) return;
      v.keys(o, p, ['id', 'pages']);
      const id = v.str(o, 'id', p, true);
      if (id) fileIds.add(id);
      (v.arr(o.pages ?? [], `${p}.pages`) ?? []).forEach((pg, j) => {
        const pp = `${p}.pages[${j}]`;
        const po = v.obj(pg, pp);
        if (!po) return;
        v.keys(po, pp, ['index', 'cached', 'ioLatencyUs', 'servedBy', 'completesAfterIo']);
        v.num(po, 'index', pp, true);
        v.bool(po, 'cached', pp);
        v.num(po, 'ioLatencyUs', pp, false);
        v.str(po, 'servedBy', pp, false);
        v.bool(po, 'completesAfterIo', pp);
      });
    });
    const vmas = mem.vmas === undefined ? (v.err('memory.vmas', 'required array is missing'), null) : v.arr(mem.vmas, 'memory.vmas');
    (vmas ?? []).forEach((x, i) => {
      const p = `memory.vmas[${i}]`;
      const o = v.obj(x, p);
      if (!o) return;
      v.keys(o, p, ['id', 'start', 'pages', 'type', 'prot', 'shared', 'file', 'fileOffset', 'uffd', 'ptes', 'locked']);
      const id = v.str(o, 'id', p, true);
      if (id) {
        if (vmaIds.has(id)) v.err(`${p}.id`, `duplicate vma id ${JSON.stringify(id)}`);
        vmaIds.add(id);
      }
      v.num(o, 'start', p, false);
      if (typeof o.start === 'number' && o.start % 4096 !== 0) v.err(`${p}.start`, 'expected a page-aligned address (multiple of 4096)');
      v.num(o, 'pages', p, true, 1);
      const type = v.oneOf(o, 'type', p, VMA_TYPES, 'vma type', true);
      if (o.prot !== undefined && (typeof o.prot !== 'string' || !/^r?w?x?$/.test(o.prot))) v.err(`${p}.prot`, `expected "r", "rw", "rx" or "rwx", got ${describe(o.prot)}`);
      v.bool(o, 'shared', p);
      v.bool(o, 'locked', p);
      v.num(o, 'fileOffset', p, false);
      const file = v.str(o, 'file', p, false);
      if (type === 'file' && !file) v.err(`${p}.file`, 'a file vma needs a file id (memory.files[].id)');
      if (file && !fileIds.has(file)) v.err(`${p}.file`, `unknown file ${JSON.stringify(file)} (declare it in memory.files)`);
      if (o.uffd !== undefined) {
        const u = v.obj(o.uffd, `${p}.uffd`);
        if (u) {
          v.keys(u, `${p}.uffd`, ['ctx', 'modes']);
          const ctx = v.str(u, 'ctx', `${p}.uffd`, true);
          if (ctx && !uffdIds.has(ctx)) v.err(`${p}.uffd.ctx`, `unknown uffd ${JSON.stringify(ctx)} (declare it in memory.uffds)`);
          const modes = v.list(u, 'modes', `${p}.uffd`, UFFD_MODES, 'uffd register mode');
          if (!modes || modes.length === 0) v.err(`${p}.uffd.modes`, 'expected a non-empty list of MISSING, WP, MINOR');
          if (modes?.includes('WP') && era && !eraAtLeast(era, '5.7')) v.err(`${p}.uffd.modes`, `uffd-wp (WP) does not exist before 5.7 (era ${eraStr})`);
          if (modes?.includes('MINOR') && era && !eraAtLeast(era, '5.13')) v.err(`${p}.uffd.modes`, `MINOR does not exist before 5.13 (era ${eraStr})`);
          if (modes?.includes('MINOR') && type === 'anon') v.err(`${p}.uffd.modes`, 'MINOR on an anonymous vma is -EINVAL (shmem/hugetlb only)');
        }
      }
      (v.arr(o.ptes ?? [], `${p}.ptes`) ?? []).forEach((pt, j) => {
        const pp = `${p}.ptes[${j}]`;
        const po = v.obj(pt, pp);
        if (!po) return;
        v.keys(po, pp, ['index', 'state', 'wp', 'mapcount']);
        const idx = v.num(po, 'index', pp, true);
        if (idx !== undefined && typeof o.pages === 'number' && idx >= o.pages) v.err(`${pp}.index`, `page ${idx} is outside the vma (${o.pages} pages)`);
        v.oneOf(po, 'state', pp, PTE_STATES, 'pte state', true);
        v.bool(po, 'wp', pp);
        v.num(po, 'mapcount', pp, false, 1);
      });
    });
  }
  const tasks = root.tasks === undefined ? (v.err('tasks', 'required array is missing'), null) : v.arr(root.tasks, 'tasks');
  (tasks ?? []).forEach((t) => {
    if (t && typeof t === 'object' && typeof (t as Obj).id === 'string') taskIds.add((t as Obj).id as string);
  });
  for (const f of (mem?.files as Obj[] | undefined) ?? []) {
    for (const pg of (Array.isArray(f?.pages) ? (f.pages as Obj[]) : [])) {
      if (pg && typeof pg.servedBy === 'string' && !taskIds.has(pg.servedBy)) {
        v.err(`memory.files[${((mem?.files as Obj[]) ?? []).indexOf(f)}].pages[${(f.pages as Obj[]).indexOf(pg)}].servedBy`, `unknown task ${JSON.stringify(pg.servedBy)}`);
      }
    }
  }
  const seenTasks = new Set<string>();
  (tasks ?? []).forEach((t, i) => {
    const p = `tasks[${i}]`;
    const o = v.obj(t, p);
    if (!o) return;
    v.keys(o, p, ['id', 'startUs', 'kernel', 'faultPath', 'script']);
    const id = v.str(o, 'id', p, true);
    if (id) {
      if (seenTasks.has(id)) v.err(`${p}.id`, `duplicate task id ${JSON.stringify(id)}`);
      seenTasks.add(id);
    }
    v.num(o, 'startUs', p, false);
    v.bool(o, 'kernel', p);
    if (o.faultPath !== undefined) validateFaultPath(v, o.faultPath, `${p}.faultPath`);
    const script = o.script === undefined ? (v.err(`${p}.script`, 'required array is missing'), null) : v.arr(o.script, `${p}.script`);
    (script ?? []).forEach((op, j) => validateOp(v, op, `${p}.script[${j}]`, { era, eraStr, vmaIds, uffdIds, fileIds, taskIds }));
  });
  (v.arr(root.signals ?? [], 'signals') ?? []).forEach((s, i) => {
    const p = `signals[${i}]`;
    const o = v.obj(s, p);
    if (!o) return;
    v.keys(o, p, ['at', 'task', 'signal']);
    v.num(o, 'at', p, true);
    const task = v.str(o, 'task', p, true);
    if (task && !taskIds.has(task)) v.err(`${p}.task`, `unknown task ${JSON.stringify(task)}`);
    v.oneOf(o, 'signal', p, ['SIGKILL', 'SIGUSR1'], 'signal', true);
  });
  if (root.expect !== undefined) {
    const e = v.obj(root.expect, 'expect');
    if (e) {
      v.keys(e, 'expect', ['outcomes', 'unexpectedErrors']);
      if (e.outcomes !== undefined) {
        const oc = v.obj(e.outcomes, 'expect.outcomes');
        for (const [k, val] of Object.entries(oc ?? {})) {
          if (!taskIds.has(k)) v.err(`expect.outcomes.${k}`, `unknown task ${JSON.stringify(k)}`);
          if (typeof val !== 'string') v.err(`expect.outcomes.${k}`, `expected an outcome string, got ${describe(val)}`);
        }
      }
      if (e.unexpectedErrors !== undefined) v.arr(e.unexpectedErrors, 'expect.unexpectedErrors');
    }
  }
  if (v.errors.length) return { ok: false, errors: v.errors };
  return { ok: true, scenario: json as Scenario };
}

function validateFaultPath(v: V, x: J, p: string): void {
  const o = v.obj(x, p);
  if (!o) return;
  v.keys(o, p, ['initialFlags', 'retry', 'signalCheck', 'lockRetake', 'vmaLock', 'vmaLockTried', 'handlesCompleted', 'unlockAfterRetry']);
  v.list(o, 'initialFlags', p, FAULT_FLAGS, 'fault flag');
  if (o.retry !== undefined) {
    const r = v.obj(o.retry, `${p}.retry`);
    if (r) {
      v.keys(r, `${p}.retry`, ['set', 'clear', 'max']);
      v.list(r, 'set', `${p}.retry`, FAULT_FLAGS, 'fault flag');
      v.list(r, 'clear', `${p}.retry`, FAULT_FLAGS, 'fault flag');
      if (r.max !== undefined && r.max !== null) v.num(r, 'max', `${p}.retry`, false);
    }
  }
  v.oneOf(o, 'signalCheck', p, ['fault_signal_pending', 'fatal', 'none'], 'signal check', false);
  v.oneOf(o, 'lockRetake', p, ['retry-label', 'before-goto', 'lock_mm_and_find_vma'], 'lock retake point', false);
  v.oneOf(o, 'vmaLockTried', p, ['always', 'major', 'never'], 'vmaLockTried policy', false);
  v.bool(o, 'vmaLock', p);
  v.bool(o, 'handlesCompleted', p);
  v.bool(o, 'unlockAfterRetry', p);
}

interface Refs {
  era: Era | undefined;
  eraStr: string | undefined;
  vmaIds: Set<string>;
  uffdIds: Set<string>;
  fileIds: Set<string>;
  taskIds: Set<string>;
}

function addr(v: V, o: Obj, k: string, p: string, refs: Refs, required: boolean): void {
  const a = o[k];
  if (a === undefined) {
    if (required) v.err(`${p}.${k}`, 'required address is missing (a number, "0x…" or "vma+page")');
    return;
  }
  if (typeof a !== 'number' && typeof a !== 'string') {
    v.err(`${p}.${k}`, `expected an address (a number, "0x…" or "vma+page"), got ${describe(a)}`);
    return;
  }
  const s = parseAddressSpec(a);
  if (!s) v.err(`${p}.${k}`, `bad address ${JSON.stringify(a)} (expected a number, "0x…" or "vma+page")`);
  else if ('vma' in s && !refs.vmaIds.has(s.vma)) v.err(`${p}.${k}`, `unknown vma ${JSON.stringify(s.vma)} in address ${JSON.stringify(a)}`);
}

function uffdRef(v: V, o: Obj, p: string, refs: Refs): void {
  const u = v.str(o, 'uffd', p, true);
  if (u && !refs.uffdIds.has(u)) v.err(`${p}.uffd`, `unknown uffd ${JSON.stringify(u)} (declare it in memory.uffds)`);
}

function validateOp(v: V, x: J, p: string, refs: Refs): void {
  const o = v.obj(x, p);
  if (!o) return;
  const ks = Object.keys(o);
  if (ks.length !== 1) {
    v.err(p, `an op is an object with exactly one key naming it (one of ${OP_NAMES.join(', ')}), got ${ks.length ? ks.join(', ') : 'no key'}`);
    return;
  }
  const name = ks[0];
  if (!OP_NAMES.includes(name as ScriptOpName)) {
    v.err(`${p}.${name}`, `unknown op "${name}" (expected one of ${OP_NAMES.join(', ')})`);
    return;
  }
  const q = `${p}.${name}`;
  const b = v.obj(o[name], q);
  if (!b) return;
  switch (name as ScriptOpName) {
    case 'access':
      v.keys(b, q, ['address', 'mode', 'expectOk']);
      addr(v, b, 'address', q, refs, true);
      v.oneOf(b, 'mode', q, ['read', 'write', 'exec'], 'access mode', true);
      v.bool(b, 'expectOk', q);
      break;
    case 'gup': {
      v.keys(b, q, ['variant', 'address', 'nr_pages', 'gup_flags', 'locked', 'lockedValue', 'vmas', 'holdAfterUs', 'expectOk']);
      const variant = b.variant;
      const variants = Object.keys(GUP_VARIANT_ERAS);
      if (variant === undefined) v.err(`${q}.variant`, `required GUP variant is missing (one of ${variants.join(', ')})`);
      else if (typeof variant !== 'string' || !variants.includes(variant)) v.err(`${q}.variant`, `unknown GUP variant ${JSON.stringify(variant)} (expected one of ${variants.join(', ')})`);
      else if (refs.era) {
        const gv = variant as GupVariant;
        const r = GUP_VARIANT_ERAS[gv];
        if (!gupVariantExists(gv, refs.era)) v.err(`${q}.variant`, `${gv} does not exist in era ${refs.eraStr} (it exists ${r.from ?? 'always'}–${r.to ?? 'now'})`);
        const info = gupVariantInfo(gv);
        const sig = gupArgsFor(gv, refs.era);
        const proto = sig ? `${gv}(${sig.proto})` : gv;
        if (b.locked === true && !info.acceptsLocked(refs.era)) v.err(`${q}.locked`, `${gv} takes no int *locked argument in era ${refs.eraStr}: ${proto}`);
        if (b.vmas === true && !info.acceptsVmas(refs.era)) v.err(`${q}.vmas`, `${gv} takes no vmas argument in era ${refs.eraStr}${eraAtLeast(refs.era, '6.5') ? ' (the parameter was removed in 6.5)' : ''}: ${proto}`);
        const era = refs.era;
        if (sig && Array.isArray(b.gup_flags)) {
          const can = expressibleFlags(sig);
          b.gup_flags.forEach((fl, i) => {
            if (typeof fl !== 'string' || !GUP_FLAGS.includes(fl)) return;
            const flag = fl as GupFlagName;
            if (!follFlagExists(flag, era)) v.err(`${q}.gup_flags[${i}]`, `${flag} does not exist in era ${refs.eraStr} (from ${FOLL_FLAG_FROM[flag]})`);
            else if (can && !can.includes(flag))
              v.err(`${q}.gup_flags[${i}]`, `${proto} takes ${sig.flags === 'write' ? 'a write int' : 'write/force ints'}, not gup_flags, in era ${refs.eraStr}: ${flag} cannot be passed`);
          });
        }
      }
      addr(v, b, 'address', q, refs, true);
      v.num(b, 'nr_pages', q, true, 1);
      const flags = v.list(b, 'gup_flags', q, GUP_FLAGS, 'gup flag');
      if (flags?.includes('FOLL_LONGTERM') && refs.era && !eraAtLeast(refs.era, '5.2')) v.err(`${q}.gup_flags`, `FOLL_LONGTERM does not exist before 5.2 (era ${refs.eraStr}; use get_user_pages_longterm 4.15–5.1)`);
      v.bool(b, 'locked', q);
      v.num(b, 'lockedValue', q, false);
      v.bool(b, 'vmas', q);
      v.num(b, 'holdAfterUs', q, false);
      v.bool(b, 'expectOk', q);
      break;
    }
    case 'fixup_user_fault':
      v.keys(b, q, ['address', 'write', 'allowRetry', 'unlocked']);
      addr(v, b, 'address', q, refs, true);
      v.bool(b, 'write', q);
      v.bool(b, 'allowRetry', q);
      v.bool(b, 'unlocked', q);
      break;
    case 'mmap':
      v.keys(b, q, ['id', 'address', 'pages', 'type', 'file', 'holdUs']);
      v.str(b, 'id', q, true);
      if (typeof b.id === 'string') refs.vmaIds.add(b.id);
      addr(v, b, 'address', q, refs, false);
      v.num(b, 'pages', q, true, 1);
      v.oneOf(b, 'type', q, VMA_TYPES, 'vma type', false);
      if (typeof b.file === 'string' && !refs.fileIds.has(b.file)) v.err(`${q}.file`, `unknown file ${JSON.stringify(b.file)}`);
      v.num(b, 'holdUs', q, false);
      break;
    case 'munmap':
      v.keys(b, q, ['address', 'pages', 'holdUs']);
      addr(v, b, 'address', q, refs, true);
      v.num(b, 'pages', q, true, 1);
      v.num(b, 'holdUs', q, false);
      break;
    case 'mprotect':
      v.keys(b, q, ['address', 'pages', 'prot', 'holdUs']);
      addr(v, b, 'address', q, refs, true);
      v.num(b, 'pages', q, true, 1);
      if (typeof b.prot !== 'string' || !/^r?w?x?$/.test(b.prot)) v.err(`${q}.prot`, `expected "", "r", "rw", "rx" or "rwx", got ${describe(b.prot)}`);
      v.num(b, 'holdUs', q, false);
      break;
    case 'mremap':
      v.keys(b, q, ['vma', 'to', 'holdUs']);
      if (typeof b.vma !== 'string' || !refs.vmaIds.has(b.vma)) v.err(`${q}.vma`, `unknown vma ${describe(b.vma)}`);
      addr(v, b, 'to', q, refs, true);
      v.num(b, 'holdUs', q, false);
      break;
    case 'madvise':
      v.keys(b, q, ['address', 'pages', 'advice']);
      addr(v, b, 'address', q, refs, true);
      v.num(b, 'pages', q, true, 1);
      v.oneOf(b, 'advice', q, ['DONTNEED', 'REMOVE', 'PAGEOUT'], 'madvise advice', true);
      break;
    case 'uffdio': {
      v.keys(b, q, ['uffd', 'ioctl', 'address', 'src', 'pages', 'mode', 'features', 'api', 'afterUs', 'expect']);
      uffdRef(v, b, q, refs);
      const io = v.oneOf(b, 'ioctl', q, IOCTLS, 'uffd ioctl', true);
      if (io && refs.era && !eraAtLeast(refs.era, UFFD_IOCTL_ERAS[io])) v.err(`${q}.ioctl`, `UFFDIO_${io} does not exist before ${UFFD_IOCTL_ERAS[io]} (era ${refs.eraStr})`);
      addr(v, b, 'address', q, refs, io !== undefined && io !== 'API');
      addr(v, b, 'src', q, refs, io === 'MOVE');
      v.num(b, 'pages', q, false, 1);
      v.list(b, 'mode', q, ['DONTWAKE', 'WP', 'ALLOW_SRC_HOLES', 'MISSING', 'MINOR'], 'ioctl mode');
      v.list(b, 'features', q, FEATURES, 'uffd feature');
      v.num(b, 'api', q, false);
      v.num(b, 'afterUs', q, false);
      if (b.expect !== undefined && (typeof b.expect !== 'string' || !/^(-E[A-Z]+|\d+)$/.test(b.expect))) v.err(`${q}.expect`, `expected "0", a byte count or "-EXXX", got ${describe(b.expect)}`);
      break;
    }
    case 'uffd_serve': {
      v.keys(b, q, ['uffd', 'count', 'resolve', 'moveFrom', 'latencyUs', 'wakeOnEexist']);
      uffdRef(v, b, q, refs);
      v.num(b, 'count', q, false, 1);
      const r = v.oneOf(b, 'resolve', q, RESOLVES, 'resolution ioctl', true);
      if (r && refs.era && !eraAtLeast(refs.era, UFFD_IOCTL_ERAS[r])) v.err(`${q}.resolve`, `UFFDIO_${r} does not exist before ${UFFD_IOCTL_ERAS[r]} (era ${refs.eraStr})`);
      if (b.moveFrom !== undefined && (typeof b.moveFrom !== 'string' || !refs.vmaIds.has(b.moveFrom))) v.err(`${q}.moveFrom`, `unknown vma ${describe(b.moveFrom)}`);
      if (r === 'MOVE' && b.moveFrom === undefined) v.err(`${q}.moveFrom`, 'MOVE needs a source vma id');
      v.num(b, 'latencyUs', q, false);
      v.bool(b, 'wakeOnEexist', q);
      break;
    }
    case 'uffd_read':
      v.keys(b, q, ['uffd', 'nonblock']);
      uffdRef(v, b, q, refs);
      v.bool(b, 'nonblock', q);
      break;
    case 'uffd_close':
      v.keys(b, q, ['uffd']);
      uffdRef(v, b, q, refs);
      break;
    case 'sleep':
      v.keys(b, q, ['us']);
      v.num(b, 'us', q, true);
      break;
    case 'signal': {
      v.keys(b, q, ['task', 'signal']);
      const t = v.str(b, 'task', q, true);
      if (t && !refs.taskIds.has(t)) v.err(`${q}.task`, `unknown task ${JSON.stringify(t)}`);
      v.oneOf(b, 'signal', q, ['SIGKILL', 'SIGUSR1', 'SIGSTOP'], 'signal', true);
      break;
    }
    case 'mmap_read_lock':
      v.keys(b, q, ['holdUs']);
      v.num(b, 'holdUs', q, true);
      break;
    case 'proc_read':
      v.keys(b, q, ['holdUs']);
      v.num(b, 'holdUs', q, false);
      break;
    case 'page_lock_hold':
      v.keys(b, q, ['address', 'holdUs', 'rounds']);
      addr(v, b, 'address', q, refs, true);
      v.num(b, 'holdUs', q, true, 1);
      v.num(b, 'rounds', q, true);
      break;
    case 'wait_io_request':
    case 'complete_io': {
      v.keys(b, q, name === 'complete_io' ? ['file', 'page', 'afterUs'] : ['file', 'page']);
      const f = v.str(b, 'file', q, true);
      if (f && !refs.fileIds.has(f)) v.err(`${q}.file`, `unknown file ${JSON.stringify(f)}`);
      v.num(b, 'page', q, true);
      if (name === 'complete_io') v.num(b, 'afterUs', q, false);
      break;
    }
  }
}
