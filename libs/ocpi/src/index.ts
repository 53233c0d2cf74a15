export * from './client';
export * from './dto';
export * from './endpoints';
export * from './money';
export * from './transport';
export * from './validation';
