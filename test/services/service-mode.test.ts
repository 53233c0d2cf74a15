// Service mode for real: the sessions, cdrs and billing apps as three processes on one
// PostgreSQL database and a real Kafka broker (deploy/kafka). A CPO pushes a session to the first
// and its CDR to the second; the third's billing projection, fed from the Kafka topics, shows both
// through the finance API. A credentials desk in this process registers the CPO beforehand.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Module } from '@nestjs/common';
import { CredentialsModule, VersionsModule } from '@roamledger/credentials';
import { eventTopics } from '@roamledger/messaging';
import { ModuleKit } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { ServiceModule } from '@roamledger/service';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { type KafkaBroker, startKafka, stopKafka } from '../support/kafka-broker';
import { TOPIC_MAP } from '../support/modules';
import { gentCdrLocation } from '../support/ocpi-fixtures';
import { ocpiCall, PartnerServer } from '../support/partner-server';
import { TEST_DATABASE_URL } from '../support/postgres';
import { projectRoot } from '../support/project-root';
import { startTestApp, type TestApp } from '../support/test-app';

const ADMIN_KEY = 'service-mode-admin-key-0123456789';
const FINANCE_KEY = 'service-mode-finance-key-0123456789';
const PREFIX = `svc${randomBytes(4).toString('hex')}.`;

interface Service {
  name: string;
  url: string;
  process: ChildProcess;
  output: string[];
}

let broker: KafkaBroker;
let database: string;
let databaseUrl: string;
let dataDir: string;
let desk: TestApp | undefined;
let cpo: PartnerServer | undefined;
const services: Service[] = [];

