import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { PartnerDirectory } from '@roamledger/credentials';
import { currentState, EVENT_STORE, type EventStore, handleCommand } from '@roamledger/event-store';
import { MODULE_DESCRIPTORS, type ModuleDescriptor } from '@roamledger/module-kit';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { partnerDirectorySource } from './partner-directory.source';
import { type PullRun, pullDecider, pullStream } from './pull.decider';
import { PULL_SOURCE, type PullModuleId, type PullPartner, type PullSource } from './pull-source';
import { commandPullTarget, objectDigest, type PullTarget } from './pull-target';

/** How often and how far back pulls go. */
export interface PullSettings {
  /** Between scheduled pulls of every partner; 0 turns scheduling off. */
  intervalMs: number;
  /** How far back the first pull of a partner goes, when there is no checkpoint yet. */
  firstLookbackMs: number;
  /** Each pull starts this much before the checkpoint: late writes and clock skew at the CPO. */
  overlapMs: number;
}

export const PULL_SETTINGS = Symbol('PULL_SETTINGS');

/** PULL_INTERVAL_SECONDS (default 900, 0 = off), PULL_FIRST_LOOKBACK_DAYS (default 30), PULL_OVERLAP_SECONDS (default 300). */
export interface PullRequest {
  modules?: PullModuleId[];
  /** Overrides the window; without them the pull goes from the checkpoint (less the overlap) to now. */
  dateFrom?: Date;
  dateTo?: Date;
}

export type PullReport =
  | { partner_id: string; module: PullModuleId; status: 'completed'; run: PullRun; checkpoint: string }
  | { partner_id: string; module: PullModuleId; status: 'failed'; run: PullRun; error: string }
  | { partner_id: string; module: PullModuleId; status: 'skipped'; reason: string };

export interface PullStatus {
  module: PullModuleId;
  checkpoint: string | null;
  last: Record<string, unknown> | null;
}

export class UnknownPullPartner extends Error {
  constructor(readonly partnerId: string) {
    super(`No partner ${partnerId} that can be pulled (unknown, not registered or suspended)`);
    this.name = 'UnknownPullPartner';
  }
}

/**
 * Pulls partners' Sender interfaces (GET sessions, GET cdrs) over a date window with Link-header
 * pagination, and hands every object to the module's PullTarget, which feeds the same commands
 * as the push receiver: an object already received by push (or an earlier pull) changes nothing.
 * Each run is recorded in `pull-<partnerId>-<module>`, whose checkpoint the next run starts from.
 */
