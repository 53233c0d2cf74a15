export * from './bootstrap';
export * from './config';
export * from './json-body';
export * from './service.module';
