export * from './cdr.checks';
export * from './cdr.commands';
export * from './cdr.decider';
export * from './cdr.events';
export * from './cdr.pull';
export * from './cdrs.controller';
export * from './cdrs.module';
