import { Inject, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { EVENT_STORE, type EventStore, handleCommand } from '@roamledger/event-store';
import { ProjectionHost } from '@roamledger/projections';
import { authorizationFindingDecider, authorizationFindingStream, objectOfStream } from './authorization-finding.decider';
import type { AuthorizationFindingRaised } from './token.events';
import { type FindingRow, TokenReadModel } from './token-read-model';
import { TOKEN_REGISTER_PROJECTION } from './token-register.projection';

/** The named checkpoint: the position of the last session/CDR event whose findings are in the log. */
export const AUTHORIZATION_FINDINGS_CHECKPOINT = 'token-findings';

const BATCH = 500;

export interface AuthorizationFindingOptions {
  /** How often the token register projection is looked at for new findings. */
  everyMs: number;
}

export const AUTHORIZATION_FINDING_OPTIONS = Symbol('AUTHORIZATION_FINDING_OPTIONS');

/**
 * Puts the token register projection's findings (TOKEN_BLOCKED_AT_START,
 * UNKNOWN_AUTHORIZATION_REFERENCE) in the log as `AuthorizationFindingRaised` events, so finance
 * and auditors find them beside every other finding, with the session or CDR they concern. The
 * projection decides (it holds each token's state and every reference we issued, in log order);
 * this raises each finding once (one stream per finding and session/CDR, a decider that raises
 * only once), after a restart or a projection rebuild too.
 */
@Injectable()
export class AuthorizationFindings implements OnApplicationBootstrap {
  private readonly logger = new Logger('token-findings');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  /** The projection applied something since the last look (or that look was cut short): look again. */
  private due = true;
  private stopWatching?: () => void;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tokens: TokenReadModel,
    private readonly projections: ProjectionHost,
    @Optional() @Inject(AUTHORIZATION_FINDING_OPTIONS) private readonly options: AuthorizationFindingOptions = { everyMs: 1000 },
  ) {}

  onApplicationBootstrap(): void {
    // Findings only appear when the token register projection applies events: an idle hub asks nothing.
    this.stopWatching = this.projections.onApplied(TOKEN_REGISTER_PROJECTION, () => {
      this.due = true;
    });
    this.timer = setInterval(() => {
      if (!this.due || this.running) return;
      this.due = false;
      this.running = this.raiseNew()
        .then((rows) => {
          if (rows === BATCH) this.due = true;
        })
        .catch((error) => {
          this.due = true;
          this.logger.error(`raising findings: ${(error as Error).message}`);
        })
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.everyMs);
    this.timer.unref();
  }

  /** Stops looking and waits for a look in flight (before the projection's database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.stopWatching?.();
    await this.running;
  }

  /** Raises the findings after the checkpoint; returns how many rows it looked at. */
  async raiseNew(): Promise<number> {
    const after = (await this.store.checkpoints.load(AUTHORIZATION_FINDINGS_CHECKPOINT)) ?? -1;
    const rows = await this.tokens.findingsAfter(after, BATCH);
    for (const row of rows) {
      if (this.stopped) return 0;
      await this.raise(row);
    }
    if (rows.length) {
      const last = Number(rows[rows.length - 1].position);
      // A full batch may have cut the findings of its last event in two: that event is looked at again.
      await this.store.checkpoints.save(AUTHORIZATION_FINDINGS_CHECKPOINT, rows.length === BATCH ? last - 1 : last);
    }
    return rows.length;
  }

  private async raise(row: FindingRow): Promise<void> {
    const finding: AuthorizationFindingRaised['data'] = {
      finding: row.finding as AuthorizationFindingRaised['data']['finding'],
      ...objectOfStream(row.stream),
      stream: row.stream,
      authorization_reference: row.reference,
      detail: row.detail,
      position: Number(row.position),
    };
    await handleCommand(this.store, authorizationFindingStream(row.finding, row.stream), authorizationFindingDecider, {
      type: 'RaiseFinding',
      finding,
    });
  }
}
