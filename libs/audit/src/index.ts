export * from './cli/audit-cli';
export * from './log-audit';
