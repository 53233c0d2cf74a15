export * from './catalog.controller';
export * from './catalog.descriptor';
export * from './catalog.dto';
export * from './catalog.module';
export * from './catalog.projection';
export * from './catalog.tables';
export * from './catalog-api-key';
export * from './catalog-read-model';
