// Issue 15, item 3: the hub outlives its database. A PostgreSQL connection kill
// (pg_terminate_backend on the hub's connections, no server restart) and an outage (a proxy that
// cuts and refuses connections) under a steady load of writes: the process stays up, requests
// meanwhile answer 503 in the OCPI envelope with Retry-After, it recovers by itself, LISTEN comes
// back, billing keeps advancing, and no acknowledged write is lost; retrying a write is safe.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Logger } from '@nestjs/common';
import { BillingModule } from '@roamledger/billing';
import { type EventStore, POSTGRES_APPLICATION_NAME } from '@roamledger/event-store';
import { ProjectionHost } from '@roamledger/projections';
import { ServiceModule } from '@roamledger/service';
import { sessionStream } from '@roamledger/sessions';
import { Client } from 'pg';
import { session } from '../billing/billing-fixture';
import { TEST_DATABASE_URL } from '../support/postgres';
import { CPO_A, startReceiverApp } from '../support/receiver-app';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';

Logger.overrideLogger(['error']);

interface Outcome {
  id: string;
  http: number;
  status?: number;
  retryAfter?: string;
  at: number;
}

async function onServer(sql: string, params: unknown[] = [], url = TEST_DATABASE_URL): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const FINANCE_KEY = 'outage-finance-key-0123456789abcdef';

