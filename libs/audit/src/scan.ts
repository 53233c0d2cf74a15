import type { EventStore, RecordedEvent } from '@roamledger/event-store';
import type { Progress } from './progress';

export interface ScanOptions {
  /** First global position (inclusive). Default: the start of the log. */
  fromPosition?: number;
  /** Last global position (inclusive). Default: the head when the scan starts. */
  toPosition?: number;
  batchSize?: number;
  progress?: Progress;
}

/**
 * The log in global order, read in batches. Positions need not be contiguous (KurrentDB), so the
 * next batch starts after the last position read, never at a computed one.
 */
export async function* scanLog(store: EventStore, options: ScanOptions = {}): AsyncGenerator<RecordedEvent> {
  const batchSize = options.batchSize ?? 1000;
  const head = options.toPosition ?? (await store.headPosition());
  const start = options.fromPosition ?? 0;
  let next = start;
  let done = 0;
  for (;;) {
    const batch = await store.readAll({ fromPosition: next, maxCount: batchSize });
    for (const event of batch) {
      if (event.position > head) {
        options.progress?.finish(done);
        return;
      }
      yield event;
      done += 1;
    }
    if (batch.length === 0) break;
    next = batch[batch.length - 1].position + 1;
    options.progress?.update(done, head > start ? Math.min(1, (next - start) / (head - start + 1)) : undefined);
    if (batch.length < batchSize) break;
  }
  options.progress?.finish(done);
}
