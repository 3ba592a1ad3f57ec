/**
 * The eras of a patch's pre-image, from the lines it shows of that image (context and removed lines). A patch read
 * without a tree gets its era from hints in the whole document, which describe the post-image: a patch that moves
 * code across an era boundary (the 5.7 flags conversion adds FAULT_FLAG_DEFAULT and removes the ≤5.6 one-retry cap)
 * would otherwise have its pre-image judged by the post-image's era and be said to "fix" code that was right in its
 * own era. A finding is reported as fixed only when it also holds for every era the pre-image's own hints allow
 * (none: every era).
 */
import { compareEra, NEWEST_ERA, OLDEST_ERA, type Era } from '../../../common/era';
import { eraHints, representativeEra, describeHint } from '../era/detect';
import type { Patch } from '../series/types';
import type { DocumentEras } from './eras';

const clamp = (e: Era): Era => (compareEra(e, OLDEST_ERA) < 0 ? OLDEST_ERA : compareEra(e, NEWEST_ERA) > 0 ? NEWEST_ERA : e);

export function preImageEras(patch: Patch): DocumentEras {
  const lines: string[] = [];
  for (const f of patch.files) for (const h of f.hunks) for (const dl of h.lines) if (dl.kind !== 'add') lines.push(dl.text);
  const b = eraHints(lines.join('\n'));
  let from = clamp(b.lower ?? OLDEST_ERA);
  const to = clamp(b.upper ?? NEWEST_ERA);
  if (compareEra(from, to) > 0) from = to;
  const era = clamp(representativeEra(b.lower, b.upper));
  return {
    era: compareEra(era, from) < 0 ? from : compareEra(era, to) > 0 ? to : era,
    from,
    to,
    fromHints: compareEra(from, to) !== 0,
    source: b.hints.length ? `hints in the pre-image: ${b.hints.map(describeHint).join(', ')}` : 'no hint in the pre-image',
  };
}
