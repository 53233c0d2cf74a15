export * from './ocpi-client';
