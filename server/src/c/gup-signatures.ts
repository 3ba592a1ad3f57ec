/**
 * GUP-family signatures by era, straight from kernel-semantics.md §1.
 * Rows marked `inferred` extend the spec table where it says only "static from 4.9" (__get_user_pages).
 */
import { eraInRange, type Era } from '../../../common/era';
import type { ArgRole, EraRange, GupFunction } from './types';

export interface GupSignature {
  eras: EraRange;
  roles: ArgRole[];
  /** Not literally in the spec table (derived from its notes). */
  inferred?: boolean;
}

const OLD_TSK: ArgRole[] = ['tsk', 'mm', 'start', 'nr_pages', 'write', 'force', 'pages', 'vmas'];

export const GUP_SIGNATURES: Readonly<Record<GupFunction, readonly GupSignature[]>> = {
  get_user_pages: [
    { eras: { to: '4.5' }, roles: OLD_TSK },
    { eras: { from: '4.6', to: '4.8' }, roles: ['start', 'nr_pages', 'write', 'force', 'pages', 'vmas'] },
    { eras: { from: '4.9', to: '6.4' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages', 'vmas'] },
    { eras: { from: '6.5' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages'] },
  ],
  get_user_pages_locked: [
    { eras: { from: '4.0', to: '4.5' }, roles: ['tsk', 'mm', 'start', 'nr_pages', 'write', 'force', 'pages', 'locked'] },
    { eras: { from: '4.6', to: '4.8' }, roles: ['start', 'nr_pages', 'write', 'force', 'pages', 'locked'] },
    { eras: { from: '4.9', to: '5.17' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages', 'locked'] },
  ],
  get_user_pages_unlocked: [
    { eras: { from: '4.0', to: '4.5' }, roles: ['tsk', 'mm', 'start', 'nr_pages', 'write', 'force', 'pages'] },
    { eras: { from: '4.6', to: '4.8' }, roles: ['start', 'nr_pages', 'write', 'force', 'pages'] },
    { eras: { from: '4.9' }, roles: ['start', 'nr_pages', 'pages', 'gup_flags'] },
  ],
  get_user_pages_remote: [
    { eras: { from: '4.6', to: '4.8' }, roles: OLD_TSK },
    { eras: { from: '4.9', to: '4.9' }, roles: ['tsk', 'mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas'] },
    {
      eras: { from: '4.10', to: '5.8' },
      roles: ['tsk', 'mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked'],
    },
    { eras: { from: '5.9', to: '6.4' }, roles: ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked'] },
    { eras: { from: '6.5' }, roles: ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'locked'] },
  ],
  get_user_page_vma_remote: [{ eras: { from: '6.5' }, roles: ['mm', 'start', 'gup_flags', 'vma'] }],
  get_user_pages_fast: [
    { eras: { to: '5.1' }, roles: ['start', 'nr_pages', 'write', 'pages'] },
    { eras: { from: '5.2' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages'] },
  ],
  __get_user_pages_fast: [{ eras: { to: '5.7' }, roles: ['start', 'nr_pages', 'write', 'pages'] }],
  get_user_pages_fast_only: [{ eras: { from: '5.8' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages'] }],
  get_user_pages_longterm: [
    { eras: { from: '4.15', to: '5.1' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages', 'vmas'] },
  ],
  __get_user_pages: [
    {
      eras: { to: '5.6' },
      roles: ['tsk', 'mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'nonblocking'],
    },
    {
      eras: { from: '5.7', to: '5.8' },
      roles: ['tsk', 'mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked'],
      inferred: true,
    },
    {
      eras: { from: '5.9', to: '6.4' },
      roles: ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked'],
      inferred: true,
    },
    { eras: { from: '6.5' }, roles: ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'locked'], inferred: true },
  ],
  pin_user_pages: [
    { eras: { from: '5.6', to: '6.4' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages', 'vmas'] },
    { eras: { from: '6.5' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages'] },
  ],
  pin_user_pages_fast: [{ eras: { from: '5.6' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages'] }],
  pin_user_pages_remote: [
    {
      eras: { from: '5.6', to: '5.8' },
      roles: ['tsk', 'mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked'],
    },
    { eras: { from: '5.9', to: '6.4' }, roles: ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'vmas', 'locked'] },
    { eras: { from: '6.5' }, roles: ['mm', 'start', 'nr_pages', 'gup_flags', 'pages', 'locked'] },
  ],
  pin_user_pages_unlocked: [{ eras: { from: '5.8' }, roles: ['start', 'nr_pages', 'pages', 'gup_flags'] }],
  pin_user_pages_locked: [
    { eras: { from: '5.8', to: '5.17' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages', 'locked'] },
  ],
  pin_user_pages_fast_only: [{ eras: { from: '5.8', to: '6.2' }, roles: ['start', 'nr_pages', 'gup_flags', 'pages'] }],
  fixup_user_fault: [
    { eras: { to: '4.4' }, roles: ['tsk', 'mm', 'address', 'fault_flags'] },
    { eras: { from: '4.5', to: '5.8' }, roles: ['tsk', 'mm', 'address', 'fault_flags', 'unlocked'] },
    { eras: { from: '5.9' }, roles: ['mm', 'address', 'fault_flags', 'unlocked'] },
  ],
};

export const GUP_FUNCTIONS: ReadonlySet<string> = new Set(Object.keys(GUP_SIGNATURES));

export function isGupFunction(name: string): name is GupFunction {
  return GUP_FUNCTIONS.has(name);
}

/** The signature of `fn` in `era`, or undefined when the function does not exist in that era. */
export function gupSignatureFor(fn: GupFunction, era: Era): GupSignature | undefined {
  return GUP_SIGNATURES[fn].find((s) => eraInRange(era, s.eras.from, s.eras.to));
}

/** Every era range whose signature of `fn` has `arity` arguments (oldest first). */
export function gupSignaturesWithArity(fn: GupFunction, arity: number): GupSignature[] {
  return GUP_SIGNATURES[fn].filter((s) => s.roles.length === arity);
}
