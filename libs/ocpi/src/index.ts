// The OCPI 2.2.1 object model: DTOs with their validation, enums, DateTime, money, parties.
export * from './datetime';
export * from './dto';
export * from './endpoints';
export * from './money';
export * from './party';
export * from './validation';
