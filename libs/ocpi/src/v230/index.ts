export * from './v230.dto';
export * from './v230.mapping';
