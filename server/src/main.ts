/**
 * Entry point of the bundled language server (dist/server.js): starts it on the transport named on the command line
 * (--stdio, --node-ipc, --socket=N). Kept apart from server.ts so that bundles which include the server (the mmlens
 * CLI for `mmlens lsp`) never start it by being the main module.
 */
import { main } from './server';

main();
