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
 * next batch starts after the last position read, never at a computed one. The next batch is
 * asked for as soon as one arrives, so the store reads while the caller checks (two batches in
 * memory at most).
 */
export async function* scanLog(store: EventStore, options: ScanOptions = {}): AsyncGenerator<RecordedEvent> {
  const batchSize = options.batchSize ?? 2000;
  const head = options.toPosition ?? (await store.headPosition());
  const start = options.fromPosition ?? 0;
  const read = (fromPosition: number) => {
    const batch = store.readAll({ fromPosition, maxCount: batchSize });
    // A caller that stops early never awaits the batch read ahead: its failure is nobody's.
    batch.catch(() => undefined);
    return batch;
  };
  let next: Promise<RecordedEvent[]> | undefined = read(start);
  let done = 0;
  while (next) {
    const batch: RecordedEvent[] = await next;
    const last = batch[batch.length - 1];
    next = batch.length === batchSize && last.position < head ? read(last.position + 1) : undefined;
    for (const event of batch) {
      if (event.position > head) {
        options.progress?.finish(done);
        return;
      }
      yield event;
      done += 1;
    }
    if (last) {
      const through = last.position + 1;
      options.progress?.update(done, head > start ? Math.min(1, (through - start) / (head - start + 1)) : undefined);
    }
  }
  options.progress?.finish(done);
}
