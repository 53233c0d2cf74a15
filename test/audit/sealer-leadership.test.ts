// Issue 15, item 9: in service mode no process sealed the log. Every service now runs the sealer
// while it leads (holds the forwarder lease); alone (no Kafka) a process always leads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuditModule, SEAL_STREAM } from '@roamledger/audit';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { Leadership, ServiceModule } from '@roamledger/service';
import { startTestApp } from '../support/test-app';

const sealsOf = async (store: EventStore) => (await store.readStream(SEAL_STREAM)).length;

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the sealer runs only while this process leads', async () => {
  const harness = await startTestApp(
    (config) => ({
      module: class SealingService {},
      imports: [ServiceModule.forRoot(config), AuditModule.forRoot({ everyEvents: 2, everySeconds: 0 })],
    }),
    // Service mode: the lease decides (no MessagingModule here: the test plays the lease).
    { KAFKA_BROKERS: '127.0.0.1:1' },
  );
  try {
    const store = harness.app.get<EventStore>(EVENT_STORE);
    const leadership = harness.app.get(Leadership);
    assert.equal(leadership.held, false);
    for (let i = 0; i < 4; i++) await store.append(`session-NL-CPO-${i}`, [{ type: 'Tested', data: { i } }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await sealsOf(store), 0, 'no seal without the lease');

    leadership.set(true);
    await eventually(async () => (await sealsOf(store)) === 2, 'the lease holder seals what is there');

    leadership.set(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 4; i++) await store.append(`session-NL-CPO-${i}`, [{ type: 'Tested', data: { i } }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await sealsOf(store), 2, 'no seal once the lease is gone');

    leadership.set(true);
    await eventually(async () => (await sealsOf(store)) === 4, 'sealing resumes where the seals end');
  } finally {
    await harness.close();
  }
});

test('alone (no Kafka) a process leads from the start', async () => {
  const harness = await startTestApp((config) => ({
    module: class HubLike {},
    imports: [ServiceModule.forRoot(config), AuditModule.forRoot({ everyEvents: 1, everySeconds: 0 })],
  }));
  try {
    const store = harness.app.get<EventStore>(EVENT_STORE);
    assert.equal(harness.app.get(Leadership).held, true);
    await store.append('session-NL-CPO-1', [{ type: 'Tested', data: {} }]);
    await eventually(async () => (await sealsOf(store)) === 1, 'sealed');
  } finally {
    await harness.close();
  }
});
