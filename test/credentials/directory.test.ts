import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { ocpiCall, PartnerServer } from '../support/partner-server';
import { TEST_DATABASE_URL } from '../support/postgres';
import { type CredentialsHarness, startCredentialsApp } from './harness';

// The partner directory is a projection in memory: authentication reads no stream. A change made
// in one process holds there from the next request, and reaches another process on the same log
// with the append's notification.

const BOUND_MS = 1_000;

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Milliseconds until `check` holds, polling; fails past BOUND_MS. */
async function within(what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    assert.ok(Date.now() - started < BOUND_MS, `${what}: not within ${BOUND_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return Date.now() - started;
}

describe('partner directory across two processes on one PostgreSQL log', () => {
  let database: string;
  let hubA: CredentialsHarness;
  let hubB: CredentialsHarness;
  let partner: PartnerServer;
  let partnerId: string;
  let tokenC: string;
  const ping = (hub: CredentialsHarness, token: string) =>
    ocpiCall('GET', `${hub.base}/ocpi/emsp/2.2.1/ping`, token).then((r) => r.httpStatus);

  before(async () => {
    database = `rl_dir_${randomBytes(6).toString('hex')}`;
    await onServer(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    const env = { EVENT_STORE: 'postgres', DATABASE_URL: url.toString(), PARTNER_TOKEN_KEY: randomBytes(32).toString('base64') };
    hubA = await startCredentialsApp(env);
    hubB = await startCredentialsApp(env);
    partner = await new PartnerServer({ countryCode: 'DE', partyId: 'DIR' }).start();
  });
  after(async () => {
    await partner?.close();
    await hubA?.close();
    await hubB?.close();
    if (database) await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  test('registration, suspension and rotation hold at once where made and within a notification elsewhere', async () => {
    const invitation = await hubA.admin('POST', '/admin/partners', {
      name: 'DE DIR',
      country_code: 'DE',
      party_id: 'DIR',
      roles: ['CPO'],
    });
    assert.equal(invitation.status, 201);
    partnerId = invitation.body.id;
    const registration = await ocpiCall<{ token: string }>(
      'POST',
      `${hubA.base}/ocpi/2.2.1/credentials`,
      invitation.body.token_a,
      partner.credentials(),
    );
    assert.equal(registration.body.status_code, 1000, registration.body.status_message);
    tokenC = registration.body.data?.token ?? '';
    assert.equal(await ping(hubA, tokenC), 200);
    const registeredElsewhere = await within('Token C on the other process', async () => (await ping(hubB, tokenC)) === 200);

    assert.equal((await hubA.admin('POST', `/admin/partners/${partnerId}/suspend`)).status, 200);
    assert.equal(await ping(hubA, tokenC), 403, 'the suspension holds from the next request in the process that made it');
    const suspendedElsewhere = await within('suspension on the other process', async () => (await ping(hubB, tokenC)) === 403);
    assert.equal((await hubB.admin('GET', `/admin/partners/${partnerId}`)).body.suspended, true);

    assert.equal((await hubB.admin('POST', `/admin/partners/${partnerId}/resume`)).status, 200);
    assert.equal(await ping(hubB, tokenC), 200);
    await within('resumption on the first process', async () => (await ping(hubA, tokenC)) === 200);

    const rotation = await ocpiCall<{ token: string }>(
      'PUT',
      `${hubA.base}/ocpi/2.2.1/credentials`,
      tokenC,
      partner.credentials(),
    );
    assert.equal(rotation.body.status_code, 1000, rotation.body.status_message);
    const rotated = rotation.body.data?.token ?? '';
    assert.equal(await ping(hubA, tokenC), 401, 'the old token is refused from the next request');
    assert.equal(await ping(hubA, rotated), 200);
    const rotatedElsewhere = await within('rotation on the other process', async () => (await ping(hubB, tokenC)) === 401);
    assert.equal(await ping(hubB, rotated), 200);
    console.log(
      `other process saw: registration after ${registeredElsewhere} ms, suspension after ${suspendedElsewhere} ms, rotation after ${rotatedElsewhere} ms`,
    );
  });
});
