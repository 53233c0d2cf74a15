export * from './client-info.commands';
export * from './client-info.controller';
export * from './client-info.decider';
export * from './client-info.events';
export * from './hubclientinfo.descriptor';
export * from './hubclientinfo.module';
