// Command timeouts come from the log, not from a timer in the process that sent the command: a
// hub stopped before a command's deadline and started again after it records CommandTimedOut, once,
// even with two hubs on the same PostgreSQL racing to do it; a late result is kept and refused.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { WaitingCommands } from '@roamledger/commands';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@roamledger/event-store';
import { hubModule } from '@roamledger/modules';
import { Client } from 'pg';
import { ocpiCall, PartnerServer, type ReceivedRequest } from '../support/partner-server';
import { TEST_DATABASE_URL } from '../support/postgres';
import { startTestApp, type TestApp } from '../support/test-app';

const ADMIN_KEY = 'timeouts-admin-key-0123456789';
const APP_KEY = 'timeouts-app-key-0123456789';

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

const recorded = (type: string, commandId: string, position: number, recordedAt = '2026-11-30T10:00:00.000Z'): RecordedEvent =>
  ({ type, stream: `command-${commandId}`, position, recordedAt, data: { command_id: commandId } }) as unknown as RecordedEvent;

describe('the commands waiting for a result, from the log', () => {
  test('the checkpoint stays before the oldest command still waiting', () => {
    const waiting = new WaitingCommands();
    assert.equal(waiting.watermark(), -1);
    const accepted = (id: string, position: number, deadline: string) => {
      const event = recorded('CommandResponseReceived', id, position);
      (event.data as Json).deadline = deadline;
      waiting.apply(event);
    };
    accepted('A', 10, '2026-11-30T10:00:30Z');
    accepted('B', 12, '2026-11-30T10:00:10Z');
    assert.equal(waiting.watermark(), 9);
    assert.deepEqual(waiting.due(Date.parse('2026-11-30T10:00:20Z')), [{ id: 'B' }]);
    waiting.apply(recorded('CommandResultReceived', 'A', 15));
    assert.equal(waiting.watermark(), 11);
    waiting.apply(recorded('CommandTimedOut', 'B', 16));
    assert.equal(waiting.size, 0);
    assert.equal(waiting.watermark(), 16);
    // A response that is not ACCEPTED has no deadline: nothing waits.
    const rejected = recorded('CommandResponseReceived', 'C', 17);
    (rejected.data as Json).response = { result: 'REJECTED', timeout: 0 };
    waiting.apply(rejected);
    assert.equal(waiting.size, 0);
  });

  test('given an ACCEPTED response recorded before deadlines existed, when its timeout has passed since the log recorded it, then it is due with that deadline', () => {
    const waiting = new WaitingCommands();
    const legacy = recorded('CommandResponseReceived', 'OLD', 20, '2026-11-30T09:00:00.000Z');
    (legacy.data as Json).response = { result: 'ACCEPTED', timeout: 45 };
    waiting.apply(legacy);
    assert.equal(waiting.size, 1);
    assert.equal(waiting.watermark(), 19);
    assert.deepEqual(waiting.due(Date.parse('2026-11-30T09:00:44.999Z')), []);
    assert.deepEqual(waiting.due(Date.parse('2026-11-30T09:00:45Z')), [{ id: 'OLD', deadline: '2026-11-30T09:00:45.000Z' }]);
    waiting.apply(recorded('CommandTimedOut', 'OLD', 21));
    assert.equal(waiting.size, 0);
  });
});

describe('a command recorded before command deadlines existed', { timeout: 120_000 }, () => {
  let hub: TestApp;
  before(async () => {
    hub = await startTestApp(hubModule, { ADMIN_API_KEY: ADMIN_KEY, APP_API_KEY: APP_KEY });
  });
  after(() => hub?.close());

  test('given its events as the log holds them, when the hub follows the log, then it times out at its timeout after its recorded time; a long one waits', async () => {
    const store: EventStore = hub.app.get(EVENT_STORE);
    const legacyCommand = async (id: string, timeout: number) => {
      const stream = `command-${id.toUpperCase()}`;
      await store.append(stream, [
        {
          type: 'CommandRequested',
          data: {
            command_id: id,
            command: 'STOP_SESSION',
            partner_id: 'p-old',
            to: { country_code: 'DE', party_id: 'ABC' },
            request: { response_url: `http://localhost/ocpi/emsp/2.2.1/commands/STOP_SESSION/${id}`, session_id: 'S1' },
          },
        },
        // Neither received_at nor deadline: written before either existed.
        { type: 'CommandResponseReceived', data: { command_id: id, response: { result: 'ACCEPTED', timeout } } },
      ]);
      return stream;
    };
    const quick = await legacyCommand(randomUUID(), 1);
    const slow = await legacyCommand(randomUUID(), 3600);
    const timedOut = await eventually('CommandTimedOut', async () =>
      (await store.readStream(quick)).find((event) => event.type === 'CommandTimedOut'),
    );
    const response = (await store.readStream(quick)).find((event) => event.type === 'CommandResponseReceived') as RecordedEvent;
    const deadline = new Date(Date.parse(response.recordedAt) + 1000).toISOString();
    assert.deepEqual(
      { ...(timedOut.data as Json), timed_out_at: undefined },
      {
        command_id: (response.data as Json).command_id,
        timeout: 1,
        deadline,
        timed_out_at: undefined,
      },
    );
    assert.ok(Date.parse((timedOut.data as Json).timed_out_at) >= Date.parse(deadline));
    const id = (response.data as Json).command_id;
    const status = await hub.app.inject({
      method: 'GET',
      url: `/api/commands/${id}`,
      headers: { authorization: `Bearer ${APP_KEY}` },
    });
    assert.equal(status.json().status, 'TIMEOUT', status.body);
    assert.deepEqual(
      (await store.readStream(slow)).map((event) => event.type),
      ['CommandRequested', 'CommandResponseReceived'],
      'an hour to wait: still waiting',
    );
  });
});

