/**
 * simulator/src/model — the address-space state the engine runs on, as plain data with pure helpers:
 * - mm.ts: types (MmState, Vma, Pte, Page, CacheObject), lookup (findVma, getPte…), cloneMm / hashMm, builders.
 * - ops.ts: mmap / munmap / mprotect / mremap / madvise / fork as pure transformations returning what changed and
 *   the uffd events they generate (per the ctx features given).
 * - fault.ts: classifyFault (what a fault on vma+pte+access needs) and applyFault / completeIo helpers.
 * Nothing here imports the engine; nothing mutates its inputs, except with MutateOptions.consumesMm (mm.ts), the
 * variant the engine uses on the mm it owns (same results, no copy). The engine's fault handling (classifyFault /
 * applyFault / completeIo / completeSwapIo) and its writers (mmap … madvise, with their uffd events) run on these.
 */
export * from './mm';
export { canonicalJson, deepClone } from './canonical';
export * from './fault';
export * from './ops';
