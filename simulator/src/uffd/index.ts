/**
 * simulator/src/uffd — the userfaultfd model:
 * - types.ts: UffdCtx, features, messages, ioctl results, handle_userfault inputs/decisions.
 * - handle-userfault.ts: handle_userfault()'s decision ladder per era (pure), and how a blocked fault returns.
 * - ctx.ts / ioctls.ts: creation, UFFDIO_API, REGISTER/UNREGISTER/WAKE/COPY/ZEROPAGE/WRITEPROTECT/CONTINUE/POISON/
 *   MOVE with their per-era success/error semantics, read(), events and mmap_changing, release (close).
 * All functions are pure: they take (env, ctx, mm, args) and return new states plus what to wake.
 */
export * from './types';
export * from './handle-userfault';
export * from './ctx';
export * from './ioctls';
