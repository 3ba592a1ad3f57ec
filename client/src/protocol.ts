// Moved to common/protocol.ts (shared by the client and the language server); kept as a re-export for old imports.
export * from '../../common/protocol';
