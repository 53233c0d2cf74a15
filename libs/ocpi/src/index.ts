export * from './dto';
export * from './transport';
export * from './validation';
