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
  private stopping = false;
  private wake?: () => void;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(SEAL_POLICY) policy: SealPolicy) {
    this.sealer = new LogSealer(store, policy, {
      log: (message) => this.logger.log(message),
      error: (message) => this.logger.error(message),
    });
  }

  onApplicationBootstrap(): void {
    // Not awaited: sealing a long backlog must not hold up the start.
    this.running = this.keepSealing();
  }

  /** A lost database fails a run: start again (1 s doubling to 30 s) rather than stop sealing for good. */
  private async keepSealing(): Promise<void> {
    let retryMs = 1_000;
    while (!this.stopping) {
      try {
        await this.sealer.run();
        return;
      } catch (error) {
        if (this.stopping) return;
        this.logger.error(`sealer failed: ${(error as Error).message}; starting again in ${retryMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        retryMs = Math.min(retryMs * 2, 30_000);
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
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