describe('the hub outlives its database', () => {
  let harness: TestApp & { store: EventStore };
  /** The billing service on its own (no OCPI module): /finance must answer 503 too. */
  let billing: TestApp;
  let proxy: TcpProxy;
  let database: string;

  before(async () => {
    database = `rl_outage_${randomBytes(5).toString('hex')}`;
    await onServer(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    proxy = await TcpProxy.start(url.hostname, Number(url.port || 5432));
    url.host = `127.0.0.1:${proxy.port}`;
    harness = await startReceiverApp([], {
      env: { EVENT_STORE: 'postgres', DATABASE_URL: url.toString(), LOG_LEVEL: 'error', PARTNER_RATE_LIMIT: '0' },
      imports: [BillingModule],
    });
    billing = await startTestApp(
      (config) => ({ module: class BillingService {}, imports: [ServiceModule.forRoot(config), BillingModule] }),
      { EVENT_STORE: 'postgres', DATABASE_URL: url.toString(), LOG_LEVEL: 'error', FINANCE_API_KEY: FINANCE_KEY },
    );
  });
  after(async () => {
    await billing?.close();
    await harness?.close();
    await proxy?.close();
    await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  });

  const put = async (id: string): Promise<Outcome> => {
    const body = session('NL*STK', id, {
      start: '2026-11-02T08:00:00Z',
      kwh: 1,
      status: 'ACTIVE',
      lastUpdated: '2026-11-02T08:00:00Z',
    });
    const response = await harness.app.inject({
      method: 'PUT',
      url: `/ocpi/emsp/2.2.1/sessions/NL/STK/${id}`,
      headers: { 'content-type': 'application/json', ...CPO_A },
      payload: JSON.stringify(body),
    });
    let status: number | undefined;
    try {
      status = response.json().status_code;
    } catch {
      status = undefined;
    }
    return { id, http: response.statusCode, status, retryAfter: response.headers['retry-after'] as string, at: Date.now() };
  };

  /** Four writers, each one PUT after another, until `stop` resolves. */
  async function load(prefix: string, stop: Promise<void>): Promise<Outcome[]> {
    let stopped = false;
    void stop.then(() => {
      stopped = true;
    });
    const outcomes: Outcome[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (worker) => {
        for (let n = 0; !stopped; n++) {
          outcomes.push(await put(`${prefix}-${worker}-${n}`));
          if (outcomes[outcomes.length - 1].http === 503) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    return outcomes;
  }

  const acknowledged = (o: Outcome) => (o.http === 200 || o.http === 201) && o.status === 1000;
  const refusedSafely = (o: Outcome) => o.http === 503 && o.status === 3000 && o.retryAfter !== undefined;

  async function assertKept(outcomes: Outcome[]): Promise<void> {
    for (const outcome of outcomes.filter(acknowledged)) {
      const events = await harness.store.readStream(sessionStream({ countryCode: 'NL', partyId: 'STK' }, outcome.id));
      assert.equal(events.filter((e) => e.type === 'SessionStarted').length, 1, `acknowledged ${outcome.id} is in the log once`);
    }
  }

  async function listening(): Promise<boolean> {
    const rows = await onServer(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND query LIKE 'LISTEN%'",
      [database, POSTGRES_APPLICATION_NAME],
    );
    return Number(rows[0].n) > 0;
  }

  async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('pg_terminate_backend on every connection of the hub, under load', async () => {
    await eventually(listening, 10_000, 'the hub listens for appends');
    let release!: () => void;
    const running = load('K', new Promise((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 700));
    const killedAt = Date.now();
    const killed = await onServer(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
      [database, POSTGRES_APPLICATION_NAME],
    );
    assert.ok(killed.length >= 2, `killed ${killed.length} connections`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    release();
    const outcomes = await running;

    assert.deepEqual(
      outcomes.filter((o) => !acknowledged(o) && !refusedSafely(o)),
      [],
      'every answer is an acknowledgement or a 503 in the envelope with Retry-After',
    );
    const recovered = outcomes.find((o) => o.at > killedAt && acknowledged(o));
    assert.ok(recovered, 'writes succeed again after the kill');
    console.log(
      `# connection kill: ${killed.length} connections, ${outcomes.filter(acknowledged).length} writes acknowledged, ${outcomes.filter(refusedSafely).length} answered 503; first acknowledged write ${recovered.at - killedAt} ms after the kill`,
    );
    await assertKept(outcomes);
    await eventually(listening, 10_000, 'LISTEN is back');
    const host = harness.app.get(ProjectionHost);
    await host.waitFor('billing', await harness.store.headPosition(), 20_000);
  });

  test('an outage: 503 with Retry-After meanwhile, recovery by itself, retries are safe', async () => {
    let release!: () => void;
    const running = load('O', new Promise((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const during = await put('DURING');
    assert.equal(during.http, 503);
    assert.equal(during.status, 3000);
    assert.equal(during.retryAfter, '5');
    const health = await harness.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 503);
    const finance = () =>
      billing.app.inject({
        method: 'GET',
        url: '/finance/statements?month=2026-11',
        headers: { authorization: `Bearer ${FINANCE_KEY}` },
      });
    const refusedFinance = await finance();
    assert.equal(refusedFinance.statusCode, 503, refusedFinance.body);
    assert.equal(refusedFinance.headers['retry-after'], '5');
    const backAt = Date.now();
    proxy.up();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    release();
    const outcomes = await running;
    assert.deepEqual(
      outcomes.filter((o) => !acknowledged(o) && !refusedSafely(o)),
      [],
    );
    const recovered = outcomes.find((o) => o.at > backAt && acknowledged(o));
    assert.ok(recovered, 'writes succeed again once the database is back');
    console.log(
      `# outage: ${outcomes.filter(refusedSafely).length} answered 503 while cut; first acknowledged write ${recovered.at - backAt} ms after the database came back`,
    );
    await assertKept(outcomes);
    // The partner retries what got a 503 (its commit outcome unknown): each session is there once.
    const refused = [during, ...outcomes.filter(refusedSafely)];
    for (const outcome of refused) assert.ok(acknowledged(await put(outcome.id)), `retry of ${outcome.id}`);
    await assertKept(refused.map((o) => ({ ...o, http: 200, status: 1000 })));
    await eventually(listening, 10_000, 'LISTEN is back');
    assert.equal((await harness.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    assert.equal((await finance()).statusCode, 200);
    await harness.app.get(ProjectionHost).waitFor('billing', await harness.store.headPosition(), 20_000);
  });
});
