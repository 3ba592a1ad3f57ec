/**
 * What the hover says about a GUP-family function or a fault flag in one era (kernel-semantics.md §1–§3). Pure.
 */
import { eraAtLeast, eraAtMost, type Era } from '../../../common/era';

function lockDroppingVmas(era: Era): string {
  if (eraAtLeast(era, '6.5')) return 'there is no vmas parameter (6.5+); use get_user_page_vma_remote() for a vma';
  if (eraAtLeast(era, '6.3')) return 'a non-NULL vmas with a call that may drop the lock is rejected (WARN, -EINVAL: 6.3–6.4)';
  return 'a non-NULL vmas with a call that may drop the lock hits BUG_ON(vmas) (4.0–6.2)';
}

function lockedContract(era: Era): string {
  const check = eraAtLeast(era, '6.3') ? 'WARN + -EINVAL unless `*locked == 1`' : 'BUG_ON(*locked != 1)';
  return (
    'The caller holds mmap_lock for read and sets `locked = 1`; the call **may drop the lock** (to wait for I/O or ' +
    `userfaultfd). On return \`locked == 0\` means it was dropped: unlock only \`if (locked)\`. Entry check: ${check}. ` +
    lockDroppingVmas(era) + '.'
  );
}

/** Markdown describing `name` in `era`, undefined when the name is not a GUP-family function. */
export function gupHover(name: string, era: Era, locked: 'null' | 'set' | 'absent' = 'absent'): string | undefined {
  const e = `${era.major}.${era.minor}`;
  const head = `**${name}** in ${e}: `;
  switch (name) {
    case 'get_user_pages':
    case 'pin_user_pages':
      return (
        head +
        'the caller holds mmap_lock for read across the whole call and the call **never drops it**: it cannot wait ' +
        'for userfaultfd (a registered range gives -EFAULT) and holds the lock across any I/O. ALLOW_RETRY is set only ' +
        'with FOLL_NOWAIT (then with RETRY_NOWAIT: the lock is kept). vma pointers stay valid only while the lock is held.' +
        (eraAtLeast(era, '6.5') ? ' No vmas parameter (6.5+).' : '')
      );
    case 'get_user_pages_locked':
    case 'pin_user_pages_locked':
      if (name === 'get_user_pages_locked' && eraAtLeast(era, '5.18')) return head + 'removed in 5.18: use get_user_pages_remote(…, &locked) or _unlocked.';
      return head + lockedContract(era);
    case 'get_user_pages_remote':
    case 'pin_user_pages_remote':
      if (locked === 'null') {
        return head + 'called with `locked == NULL`: the caller holds mmap_lock for read and the call never drops it (like get_user_pages).';
      }
      return head + (locked === 'set' ? '' : 'with a non-NULL `locked`: ') + lockedContract(era);
    case 'get_user_pages_unlocked':
    case 'pin_user_pages_unlocked':
      return (
        head +
        'takes and releases mmap_lock itself (the caller must not hold it); faults may drop it to wait for I/O or ' +
        'userfaultfd, and the retry re-takes it' +
        (eraAtLeast(era, '5.7') ? ', checking fatal signals between retries (5.7+).' : ' (≤5.6: one retry, TRIED without ALLOW_RETRY).') +
        (eraAtLeast(era, '4.9') ? ' Argument order: (start, nr_pages, pages, gup_flags): pages before gup_flags.' : '')
      );
    case 'get_user_pages_fast':
    case 'pin_user_pages_fast':
      return (
        head +
        'walks the page tables without mmap_lock first; pages not present fall back to the unlocked slow path, which ' +
        'takes and releases the lock itself. The caller must not hold mmap_lock.' +
        (eraAtLeast(era, '5.2') ? ' Flags: gup_flags (5.2+).' : ' Takes `int write` (≤5.1).')
      );
    case '__get_user_pages_fast':
    case 'get_user_pages_fast_only':
    case 'pin_user_pages_fast_only':
      return head + 'IRQ-safe lockless walk: never faults, never takes mmap_lock; returns fewer pages when some are not present.';
    case 'get_user_pages_longterm':
      return eraAtLeast(era, '5.2') ? head + 'removed in 5.2: pass FOLL_LONGTERM to get_user_pages / pin_user_pages.' : head + 'like get_user_pages (caller holds the lock), refusing FS DAX pages.';
    case '__get_user_pages':
      return head + 'GUP internal (static inside mm/gup.c since 4.x): with `nonblocking`/`locked` it may drop the lock like the _locked variants.';
    case 'fixup_user_fault':
      return (
        head +
        'the caller holds mmap_lock; the call never returns with it dropped, but `*unlocked = true` means it was dropped and ' +
        're-taken, so vma pointers are stale. With `unlocked == NULL` do not pass FAULT_FLAG_ALLOW_RETRY.'
      );
    case 'get_user_page_vma_remote':
      return head + 'get_user_pages_remote for one page that also returns its vma (6.5+); the caller holds mmap_lock.';
    default:
      return undefined;
  }
}

