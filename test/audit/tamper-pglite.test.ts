import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openPgliteClient, SqlEventStore } from '@roamledger/event-store';
import { tamperSuite } from './tamper-suite';

const folder = mkdtempSync(path.join(tmpdir(), 'roamledger-audit-'));

tamperSuite(
  'PGlite (temporary folder)',
  async () => SqlEventStore.open('pglite', await openPgliteClient(folder)),
  async () => rmSync(folder, { recursive: true, force: true }),
);