before(
  async () => {
    broker = await startKafka();
    database = `rl_svc_${randomBytes(6).toString('hex')}`;
    await onServer(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
    // Shared by the processes as a volume would be: the partner-token key lives there.
    dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-services-'));
  },
  { timeout: 6 * 60_000 },
);

after(async () => {
  await Promise.all(services.map(stopService));
  await desk?.close();
  await cpo?.close();
  if (database) await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await stopKafka();
});

test('a session and its CDR posted to two services show up in the billing projection of a third', {
  timeout: 180_000,
}, async () => {
  const [sessions, cdrs, billing] = await Promise.all(['sessions', 'cdrs', 'billing'].map(startService));

  // The CPO registers through the credentials handshake, at a desk on the same database.
  @Module({})
  class CredentialsDesk {}
  desk = await startTestApp(
    (config) => ({
      module: CredentialsDesk,
      imports: [ServiceModule.forRoot(config), ModuleKit.forRoot(ROAMLEDGER_MODULES), VersionsModule, CredentialsModule],
    }),
    { ...storeEnv(), ADMIN_API_KEY: ADMIN_KEY },
    { listen: true },
  );
  cpo = await new PartnerServer({ countryCode: 'BE', partyId: 'BEC', name: 'CPO BEC' }).start();
  const tokenC = await register(desk.config.publicUrl, cpo);
  await Promise.all([sessions, cdrs, billing].map(ready));
  // Pushed only once billing reads Kafka: what it shows must come through the topics, not from
  // the store catch-up it starts with.
  const admin = new Kafka({ clientId: 'service-mode-test', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  let group: string | undefined;
  try {
    const joinedBy = Date.now() + 60_000;
    for (;;) {
      const stable = await whileCoordinatorLoads(async () => {
        const { groups } = await admin.listGroups();
        group = groups.find((g) => g.groupId.startsWith(`${PREFIX}projection-billing-`))?.groupId;
        if (!group) return false;
        const [described] = (await admin.describeGroups([group])).groups;
        return described.state === 'Stable' && described.members.length > 0;
      });
      if (stable) break;
      assert.ok(Date.now() < joinedBy, `billing never joined its consumer group:\n${billing.output.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }

  const headers = {
    'ocpi-from-country-code': 'BE',
    'ocpi-from-party-id': 'BEC',
    'ocpi-to-country-code': 'NL',
    'ocpi-to-party-id': 'RLG',
  };
  const push = async (method: string, url: string, body: unknown, status: number) => {
    const response = await ocpiCall(method, url, tokenC, body, { headers: { ...headers, 'x-request-id': `svc-${method}` } });
    assert.equal(response.httpStatus, status, `${method} ${url}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.status_code, 1000);
  };
  await push('PUT', `${sessions.url}/ocpi/emsp/2.2.1/sessions/BE/BEC/SVC-1`, SESSION, 201);
  await push(
    'PATCH',
    `${sessions.url}/ocpi/emsp/2.2.1/sessions/BE/BEC/SVC-1`,
    {
      status: 'COMPLETED',
      kwh: 11.25,
      end_date_time: '2026-06-01T09:01:00Z',
      total_cost: { excl_vat: 2.7, incl_vat: 3.27 },
      last_updated: '2026-06-01T09:01:30Z',
    },
    200,
  );
  await push('POST', `${cdrs.url}/ocpi/emsp/2.2.1/cdrs`, CDR, 201);

  // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON it asked for
  const finance = async (route: string): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${billing.url}/finance/${route}`, { headers: { authorization: `Bearer ${FINANCE_KEY}` } });
    return { status: response.status, body: await response.json() };
  };
  const deadline = Date.now() + 60_000;
  let view = await finance('sessions/BE/BEC/SVC-1');
  while (!(view.status === 200 && view.body.session.status === 'COMPLETED' && view.body.cdrs.length === 1)) {
    assert.ok(Date.now() < deadline, `billing never showed the session and its CDR: ${JSON.stringify(view.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    view = await finance('sessions/BE/BEC/SVC-1');
  }
  assert.equal(view.body.cdrs[0].cdr_id, 'SVC-CDR-1');
  const ledger = await finance('cdrs/BE/BEC/SVC-CDR-1');
  assert.equal(ledger.status, 200);
  assert.equal(ledger.body.cdr.session_id, 'SVC-1');
  assert.equal(ledger.body.cdr.currency, 'EUR');
  // The console and its audit API run where /finance runs.
  assert.equal((await fetch(`${billing.url}/console`)).status, 200);
  assert.equal((await fetch(`${billing.url}/audit/head`)).status, 401);

  // The projection was fed from Kafka: its consumer group committed offsets on the topics.
  // (They are committed in the background after each projection checkpoint.)
  const offsetsAdmin = new Kafka({ clientId: 'service-mode-test', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await offsetsAdmin.connect();
  try {
    const committedBy = Date.now() + 20_000;
    for (;;) {
      const committed = await whileCoordinatorLoads(async () => {
        const offsets = await offsetsAdmin.fetchOffsets({ groupId: group ?? '', topics: eventTopics(PREFIX, TOPIC_MAP) });
        return offsets.flatMap((topic) => topic.partitions.map((p) => Number(p.offset))).filter((o) => o > 0);
      });
      if (committed && committed.length > 0) break;
      assert.ok(Date.now() < committedBy, `the billing group committed no offset:\n${billing.output.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await offsetsAdmin.disconnect();
  }
  // One of the three publishes: the lease went to exactly one process.
  const holders = services.filter((s) => s.output.some((line) => line.includes('holds the forwarder lease')));
  assert.equal(holders.length, 1, `lease holders: ${holders.map((s) => s.name)}`);
});

/**
 * A fresh broker's group coordinator answers "The coordinator is loading" (and the like, all
 * retriable) for a while after it starts: such an answer means "not yet", like an empty one.
 */
async function whileCoordinatorLoads<T>(ask: () => Promise<T>): Promise<T | undefined> {
  try {
    return await ask();
  } catch (error) {
    const kafkaError = error as { retriable?: boolean; originalError?: { retriable?: boolean }; message?: string };
    if (kafkaError.retriable || kafkaError.originalError?.retriable || /coordinator/i.test(kafkaError.message ?? '')) {
      return undefined;
    }
    throw error;
  }
}

function storeEnv(): Record<string, string> {
  return { EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl, DATA_DIR: dataDir };
}

async function startService(name: string): Promise<Service> {
  const port = await freePort();
  const root = projectRoot();
  const child = spawn(
    process.execPath,
    ['-r', path.join(root, 'tsconfig-paths-dist.js'), path.join(root, 'dist/apps', name, 'main.js')],
    {
      cwd: root,
      env: {
        ...process.env,
        ...storeEnv(),
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        KAFKA_BROKERS: broker.brokers.join(','),
        KAFKA_CLIENT_ID: name,
        KAFKA_TOPIC_PREFIX: PREFIX,
        ADMIN_API_KEY: ADMIN_KEY,
        FINANCE_API_KEY: FINANCE_KEY,
        LOG_LEVEL: name === 'billing' ? 'debug' : 'log',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const service: Service = { name, url: `http://127.0.0.1:${port}`, process: child, output: [] };
  const keep = (chunk: Buffer) => service.output.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  services.push(service);
  return service;
}

async function ready(service: Service): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (service.process.exitCode !== null) {
      throw new Error(`${service.name} exited (${service.process.exitCode}):\n${service.output.join('\n')}`);
    }
    const health = await fetch(`${service.url}/health`).catch(() => undefined);
    if (health?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${service.name} not healthy after 60 s:\n${service.output.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stopService(service: Service): Promise<void> {
  if (service.process.exitCode !== null || service.process.signalCode !== null) return;
  const exited = new Promise((resolve) => service.process.once('exit', resolve));
  service.process.kill('SIGTERM');
  const timer = setTimeout(() => service.process.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Invite (admin API), then the CPO registers with Token A, as in the hub's end-to-end test. */
async function register(base: string, server: PartnerServer): Promise<string> {
  const invitation = await fetch(`${base}/admin/partners`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'CPO BEC', country_code: 'BE', party_id: 'BEC', roles: ['CPO'] }),
  });
  assert.equal(invitation.status, 201);
  const { versions_url: versionsUrl, token_a: tokenA } = (await invitation.json()) as { versions_url: string; token_a: string };
  const versions = await ocpiCall<Array<{ version: string; url: string }>>('GET', versionsUrl, tokenA);
  const details = await ocpiCall<{ endpoints: Array<{ identifier: string; url: string }> }>(
    'GET',
    versions.body.data?.find((entry) => entry.version === '2.2.1')?.url ?? '',
    tokenA,
  );
  const credentialsUrl = details.body.data?.endpoints.find((e) => e.identifier === 'credentials')?.url ?? '';
  const registration = await ocpiCall<{ token: string }>('POST', credentialsUrl, tokenA, server.credentials());
  assert.equal(registration.body.status_code, 1000, registration.body.status_message);
  return registration.body.data?.token ?? '';
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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const TOKEN = { country_code: 'NL', party_id: 'RLG', uid: 'RFID-0001', type: 'RFID', contract_id: 'NL-RLG-C00000001-X' };

const SESSION = {
  country_code: 'BE',
  party_id: 'BEC',
  id: 'SVC-1',
  start_date_time: '2026-06-01T08:00:00Z',
  kwh: 0,
  cdr_token: TOKEN,
  auth_method: 'AUTH_REQUEST',
  authorization_reference: 'AUTH-REF-1',
  location_id: 'LOC1',
  evse_uid: '3256',
  connector_id: '1',
  currency: 'EUR',
  status: 'ACTIVE',
  last_updated: '2026-06-01T08:00:00Z',
};

const CDR = {
  country_code: 'BE',
  party_id: 'BEC',
  id: 'SVC-CDR-1',
  start_date_time: '2026-06-01T08:01:00Z',
  end_date_time: '2026-06-01T09:01:00Z',
  session_id: 'SVC-1',
  cdr_token: TOKEN,
  auth_method: 'AUTH_REQUEST',
  authorization_reference: 'AUTH-REF-1',
  cdr_location: gentCdrLocation('AC_3_PHASE'),
  currency: 'EUR',
  charging_periods: [{ start_date_time: '2026-06-01T08:01:00Z', dimensions: [{ type: 'ENERGY', volume: 11.25 }] }],
  total_cost: { excl_vat: 2.7, incl_vat: 3.27 },
  total_energy: 11.25,
  total_time: 1,
  last_updated: '2026-06-01T09:05:00Z',
};
