export * from './audit-api.controller';
export * from './audit-api-key';
export * from './console.controller';
export * from './console.module';
export * from './console-assets';
export * from './partner-contacts';
