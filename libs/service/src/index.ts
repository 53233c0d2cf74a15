export * from './bootstrap';
export * from './config';
export * from './service.module';
export * from './json-body';
