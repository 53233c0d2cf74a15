export * from './module-descriptor';
export * from './module-kit.module';
export * from './our-endpoints';
export * from './session-facts';
export * from './topics';
