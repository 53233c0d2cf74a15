import type { EventStore, RecordedEvent } from '@roamledger/event-store';
import { loadRows, type Projection, type ProjectionTable, type Row, upsertRows } from '@roamledger/projections';

/**
 * A toy projection for the generic tests: per stream, how many events and the last type.
 * Version 2 also keeps the first position (a schema change, so a rebuild).
 */
export function streamStats(version: 1 | 2 = 1, options: { failOn?: string } = {}): Projection {
  const table: ProjectionTable = {
    name: 'stream_stats',
    columns: [
      { name: 'stream', type: 'text', required: true },
      { name: 'events', type: 'integer', required: true },
      { name: 'last_type', type: 'text', required: true },
      ...(version === 2 ? [{ name: 'first_position', type: 'bigint' as const, required: true }] : []),
      { name: 'position', type: 'bigint', required: true },
    ],
    primaryKey: ['stream'],
  };
  return {
    name: 'stream_stats',
    version,
    tables: [table],
    filter: { streamPrefixes: ['toy-'] },
    async apply(events: readonly RecordedEvent[], context) {
      const physical = context.table('stream_stats');
      const rows = new Map<string, Row>();
      for (const row of await loadRows(context.db, table, physical, {
        keys: events.map((event) => ({ stream: event.stream })),
      })) {
        rows.set(row.stream as string, row);
      }
      for (const event of events) {
        if (event.type === options.failOn) throw new Error(`cannot apply ${event.type}`);
        const row = rows.get(event.stream) ?? {
          stream: event.stream,
          events: 0,
          ...(version === 2 ? { first_position: String(event.position) } : {}),
        };
        row.events = Number(row.events) + 1;
        row.last_type = event.type;
        row.position = String(event.position);
        rows.set(event.stream, row);
      }
      await upsertRows(context.db, table, physical, [...rows.values()]);
    },
  };
}

/** `count` events over `streams` toy streams (plus one event outside the filter per 10), appended 100 at a time per stream. */
export async function appendToyEvents(store: EventStore, count: number, streams = 10): Promise<number> {
  let written = 0;
  let round = 0;
  while (written < count) {
    for (let s = 0; s < streams && written < count; s++) {
      const size = Math.min(100, count - written);
      await store.append(
        `toy-${s}`,
        Array.from({ length: size }, (_, i) => ({ type: i % 2 ? 'Odd' : 'Even', data: { round, i } })),
      );
      written += size;
    }
    await store.append('other-stream', [{ type: 'Unrelated', data: { round } }]);
    round++;
  }
  return store.headPosition();
}
