export * from './session.commands';
export * from './session.decider';
export * from './session.events';
export * from './session-facts';
export * from './sessions.controller';
export * from './sessions.descriptor';
export * from './sessions.module';