@Injectable()
export class PullService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('pull');
  private readonly targets = new Map<PullModuleId, PullTarget>();
  private readonly running = new Map<string, Promise<PullReport>>();
  private timer?: NodeJS.Timeout;

  private readonly source?: PullSource;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PULL_SETTINGS) private readonly settings: PullSettings,
    @Inject(ROAMLEDGER_CONFIG) config: RoamledgerConfig,
    // A PULL_SOURCE provider wins (tests); otherwise the credentials module's partners, when loaded.
    @Inject(MODULE_DESCRIPTORS) modules: readonly ModuleDescriptor[],
    commands: CommandBus,
    @Optional() @Inject(PULL_SOURCE) source?: PullSource,
    @Optional() directory?: PartnerDirectory,
  ) {
    this.source = source ?? (directory ? partnerDirectorySource(directory, config.ocpiParties) : undefined);
    // Every module that offers a pull; the process that pulls runs their command handlers too.
    for (const { pull } of modules) if (pull) this.targets.set(pull.module, commandPullTarget(pull, commands));
  }

  get modules(): PullModuleId[] {
    return [...this.targets.keys()];
  }

  /** On demand: pull one partner now. Throws UnknownPullPartner when it cannot be pulled. */
  async pull(partnerId: string, request: PullRequest = {}): Promise<PullReport[]> {
    const partner = await this.source?.get(partnerId);
    if (!partner) throw new UnknownPullPartner(partnerId);
    return this.pullPartner(partner, request);
  }

  /** Every partner that can be pulled, one after the other (what the schedule runs). */
  async pullAll(request: PullRequest = {}): Promise<PullReport[]> {
    const reports: PullReport[] = [];
    for (const partner of (await this.source?.list()) ?? []) reports.push(...(await this.pullPartner(partner, request)));
    return reports;
  }

  /** Each hosted module's checkpoint and last recorded pull for a partner. */
  async status(partnerId: string): Promise<PullStatus[]> {
    return Promise.all(
      this.modules.map(async (module) => {
        const stream = pullStream(partnerId, module);
        const [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
        return {
          module,
          checkpoint: (await currentState(this.store, stream, pullDecider)).state.checkpoint ?? null,
          last: last ? { type: last.type, recorded_at: last.recordedAt, ...(last.data as object) } : null,
        };
      }),
    );
  }

  onApplicationBootstrap(): void {
    if (this.settings.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.pullAll().then(
        (reports) => {
          for (const report of reports.filter((r) => r.status === 'failed')) {
            this.logger.warn(`Scheduled pull of ${report.module} from ${report.partner_id} failed: ${report.error}`);
          }
        },
        (error: Error) => this.logger.error(`Scheduled pull failed: ${error.message}`),
      );
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled(this.running.values());
  }

  private async pullPartner(partner: PullPartner, request: PullRequest): Promise<PullReport[]> {
    const reports: PullReport[] = [];
    for (const module of request.modules ?? this.modules) {
      const target = this.targets.get(module);
      if (!target) {
        reports.push({
          partner_id: partner.partnerId,
          module,
          status: 'skipped',
          reason: `${module} is not hosted by this process`,
        });
        continue;
      }
      // One pull per partner and module at a time: a scheduled and an on-demand pull share the run.
      const key = `${partner.partnerId}/${module}`;
      let run = this.running.get(key);
      if (!run) {
        run = this.pullModule(partner, target, request).finally(() => this.running.delete(key));
        this.running.set(key, run);
      }
      reports.push(await run);
    }
    return reports;
  }

  private async pullModule(partner: PullPartner, target: PullTarget, request: PullRequest): Promise<PullReport> {
    const { module } = target;
    const url = partner.senderUrl(module);
    if (!url)
      return {
        partner_id: partner.partnerId,
        module,
        status: 'skipped',
        reason: `the partner offers no ${module} Sender interface`,
      };

    const stream = pullStream(partner.partnerId, module);
    const { checkpoint } = (await currentState(this.store, stream, pullDecider)).state;
    const now = Date.now();
    const dateTo = request.dateTo ?? new Date(now);
    const dateFrom =
      request.dateFrom ??
      new Date(checkpoint ? Date.parse(checkpoint) - this.settings.overlapMs : now - this.settings.firstLookbackMs);
    const run: PullRun = {
      pull_id: randomUUID(),
      partner_id: partner.partnerId,
      module,
      date_from: ocpiDateTime(dateFrom),
      date_to: ocpiDateTime(dateTo),
      pages: 0,
      received: 0,
      recorded: 0,
      unchanged: 0,
      rejected: [],
      started_at: new Date(now).toISOString(),
      finished_at: '',
    };
    try {
      // One window, asked as each of our parties the partner answers apart (a hub), into one run.
      for (const as of partner.askAs?.length ? partner.askAs : [undefined]) {
        const client = await partner.client(as);
        for await (const page of client.paginate<unknown>(url, { date_from: run.date_from, date_to: run.date_to })) {
          run.pages += 1;
          for (const object of page.data) {
            run.received += 1;
            const outcome = await target.ingest(partner, object, {
              pullId: run.pull_id,
              url: page.url,
              receivedAt: new Date().toISOString(),
            });
            if (outcome.status === 'recorded') run.recorded += 1;
            else if (outcome.status === 'unchanged') run.unchanged += 1;
            else run.rejected.push({ page_url: page.url, ...idOf(object), reason: outcome.reason, sha256: objectDigest(object) });
          }
        }
      }
    } catch (error) {
      const message = (error as Error).message;
      run.finished_at = new Date().toISOString();
      await handleCommand(
        this.store,
        stream,
        pullDecider,
        { type: 'FailPull', run, error: message },
        { metadata: runMetadata(run) },
      );
      return { partner_id: partner.partnerId, module, status: 'failed', run, error: message };
    }
    run.finished_at = new Date().toISOString();
    const handled = await handleCommand(
      this.store,
      stream,
      pullDecider,
      { type: 'CompletePull', run },
      { metadata: runMetadata(run) },
    );
    return {
      partner_id: partner.partnerId,
      module,
      status: 'completed',
      run,
      checkpoint: handled.state.checkpoint ?? run.date_to,
    };
  }
}

function runMetadata(run: PullRun) {
  return { correlationId: run.pull_id, partnerId: run.partner_id, source: 'pull' };
}

/** An OCPI DateTime in UTC without milliseconds (2019-01-28T12:00:00Z). */
export function ocpiDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function idOf(object: unknown): { id?: string } {
  const id = (object as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? { id: id.slice(0, 64) } : {};
}