const FLAGS: Record<string, (era: Era) => string> = {
  ALLOW_RETRY: (era) =>
    'the callee may drop mmap_lock and return VM_FAULT_RETRY (to wait for I/O, a page lock or userfaultfd); the caller must then neither unlock nor touch the vma. ' +
    (eraAtLeast(era, '5.7')
      ? 'From 5.7 it stays set on retries (with TRIED): only the first attempt (fault_flag_allow_retry_first) drops the lock for the page lock.'
      : 'Up to 5.6 the retry clears it (one retry at most).'),
  TRIED: (era) =>
    'set on a retry: the second attempt. ' +
    (eraAtLeast(era, '5.7')
      ? '!ALLOW_RETRY && TRIED is forbidden from 5.7; a TRIED attempt waits for the page lock holding mmap_lock.'
      : 'Up to 5.6 the standard retry was `flags &= ~FAULT_FLAG_ALLOW_RETRY; flags |= FAULT_FLAG_TRIED`.') +
    ' Without it the retry cancels the readahead miss of the first attempt.',
  KILLABLE: () => 'a fatal signal during the page-lock wait makes the callee release the lock and return RETRY (every era).',
  INTERRUPTIBLE: (era) => (eraAtLeast(era, '5.7') ? 'any signal may interrupt a userfaultfd wait (5.7+, part of FAULT_FLAG_DEFAULT).' : 'does not exist before 5.7.'),
  RETRY_NOWAIT: () => 'return VM_FAULT_RETRY at once **with the lock still held**: the caller must unlock. Requires ALLOW_RETRY.',
  DEFAULT: (era) => (eraAtLeast(era, '5.7') ? 'ALLOW_RETRY | KILLABLE | INTERRUPTIBLE (5.7+).' : 'does not exist before 5.7 (handlers used ALLOW_RETRY | KILLABLE).'),
  VMA_LOCK: (era) =>
    eraAtLeast(era, '6.4')
      ? 'the fault runs under the per-VMA read lock, not mmap_lock (6.4+). ' +
        (eraAtMost(era, '6.4') ? 'In 6.4 the callee returns RETRY still holding it: the handler always calls vma_end_read().' : 'The callee releases it on RETRY/COMPLETED.')
      : 'does not exist before 6.4.',
  USER: () => 'the fault comes from user space (fault_signal_pending then honours any signal).',
  WRITE: () => 'write access.',
  REMOTE: () => 'fault on another process\'s mm (GUP with FOLL_REMOTE).',
  INSTRUCTION: () => 'instruction fetch.',
  UNSHARE: (era) => (eraAtLeast(era, '5.19') ? 'unshare a COW-shared anonymous page (5.19+); never with WRITE.' : 'does not exist before 5.19.'),
  MKWRITE: () => 'the fault is a write-notify upgrade.',
};

/** Markdown describing a FAULT_FLAG_* name in `era`, undefined for other words. */
export function flagHover(word: string, era: Era): string | undefined {
  const m = /^FAULT_FLAG_(\w+)$/.exec(word);
  if (!m) return undefined;
  const f = FLAGS[m[1]!];
  const e = `${era.major}.${era.minor}`;
  return f ? `**${word}** in ${e}: ${f(era)}` : undefined;
}

/** The identifier at a character of a line (letters, digits, underscore). */
export function wordAt(line: string, character: number): { word: string; start: number; end: number } | undefined {
  const isWord = (c: string | undefined) => c !== undefined && /\w/.test(c);
  let s = character;
  let e = character;
  while (s > 0 && isWord(line[s - 1])) s--;
  while (isWord(line[e])) e++;
  if (s === e) return undefined;
  return { word: line.slice(s, e), start: s, end: e };
}
