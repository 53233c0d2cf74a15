export * from './api-key';
export * from './bootstrap';
export * from './config';
export * from './health';
export * from './json-body';
export * from './secret-file';
export * from './service.module';
