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
import { loadSealPolicy } from './audit-config';
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
 * ServiceModule. The policy comes from AUDIT_SEAL_EVERY_EVENTS / AUDIT_SEAL_EVERY_SECONDS unless given.
 */
@Module({})
export class AuditModule {
  static forRoot(policy: SealPolicy = loadSealPolicy()): DynamicModule {
    return {
      module: AuditModule,
      providers: [{ provide: SEAL_POLICY, useValue: policy }, SealerLifecycle],
      exports: [SealerLifecycle],
    };
  }
}
