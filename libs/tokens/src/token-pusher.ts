import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent, type Subscription } from '@roamledger/event-store';
import {
  PARTNER_LINKS,
  PARTY_REACHABILITY,
  type PartnerLink,
  type PartnerLinksPort,
  type PartyReachabilityPort,
} from '@roamledger/module-kit';
import { type PartyId, Role, v211 } from '@roamledger/ocpi';
import { ModuleID } from '@roamledger/ocpi/values';
import { TokenStreams } from './token.commands';
import { TOKEN_STREAM_PREFIX } from './token.decider';
import { PUSHED_TOKEN_EVENT_TYPES, type TokenEvent, type TokenRef } from './token.events';
import { missedTokens, type TokenPushCommand, tokenPushDecider, tokenPushStream } from './token-push.decider';

/** The named checkpoint of the push subscription: a restart resumes after the last change pushed. */
export const TOKEN_PUSH_CHECKPOINT = 'token-push';

/** Changes taken at once from the subscription, and tokens pushed at once (each to every partner). */
const PUSH_BATCH = 200;
const PUSH_CONCURRENCY = 8;
const RESYNC_PAUSE_MS = 60_000;

/**
 * Groups a subscription's events into batches: what is already there, up to `size`, without
 * waiting for more than a few milliseconds once one event came.
 */
export async function* batches(source: AsyncIterable<RecordedEvent>, size: number): AsyncGenerator<RecordedEvent[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  for (;;) {
    const first = await pending;
    if (first.done) return;
    const batch = [first.value];
    pending = iterator.next();
    let done = false;
    while (batch.length < size) {
      const next = await Promise.race([pending, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5))]);
      if (!next) break;
      if (next.done) {
        done = true;
        break;
      }
      batch.push(next.value);
      pending = iterator.next();
    }
    yield batch;
    if (done) return;
  }
}

export interface TokenPush {
  method: 'PUT' | 'PATCH';
  ref: TokenRef;
  body: unknown;
}

/** The Receiver call a token change becomes (mod_tokens: PUT a new or replaced token, PATCH a change). */
export function pushOf(event: RecordedEvent): TokenPush | undefined {
  const typed = event as unknown as TokenEvent;
  const { country_code, party_id, uid, type } = typed.data;
  const ref = { country_code, party_id, uid, type };
  switch (typed.type) {
    case 'TokenIssued':
    case 'TokenReplaced':
      return { method: 'PUT', ref, body: typed.data.token };
    case 'TokenUpdated':
      return { method: 'PATCH', ref, body: { ...typed.data.changes, last_updated: typed.data.last_updated } };
    case 'TokenBlocked':
    case 'TokenExpired':
      return { method: 'PATCH', ref, body: { valid: false, last_updated: typed.data.last_updated } };
    case 'TokenUnblocked':
      return { method: 'PATCH', ref, body: { valid: true, last_updated: typed.data.last_updated } };
    default:
      return undefined;
  }
}

