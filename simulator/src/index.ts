/**
 * Public API of the simulator (pure TypeScript, no editor/server imports):
 * - simulate(scenario, { seed, maxSteps, maxTime }) → RunResult (timed run; result.ts)
 * - explore(scenario, { maxStates }) → ExploreResult (all interleavings, shortest bad schedules)
 * - validateScenario(json) → { ok: true, scenario } | { ok: false, errors: { path, message }[] }
 */
export { simulate, type SimulateOptions } from './engine/simulate';
export { explore, type ExploreOptions, type ExploreResult, type BadOutcome, type BadKind } from './explore';
export { validateScenario, type ValidationError, type ValidationResult } from './scenario/validate';
export type * from './scenario/types';
export * from './result';
export { eraRules, type EraRules } from './engine/rules';
// Pictures and comparisons (simulator/src/render, owned by the picture engineer).
export * from './render/svg-timeline';
export * from './render/compare';
export * from './render/text';
