export * from './canonical-json';
export * from './decider';
export * from './decider-spec';
export * from './lower-bound';
export * from './recent-map';
