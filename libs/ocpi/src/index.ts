// The OCPI 2.2.1 object model: DTOs with their validation, enums, DateTime, money, parties.
export * from './dto';
// OCPI 2.1.1 wire objects and their mapping to the model, for the edges that speak 2.1.1.
export * as v211 from './v211';
// OCPI 2.3.0 wire classes where 2.3.0 differs from the model, and their mapping.
export * as v230 from './v230';
export * from './validation';
export * from './values';
