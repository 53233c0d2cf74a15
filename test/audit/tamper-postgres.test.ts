import { openPostgresClient, SqlEventStore } from '@roamledger/event-store';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { tamperSuite } from './tamper-suite';

const schema = freshSchemaName('rl_audit');

tamperSuite(
  'PostgreSQL (fresh schema)',
  async () => SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema })),
  () => dropSchema(schema),
);
