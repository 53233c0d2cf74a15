import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamicModule, Module } from '@nestjs/common';
import {
  AuditModule,
  LogSealer,
  SEAL_STREAM,
  SEALER_CHECKPOINT,
  type SealData,
  UnsealableEvent,
  verifyStoredLog,
} from '@roamledger/audit';
import { EVENT_STORE, type EventStore, openPostgresClient, SqlEventStore } from '@roamledger/event-store';
import { type RoamledgerConfig, ServiceModule } from '@roamledger/service';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { startTestApp } from '../support/test-app';
import { editData } from './intruder';
import { verifyLog } from './tamper-suite';

// PostgreSQL, a fresh schema per test: opening PGlite costs seconds on a busy machine.
const schemas: string[] = [];
after(async () => {
  for (const schema of schemas) await dropSchema(schema);
});
async function openStore(): Promise<EventStore> {
  const schema = freshSchemaName('rl_audit');
  schemas.push(schema);
  return SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema }));
}

async function appendMeterValues(store: EventStore, count: number, prefix = 'session-NL-CPO-'): Promise<void> {
  for (let i = 0; i < count; i++) {
    await store.append(`${prefix}${i % 7}`, [{ type: 'MeterValueRecorded', data: { kwh: i } }]);
  }
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const seals = (store: EventStore) => store.readStream<SealData>(SEAL_STREAM);
// One read of a log the sealers still write to (verifyLog reads it twice and compares, for a log at rest).
const allSealed = async (store: EventStore) => (await verifyStoredLog(store)).unsealedEvents === 0;

describe('LogSealer', () => {
  test('seals every N events, and the rest T seconds after it arrived; resumes after a restart', async () => {
    const store = await openStore();
    try {
      // T is 5 s, not 1: on a loaded machine 100 appends can take over a second, and the timer
      // would then cut a seal short of N.
      const sealer = new LogSealer(store, { everyEvents: 100, everySeconds: 5 });
      const running = sealer.run();
      await appendMeterValues(store, 250);
      await eventually(async () => (await seals(store)).length === 2, 'two count-triggered seals', 30_000);
      const started = Date.now();
      await eventually(() => allSealed(store), 'the time-triggered seal', 30_000);
      assert.ok(Date.now() - started > 300, 'the remainder waits for the timer');
      await sealer.stop();
      await running;
      assert.deepEqual(
        (await seals(store)).map((seal) => seal.data.count),
        [100, 100, 50],
      );
      const last = (await seals(store))[2].data;
      assert.equal(await store.checkpoints.load(SEALER_CHECKPOINT), last.toPosition);

      const again = new LogSealer(store, { everyEvents: 100, everySeconds: 1 });
      const rerun = again.run();
      await appendMeterValues(store, 30);
      await eventually(() => allSealed(store), 'sealing after a restart');
      await again.stop();
      await rerun;
      const after = await seals(store);
      assert.equal(after.length, 4);
      assert.equal(after[3].data.fromPosition, last.toPosition + 1);
      assert.equal(after[3].data.count, 30);
      const report = await verifyLog(store);
      assert.equal(report.ok, true, JSON.stringify(report.problems));
    } finally {
      await store.close();
    }
  });

  test('two sealers on one log (two hub processes) never cover an event twice or skip one', async () => {
    const store = await openStore();
    try {
      const sealers = [
        new LogSealer(store, { everyEvents: 25, everySeconds: 1 }),
        new LogSealer(store, { everyEvents: 40, everySeconds: 1 }),
      ];
      const running = sealers.map((sealer) => sealer.run());
      await appendMeterValues(store, 300);
      await eventually(() => allSealed(store), 'both sealers to settle');
      await Promise.all(sealers.map((sealer) => sealer.stop()));
      await Promise.all(running);
      const report = await verifyLog(store);
      assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
      assert.equal(
        (await seals(store)).reduce((sum, seal) => sum + seal.data.count, 0),
        300,
      );
    } finally {
      await store.close();
    }
  });

  test('after a backlog, says it has taken the log to its head while its seals stand between its checkpoint and the head', async () => {
    const store = await openStore();
    try {
      await appendMeterValues(store, 300);
      const sealer = new LogSealer(store, { everyEvents: 10, everySeconds: 0 });
      assert.equal(sealer.takenThrough, -1);
      const running = sealer.run();
      // The 30 seals of the backlog are appended at the log's end (positions 300 to 329), after
      // the events they seal; five more events wait for the next seal.
      await eventually(async () => (await seals(store)).length === 30, 'the backlog sealed');
      await appendMeterValues(store, 5);
      const head = await store.headPosition();
      await eventually(async () => sealer.takenThrough === head, 'the sealer to take the log to its head');
      const checkpoint = (await store.checkpoints.load(SEALER_CHECKPOINT)) ?? -1;
      assert.equal(checkpoint, 299);
      assert.ok(head - checkpoint > 10, `${head - checkpoint} positions after the checkpoint, yet nothing to seal until 10`);
      await sealer.stop();
      await running;
    } finally {
      await store.close();
    }
  });

  test('refuses to seal an event that no longer matches its hash', async () => {
    const store = await openStore();
    try {
      await appendMeterValues(store, 10);
      await editData(store, 4);
      await assert.rejects(new LogSealer(store, { everyEvents: 5, everySeconds: 0 }).sealOutstanding(), (error: Error) => {
        assert.ok(error instanceof UnsealableEvent);
        assert.match(error.message, /position 4/);
        return true;
      });
      const errors: string[] = [];
      const sealer = new LogSealer(
        store,
        { everyEvents: 5, everySeconds: 0 },
        { log: () => undefined, error: (m) => errors.push(m) },
      );
      await sealer.run();
      assert.match(errors.join('\n'), /refusing to seal: the event at position 4/);
      // The edited event is the fifth of the first seal: no seal was written.
      assert.deepEqual(await seals(store), []);
    } finally {
      await store.close();
    }
  });
});

describe('AuditModule', () => {
  const apps: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  @Module({})
  class SealedApp {
    static forRoot(config: RoamledgerConfig): DynamicModule {
      return {
        module: SealedApp,
        imports: [ServiceModule.forRoot(config), AuditModule.forRoot({ everyEvents: 20, everySeconds: 0 })],
      };
    }
  }

  test('runs the sealer in a Nest app and stops it before the store closes', async () => {
    const testApp = await startTestApp((config) => SealedApp.forRoot(config));
    apps.push(testApp);
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    await appendMeterValues(store, 45);
    await eventually(async () => (await seals(store)).length === 2, 'two seals from the module');
    await testApp.close();
    apps.pop();
  });
});
