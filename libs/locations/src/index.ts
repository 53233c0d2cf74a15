export * from './evse.decider';
export * from './location.commands';
export * from './location.decider';
export * from './location.events';
export * from './locations.controller';
export * from './locations.descriptor';
export * from './locations.module';
