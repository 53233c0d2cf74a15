export * from './admin-api-key';
export * from './api-documents';
export * from './api-key';
export * from './bootstrap';
export * from './config';
export * from './json-body';
export * from './secret-file';
export * from './service.module';
