export * from './v211.dto';
export * from './v211.mapping';
