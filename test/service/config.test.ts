import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '@roamledger/service';

test('defaults: port 3000, embedded store in ./data, public URL from the port, party NL*RLG', () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.equal(config.eventStore, 'pglite');
  assert.equal(config.publicUrl, 'http://localhost:3000');
  assert.match(config.dataDir, /data$/);
  assert.deepEqual(config.ocpiParties, [{ countryCode: 'NL', partyId: 'RLG' }]);
  assert.equal(config.kafka, undefined);
});

test('every problem is reported at once, naming the variable', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', EVENT_STORE: 'postgres', KAFKA_BROKERS: 'nohost', OCPI_PARTIES: 'NL-RLG' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 4);
      assert.match(error.message, /PORT/);
      assert.match(error.message, /DATABASE_URL/);
      assert.match(error.message, /KAFKA_BROKERS/);
      assert.match(error.message, /OCPI_PARTIES/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ EVENT_STORE: 'sqlite' }), /EVENT_STORE must be one of pglite, postgres, kurrentdb/);
  assert.throws(() => loadConfig({ EVENT_STORE: 'kurrentdb' }), /KURRENTDB_URL/);
});

test('OCPI_PARTIES: several parties of ours, each with its business name or none', () => {
  const config = loadConfig({ OCPI_PARTIES: 'NL*RLG=Roamledger Netherlands, BE*RLB' });
  assert.deepEqual(config.ocpiParties, [
    { countryCode: 'NL', partyId: 'RLG', name: 'Roamledger Netherlands' },
    { countryCode: 'BE', partyId: 'RLB' },
  ]);
  assert.throws(() => loadConfig({ OCPI_PARTIES: 'NL*RLG,NL*RLG=Again' }), /each once/);
  assert.throws(() => loadConfig({ OCPI_PARTIES: 'NL*RLG=' }), /OCPI_PARTIES/);
});

test('Kafka settings: brokers list, client id and topic prefix defaults', () => {
  const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19094' });
  assert.deepEqual(config.kafka, {
    brokers: ['127.0.0.1:19092', '127.0.0.1:19094'],
    clientId: 'roamledger',
    topicPrefix: 'roamledger.',
  });
});

test('an unreachable store stops the start with the reason, never a fallback', async () => {
  const { openEventStore } = await import('@roamledger/event-store');
  await assert.rejects(
    openEventStore({
      eventStore: 'postgres',
      dataDir: '/nonexistent',
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/postgres',
    }),
    /Cannot open the postgres event store: .*ECONNREFUSED/,
  );
});

test('settings of pull, sealing and the partner-token key are read and checked with the rest', () => {
  const config = loadConfig({ PULL_INTERVAL_SECONDS: '0', AUDIT_SEAL_EVERY_EVENTS: '50', PARTNER_TOKEN_KEY: 'shared-secret' });
  assert.deepEqual(config.pull, { intervalSeconds: 0, firstLookbackDays: 30, overlapSeconds: 300 });
  assert.deepEqual(config.audit, { sealEveryEvents: 50, sealEverySeconds: 60 });
  assert.equal(config.partnerTokenKey, 'shared-secret');
  assert.throws(
    () => loadConfig({ AUDIT_SEAL_EVERY_SECONDS: '1.5', PULL_OVERLAP_SECONDS: '-1' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 2);
      assert.match(error.message, /AUDIT_SEAL_EVERY_SECONDS must be a whole number/);
      assert.match(error.message, /PULL_OVERLAP_SECONDS must be a number >= 0/);
      return true;
    },
  );
});
