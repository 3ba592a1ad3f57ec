/**
 * The arguments each GUP variant takes per era (kernel-semantics.md §1, include/linux/mm.h of each era), as far as
 * a scenario can pass them: whether FOLL flags are a `gup_flags` word or `write`/`force` ints (before 4.9;
 * get_user_pages_fast before 5.2 takes only `write`), and whether `int *locked` / `vmas` exist. The scenario
 * validator checks GupOp fields against it. server/src/c/gup-signatures.ts holds the full role lists for the
 * analysis; a test checks that the two agree.
 */

import { eraAtLeast, eraInRange, type Era } from '../../../common/era';
import type { GupFlagName, GupVariant } from '../scenario/types';

export interface GupArgs {
  /** How FOLL flags are passed: a gup_flags word, write+force ints, or a write int alone. */
  flags: 'gup_flags' | 'write-force' | 'write';
  locked: boolean;
  vmas: boolean;
  /** The C prototype's arguments, for messages. */
  proto: string;
}

interface Row {
  from?: string;
  to?: string;
  args: GupArgs;
}

const a = (flags: GupArgs['flags'], locked: boolean, vmas: boolean, proto: string): GupArgs => ({ flags, locked, vmas, proto });

const TABLE: Readonly<Record<GupVariant, readonly Row[]>> = {
  get_user_pages: [
    { to: '4.5', args: a('write-force', false, true, 'tsk, mm, start, nr_pages, write, force, pages, vmas') },
    { from: '4.6', to: '4.8', args: a('write-force', false, true, 'start, nr_pages, write, force, pages, vmas') },
    { from: '4.9', to: '6.4', args: a('gup_flags', false, true, 'start, nr_pages, gup_flags, pages, vmas') },
    { from: '6.5', args: a('gup_flags', false, false, 'start, nr_pages, gup_flags, pages') },
  ],
  get_user_pages_locked: [
    { from: '4.0', to: '4.5', args: a('write-force', true, false, 'tsk, mm, start, nr_pages, write, force, pages, locked') },
    { from: '4.6', to: '4.8', args: a('write-force', true, false, 'start, nr_pages, write, force, pages, locked') },
    { from: '4.9', to: '5.17', args: a('gup_flags', true, false, 'start, nr_pages, gup_flags, pages, locked') },
  ],
  get_user_pages_unlocked: [
    { from: '4.0', to: '4.5', args: a('write-force', false, false, 'tsk, mm, start, nr_pages, write, force, pages') },
    { from: '4.6', to: '4.8', args: a('write-force', false, false, 'start, nr_pages, write, force, pages') },
    { from: '4.9', args: a('gup_flags', false, false, 'start, nr_pages, pages, gup_flags') },
  ],
  get_user_pages_remote: [
    { from: '4.6', to: '4.8', args: a('write-force', false, true, 'tsk, mm, start, nr_pages, write, force, pages, vmas') },
    { from: '4.9', to: '4.9', args: a('gup_flags', false, true, 'tsk, mm, start, nr_pages, gup_flags, pages, vmas') },
    { from: '4.10', to: '5.8', args: a('gup_flags', true, true, 'tsk, mm, start, nr_pages, gup_flags, pages, vmas, locked') },
    { from: '5.9', to: '6.4', args: a('gup_flags', true, true, 'mm, start, nr_pages, gup_flags, pages, vmas, locked') },
    { from: '6.5', args: a('gup_flags', true, false, 'mm, start, nr_pages, gup_flags, pages, locked') },
  ],
  get_user_pages_fast: [
    { to: '5.1', args: a('write', false, false, 'start, nr_pages, write, pages') },
    { from: '5.2', args: a('gup_flags', false, false, 'start, nr_pages, gup_flags, pages') },
  ],
  get_user_pages_longterm: [{ from: '4.15', to: '5.1', args: a('gup_flags', false, true, 'start, nr_pages, gup_flags, pages, vmas') }],
  pin_user_pages: [
    { from: '5.6', to: '6.4', args: a('gup_flags', false, true, 'start, nr_pages, gup_flags, pages, vmas') },
    { from: '6.5', args: a('gup_flags', false, false, 'start, nr_pages, gup_flags, pages') },
  ],
  pin_user_pages_fast: [{ from: '5.6', args: a('gup_flags', false, false, 'start, nr_pages, gup_flags, pages') }],
  pin_user_pages_remote: [
    { from: '5.6', to: '5.8', args: a('gup_flags', true, true, 'tsk, mm, start, nr_pages, gup_flags, pages, vmas, locked') },
    { from: '5.9', to: '6.4', args: a('gup_flags', true, true, 'mm, start, nr_pages, gup_flags, pages, vmas, locked') },
    { from: '6.5', args: a('gup_flags', true, false, 'mm, start, nr_pages, gup_flags, pages, locked') },
  ],
  pin_user_pages_unlocked: [{ from: '5.8', args: a('gup_flags', false, false, 'start, nr_pages, pages, gup_flags') }],
  pin_user_pages_locked: [{ from: '5.8', to: '5.17', args: a('gup_flags', true, false, 'start, nr_pages, gup_flags, pages, locked') }],
};

/** The arguments of `v` in `era`, or undefined when the variant does not exist then. */
export function gupArgsFor(v: GupVariant, era: Era): GupArgs | undefined {
  return TABLE[v].find((r) => eraInRange(era, r.from, r.to))?.args;
}

/** Every variant with its rows (for the cross-check against the analysis' table). */
export function gupArgRows(): ReadonlyArray<{ variant: GupVariant; from?: string; to?: string; args: GupArgs }> {
  return (Object.keys(TABLE) as GupVariant[]).flatMap((variant) => TABLE[variant].map((r) => ({ variant, ...r })));
}

/** First era of each FOLL flag a scenario may pass (absent: every modelled era). */
export const FOLL_FLAG_FROM: Partial<Record<GupFlagName, string>> = {
  FOLL_REMOTE: '4.6', // include/linux/mm.h v4.6 (pkeys)
  FOLL_LONGTERM: '5.2',
  FOLL_PIN: '5.6',
  FOLL_INTERRUPTIBLE: '6.2', // 93c5c61d9e58
};

/** The FOLL flags an era's `write`/`force` ints can express. */
export function expressibleFlags(args: GupArgs): readonly GupFlagName[] | null {
  if (args.flags === 'gup_flags') return null;
  return args.flags === 'write' ? ['FOLL_WRITE'] : ['FOLL_WRITE', 'FOLL_FORCE'];
}

export function follFlagExists(flag: GupFlagName, era: Era): boolean {
  const from = FOLL_FLAG_FROM[flag];
  return from === undefined || eraAtLeast(era, from);
}
