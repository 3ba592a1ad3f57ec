/**
 * The rule catalogue (../shared/spec/rules.md). The CLI, the language server and the benches read this list, never a
 * rule file directly. Adding a rule: one file under rules/, one line here, its docs page and its tests.
 */
import { forbiddenFlagCombination } from './rules/forbidden-flag-combination';
import { nowaitWithoutAllowRetry } from './rules/nowait-without-allow-retry';
import { retryClearsAllowRetry } from './rules/retry-clears-allow-retry';
import { retryFirstCheck } from './rules/retry-first-check';
import { retryWithoutSignalCheck } from './rules/retry-without-signal-check';
import { retryWithoutTried } from './rules/retry-without-tried';
import type { Rule } from './types';

export const RULES: readonly Rule[] = [
  retryWithoutTried,
  forbiddenFlagCombination,
  retryClearsAllowRetry,
  retryWithoutSignalCheck,
  retryFirstCheck,
  nowaitWithoutAllowRetry,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

/** Documentation page of a rule, relative to the repository root. */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/**
 * URL of a rule's page under a documentation base (a file:// URI of the docs shipped with the extension, or a
 * web URL given by the user: `mmlens check --docs-url`). The project has no published site to default to.
 */
export function ruleDocUrl(id: string, base: string): string {
  return `${base.endsWith('/') ? base : base + '/'}${id}.md`;
}
