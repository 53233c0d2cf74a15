import { existsSync, writeFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import type { RecordedEvent } from '@roamledger/event-store';
import { type Projection, type ProjectionTable, upsertRows } from '@roamledger/projections';

const table: ProjectionTable = {
  name: 'thread_probe',
  columns: [
    { name: 'position', type: 'bigint', required: true },
    { name: 'thread_id', type: 'integer', required: true },
  ],
  primaryKey: ['position'],
};

/**
 * A projection that says which thread applied each event. With `crashOnceFile`, the first batch
 * applied in a worker thread ends that thread (once: the file remembers), as a crash would.
 */
export function threadProbe(crashOnceFile?: string): Projection {
  return {
    name: 'thread_probe',
    version: 1,
    tables: [table],
    filter: { streamPrefixes: ['toy-'] },
    async apply(events: readonly RecordedEvent[], context) {
      if (crashOnceFile && !isMainThread && !existsSync(crashOnceFile)) {
        writeFileSync(crashOnceFile, 'crashed');
        process.exit(3);
      }
      const rows = events.map((event) => ({ position: String(event.position), thread_id: threadId }));
      await upsertRows(context.db, table, context.table('thread_probe'), rows);
    },
  };
}
