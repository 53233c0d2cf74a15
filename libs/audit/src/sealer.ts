import {
  ABORTED,
  abortable,
  type EventStore,
  eventHash,
  type RecordedEvent,
  type Subscription,
  WrongExpectedVersion,
} from '@roamledger/event-store';
import {
  buildSeal,
  isSealEvent,
  type Leaf,
  SEAL_EVENT_TYPE,
  SEAL_STREAM,
  type SealData,
  type SealHead,
  sealHeadOf,
} from './seal';

/** When to seal: after `everyEvents` unsealed events, or `everySeconds` after the oldest one arrived. 0 turns a trigger off. */
export interface SealPolicy {
  everyEvents: number;
  everySeconds: number;
}

export const DEFAULT_SEAL_POLICY: SealPolicy = { everyEvents: 1000, everySeconds: 60 };
export const SEALER_CHECKPOINT = 'audit-sealer';

export interface SealerLog {
  log(message: string): void;
  error(message: string): void;
}

/** The sealer refuses to seal an event whose hash does not match its content: a seal must not bless an edit. */
export class UnsealableEvent extends Error {
  constructor(readonly event: RecordedEvent) {
    super(
      `refusing to seal: the event at position ${event.position} (${event.stream} revision ${event.revision}) ` +
        'does not match its hash; run `npm run audit -- verify`',
    );
    this.name = 'UnsealableEvent';
  }
}

interface PendingLeaf extends Leaf {
  arrivedAt: number;
}

const quietLog: SealerLog = { log: () => undefined, error: () => undefined };

/**
 * Appends seals to `audit-seals`. The seal stream is the truth about what is sealed; the
 * subscription checkpoint only saves re-reading. Several sealers (several hub processes) may run:
 * each append expects the last seal it knows, and the loser adopts the winner's seal.
 */
export class LogSealer {
  private stopped = false;
  private readonly stopping = new AbortController();
  private subscription?: Subscription;
  private taken = -1;

  constructor(
    private readonly store: EventStore,
    private readonly policy: SealPolicy = DEFAULT_SEAL_POLICY,
    private readonly logger: SealerLog = quietLog,
  ) {}

  /**
   * The last log position this sealer has taken: sealed, or held for its next seal. Its checkpoint
   * is no measure of that: the seals it appends while catching up a backlog land at the log's end,
   * so between its last seal and the head there may be far more than everyEvents positions
   * (those seals) and nothing left for it to do.
   */
  get takenThrough(): number {
    return this.taken;
  }

  async lastSeal(): Promise<SealHead | undefined> {
    const [last] = await this.store.readStream<SealData>(SEAL_STREAM, { direction: 'backwards', maxCount: 1 });
    return last ? sealHeadOf(last) : undefined;
  }

  /** Seals every event not sealed yet, in seals of at most policy.everyEvents (all at once when 0). */
  async sealOutstanding(): Promise<SealData[]> {
    const appended: SealData[] = [];
    let head = await this.lastSeal();
    const until = await this.store.headPosition();
    const chunk = this.policy.everyEvents > 0 ? this.policy.everyEvents : Number.POSITIVE_INFINITY;
    let leaves: Leaf[] = [];
    let next = head ? head.toPosition + 1 : 0;
    for (;;) {
      const batch = await this.store.readAll({ fromPosition: next, maxCount: 1000 });
      for (const event of batch) {
        if (event.position > until || isSealEvent(event)) continue;
        leaves.push(this.leafOf(event));
        if (leaves.length >= chunk) {
          const sealed = await this.appendSeal(head, leaves);
          head = sealed.head;
          appended.push(sealed.data);
          leaves = [];
        }
      }
      if (batch.length === 0 || batch[batch.length - 1].position >= until) break;
      next = batch[batch.length - 1].position + 1;
    }
    if (leaves.length) appended.push((await this.appendSeal(head, leaves)).data);
    return appended;
  }

