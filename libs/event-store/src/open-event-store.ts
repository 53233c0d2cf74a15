import path from 'node:path';
import type { EventStore } from './event-store.port';
import { KurrentDbEventStore } from './kurrentdb';
import { openPgliteClient } from './sql/pglite-client';
import { openPostgresClient } from './sql/postgres-client';
import { SqlEventStore } from './sql/sql-event-store';

export interface EventStoreSettings {
  eventStore: 'pglite' | 'postgres' | 'kurrentdb';
  dataDir: string;
  databaseUrl?: string;
  kurrentdbUrl?: string;
  /** Told of connection errors outside a request (PostgreSQL: a killed backend, a restart). */
  onConnectionError?: (error: Error) => void;
}

/**
 * Opens the store the settings name and proves it answers; a wrong or unreachable choice throws
 * with the reason. There is no fallback to another store.
 */
export async function openEventStore(settings: EventStoreSettings): Promise<EventStore> {
  try {
    let store: EventStore;
    switch (settings.eventStore) {
      case 'pglite':
        store = await SqlEventStore.open('pglite', await openPgliteClient(path.join(settings.dataDir, 'event-store')));
        break;
      case 'postgres':
        store = await SqlEventStore.open(
          'postgres',
          await openPostgresClient({
            connectionString: required(settings.databaseUrl, 'DATABASE_URL'),
            onConnectionError: settings.onConnectionError,
          }),
        );
        break;
      case 'kurrentdb':
        store = KurrentDbEventStore.connect(required(settings.kurrentdbUrl, 'KURRENTDB_URL'));
        break;
    }
    await store.ping();
    return store;
  } catch (error) {
    throw new Error(`Cannot open the ${settings.eventStore} event store: ${(error as Error).message}`, { cause: error });
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