/** `{tokens_endpoint_url}/{country_code}/{party_id}/{token_uid}?type=` */
export function receiverUrl(endpoint: string, ref: TokenRef): string {
  const path = [ref.country_code, ref.party_id, ref.uid].map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${path}?type=${encodeURIComponent(ref.type)}`;
}

export interface TokenPusherOptions {
  /** Per push attempt. */
  timeoutMs: number;
}

export const TOKEN_PUSHER_OPTIONS = Symbol('TOKEN_PUSHER_OPTIONS');

/**
 * The process manager that hands our token changes to CPOs: a named, checkpointed subscription to
 * the token streams. Each change goes to every partner whose version details offer a Tokens
 * RECEIVER, all partners at once; the checkpoint moves only once every partner's push ended.
 *
 * Not an @nestjs/cqrs EventBus handler: the bus neither awaits its handlers nor tells when they
 * are done, so the checkpoint could pass a change not yet pushed, and a restart would skip it.
 *
 * Offline behaviour (transport_and_format): a failed push is not retried; it is recorded
 * (`TokenPushFailed`, in the partner's `tokenpush-` stream) and when the partner is back (it calls
 * us, or an operator asks) the latest state of each token it missed is PUT once.
 */
@Injectable()
export class TokenPusher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('token-push');
  private subscription?: Subscription;
  private running?: Promise<void>;
  private stopped = false;
  /** Partners known to have (true) or not have (false) missed tokens; unknown: read their stream. */
  private readonly missing = new Map<string, boolean>();
  /** Failures recorded per partner in this process: a resync that overlaps one must not clear `missing`. */
  private readonly failures = new Map<string, number>();
  private readonly resyncs = new Map<string, Promise<unknown>>();
  /** When a partner's last resync left tokens unpushed: its calls do not retry them before the pause ends. */
  private readonly failedResyncAt = new Map<string, number>();
  private unsubscribe: Array<() => void> = [];

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PARTNER_LINKS) private readonly partners: PartnerLinksPort,
    private readonly tokens: TokenStreams,
    @Optional() @Inject(PARTY_REACHABILITY) private readonly reachability?: PartyReachabilityPort,
    @Optional() @Inject(TOKEN_PUSHER_OPTIONS) private readonly options: TokenPusherOptions = { timeoutMs: 5000 },
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe.push(this.partners.onContact((partnerId) => this.partnerIsBack(partnerId, 'contact')));
    if (this.reachability) {
      this.unsubscribe.push(
        this.reachability.onReconnect((party) => {
          void this.receivers().then((links) => {
            for (const link of links.filter((l) => l.parties.some((p) => samePartyId(p, party)))) {
              this.partnerIsBack(link.partnerId, 'reconnect');
            }
          });
        }),
      );
    }
    this.running = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const off of this.unsubscribe) off();
    await this.subscription?.close();
    await this.running;
    await Promise.allSettled([...this.resyncs.values()]);
  }

  private async run(): Promise<void> {
    let retryMs = 500;
    while (!this.stopped) {
      try {
        this.subscription = this.store.subscribeToAll({
          checkpointName: TOKEN_PUSH_CHECKPOINT,
          filter: { streamPrefixes: [TOKEN_STREAM_PREFIX], eventTypes: PUSHED_TOKEN_EVENT_TYPES },
          batchSize: 500,
        });
        for await (const batch of batches(this.subscription, PUSH_BATCH)) {
          await this.pushBatch(batch);
          await this.subscription.checkpoint(batch[batch.length - 1].position);
          retryMs = 500;
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.error(`token push subscription failed, resuming from its checkpoint: ${(error as Error).message}`);
        await this.subscription?.close().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, 30_000);
      }
    }
  }

  /**
   * The changes of a batch: each token's in log order, different tokens at once (a few at a time);
   * the checkpoint then passes the whole batch.
   */
  private async pushBatch(events: RecordedEvent[]): Promise<void> {
    const links = await this.receivers();
    const byToken = new Map<string, RecordedEvent[]>();
    for (const event of events) byToken.set(event.stream, [...(byToken.get(event.stream) ?? []), event]);
    const queue = [...byToken.values()];
    const worker = async () => {
      for (let changes = queue.shift(); changes; changes = queue.shift()) {
        for (const event of changes) await this.pushEverywhere(event, links);
      }
    };
    await Promise.all(Array.from({ length: PUSH_CONCURRENCY }, worker));
  }

  /** One change to every Tokens receiver, at once. */
  async pushEverywhere(event: RecordedEvent, links: PartnerLink[]): Promise<void> {
    const push = pushOf(event);
    if (!push) return;
    await Promise.all(links.map((link) => this.pushTo(link, push, event.position)));
  }

  private async pushTo(link: PartnerLink, push: TokenPush, position: number): Promise<void> {
    const failure = await this.attempt(link, push);
    if (!failure) return;
    await this.record(link.partnerId, {
      type: 'RecordPushFailure',
      partnerId: link.partnerId,
      ref: push.ref,
      method: push.method,
      reason: failure.reason,
      position,
      ...(failure.skipped ? { skipped: true } : {}),
    });
    this.missing.set(link.partnerId, true);
    this.failures.set(link.partnerId, (this.failures.get(link.partnerId) ?? 0) + 1);
  }

  /** undefined when the partner took it; otherwise why not. */
  private async attempt(link: PartnerLink, push: TokenPush): Promise<{ reason: string; skipped?: boolean } | undefined> {
    const endpoint = link.endpoint(ModuleID.TOKENS, 'RECEIVER');
    if (!endpoint) return { reason: 'the partner no longer offers a Tokens receiver' };
    // Through a hub, one Broadcast Push (to: the hub's party) reaches every CPO behind it.
    const hub = link.parties.find((party) => party.role === Role.HUB);
    const cpo = hub ?? link.parties.find((party) => party.role === Role.CPO) ?? link.parties[0];
    if (this.reachability && cpo && !hub) {
      const status = await this.reachability.unreachable(cpo);
      if (status) return { reason: `the hub reports ${cpo.countryCode}*${cpo.partyId} ${status}`, skipped: true };
    }
    try {
      const client = await this.partners.client(link.partnerId, {
        fromParty: { countryCode: push.ref.country_code, partyId: push.ref.party_id },
        ...(cpo ? { toParty: { countryCode: cpo.countryCode, partyId: cpo.partyId } } : {}),
        retries: 0,
        timeoutMs: this.options.timeoutMs,
      });
      const url = receiverUrl(endpoint, push.ref);
      // The version negotiated with the partner decides the Token's shape (its client, the headers).
      const body = link.version === '2.1.1' ? v211.tokenTo211(push.body as Record<string, unknown>) : push.body;
      if (push.method === 'PUT') await client.put(url, body);
      else await client.patch(url, body);
      return undefined;
    } catch (error) {
      return { reason: (error as Error).message };
    }
  }

  /** Partners with a Tokens receiver, as their version details listed. */
  async receivers(): Promise<PartnerLink[]> {
    return (await this.partners.list()).filter((link) => link.endpoint(ModuleID.TOKENS, 'RECEIVER'));
  }

  private partnerIsBack(partnerId: string, trigger: 'contact' | 'reconnect'): void {
    if (this.missing.get(partnerId) === false || this.resyncs.has(partnerId) || this.stopped) return;
    // A partner that calls us while its receiver still fails is not pushed to on each of its calls.
    if (trigger === 'contact' && Date.now() - (this.failedResyncAt.get(partnerId) ?? 0) < RESYNC_PAUSE_MS) return;
    void this.resync(partnerId, trigger).catch((error) =>
      this.logger.error(`resync of ${partnerId} failed: ${(error as Error).message}`),
    );
  }

  /**
   * PUTs the latest state of every token the partner missed, once; the ones that fail again stay
   * missed. One resync per partner at a time. undefined: no such usable partner with a Tokens receiver.
   */
  resync(
    partnerId: string,
    trigger: 'contact' | 'operator' | 'reconnect',
  ): Promise<{ partner_id: string; pushed: number; failed: number } | undefined> {
    const running = this.resyncs.get(partnerId) as Promise<{ partner_id: string; pushed: number; failed: number } | undefined>;
    if (running) return running;
    const work = this.doResync(partnerId, trigger).finally(() => this.resyncs.delete(partnerId));
    this.resyncs.set(partnerId, work);
    return work;
  }

  private async doResync(partnerId: string, trigger: 'contact' | 'operator' | 'reconnect') {
    const link = await this.partners.get(partnerId);
    if (!link?.endpoint(ModuleID.TOKENS, 'RECEIVER')) return undefined;
    const failuresBefore = this.failures.get(partnerId) ?? 0;
    const missed = missedTokens(await this.store.readStream(tokenPushStream(partnerId)));
    const pushed: TokenRef[] = [];
    const failed: Array<TokenRef & { reason: string }> = [];
    for (const ref of missed) {
      const { token } = await this.tokens.state(ref);
      if (!token) continue;
      const failure = await this.attempt(link, { method: 'PUT', ref, body: token });
      if (failure) failed.push({ ...ref, reason: failure.reason });
      else pushed.push(ref);
    }
    if (pushed.length || failed.length) {
      await this.record(partnerId, { type: 'RecordResync', partnerId, trigger, pushed, failed });
      this.logger.log(`resync of ${partnerId} (${trigger}): ${pushed.length} tokens pushed, ${failed.length} failed`);
    }
    this.missing.set(partnerId, failed.length > 0 || (this.failures.get(partnerId) ?? 0) !== failuresBefore);
    if (failed.length > 0) this.failedResyncAt.set(partnerId, Date.now());
    else this.failedResyncAt.delete(partnerId);
    return { partner_id: partnerId, pushed: pushed.length, failed: failed.length };
  }

  /** These events do not depend on the stream's state: appended without reading it, so the cost stays flat. */
  private async record(partnerId: string, command: TokenPushCommand): Promise<void> {
    const events = tokenPushDecider.decide(command, tokenPushDecider.initialState());
    await this.store.append(
      tokenPushStream(partnerId),
      events.map((event) => ({ type: event.type, data: event.data })),
      { expectedRevision: 'any' },
    );
  }
}

function samePartyId(a: PartyId, b: PartyId): boolean {
  return a.countryCode.toUpperCase() === b.countryCode.toUpperCase() && a.partyId.toUpperCase() === b.partyId.toUpperCase();
}
