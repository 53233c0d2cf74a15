// Kafka absent or unreachable: services start and answer as usual, appends never wait, and the
// forwarder says why it is not publishing. No broker is started here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Module } from '@nestjs/common';
import { EVENT_STORE, type EventStore, openPgliteClient, SqlEventStore } from '@roamledger/event-store';
import { EventForwarder, KafkaPublication, MessagingModule } from '@roamledger/messaging';
import { ModuleKit } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { HealthIndicators, Leadership, loadConfig, Metrics, ServiceModule } from '@roamledger/service';
import { TOPIC_MAP } from '../support/modules';
import { startTestApp } from '../support/test-app';

@Module({})
class PublishingService {}

const publishingService = (config: Parameters<typeof ServiceModule.forRoot>[0]) => ({
  module: PublishingService,
  imports: [ServiceModule.forRoot(config), ModuleKit.forRoot(ROAMLEDGER_MODULES), MessagingModule],
});

/** A loopback port nobody listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('without KAFKA_BROKERS nothing starts', async () => {
  const config = loadConfig({});
  assert.equal(config.kafka, undefined);
  // Nothing reaches the store either: a publication without Kafka never subscribes.
  const publication = new KafkaPublication(
    config,
    {} as EventStore,
    new Metrics(),
    new Leadership(config),
    new HealthIndicators(),
    ROAMLEDGER_MODULES,
  );
  publication.onApplicationBootstrap();
  assert.equal(publication.status(), undefined);
  await publication.onModuleDestroy();
});

test('with an unreachable broker the service starts, answers, appends and stops promptly', { timeout: 60_000 }, async () => {
  // The same start without Kafka is the yardstick: on a loaded 2-core machine a start alone takes
  // seconds, while one waiting for the broker would never end (the forwarder retries for ever).
  const baselineStarted = Date.now();
  await (await startTestApp(publishingService)).close();
  const baseline = Date.now() - baselineStarted;
  const port = await deadPort();
  const started = Date.now();
  const { app, close } = await startTestApp(publishingService, { KAFKA_BROKERS: `127.0.0.1:${port}` });
  try {
    const took = Date.now() - started;
    assert.ok(took < baseline + 10_000, `bootstrap does not wait for Kafka: ${took} ms, ${baseline} ms without Kafka`);
    const health = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    const store = app.get<EventStore>(EVENT_STORE);
    const appendStarted = Date.now();
    await store.append('session-NL-RLG-1', [{ type: 'Tested', data: {} }]);
    assert.ok(Date.now() - appendStarted < 5_000, 'an append does not wait for Kafka');
    const status = app.get(KafkaPublication).status();
    assert.equal(status?.lease, false, 'no lease without a broker');
    assert.equal(status?.running, false);
    // Kafka's backlog is on /metrics: everything appended is still to be pushed.
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^roamledger_forwarder_lag_events 1$/m);
    assert.match(metrics, /^roamledger_forwarder_publish_failures_total 0$/m);
    // Health says so: the broker cannot be reached, and how far Kafka lags behind the log.
    const deadline = Date.now() + 20_000;
    let kafka: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      kafka = (await app.inject({ method: 'GET', url: '/health' })).json().checks?.kafka;
      if (kafka?.broker === 'unreachable') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(kafka?.status, 'degraded');
    assert.equal(kafka?.broker, 'unreachable');
    assert.equal(kafka?.forwarder_lag, 1);
  } finally {
    const closing = Date.now();
    await close();
    assert.ok(Date.now() - closing < 20_000, 'shutdown does not wait for Kafka');
  }
});

test('EventForwarder against an unreachable broker logs the outage and checkpoints nothing', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-no-broker-'));
  const store = await SqlEventStore.open('pglite', await openPgliteClient(dataDir));
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
  };
  const forwarder = new EventForwarder({
    store,
    kafka: { brokers: [`127.0.0.1:${await deadPort()}`], clientId: 'no-broker', topicPrefix: 'rl.' },
    topicMap: TOPIC_MAP,
    log: { log: keep, warn: keep, error: keep },
  });
  try {
    await store.append('cdr-NL-RLG-1', [{ type: 'Tested', data: {} }]);
    forwarder.start();
    const deadline = Date.now() + 30_000;
    while (!lines.some((line) => /^Kafka (unavailable|has not acknowledged)/.test(line))) {
      assert.ok(Date.now() < deadline, `no outage line: ${lines.join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await store.append('cdr-NL-RLG-1', [{ type: 'Tested', data: {} }]);
    assert.ok(forwarder.status().outageSince);
    assert.equal(forwarder.status().published, 0);
    assert.equal(await store.checkpoints.load('kafka-forwarder'), undefined);
  } finally {
    const stopping = Date.now();
    await forwarder.stop();
    assert.ok(Date.now() - stopping < 6_000, 'stop does not wait for Kafka');
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('fencing: a forwarder whose batch another forwarder has published does not publish it again', {
  timeout: 60_000,
}, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-fenced-'));
  const store = await SqlEventStore.open('pglite', await openPgliteClient(dataDir));
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
  };
  const forwarder = new EventForwarder({
    store,
    kafka: { brokers: [`127.0.0.1:${await deadPort()}`], clientId: 'fenced', topicPrefix: 'rl.' },
    topicMap: TOPIC_MAP,
    log: { log: keep, warn: keep, error: keep },
    retryMs: 200,
  });
  try {
    const { position } = await store.append('cdr-NL-RLG-1', [{ type: 'Tested', data: {} }]);
    forwarder.start();
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 30_000;
      while (!lines.some((line) => pattern.test(line))) {
        assert.ok(Date.now() < deadline, `no line like ${pattern}: ${lines.join(' | ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    // Stuck on its batch (no broker) as a paused holder would be; meanwhile the new holder publishes it.
    await waitFor(/^Kafka (unavailable|has not acknowledged)/);
    await store.checkpoints.save('kafka-forwarder', position);
    await waitFor(/^fenced: another forwarder has published through position/);
    await waitFor(new RegExp(`after position ${position}`));
    assert.equal(await store.checkpoints.load('kafka-forwarder'), position);
  } finally {
    await forwarder.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
