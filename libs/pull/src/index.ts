export * from './admin-pull.controller';
export * from './partner-directory.source';
export * from './pull.decider';
export * from './pull.descriptor';
export * from './pull.module';
export * from './pull.service';
export * from './pull-source';
export * from './pull-target';
