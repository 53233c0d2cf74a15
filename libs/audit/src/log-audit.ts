/** Everything the auditor CLI is built from; index.ts adds the CLI itself. */
export * from './audit.module';
export * from './audit-config';
export * from './digest';
export * from './export';
export * from './export-check';
export * from './history';
export * from './log-verifier';
export * from './merkle';
export * from './progress';
export * from './proof';
export * from './prove';
export * from './replay';
export * from './scan';
export * from './seal';
export * from './sealer';
export * from './state-at';
export * from './verify-log';