describe('a command accepted before a restart times out after it', { timeout: 180_000 }, () => {
  let database: string;
  let databaseUrl: string;
  let cpo: PartnerServer;
  const hubs: TestApp[] = [];
  const responseUrls: string[] = [];

  const env = () => ({
    EVENT_STORE: 'postgres',
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    APP_API_KEY: APP_KEY,
  });
  const call = async (base: string, key: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  before(async () => {
    database = `rl_cmdto_${randomBytes(6).toString('hex')}`;
    await onServer(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
    cpo = await new PartnerServer({
      modules: [
        { identifier: 'sessions', role: 'SENDER' },
        { identifier: 'cdrs', role: 'SENDER' },
        { identifier: 'commands', role: 'RECEIVER' },
      ],
      routes: (request: ReceivedRequest) => {
        if (request.method === 'POST' && request.path === '/ocpi/cpo/2.2.1/commands/START_SESSION') {
          responseUrls.push((request.body as Json).response_url);
          // Accepted, and then no result ever comes.
          return { data: { result: 'ACCEPTED', timeout: 3 } };
        }
        return undefined;
      },
    }).start();
  });
  after(async () => {
    await Promise.all(hubs.map((hub) => hub.close().catch(() => undefined)));
    await cpo?.close();
    if (database) await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  test('stopped before the deadline, two hubs started after it: CommandTimedOut once; a late result is refused', async () => {
    const first = await startTestApp(hubModule, env(), { listen: true });
    hubs.push(first);
    const base = first.config.publicUrl;
    const invitation = await call(base, ADMIN_KEY, 'POST', '/admin/partners', {
      name: 'CPO ABC',
      country_code: 'DE',
      party_id: 'ABC',
      roles: ['CPO'],
    });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    const registration = await ocpiCall<{ token: string }>(
      'POST',
      `${base}/ocpi/2.2.1/credentials`,
      invitation.body.token_a,
      cpo.credentials(),
    );
    assert.equal(registration.body.status_code, 1000, registration.body.status_message);
    const tokenC = registration.body.data?.token ?? '';

    const sent = await call(base, APP_KEY, 'POST', '/api/commands', {
      to: { country_code: 'DE', party_id: 'ABC' },
      command: 'START_SESSION',
      body: {
        token: {
          country_code: 'NL',
          party_id: 'RLG',
          uid: 'APP-9',
          type: 'APP_USER',
          contract_id: 'NL-RLG-CAPP-9',
          issuer: 'Roamledger',
          valid: true,
          whitelist: 'ALLOWED',
          last_updated: '2026-11-30T10:00:00Z',
        },
        location_id: 'LOC1',
      },
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const id: string = sent.body.id;
    const stream = `command-${id.toUpperCase()}`;
    const store: EventStore = first.app.get(EVENT_STORE);
    const response = await eventually('the ACCEPTED response', async () =>
      (await store.readStream(stream)).find((event) => event.type === 'CommandResponseReceived'),
    );
    const deadline = Date.parse((response.data as Json).deadline);
    assert.ok(deadline > Date.now(), 'the hub stops before the deadline');
    await first.close();
    hubs.splice(hubs.indexOf(first), 1);

    // Wall-clock time has to pass here: the deadline is the point of the test.
    await new Promise((resolve) => setTimeout(resolve, Math.max(deadline - Date.now(), 0) + 200));
    const restarted = await Promise.all([
      startTestApp(hubModule, env(), { listen: true }),
      startTestApp(hubModule, env(), { listen: true }),
    ]);
    hubs.push(...restarted);
    const again: EventStore = restarted[0].app.get(EVENT_STORE);
    await eventually('CommandTimedOut', async () =>
      (await again.readStream(stream)).some((event) => event.type === 'CommandTimedOut'),
    );
    const status = await call(restarted[1].config.publicUrl, APP_KEY, 'GET', `/api/commands/${id}`);
    assert.equal(status.body.status, 'TIMEOUT');

    // The CPO's result arrives late, at the restarted hub: kept, and refused (status 2000).
    const late = await ocpiCall('POST', responseUrls[0].replace(base, restarted[0].config.publicUrl), tokenC, {
      result: 'ACCEPTED',
    });
    assert.equal(late.body.status_code, 2000);
    // Both schedulers had time to try again: the timeout stays recorded once.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const types = (await again.readStream(stream)).map((event) => event.type).filter((type) => type !== 'OcpiRequestReceived');
    assert.deepEqual(types, ['CommandRequested', 'CommandResponseReceived', 'CommandTimedOut', 'CommandResultRefused']);
  });
});
