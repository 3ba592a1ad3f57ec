/**
 * The rule catalogue (../shared/spec/rules.md). The CLI, the language server and the benches read this list, never a
 * rule file directly. Adding a rule: one file under rules/, one line here, its docs page and its tests.
 */
import { retryWithoutTried } from './rules/retry-without-tried';
import { forbiddenFlagCombination } from './rules/forbidden-flag-combination';
import { retryClearsAllowRetry } from './rules/retry-clears-allow-retry';
import { retryWithoutSignalCheck } from './rules/retry-without-signal-check';
import { unlockAfterRetry } from './rules/unlock-after-retry';
import { completedNotHandled } from './rules/completed-not-handled';
import { vmasWithUnlockableGup } from './rules/vmas-with-unlockable-gup';
import { vmaUsedAfterUnlock } from './rules/vma-used-after-unlock';
import { gupConvertibleToUnlocked } from './rules/gup-convertible-to-unlocked';
import { unconditionalUnlockAfterLockedGup } from './rules/unconditional-unlock-after-locked-gup';
import { lockedNotInitialized } from './rules/locked-not-initialized';
import { longtermWithoutPin } from './rules/longterm-without-pin';
import { removedGupApi } from './rules/removed-gup-api';
import { retryFirstCheck } from './rules/retry-first-check';
import { nowaitWithoutAllowRetry } from './rules/nowait-without-allow-retry';
import { nowaitRetryLockLeak } from './rules/nowait-retry-lock-leak';
import type { Rule } from './types';

/** In the catalogue's order (rules.md). */
export const RULES: readonly Rule[] = [
  retryWithoutTried,
  forbiddenFlagCombination,
  retryClearsAllowRetry,
  retryWithoutSignalCheck,
  unlockAfterRetry,
  completedNotHandled,
  vmasWithUnlockableGup,
  vmaUsedAfterUnlock,
  gupConvertibleToUnlocked,
  unconditionalUnlockAfterLockedGup,
  lockedNotInitialized,
  longtermWithoutPin,
  removedGupApi,
  retryFirstCheck,
  nowaitWithoutAllowRetry,
  nowaitRetryLockLeak,
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
