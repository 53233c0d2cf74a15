export * from './session.commands';
export * from './session.decider';
export * from './session.events';
export * from './session.pull';
export * from './sessions.controller';
export * from './sessions.module';
