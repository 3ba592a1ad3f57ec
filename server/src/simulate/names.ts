// The simulator's names a user may type (fault path flags, GUP variants and flags, the fault path's choices), shared by
// the extractor, the override checks and the panel's form (client bundle: no imports but types).
import type { FaultFlagName, GupFlagName, GupVariant } from '../../../simulator/src/index';

export const FAULT_FLAGS: readonly FaultFlagName[] = ['WRITE', 'MKWRITE', 'ALLOW_RETRY', 'RETRY_NOWAIT', 'KILLABLE', 'TRIED', 'USER', 'REMOTE', 'INSTRUCTION', 'INTERRUPTIBLE', 'UNSHARE', 'ORIG_PTE_VALID', 'VMA_LOCK'];
export const GUP_VARIANTS: readonly GupVariant[] = ['get_user_pages', 'get_user_pages_locked', 'get_user_pages_unlocked', 'get_user_pages_remote', 'get_user_pages_fast', 'get_user_pages_longterm', 'pin_user_pages', 'pin_user_pages_fast', 'pin_user_pages_unlocked', 'pin_user_pages_remote', 'pin_user_pages_locked'];
export const GUP_FLAGS: readonly GupFlagName[] = ['FOLL_WRITE', 'FOLL_FORCE', 'FOLL_NOWAIT', 'FOLL_LONGTERM', 'FOLL_REMOTE', 'FOLL_INTERRUPTIBLE', 'FOLL_TOUCH', 'FOLL_GET', 'FOLL_PIN'];
export const SIGNAL_CHECKS = ['fault_signal_pending', 'fatal', 'none'] as const;
export const LOCK_RETAKES = ['retry-label', 'before-goto', 'lock_mm_and_find_vma'] as const;
export const VMA_LOCK_TRIED = ['always', 'major', 'never'] as const;
