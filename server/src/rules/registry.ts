/**
 * The rule catalogue (../shared/spec/rules.md). The CLI, the language server and the benches read this list, never a
 * rule file directly. Adding a rule: one file under rules/, one line here, its docs page and its tests.
 */
import type { Rule } from './types';
import { unlockAfterRetry } from './rules/unlock-after-retry';
import { unconditionalUnlockAfterLockedGup } from './rules/unconditional-unlock-after-locked-gup';
import { lockedNotInitialized } from './rules/locked-not-initialized';
import { vmaUsedAfterUnlock } from './rules/vma-used-after-unlock';
import { completedNotHandled } from './rules/completed-not-handled';
import { nowaitRetryLockLeak } from './rules/nowait-retry-lock-leak';

export const RULES: readonly Rule[] = [
  unlockAfterRetry,
  completedNotHandled,
  vmaUsedAfterUnlock,
  unconditionalUnlockAfterLockedGup,
  lockedNotInitialized,
  nowaitRetryLockLeak,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

/** Documentation page of a rule, relative to the repository root. */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/** Public URL of a rule's page (diagnostic codeDescription, SARIF helpUri). */
export const DOCS_BASE_URL = 'https://github.com/kernel-mm-lens/kernel-mm-lens/blob/main/docs/rules/';
export function ruleDocUrl(id: string): string {
  return `${DOCS_BASE_URL}${id}.md`;
}