  /**
   * Follows $all and seals as the policy says, until stop(). Time and count triggers are served
   * from one loop (racing the subscription's next event against a timer), so no two seals are
   * ever being appended by the same sealer at once.
   */
  async run(): Promise<void> {
    if (this.policy.everyEvents <= 0 && this.policy.everySeconds <= 0) return;
    let head = await this.lastSeal();
    let sealedThrough = head?.toPosition ?? -1;
    // A checkpoint beyond what is sealed (a seal removed, a restored table) would skip events.
    const saved = await this.store.checkpoints.load(SEALER_CHECKPOINT);
    if (saved !== undefined && saved > sealedThrough) await this.store.checkpoints.save(SEALER_CHECKPOINT, sealedThrough);
    this.taken = sealedThrough;
    const subscription = this.store.subscribeToAll({ checkpointName: SEALER_CHECKPOINT, fromPosition: sealedThrough + 1 });
    this.subscription = subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: PendingLeaf[] = [];
    let next = iterator.next();
    this.logger.log(
      `sealing every ${this.policy.everyEvents || '∞'} events or ${this.policy.everySeconds || '∞'} s, after position ${sealedThrough}`,
    );

    const seal = async (leaves: PendingLeaf[]) => {
      try {
        const sealed = await this.appendSeal(head, leaves);
        head = sealed.head;
        sealedThrough = sealed.data.toPosition;
        await subscription.checkpoint(sealedThrough);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
        // Another sealer got there first: adopt its seal, keep what it did not cover.
        head = await this.lastSeal();
        sealedThrough = head?.toPosition ?? -1;
        pending = [...leaves, ...pending].filter((leaf) => leaf.position > sealedThrough);
      }
    };

    try {
      while (!this.stopped) {
        const waitMs =
          pending.length && this.policy.everySeconds > 0
            ? Math.max(0, pending[0].arrivedAt + this.policy.everySeconds * 1000 - Date.now())
            : undefined;
        const timer = waitMs === undefined ? undefined : delay(waitMs);
        // abortable, not a race with a stop promise: that kept every event until the loop ended.
        const outcome = await abortable(timer ? Promise.race([next, timer.promise]) : next, this.stopping.signal);
        timer?.cancel();
        if (outcome === ABORTED) break;
        if (outcome === 'timer') {
          if (pending.length) await seal(pending.splice(0, pending.length));
          continue;
        }
        next = iterator.next();
        if (outcome.done) break;
        const event = outcome.value;
        this.taken = event.position;
        if (isSealEvent(event)) {
          // Ours, or another sealer's: what it covers is sealed.
          const data = event.data as SealData;
          if (event.type === SEAL_EVENT_TYPE && (!head || event.revision > head.revision)) {
            head = sealHeadOf(event as RecordedEvent<SealData>);
            sealedThrough = Math.max(sealedThrough, data.toPosition);
            pending = pending.filter((leaf) => leaf.position > sealedThrough);
          }
          continue;
        }
        if (event.position <= sealedThrough) continue;
        pending.push({ ...this.leafOf(event), arrivedAt: Date.now() });
        if (this.policy.everyEvents > 0 && pending.length >= this.policy.everyEvents) {
          await seal(pending.splice(0, this.policy.everyEvents));
        }
      }
    } catch (error) {
      this.logger.error(`sealer stopped: ${(error as Error).message}`);
      if (!(error instanceof UnsealableEvent)) throw error;
    } finally {
      await subscription.close().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.subscription?.close().catch(() => undefined);
  }

  private leafOf(event: RecordedEvent): Leaf {
    if (eventHash(event.prevHash, event) !== event.hash) throw new UnsealableEvent(event);
    return { position: event.position, hash: event.hash };
  }

  private async appendSeal(head: SealHead | undefined, leaves: Leaf[]): Promise<{ head: SealHead; data: SealData }> {
    const data = buildSeal(head, leaves);
    const result = await this.store.append(SEAL_STREAM, [{ type: SEAL_EVENT_TYPE, data }], {
      expectedRevision: head ? head.revision : 'no_stream',
    });
    return {
      data,
      head: {
        sequence: data.sequence,
        revision: result.nextExpectedRevision,
        hash: await this.sealHash(result.nextExpectedRevision),
        toPosition: data.toPosition,
        position: result.position,
      },
    };
  }

  /** The append result has no hash: read the seal back (one small read per seal). */
  private async sealHash(revision: number): Promise<string> {
    const [seal] = await this.store.readStream(SEAL_STREAM, { from: revision, maxCount: 1 });
    return seal.hash;
  }
}

function delay(ms: number): { promise: Promise<'timer'>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timer'>((resolve) => {
    timer = setTimeout(() => resolve('timer'), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
