export * from './tariff.commands';
export * from './tariff.decider';
export * from './tariff.events';
export * from './tariffs.controller';
export * from './tariffs.descriptor';
export * from './tariffs.module';
