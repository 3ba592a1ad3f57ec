/**
 * Kernel eras (kernel-semantics.md §5). An era is a kernel version major.minor; every version-dependent
 * fact, rule and simulator behaviour is keyed on an era, never on a hard-coded version.
 * Shared by the analysis (server/) and the simulator (simulator/): pure, no imports.
 */

export interface Era {
  readonly major: number;
  readonly minor: number;
}

/** Oldest and newest trees the spec was gathered from. */
export const OLDEST_ERA: Era = { major: 3, minor: 18 };
export const NEWEST_ERA: Era = { major: 6, minor: 19 };

export class EraParseError extends Error {
  constructor(readonly input: string) {
    super(`not a kernel version: ${JSON.stringify(input)} (expected e.g. "5.7", "v6.4" or "6.4.1")`);
  }
}

/** Parses "5.7", "v6.4", "6.4.1", "6.8-rc3" into an era (major.minor; sublevel and -rc are ignored). */
export function parseEra(input: string): Era {
  const m = /^\s*v?(\d+)\.(\d+)(?:\.\d+)?(?:-rc\d+)?\s*$/.exec(input);
  if (!m) throw new EraParseError(input);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** Like parseEra, but returns undefined instead of throwing. */
export function tryParseEra(input: string): Era | undefined {
  try {
    return parseEra(input);
  } catch {
    return undefined;
  }
}

export function eraOf(e: Era | string): Era {
  return typeof e === 'string' ? parseEra(e) : e;
}

export function compareEra(a: Era | string, b: Era | string): number {
  const x = eraOf(a);
  const y = eraOf(b);
  return x.major !== y.major ? x.major - y.major : x.minor - y.minor;
}

/** e ≥ bound ("present from that tree on"). */
export function eraAtLeast(e: Era | string, bound: Era | string): boolean {
  return compareEra(e, bound) >= 0;
}

/** e ≤ bound. */
export function eraAtMost(e: Era | string, bound: Era | string): boolean {
  return compareEra(e, bound) <= 0;
}

/** Inclusive range; an omitted end is open. `eraInRange(e, '4.9', '6.4')` is the spec's "4.9–6.4". */
export function eraInRange(e: Era | string, from?: Era | string, to?: Era | string): boolean {
  return (from === undefined || eraAtLeast(e, from)) && (to === undefined || eraAtMost(e, to));
}

export function formatEra(e: Era): string {
  return `${e.major}.${e.minor}`;
}

/** Where an era came from (kernel-semantics.md §5: setting, Makefile, patch hints, default). */
export type EraSource =
  | { kind: 'setting' }
  | { kind: 'makefile'; path: string }
  | { kind: 'patch-hints'; hints: string[] }
  | { kind: 'default' };

export interface ResolvedEra {
  era: Era;
  source: EraSource;
}

export function describeEraSource(s: EraSource): string {
  switch (s.kind) {
    case 'setting':
      return 'explicit setting';
    case 'makefile':
      return `Makefile VERSION/PATCHLEVEL (${s.path})`;
    case 'patch-hints':
      return `hints in the code: ${s.hints.join(', ')}`;
    case 'default':
      return `default (newest era, ${formatEra(NEWEST_ERA)})`;
  }
}
