export * from './datetime';
export * from './decorators';
export * from './validate';
