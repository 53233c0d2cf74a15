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
import { Leadership, ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { sealPolicyOf } from './audit-config';
import { LogSealer, type SealPolicy } from './sealer';

export const SEAL_POLICY = Symbol('SEAL_POLICY');

/**
 * Runs the LogSealer beside the app while this process leads (Leadership: always on its own, in
 * service mode while it holds the forwarder lease, so exactly one process seals): started after
 * boot or when the lease comes, stopped when it goes and before the event store closes.
 */
@Injectable()
export class SealerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LogSealer');
  private session?: { sealer: LogSealer; stop(): Promise<void> };
  private unwatch?: () => void;
  private changes: Promise<void> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SEAL_POLICY) private readonly policy: SealPolicy,
    private readonly leadership: Leadership,
  ) {}

  /** The sealer running now, if this process seals. */
  get sealer(): LogSealer | undefined {
    return this.session?.sealer;
  }

  onApplicationBootstrap(): void {
    // Not awaited: sealing a long backlog must not hold up the start.
    this.unwatch = this.leadership.watch((held) => {
      this.changes = this.changes.then(() => (held ? this.start() : this.stopSealing()));
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unwatch?.();
    this.changes = this.changes.then(() => this.stopSealing());
    await this.changes;
  }

  private start(): void {
    if (this.session) return;
    const sealer = new LogSealer(this.store, this.policy, {
      log: (message) => this.logger.log(message),
      error: (message) => this.logger.error(message),
    });
    let stopping = false;
    let wake: (() => void) | undefined;
    // A lost database fails a run: start again (1 s doubling to 30 s) rather than stop sealing for good.
    const running = (async () => {
      let retryMs = 1_000;
      while (!stopping) {
        try {
          await sealer.run();
          return;
        } catch (error) {
          if (stopping) return;
          this.logger.error(`sealer failed: ${(error as Error).message}; starting again in ${retryMs} ms`);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, retryMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          retryMs = Math.min(retryMs * 2, 30_000);
        }
      }
    })();
    this.session = {
      sealer,
      stop: async () => {
        stopping = true;
        wake?.();
        await sealer.stop();
        await running;
      },
    };
  }

  private async stopSealing(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.stop();
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
