// The pricing engine: an OCPI 2.2.1 tariff applied to charging periods, pure and decimal.

export * from './cdr-costs';
export { type LocalTime, localTimeOf } from './local-time';
export * from './price';
