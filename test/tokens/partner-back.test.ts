// Service mode: the tokens service and the credentials service as two apps on one PostgreSQL. A
// CPO that missed token pushes calls the credentials service, never the tokens service; its
// contact travels through the log (PartnerContacted, at most one per interval) and the tokens
// service pushes it the tokens it missed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Global, Module } from '@nestjs/common';
import { PARTNER_CONTACT_OPTIONS, partnerContactStream } from '@roamledger/credentials';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { serviceModule } from '@roamledger/modules';
import type { RoamledgerConfig } from '@roamledger/service';
import { TokenPusher, tokenPushStream } from '@roamledger/tokens';
import { Client } from 'pg';
import { ocpiCall, PartnerServer, type ReceivedRequest } from '../support/partner-server';
import { TEST_DATABASE_URL } from '../support/postgres';
import { startTestApp, type TestApp } from '../support/test-app';

const ADMIN_KEY = 'partner-back-admin-key-0123456789';
const RECORD_EVERY_MS = 2000;

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A shorter contact interval than the default minute, so the test need not wait one. */
@Global()
@Module({
  providers: [{ provide: PARTNER_CONTACT_OPTIONS, useValue: { recordEveryMs: RECORD_EVERY_MS } }],
  exports: [PARTNER_CONTACT_OPTIONS],
})
class QuickContacts {}

const service = (name: string) => (config: RoamledgerConfig) => {
  class Service {}
  return { module: Service, imports: [serviceModule(name, config), QuickContacts] };
};

let database: string;
let databaseUrl: string;
let dataDir: string;
let cpo: PartnerServer;
const apps: TestApp[] = [];
const held = new Map<string, Json>();
/** The token we gave the CPO when it registered. */
let tokenC = '';

before(async () => {
  database = `rl_back_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  databaseUrl = url.toString();
  // Shared as a volume would be: the partner-token key lives there.
  dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-partner-back-'));
  cpo = await new PartnerServer({
    modules: [
      { identifier: 'sessions', role: 'SENDER' },
      { identifier: 'cdrs', role: 'SENDER' },
      { identifier: 'tokens', role: 'RECEIVER' },
    ],
    routes: (request: ReceivedRequest) => {
      const token = /^\/ocpi\/cpo\/2\.2\.1\/tokens\/NL\/RLG\/([^/?]+)/.exec(request.path);
      if (token && request.method === 'PUT') {
        held.set(token[1], request.body);
        return { data: undefined };
      }
      return undefined;
    },
  }).start();
});

after(async () => {
  await Promise.all(apps.map((app) => app.close().catch(() => undefined)));
  await cpo?.close();
  if (database) await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('a CPO that calls the credentials service gets the tokens it missed from the tokens service', {
  timeout: 180_000,
}, async () => {
  const env = { EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY };
  const [credentials, tokens] = await Promise.all([
    startTestApp(service('credentials'), env, { listen: true }),
    startTestApp(service('tokens'), env, { listen: true }),
  ]);
  apps.push(credentials, tokens);
  const admin = async (base: string, method: string, route: string, body?: unknown) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const credentialsUrl = credentials.config.publicUrl;
  const invitation = await admin(credentialsUrl, 'POST', '/admin/partners', {
    name: 'CPO ABC',
    country_code: 'DE',
    party_id: 'ABC',
    roles: ['CPO'],
  });
  assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
  const partnerId: string = invitation.body.id;
  const registration = await ocpiCall<{ token: string }>(
    'POST',
    `${credentialsUrl}/ocpi/2.2.1/credentials`,
    invitation.body.token_a,
    cpo.credentials(),
  );
  assert.equal(registration.body.status_code, 1000, registration.body.status_message);
  tokenC = registration.body.data?.token ?? '';
  const store: EventStore = tokens.app.get(EVENT_STORE);

  // The tokens service learns of the registration from the log: until then it has no one to push
  // to, and a token issued before that is recorded for nobody (seen once on a loaded CI machine).
  const pusher = tokens.app.get(TokenPusher);
  await eventually('the tokens service to know the CPO', async () =>
    (await pusher.receivers()).some((link) => link.partnerId === partnerId),
  );
  // The CPO is down while the tokens service issues a token: the push fails and is recorded.
  cpo.down = true;
  const issued = await admin(tokens.config.publicUrl, 'POST', '/admin/tokens', {
    country_code: 'NL',
    party_id: 'RLG',
    uid: 'RFID-77',
    type: 'RFID',
    contract_id: 'NL-RLG-C77',
    issuer: 'Roamledger',
    valid: true,
    whitelist: 'ALLOWED',
  });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  await eventually('the recorded push failure', async () =>
    (await store.readStream(tokenPushStream(partnerId))).some((event) => event.type === 'TokenPushFailed'),
  );
  assert.equal(held.has('RFID-77'), false);

  // Past the interval since the contacts of its registration (waiting on the clock, as the rule does).
  const contacts = async () => (await store.readStream(partnerContactStream(partnerId))).map((event) => event.data as Json);
  const lastRecorded = Math.max(0, ...(await contacts()).map((contact) => Date.parse(contact.at)));
  await new Promise((resolve) => setTimeout(resolve, Math.max(lastRecorded + RECORD_EVERY_MS - Date.now(), 0) + 100));
  const before = (await contacts()).length;

  // It is back, and calls the credentials service (twice in a row): never the tokens service.
  cpo.down = false;
  const receivedBefore = cpo.received.length;
  for (let call = 0; call < 2; call++) {
    const got = await ocpiCall('GET', `${credentialsUrl}/ocpi/2.2.1/credentials`, tokenC);
    assert.equal(got.body.status_code, 1000, got.body.status_message);
  }
  await eventually('the missed token at the CPO', () => held.get('RFID-77'));
  assert.equal(held.get('RFID-77').contract_id, 'NL-RLG-C77');
  // The resync is recorded once its pushes ended.
  const resynced = await eventually('TokensResynced', async () => {
    const events = (await store.readStream(tokenPushStream(partnerId))).filter((event) => event.type === 'TokensResynced');
    return events.length ? events : undefined;
  });
  assert.equal(resynced.length, 1);
  assert.equal((resynced[0].data as Json).trigger, 'contact');
  // Two calls within the interval: one PartnerContacted.
  const after = await contacts();
  assert.equal(after.length, before + 1, JSON.stringify(after));
  assert.equal(after[after.length - 1].partner_id, partnerId);
  assert.equal(
    cpo.received.slice(receivedBefore).filter((request) => request.method === 'PUT' && request.path.includes('/tokens/')).length,
    1,
    'pushed once',
  );
});

test('authorization decides from memory: a block made by another tokens process holds there once the log delivers it', {
  timeout: 180_000,
}, async () => {
  const env = { EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY };
  const writer = apps[1];
  const asker = await startTestApp(service('tokens'), env, { listen: true });
  apps.push(asker);
  assert.ok(tokenC, 'the CPO registered in the test before');
  const authorize = async () =>
    (
      await ocpiCall<Json>('POST', `${asker.config.publicUrl}/ocpi/emsp/2.2.1/tokens/RFID-77/authorize?type=RFID`, tokenC, {
        location_id: 'LOC1',
      })
    ).body;
  assert.equal((await authorize()).data.allowed, 'ALLOWED');
  const blocked = await fetch(`${writer.config.publicUrl}/admin/tokens/NL/RLG/RFID-77?type=RFID`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ valid: false }),
  });
  assert.equal(blocked.status, 200);
  await eventually('BLOCKED at the other process', async () => (await authorize()).data.allowed === 'BLOCKED');
});
