export { explore, type ExploreOptions, type ExploreResult, type BadOutcome, type BadKind } from './explore';
