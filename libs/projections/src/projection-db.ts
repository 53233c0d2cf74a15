import path from 'node:path';
import { openPgliteClient, openPostgresClient, type SqlClient } from '@roamledger/event-store';

export interface ProjectionDbSettings {
  dataDir: string;
  /** When set, the projection tables live in PostgreSQL (service mode), in `schema`. */
  databaseUrl?: string;
  /** PostgreSQL schema for the projection tables (default rl_projections). */
  schema?: string;
  /** Told of connection errors outside a query (PostgreSQL only). */
  onConnectionError?: (error: Error) => void;
}

export const PROJECTION_SCHEMA = 'rl_projections';

/**
 * Where projection tables live: PostgreSQL (DATABASE_URL, schema rl_projections) in service mode,
 * otherwise their own PGlite folder, DATA_DIR/projections, apart from the event store's, so a
 * rebuild or a long report never holds up appends.
 */
export async function openProjectionDb(settings: ProjectionDbSettings): Promise<SqlClient> {
  if (settings.databaseUrl) {
    return openPostgresClient({
      connectionString: settings.databaseUrl,
      schema: settings.schema ?? PROJECTION_SCHEMA,
      onConnectionError: settings.onConnectionError,
    });
  }
  return openPgliteClient(path.join(settings.dataDir, 'projections'));
}
