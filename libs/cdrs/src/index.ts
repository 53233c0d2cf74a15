export * from './cdr.checks';
export * from './cdr.commands';
export * from './cdr.decider';
export * from './cdr.events';
export * from './cdrs.controller';
export * from './cdrs.descriptor';
export * from './cdrs.module';
