import { openPgliteClient, SqlEventStore } from '@roamledger/event-store';
import { eventStoreContract } from './contract';
import { tamperWithSqlEvent } from './tamper';

eventStoreContract('PGlite (in memory)', {
  open: async () => SqlEventStore.open('pglite', await openPgliteClient(undefined)),
  tamper: tamperWithSqlEvent,
  concurrentWriters: 4,
});
