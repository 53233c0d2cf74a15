// The pricing engine: an OCPI 2.2.1 tariff applied to charging periods, pure and decimal.

export * from './cdr-costs';
export { type LocalTime, localTimeOf } from './local-time';
export * from './price';

/**
 * Raised whenever a change to the engine can change a price: the projections that price with it
 * (billing's cdr_pricing) take it as a setting, so they are rebuilt beside the live ones and switched.
 */
export const PRICING_ENGINE_VERSION = 1;
