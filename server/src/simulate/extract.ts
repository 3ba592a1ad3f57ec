/**
 * From code to simulation: the fault path (or GUP call) under a line of a function's facts, in the simulator's
 * terms (docs/simulator/scenario-format.md "The fault path object"): initial flags, what the retry path sets and
 * clears, the signal check, where the lock is (re)taken, the per-VMA-lock fast path, VM_FAULT_COMPLETED handling;
 * or the GUP variant with its FOLL_* flags, `locked` and vmas. Whatever the code does that the model has no field
 * for is listed in `notModelled`, never replaced by a default silently.
 */
import { eraAtLeast, type Era } from '../../../common/era';
import type { FunctionFacts, GupCallFact, LockOpFact, RetryLoopFact } from '../c/types';
import type { FaultFlagName, FaultPathSpec, GupFlagName, GupVariant } from '../../../simulator/src/index';
import { FAULT_FLAGS, GUP_FLAGS, GUP_VARIANTS } from './names';
import type { ExtractedPath } from './types';

/** Flags the engine adds itself from the access (USER for user tasks, WRITE, INSTRUCTION). */
const FROM_ACCESS = new Set(['USER', 'WRITE', 'INSTRUCTION']);

/**
 * Calls on a retry path the model accounts for (locks, the fault, signal checks, accounting and error reporting that
 * do not change what the fault path does with the lock).
 */
const KNOWN_CALLS = new Set([
  'handle_mm_fault', 'fixup_user_fault', 'fault_signal_pending', 'fatal_signal_pending', 'signal_pending', '__fatal_signal_pending',
  'down_read', 'up_read', 'down_write', 'up_write', 'down_read_trylock', 'down_read_killable', 'mmap_read_lock', 'mmap_read_unlock',
  'mmap_read_trylock', 'mmap_read_lock_killable', 'mmap_write_lock', 'mmap_write_unlock', 'lock_mm_and_find_vma', 'lock_vma_under_rcu',
  'vma_end_read', 'release_fault_lock', 'find_vma', 'unlikely', 'likely', 'perf_sw_event', 'count_vm_vma_lock_event', 'count_vm_event',
  'user_mode', 'fault_flag_allow_retry_first', 'mm_fault_error', 'bad_area', 'bad_area_nosemaphore', 'BUG_ON', 'WARN_ON', 'WARN_ON_ONCE',
  'if', 'while', 'for',
]);

function flagName(f: string): string | undefined {
  const m = /^FAULT_FLAG_(\w+)$/.exec(f);
  return m ? m[1] : undefined;
}

function expandFlags(names: string[], era: Era, notModelled: string[]): FaultFlagName[] {
  const out: FaultFlagName[] = [];
  for (const n of names) {
    const short = flagName(n);
    if (short === 'DEFAULT') {
      out.push('ALLOW_RETRY', 'KILLABLE');
      if (eraAtLeast(era, '5.7')) out.push('INTERRUPTIBLE');
      continue;
    }
    if (short && (FAULT_FLAGS as readonly string[]).includes(short)) {
      if (!FROM_ACCESS.has(short)) out.push(short as FaultFlagName);
      continue;
    }
    notModelled.push(`flag ${n}: not a fault flag the simulator models`);
  }
  return [...new Set(out)];
}

const lineOf = (r: { start: { line: number } }) => r.start.line;

/** mmap_lock taken for read (any spelling, lock_mm_and_find_vma), not the per-VMA lock. */
const isMmAcquire = (o: LockOpFact) => o.mode !== 'vma' && o.mode !== 'write' && o.kind !== 'release' && o.kind !== 'downgrade';
const isMmRelease = (o: LockOpFact) => o.mode !== 'vma' && o.mode !== 'write' && o.kind === 'release';
/** The function's reliable lock operations in line order. */
const lockOpsByLine = (fn: FunctionFacts) => fn.lockOps.filter((o) => !o.unreliable).sort((a, b) => a.range.start.line - b.range.start.line);

export interface ExtractInput {
  fn: FunctionFacts;
  /** Every function of the file (a loop's retry path may call one). */
  era: Era;
  /** 0-based line in file coordinates. */
  line: number;
  text: (line: number) => string | undefined;
}

/** The retry loop whose region holds `line`, else the GUP call on `line`; undefined when there is neither. */
export function extractAt(input: ExtractInput): ExtractedPath | undefined {
  const { fn, line } = input;
  const gup = fn.gupCalls.find((g) => g.range.start.line <= line && line <= g.range.end.line && !g.unreliable);
  const loops = fn.retryLoops.filter((l) => l.kind !== 'vma-fallback' && !l.unreliable && l.range.start.line <= line && line <= l.range.end.line);
  if (gup && (!loops.length || gup.range.start.line === line)) return extractGup(input, gup);
  const loop = loops.sort((a, b) => b.range.start.line - a.range.start.line)[0];
  return loop ? extractLoop(input, loop) : undefined;
}

