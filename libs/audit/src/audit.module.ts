import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { sealPolicyOf } from './audit-config';
import { LogSealer, type SealPolicy } from './sealer';

export const SEAL_POLICY = Symbol('SEAL_POLICY');

/** Runs the LogSealer beside the app: started after boot, stopped before the event store closes. */
@Injectable()
export class SealerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LogSealer');
  readonly sealer: LogSealer;
  private running?: Promise<void>;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(SEAL_POLICY) policy: SealPolicy) {
    this.sealer = new LogSealer(store, policy, {
      log: (message) => this.logger.log(message),
      error: (message) => this.logger.error(message),
    });
  }

  onApplicationBootstrap(): void {
    // Not awaited: sealing a long backlog must not hold up the start.
    this.running = this.sealer.run().catch((error: Error) => this.logger.error(`sealer failed: ${error.message}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sealer.stop();
    await this.running;
  }
}

/**
 * Global seals over the event log (see libs/audit/README.md). Needs the EVENT_STORE provider of
 * ServiceModule. The policy comes from the configuration (AUDIT_SEAL_EVERY_*) unless given.
 */
@Module({})
export class AuditModule {
  static forRoot(policy?: SealPolicy): DynamicModule {
    const sealPolicy = policy
      ? { provide: SEAL_POLICY, useValue: policy }
      : { provide: SEAL_POLICY, useFactory: (config: RoamledgerConfig) => sealPolicyOf(config), inject: [ROAMLEDGER_CONFIG] };
    return {
      module: AuditModule,
      providers: [sealPolicy, SealerLifecycle],
      exports: [SealerLifecycle],
    };
  }
}
