// The OCPI 2.2.1 object model: DTOs with their validation, enums, DateTime, money, parties.
export * from './dto';
export * from './validation';
export * from './values';