function extractLoop(input: ExtractInput, loop: RetryLoopFact): ExtractedPath {
  const { fn, era, text } = input;
  const notModelled: string[] = [];
  const sources: ExtractedPath['sources'] = [];
  const src = (field: string, line: number) => sources.push({ field, line, text: (text(line) ?? '').trim() });
  const fp: FaultPathSpec = {};

  if (loop.initialFlags) {
    if (loop.initialFlags.op === 'assign' && loop.initialFlags.flags.length === 0) {
      notModelled.push(`initial flags \`${loop.initialFlags.text.trim()}\`: not a FAULT_FLAG_* expression; the era default is used`);
    } else {
      fp.initialFlags = expandFlags(loop.initialFlags.flags, era, notModelled);
      src('initialFlags', lineOf(loop.initialFlags.range));
    }
  } else {
    notModelled.push('initial flags: no assignment of the flags variable before the loop; the era default is used');
  }

  const set: FaultFlagName[] = [];
  const clear: FaultFlagName[] = [];
  for (const u of loop.flagUpdates.filter((u) => u.onRetryPath)) {
    const names = expandFlags(u.flags, era, notModelled);
    if (u.op === 'set') set.push(...names);
    else if (u.op === 'clear') clear.push(...names);
    else {
      notModelled.push(`\`${u.text.trim()}\` on the retry path reassigns the flags: not modelled as set/clear`);
      continue;
    }
    src(`retry.${u.op}`, lineOf(u.range));
  }
  fp.retry = { set: [...new Set(set)], clear: [...new Set(clear)], max: clear.includes('ALLOW_RETRY') ? 1 : null };

  const checks = loop.signalChecks;
  const direct = checks.find((c) => !c.viaHelper || c.helperVerified);
  if (direct) {
    fp.signalCheck = direct.callee === 'fatal_signal_pending' || direct.callee === '__fatal_signal_pending' ? 'fatal' : 'fault_signal_pending';
    src('signalCheck', lineOf(direct.range));
  } else if (checks.length) {
    fp.signalCheck = 'fatal';
    notModelled.push(`the signal check is inside ${checks[0]!.viaHelper}(), whose body is not in this file: modelled as a fatal-signal check`);
  } else {
    fp.signalCheck = 'none';
  }

  const retake = loop.lockRetakes[0];
  if (retake) {
    fp.lockRetake = retake.callee === 'lock_mm_and_find_vma' ? 'lock_mm_and_find_vma' : retake.where === 'before-back-edge' ? 'before-goto' : 'retry-label';
    src('lockRetake', lineOf(retake.range));
  }

  const vmaPath = fn.retryLoops.find((l) => l.kind === 'vma-fallback');
  if (eraAtLeast(era, '6.4')) {
    fp.vmaLock = vmaPath !== undefined;
    if (vmaPath) {
      const take = lockOpsByLine(fn).find((o) => o.mode === 'vma' && o.kind !== 'release' && o.range.start.line >= vmaPath.range.start.line && o.range.start.line <= vmaPath.range.end.line);
      src('vmaLock', lineOf(take?.range ?? vmaPath.headRange));
    }
  } else if (vmaPath) {
    notModelled.push('per-VMA lock fast path: the simulator models it from 6.4 only');
  }

  if (eraAtLeast(era, '6.0')) {
    const body = [] as string[];
    for (let l = fn.range.start.line; l <= fn.range.end.line; l++) body.push(text(l) ?? '');
    fp.handlesCompleted = loop.completedTests.length > 0 || body.some((t) => t.includes('VM_FAULT_COMPLETED'));
    if (loop.completedTests[0]) src('handlesCompleted', lineOf(loop.completedTests[0].range));
  }

  // The statements the simulator's steps stand for: the fault call, the lock taken for it and released after it, the
  // per-VMA lock's release, the back-edge.
  const fault = loop.faultCall;
  if (fault) {
    src('faultCall', lineOf(fault.range));
    const ops = lockOpsByLine(fn);
    const before = ops.filter((o) => isMmAcquire(o) && o.range.start.line <= fault.range.start.line);
    const lock = before[before.length - 1];
    if (lock) src('lock', lineOf(lock.range));
    const unlock = ops.find((o) => isMmRelease(o) && o.range.start.line > fault.range.start.line);
    if (unlock) src('unlock', lineOf(unlock.range));
  }
  if (vmaPath && eraAtLeast(era, '6.4')) {
    const from = vmaPath.faultCall?.range.start.line ?? vmaPath.headRange.start.line;
    const end = lockOpsByLine(fn).find((o) => o.mode === 'vma' && o.kind === 'release' && o.range.start.line > from);
    if (end) src('vmaUnlock', lineOf(end.range));
  }
  const back = loop.backEdges.find((b) => b.guardedByRetryTest) ?? loop.backEdges[0];
  if (back) src('backEdge', lineOf(back.range));

  // Calls on the retry path (from the RETRY test to the back-edge) the model has no field for.
  const guarded = loop.backEdges.filter((b) => b.guardedByRetryTest);
  const from = Math.min(...loop.retryTests.map((t) => t.range.start.line), Number.POSITIVE_INFINITY);
  const to = Math.max(...guarded.map((b) => b.range.end.line), Number.NEGATIVE_INFINITY);
  if (Number.isFinite(from) && Number.isFinite(to)) {
    const seen = new Set<string>();
    for (const n of fn.cfg.nodes) {
      if (n.range.start.line < from || n.range.start.line > to) continue;
      for (const c of n.calls) {
        if (KNOWN_CALLS.has(c) || seen.has(c)) continue;
        seen.add(c);
        notModelled.push(`the retry path calls ${c}() (line ${n.range.start.line + 1}): not modelled`);
      }
    }
  }
  if (loop.faultCall?.callee === 'fixup_user_fault') notModelled.push('the loop retries fixup_user_fault(): modelled as an arch fault handler retry');

  return {
    kind: 'fault-path',
    function: fn.name,
    startLine: loop.range.start.line + 1,
    endLine: loop.range.end.line + 1,
    faultPath: fp,
    era: `${era.major}.${era.minor}`,
    notModelled,
    sources,
  };
}

