import type { DynamicModule, Type } from '@nestjs/common';
import { AuditModule } from '@roamledger/audit';
import { ConsoleModule } from '@roamledger/console';
import { PartnersModule } from '@roamledger/credentials';
import { KafkaProjectionSourceModule, MessagingModule } from '@roamledger/messaging';
import { ModuleKit } from '@roamledger/module-kit';
import { bootstrapService, type RoamledgerConfig, ServiceModule } from '@roamledger/service';
import { SessionFactsModule } from '@roamledger/sessions';
import { TokenRegisterModule } from '@roamledger/tokens';
import { moduleNamed, ROAMLEDGER_MODULES } from './roamledger-modules';

type Import = Type<unknown> | DynamicModule;

/** What every process has beside its modules: who is calling (partners), session facts for CDR checks, the token register for commands. */
function kit(config: RoamledgerConfig): Import[] {
  return [
    ServiceModule.forRoot(config),
    ModuleKit.forRoot(ROAMLEDGER_MODULES),
    PartnersModule,
    SessionFactsModule,
    TokenRegisterModule,
  ];
}

/** What a module's own service runs: the module, and what it depends on that lives elsewhere. */
function serviceImports(name: string): Import[] {
  const module = moduleNamed(name);
  switch (name) {
    // The pull runs the commands of every module it pulls for.
    case 'pull':
      return [module.nestModule, ...ROAMLEDGER_MODULES.filter((m) => m.pull).map((m) => m.nestModule)];
    // With KAFKA_BROKERS their projections follow the event topics; the console goes where /finance is.
    case 'billing':
      return [KafkaProjectionSourceModule, module.nestModule, ConsoleModule];
    case 'catalog':
      return [KafkaProjectionSourceModule, module.nestModule];
    default:
      return [module.nestModule];
  }
}

/** The root module of one module's own service (service mode: `apps/<name>`). */
export function serviceModule(name: string, config: RoamledgerConfig): DynamicModule {
  class RoamledgerService {}
  Object.defineProperty(RoamledgerService, 'name', { value: `${name}-service` });
  return {
    module: RoamledgerService,
    // Every service may seal the log; only the Kafka forwarder's lease holder does (Leadership).
    imports: [...kit(config), ...serviceImports(name), AuditModule.forRoot(), MessagingModule],
  };
}

/** Every module in one process, as `npm start` runs it on the embedded store; it also seals the log. */
export function hubModule(config: RoamledgerConfig): DynamicModule {
  class HubModule {}
  return {
    module: HubModule,
    imports: [
      ...kit(config),
      ...ROAMLEDGER_MODULES.map((module) => module.nestModule),
      // The finance and audit console beside the finance API (billing).
      ConsoleModule,
      AuditModule.forRoot(),
      // Publishes the log to Kafka only when KAFKA_BROKERS is set; the hub needs no broker.
      MessagingModule,
    ],
  };
}

/** What apps/<name>/main.ts runs. */
export function bootstrapModuleService(name: string): Promise<void> {
  moduleNamed(name);
  return bootstrapService(name, (config) => serviceModule(name, config));
}

/** What apps/hub/main.ts runs. */
export function bootstrapHub(): Promise<void> {
  return bootstrapService('hub', hubModule);
}
