import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, type RecordedEvent, type Subscription } from '@roamledger/event-store';
import { TimeOutCommand } from './command.commands';
import { COMMAND_STREAM_PREFIX, legacyCommandDeadline } from './command.decider';
import type { CommandEvent } from './command.events';

/** The named checkpoint of the timeout scheduler. */
export const COMMAND_TIMEOUTS_CHECKPOINT = 'command-timeouts';

/** The events that open (an ACCEPTED response's deadline) or close a command's wait for its result. */
const WAIT_EVENT_TYPES: ReadonlyArray<CommandEvent['type']> = [
  'CommandResponseReceived',
  'CommandResultReceived',
  'CommandTimedOut',
  'CommandSendFailed',
  'CommandSkipped',
];

export interface CommandTimeoutOptions {
  /** How often pending deadlines are looked at. */
  checkEveryMs: number;
}

export const COMMAND_TIMEOUT_OPTIONS = Symbol('COMMAND_TIMEOUT_OPTIONS');

interface Waiting {
  deadline: number;
  /** Position of the CommandResponseReceived that set the deadline. */
  position: number;
  /** A deadline derived here, for a response recorded before responses carried theirs: the decider is told it. */
  derived?: string;
}

/** A command past its deadline; `deadline` only when derived here (legacyCommandDeadline). */
export interface DueCommand {
  id: string;
  deadline?: string;
}

/**
 * The commands that wait for a CommandResult, and their deadlines, as the log says.
 * `watermark`: the position a restart must read again from, so that no waiting command is lost
 * (just before the oldest one still waiting, or the last event seen when none waits).
 */
export class WaitingCommands {
  private readonly waiting = new Map<string, Waiting>();
  private lastPosition = -1;

  apply(event: RecordedEvent): void {
    this.lastPosition = Math.max(this.lastPosition, event.position);
    const typed = event as unknown as CommandEvent;
    const id = typed.data.command_id;
    if (typed.type === 'CommandResponseReceived') {
      // A result that came before its response ended the wait already: the decider refuses that timeout.
      const deadline = typed.data.deadline;
      if (deadline) this.waiting.set(id, { deadline: Date.parse(deadline), position: event.position });
      else {
        // Recorded before responses carried their deadline: derived from its timeout and its time in the log.
        const derived = legacyCommandDeadline(typed.data, event.recordedAt);
        if (derived) this.waiting.set(id, { deadline: Date.parse(derived), position: event.position, derived });
      }
      return;
    }
    this.waiting.delete(id);
  }

  due(now: number): DueCommand[] {
    return [...this.waiting]
      .filter(([, waiting]) => waiting.deadline <= now)
      .map(([id, waiting]) => (waiting.derived ? { id, deadline: waiting.derived } : { id }));
  }

  forget(id: string): void {
    this.waiting.delete(id);
  }

  get size(): number {
    return this.waiting.size;
  }

  watermark(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const waiting of this.waiting.values()) oldest = Math.min(oldest, waiting.position);
    return oldest === Number.POSITIVE_INFINITY ? this.lastPosition : oldest - 1;
  }
}

/**
 * Records CommandTimedOut for every command whose ACCEPTED CommandResponse's deadline passed with
 * no result (a response recorded before responses carried a deadline gets one from its `timeout`
 * and its time in the log, see legacyCommandDeadline): a checkpointed subscription to the command streams keeps the waiting commands and
 * their deadlines (from the log, so a restart or another process sees the same), and every
 * `checkEveryMs` the due ones are timed out through the decider, which records the timeout once
 * (a second, or one after the result, is refused). The checkpoint stays just before the oldest
 * command still waiting, so a process stopped before a deadline times it out after its restart.
 * Several processes may run it: a race between them ends in one CommandTimedOut (the stream's
 * optimistic concurrency, then the decider).
 */
@Injectable()
export class CommandTimeouts implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('command-timeouts');
  private readonly waiting = new WaitingCommands();
  private subscription?: Subscription;
  private running?: Promise<void>;
  private checking?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private saved = -1;
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly commands: CommandBus,
    @Optional() @Inject(COMMAND_TIMEOUT_OPTIONS) private readonly options: CommandTimeoutOptions = { checkEveryMs: 1000 },
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.follow();
    this.timer = setInterval(() => {
      this.checking ??= this.check().finally(() => {
        this.checking = undefined;
      });
    }, this.options.checkEveryMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.subscription?.close();
    await this.running;
    await this.checking;
  }

  private async follow(): Promise<void> {
    let retryMs = 500;
    while (!this.stopped) {
      try {
        this.subscription = this.store.subscribeToAll({
          checkpointName: COMMAND_TIMEOUTS_CHECKPOINT,
          filter: { streamPrefixes: [COMMAND_STREAM_PREFIX], eventTypes: WAIT_EVENT_TYPES },
          batchSize: 500,
        });
        for await (const event of this.subscription) {
          this.waiting.apply(event);
          retryMs = 500;
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.error(
          `command timeouts stopped following the log, resuming from the checkpoint: ${(error as Error).message}`,
        );
        await this.subscription?.close().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, 30_000);
      }
    }
  }

  /** Times out the due commands, then moves the checkpoint. */
  private async check(): Promise<void> {
    const at = new Date();
    for (const { id, deadline } of this.waiting.due(at.getTime())) {
      if (this.stopped) return;
      try {
        await this.commands.execute(new TimeOutCommand(id, at.toISOString(), deadline));
        this.waiting.forget(id);
      } catch (error) {
        this.logger.error(`command ${id} timeout: ${(error as Error).message}`);
      }
    }
    const watermark = this.waiting.watermark();
    if (watermark > this.saved && this.subscription && !this.stopped) {
      try {
        await this.subscription.checkpoint(watermark);
        this.saved = watermark;
      } catch (error) {
        this.logger.error(`command timeouts checkpoint: ${(error as Error).message}`);
      }
    }
  }
}
