/**
 * Findings of a C file's text: facts (server/src/facts) → rules (run.ts). The CLI, the server and tests use this
 * for .c/.h inputs; patches go through check-patch.ts.
 */
import { factsForCFile, type FactsOptions } from '../facts/compute';
import type { CFileFacts } from '../facts/types';
import { documentEras } from './eras';
import { checkFacts, type CheckResult, type RuleSelection } from './run';
import type { Rule } from './types';

export interface CFileCheck extends CheckResult {
  facts: CFileFacts;
}

export function checkCText(text: string, path: string, opts: FactsOptions & { selection?: RuleSelection; rules?: readonly Rule[] } = {}): CFileCheck {
  const facts = factsForCFile(text, path, opts);
  const lines = text.split('\n');
  const res = checkFacts(
    {
      facts: facts.facts,
      path,
      eras: documentEras(facts.era),
      line: (n) => (n >= 0 && n < lines.length ? lines[n]!.replace(/\r$/, '') : undefined),
      fragment: false,
      ...(opts.rules ? { rules: opts.rules } : {}),
    },
    opts.selection,
  );
  return { ...res, facts };
}
