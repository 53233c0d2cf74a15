import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { currentState, EVENT_STORE, type EventStore, type Subscription } from '@roamledger/event-store';
import { setMostRecent } from '@roamledger/kernel';
import { TOKEN_STREAM_PREFIX, type TokenState, tokenDecider } from './token.decider';
import type { TokenEvent } from './token.events';

/** Token states kept at most; beyond, the least recently asked is dropped (and read again when asked). */
export const LIVE_TOKEN_STATES_LIMIT = 50_000;

interface Known {
  state: TokenState;
  /** Revision of the token stream folded in; -1: no such token when read. */
  revision: number;
}

/**
 * The token states real-time authorization decides on, in memory (a driver is waiting at the
 * charger: no read of the store on the way). A token is read once, when first asked; then a
 * subscription to the token streams, started before the first read, folds every later change in,
 * whichever process made it: a block made elsewhere holds here once the subscription delivers it
 * (one poll, 50–200 ms); a change made in this process holds at once (`forget`).
 *
 * Why not the store's stream-state cache (libs/event-store stream-states.ts), which also keeps
 * decider states per stream in an LRU: the two promise different things. That cache is the write
 * path's: it may be behind, because the append's expected revision catches it, and a read that must
 * be current (`currentState`) asks the store for what follows on every call unless the store is
 * embedded and sees every append. Authorization must not read the store on the way and may lag a
 * remote change by one poll; it gets that from a subscription, which the write-path cache has no
 * place for (no lifecycle, one per store, shared by every module). Folding them would put two
 * consistency rules in one class, and tokens would compete for its 10,000 entries with every
 * session and CDR being written, so a busy hub would evict the tokens drivers are waiting on.
 */
@Injectable()
export class LiveTokenStates implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('token-states');
  private readonly known = new Map<string, Known>();
  private subscription?: Subscription;
  private following?: Promise<void>;
  private stopped = false;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    const head = await this.store.headPosition();
    this.following = this.follow(head + 1);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.following;
  }

  /** The token's state: from memory, or read once. */
  async get(stream: string): Promise<TokenState> {
    const known = this.known.get(stream);
    if (known) {
      this.known.delete(stream);
      this.known.set(stream, known);
      return known.state;
    }
    const read = await currentState(this.store, stream, tokenDecider);
    // The subscription may have folded a newer change in while this read ran.
    const newer = this.known.get(stream);
    if (newer && newer.revision >= read.revision) return newer.state;
    this.remember(stream, { state: read.state, revision: read.revision });
    return read.state;
  }

  /** This process changes the token: once written, the next ask reads it (a block holds from the next request on). */
  changed<T>(stream: string, write: Promise<T>): Promise<T> {
    return write.finally(() => this.known.delete(stream));
  }

  private remember(stream: string, known: Known): void {
    setMostRecent(this.known, stream, known, LIVE_TOKEN_STATES_LIMIT);
  }

  private async follow(fromPosition: number): Promise<void> {
    let next = fromPosition;
    let retryMs = 500;
    while (!this.stopped) {
      try {
        this.subscription = this.store.subscribeToAll({ fromPosition: next, filter: { streamPrefixes: [TOKEN_STREAM_PREFIX] } });
        for await (const event of this.subscription) {
          next = event.position + 1;
          const known = this.known.get(event.stream);
          // Only tokens asked about are kept; the others are read when first asked.
          if (!known || event.revision <= known.revision) continue;
          if (event.revision !== known.revision + 1) {
            this.known.delete(event.stream);
            continue;
          }
          known.state = tokenDecider.evolve(known.state, event as unknown as TokenEvent);
          known.revision = event.revision;
          retryMs = 500;
        }
      } catch (error) {
        if (this.stopped) return;
        // What changed meanwhile is unknown: every token is read again when next asked.
        this.known.clear();
        this.logger.error(`token states stopped following the log: ${(error as Error).message}`);
        await this.subscription?.close().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, 30_000);
      }
    }
  }
}
