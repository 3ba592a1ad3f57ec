/**
 * The language server's seam to patch findings: server/src/rules/check-patch.ts by default, a fake in tests.
 */
import { checkPatchDocument, type PatchCheck, type PatchCheckOptions, type PatchFinding } from '../rules/check-patch';
import type { PatchDocument } from '../series/types';

export type { PatchCheck, PatchFinding };

export type PatchChecker = (doc: PatchDocument, text: string, path: string, opts: PatchCheckOptions) => Pick<PatchCheck, 'facts' | 'findings' | 'internalErrors'>;

export const defaultPatchChecker: PatchChecker = checkPatchDocument;
