/**
 * Era ranges for rules: the released kernel versions (3.18 … 6.19) an era range covers. A rule is evaluated on every
 * one of them; a finding is kept only when every era agrees (kernel-semantics.md §5: an era from hints is a range).
 */
import { compareEra, eraInRange, formatEra, NEWEST_ERA, OLDEST_ERA, parseEra, type Era } from '../../../common/era';
import type { EraRange } from '../c/types';

/** Last minor of each major the spec covers (3.19, 4.20, 5.19, then 6.x up to the newest era). */
const LAST_MINOR: Record<number, number> = { 3: 19, 4: 20, 5: 19 };

/** Every released era from `from` to `to` inclusive (clamped to the spec's 3.18 … 6.19). */
export function erasBetween(from: Era, to: Era): Era[] {
  const out: Era[] = [];
  const lo = compareEra(from, OLDEST_ERA) < 0 ? OLDEST_ERA : from;
  const hi = compareEra(to, NEWEST_ERA) > 0 ? NEWEST_ERA : to;
  for (let major = lo.major; major <= hi.major; major++) {
    const first = major === lo.major ? lo.minor : 0;
    const last = major === hi.major ? hi.minor : (LAST_MINOR[major] ?? 19);
    for (let minor = first; minor <= last; minor++) out.push({ major, minor });
  }
  return out.length ? out : [to];
}

export interface DocumentEras {
  /** The era shown (the detection's representative). */
  era: Era;
  /** All eras the document may be for. */
  from: Era;
  to: Era;
  /** The range was narrowed by hints in the code (messages say so). */
  fromHints: boolean;
  /** "hints in the code: mmap_lock field (≥5.8)": where the era came from. */
  source: string;
}

export function documentEras(info: { era: string; range: { from: string; to: string }; sourceKind: string; source: string }): DocumentEras {
  return {
    era: parseEra(info.era),
    from: parseEra(info.range.from),
    to: parseEra(info.range.to),
    fromHints: info.sourceKind === 'patch-hints' && info.range.from !== info.range.to,
    source: info.source,
  };
}

/** The whole range [from, to] lies inside the rule's eras. */
export function rangeInside(from: Era, to: Era, r: EraRange): boolean {
  return eraInRange(from, r.from, r.to) && eraInRange(to, r.from, r.to);
}

export function formatRange(from: Era, to: Era): string {
  return compareEra(from, to) === 0 ? formatEra(from) : `${formatEra(from)}–${formatEra(to)}`;
}
