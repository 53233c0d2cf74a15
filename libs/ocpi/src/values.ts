// The model's plain values (enums, DateTime, money, parties) without the DTO classes and their
// validators: what pure deciders import, so loading a decider stays cheap (see test/architecture).
export * from './datetime';
export * from './dto/enums';
export * from './money';
export * from './party';
export * from './plausibility';
