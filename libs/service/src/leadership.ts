import { Inject, Injectable } from '@nestjs/common';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from './config';

/**
 * Whether this process is the one that does the log's chores (sealing it): always when it runs
 * alone (no Kafka: the hub), in service mode only while it holds the forwarder lease
 * (libs/messaging), so one process seals, not none and not all.
 */
@Injectable()
export class Leadership {
  private current: boolean;
  private readonly listeners = new Set<(held: boolean) => void>();

  constructor(@Inject(ROAMLEDGER_CONFIG) config: RoamledgerConfig) {
    this.current = !config.kafka;
  }

  get held(): boolean {
    return this.current;
  }

  /** Called by whoever holds the lease. */
  set(held: boolean): void {
    if (held === this.current) return;
    this.current = held;
    for (const listener of this.listeners) listener(held);
  }

  /** Calls `listener` now and on every change; returns the way to stop. */
  watch(listener: (held: boolean) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }
}
