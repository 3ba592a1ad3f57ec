/**
 * The language server's view of patch findings: the shape of `checkPatchText` (server/src/rules/check-patch.ts,
 * written on main by the lead). Until that module is merged into this branch the default checker reports no
 * findings; tests (and, after the merge, the server) pass the real one through AnalyzerOptions.checkPatch.
 */
import type { Range } from '../c/types';
import type { FactsOptions } from '../facts/compute';
import type { PatchDocumentFacts } from '../facts/types';
import type { InternalError, RuleSelection } from '../rules/run';
import type { Finding, Fix, RelatedLocation, Rule } from '../rules/types';

export type PatchFindingStatus = 'introduced' | 'fixed' | 'pre-existing';

export interface PatchFinding extends Finding {
  status: PatchFindingStatus;
  side: 'pre' | 'post';
  /** Repository-relative path of the file the finding is in. */
  file: string;
  /** 0-based index of the patch in the document. */
  patchIndex: number;
  /** Where the primary range sits in the .patch/.mbox text; absent when the line is not in the patch. */
  documentRange?: Range;
  documentRelated: RelatedLocation[];
  /** Edits in document coordinates that keep the patch applicable (hunk headers recounted). */
  documentFixes?: Fix[];
}

export interface PatchCheck {
  /** The facts the findings came from (checkPatchText returns them; the placeholder does not). */
  facts?: PatchDocumentFacts;
  findings: PatchFinding[];
  internalErrors: InternalError[];
}

export type PatchChecker = (
  input: string | Uint8Array,
  path: string,
  opts: FactsOptions & { selection?: RuleSelection; rules?: readonly Rule[] },
) => PatchCheck;

/** Placeholder until check-patch.ts is on this branch: no findings. */
export const noPatchFindings: PatchChecker = () => ({ findings: [], internalErrors: [] });
