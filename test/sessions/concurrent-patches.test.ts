import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { EventStore } from '@roamledger/event-store';
import { sessionStream } from '@roamledger/sessions';
import { Client } from 'pg';
import { startingSession } from '../support/ocpi-fixtures';
import { TEST_DATABASE_URL } from '../support/postgres';
import { CPO_A, startReceiverApp } from '../support/receiver-app';
import type { TestApp } from '../support/test-app';

// Two hub processes on one PostgreSQL database, 16 clients PATCHing one session at once: writers of
// one stream queue inside a process, and between processes a lost race is decided again after a
// jittered backoff. No PATCH may fail.

const PATCHES = 800;
const CLIENTS = 16;

let database: string;
const hubs: Array<TestApp & { store: EventStore }> = [];

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

before(async () => {
  database = `rl_conc_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  for (let i = 0; i < 2; i++) {
    hubs.push(
      await startReceiverApp([], {
        env: { EVENT_STORE: 'postgres', DATABASE_URL: url.toString(), AUDIT_SEAL_EVERY_EVENTS: '0', PARTNER_RATE_LIMIT: '0' },
      }),
    );
  }
});

after(async () => {
  await Promise.all(hubs.map((hub) => hub.close()));
  if (database) await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

test(`${PATCHES} concurrent PATCHes of one session from ${CLIENTS} clients on two processes: none fails`, async () => {
  const base = { ...startingSession(), id: 'CONC1', status: 'ACTIVE' };
  const put = await hubs[0].app.inject({
    method: 'PUT',
    url: '/ocpi/emsp/2.2.1/sessions/NL/STK/CONC1',
    headers: { ...CPO_A, 'content-type': 'application/json' },
    payload: JSON.stringify(base),
  });
  assert.equal(put.statusCode, 201);

  let sent = 0;
  const failures: string[] = [];
  const start = Date.parse('2026-03-09T10:00:00Z');
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      const hub = hubs[client % hubs.length];
      while (sent < PATCHES) {
        const n = ++sent;
        const response = await hub.app.inject({
          method: 'PATCH',
          url: '/ocpi/emsp/2.2.1/sessions/NL/STK/CONC1',
          headers: { ...CPO_A, 'content-type': 'application/json' },
          payload: JSON.stringify({ kwh: n, last_updated: new Date(start + n * 1000).toISOString() }),
        });
        if (response.statusCode !== 200 || response.json().status_code !== 1000) {
          failures.push(`${response.statusCode} ${response.body.slice(0, 200)}`);
        }
      }
    }),
  );
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${PATCHES} PATCHes failed`);

  const events = await hubs[1].store.readStream(sessionStream({ countryCode: 'NL', partyId: 'STK' }, 'CONC1'));
  assert.equal(events.filter((event) => event.type === 'OcpiRequestReceived').length, PATCHES + 1);
  // Both processes serve the same final state: the newest last_updated won, whichever process took it.
  for (const hub of hubs) {
    const got = await hub.app.inject({ method: 'GET', url: '/ocpi/emsp/2.2.1/sessions/NL/STK/CONC1', headers: CPO_A });
    assert.equal(got.json().data.kwh, PATCHES);
  }
});
