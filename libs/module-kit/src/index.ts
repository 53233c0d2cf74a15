export * from './module-descriptor';
export * from './module-kit.module';
export * from './our-endpoints';
export * from './partner-links';
export * from './party-reachability';
export * from './session-facts';
export * from './token-register';
export * from './topics';