function extractGup(input: ExtractInput, g: GupCallFact): ExtractedPath {
  const notModelled: string[] = [];
  const sources: ExtractedPath['sources'] = [];
  const src = (field: string, line: number) => sources.push({ field, line, text: (input.text(line) ?? '').trim() });
  src('gup', g.range.start.line);
  gupCallerSources(input.fn, g, src);
  const variant = (GUP_VARIANTS as readonly string[]).includes(g.callee) ? (g.callee as GupVariant) : undefined;
  if (!variant) notModelled.push(`${g.callee}(): the simulator has no model of this GUP variant`);
  const flags: GupFlagName[] = [];
  for (const f of g.flagNames) {
    if ((GUP_FLAGS as readonly string[]).includes(f)) flags.push(f as GupFlagName);
    else if (f.startsWith('FOLL_')) notModelled.push(`${f}: not modelled`);
  }
  if (g.mm && !g.mmImplied && !/^(current->mm|current->active_mm)$/.test(g.mm.replace(/\s+/g, ''))) {
    notModelled.push(`the call works on ${g.mm}, another process's mm: modelled as the calling task's own mm`);
  }
  if (g.arityMismatch) notModelled.push(`${g.callee}() has ${g.arityMismatch.actual} arguments, not the era's ${g.arityMismatch.expected ?? '(absent)'}: arguments read by position`);
  const gup: NonNullable<ExtractedPath['gup']> = { variant: variant ?? 'get_user_pages', gup_flags: flags };
  if (g.lockedNull === false) gup.locked = true;
  if (g.vmasNull === false) gup.vmas = true;
  return {
    kind: 'gup',
    function: input.fn.name,
    startLine: g.range.start.line + 1,
    endLine: g.range.end.line + 1,
    gup,
    era: `${input.era.major}.${input.era.minor}`,
    notModelled,
    sources,
  };
}

/**
 * The caller's statements around a GUP call: the mmap_read_lock it holds across the call (the last one before it,
 * with no release in between), the release after it, and the test of `locked` after a call given `&locked`.
 */
function gupCallerSources(fn: FunctionFacts, g: GupCallFact, src: (field: string, line: number) => void): void {
  const at = g.range.start.line;
  const ops = lockOpsByLine(fn).filter((o) => o.mode !== 'vma');
  const before = ops.filter((o) => o.range.start.line < at);
  const last = before[before.length - 1];
  if (last && isMmAcquire(last)) src('gupLock', lineOf(last.range));
  const unlock = ops.find((o) => o.range.start.line > g.range.end.line && isMmRelease(o));
  if (unlock) src('gupUnlock', lineOf(unlock.range));
  const arg = g.args.find((a) => a.role === 'locked' || a.role === 'nonblocking');
  const name = g.lockedVar ?? (arg && !arg.isNull && /^\w+$/.test(arg.text) ? arg.text : undefined);
  if (name) {
    const re = new RegExp(`(^|[^\\w>.])\\*?${name}\\b`);
    const test = fn.cfg.nodes
      .filter((n) => n.kind === 'cond' && n.range.start.line > g.range.end.line && re.test(n.text))
      .sort((a, b) => a.range.start.line - b.range.start.line)[0];
    if (test) src('lockedTest', lineOf(test.range));
  }
}
