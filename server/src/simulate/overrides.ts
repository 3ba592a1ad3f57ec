/**
 * The parameters a user may change before a re-run (the panel's form, `mmlens simulate --from … --set`), checked
 * field by field: a request arrives as JSON from any client, so every value is validated here with a message that
 * names the field and what it accepts, before anything is built or run.
 */
import { compareEra, NEWEST_ERA, OLDEST_ERA, tryParseEra } from '../../../common/era';
import type { FaultPathSpec } from '../../../simulator/src/index';
import { FAULT_FLAGS, GUP_FLAGS, GUP_VARIANTS, LOCK_RETAKES, SIGNAL_CHECKS, VMA_LOCK_TRIED } from './names';
import type { GupOverride, SideOverrides, SimulateOverrides } from './types';

const FAULT_PATH_KEYS = ['initialFlags', 'retry', 'signalCheck', 'lockRetake', 'vmaLock', 'vmaLockTried', 'handlesCompleted', 'unlockAfterRetry'];
const GUP_KEYS = ['variant', 'gup_flags', 'locked', 'lockedValue', 'vmas'];

class Invalid extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function keys(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new Invalid(`${where}.${k}: not a parameter (expected one of ${allowed.join(', ')})`);
}

function names<T extends string>(v: unknown, allowed: readonly T[], where: string): T[] {
  if (!Array.isArray(v)) throw new Invalid(`${where}: expected a list of names, got ${show(v)}`);
  for (const n of v) {
    if (typeof n !== 'string' || !(allowed as readonly string[]).includes(n)) throw new Invalid(`${where}: ${show(n)} is not one of ${allowed.join(', ')}`);
  }
  return [...new Set(v as T[])];
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new Invalid(`${where}: ${show(v)} is not one of ${allowed.join(', ')}`);
  return v as T;
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new Invalid(`${where}: expected true or false, got ${show(v)}`);
  return v;
}

function int(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Invalid(`${where}: expected an integer from ${min} to ${max}, got ${show(v)}`);
  return v;
}

function faultPath(v: unknown, where: string): FaultPathSpec {
  if (!isObject(v)) throw new Invalid(`${where}: expected an object, got ${show(v)}`);
  keys(v, FAULT_PATH_KEYS, where);
  const out: FaultPathSpec = {};
  if (v.initialFlags !== undefined) out.initialFlags = names(v.initialFlags, FAULT_FLAGS, `${where}.initialFlags`);
  if (v.retry !== undefined) {
    const r = v.retry;
    if (!isObject(r)) throw new Invalid(`${where}.retry: expected { set, clear, max }, got ${show(r)}`);
    keys(r, ['set', 'clear', 'max'], `${where}.retry`);
    out.retry = {};
    if (r.set !== undefined) out.retry.set = names(r.set, FAULT_FLAGS, `${where}.retry.set`);
    if (r.clear !== undefined) out.retry.clear = names(r.clear, FAULT_FLAGS, `${where}.retry.clear`);
    if (r.max !== undefined) out.retry.max = r.max === null ? null : int(r.max, `${where}.retry.max`, 0, 1000);
  }
  if (v.signalCheck !== undefined) out.signalCheck = oneOf(v.signalCheck, SIGNAL_CHECKS, `${where}.signalCheck`);
  if (v.lockRetake !== undefined) out.lockRetake = oneOf(v.lockRetake, LOCK_RETAKES, `${where}.lockRetake`);
  if (v.vmaLock !== undefined) out.vmaLock = bool(v.vmaLock, `${where}.vmaLock`);
  if (v.vmaLockTried !== undefined) out.vmaLockTried = oneOf(v.vmaLockTried, VMA_LOCK_TRIED, `${where}.vmaLockTried`);
  if (v.handlesCompleted !== undefined) out.handlesCompleted = bool(v.handlesCompleted, `${where}.handlesCompleted`);
  if (v.unlockAfterRetry !== undefined) out.unlockAfterRetry = bool(v.unlockAfterRetry, `${where}.unlockAfterRetry`);
  return out;
}

function gup(v: unknown, where: string): GupOverride {
  if (!isObject(v)) throw new Invalid(`${where}: expected an object, got ${show(v)}`);
  keys(v, GUP_KEYS, where);
  const out: GupOverride = {};
  if (v.variant !== undefined) out.variant = oneOf(v.variant, GUP_VARIANTS, `${where}.variant`);
  if (v.gup_flags !== undefined) out.gup_flags = names(v.gup_flags, GUP_FLAGS, `${where}.gup_flags`);
  if (v.locked !== undefined) out.locked = bool(v.locked, `${where}.locked`);
  if (v.lockedValue !== undefined) out.lockedValue = int(v.lockedValue, `${where}.lockedValue`, -1000, 1000);
  if (v.vmas !== undefined) out.vmas = bool(v.vmas, `${where}.vmas`);
  return out;
}

function side(v: unknown, where: string): SideOverrides {
  if (!isObject(v)) throw new Invalid(`${where}: expected an object, got ${show(v)}`);
  keys(v, ['faultPath', 'gup'], where);
  return { ...(v.faultPath !== undefined ? { faultPath: faultPath(v.faultPath, `${where}.faultPath`) } : {}), ...(v.gup !== undefined ? { gup: gup(v.gup, `${where}.gup`) } : {}) };
}

/** The era as the simulator takes it ("6.8"), within the eras the spec covers. */
export function checkEra(v: unknown, where = 'era'): string {
  const e = typeof v === 'string' ? tryParseEra(v) : undefined;
  if (!e) throw new Invalid(`${where}: ${show(v)} is not a kernel version (expected e.g. "5.7" or "6.8")`);
  const era = `${e.major}.${e.minor}`;
  if (compareEra(e, OLDEST_ERA) < 0 || compareEra(e, NEWEST_ERA) > 0) {
    throw new Invalid(`${where}: ${era} is outside the eras the model covers (${OLDEST_ERA.major}.${OLDEST_ERA.minor} to ${NEWEST_ERA.major}.${NEWEST_ERA.minor})`);
  }
  return era;
}

/** The overrides, checked and normalised; a string naming the first invalid value otherwise. Never throws. */
export function validateOverrides(v: unknown): SimulateOverrides | string {
  try {
    if (v === undefined || v === null) return {};
    if (!isObject(v)) throw new Invalid(`overrides: expected an object, got ${show(v)}`);
    keys(v, ['faultPath', 'gup', 'era', 'sides'], 'overrides');
    const out: SimulateOverrides = {};
    if (v.faultPath !== undefined) out.faultPath = faultPath(v.faultPath, 'faultPath');
    if (v.gup !== undefined) out.gup = gup(v.gup, 'gup');
    if (v.era !== undefined) out.era = checkEra(v.era);
    if (v.sides !== undefined) {
      if (!isObject(v.sides)) throw new Invalid(`sides: expected { before, after }, got ${show(v.sides)}`);
      keys(v.sides, ['before', 'after'], 'sides');
      out.sides = {};
      if (v.sides.before !== undefined) out.sides.before = side(v.sides.before, 'sides.before');
      if (v.sides.after !== undefined) out.sides.after = side(v.sides.after, 'sides.after');
    }
    return out;
  } catch (e) {
    if (e instanceof Invalid) return `invalid parameter: ${e.message}`;
    throw e;
  }
}

/** The seed of a request: an integer from 0 to 2^32-1, or a message. */
export function validateSeed(v: unknown): number | undefined | string {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) return `invalid parameter: seed: expected an integer from 0 to 4294967295, got ${show(v)}`;
  return v;
}
