import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { cdrDecider } from '@roamledger/cdrs';
import { issuedTokenDecider, type PartnerCommand, partnerDecider } from '@roamledger/credentials';
import {
  currentState,
  type EventStore,
  handleCommand,
  openPgliteClient,
  openPostgresClient,
  SNAPSHOT_EVERY_EVENTS,
  SqlEventStore,
  snapshotKey,
} from '@roamledger/event-store';
import { canonicalJson, type Decider, type DomainEvent, foldEvents } from '@roamledger/kernel';
import type { CDR, Session } from '@roamledger/ocpi';
import { type PullRun, pullDecider } from '@roamledger/pull';
import { sessionDecider } from '@roamledger/sessions';
import { gentCdrLocation } from '../support/ocpi-fixtures';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { seededRandom } from '../support/seeded-random';

// The state handleCommand keeps per stream (and the snapshots a cold start begins from) must
// always be what a full fold of the stream gives: after commands from several processes racing
// on the same streams, appends the deciders never see, and restarts. Seeded, so a failure repeats.

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const minute = (n: number) => new Date(Date.UTC(2026, 2, 9, 10, 0) + n * 60_000).toISOString();

function session(id: string, n: number): Session {
  return {
    country_code: 'NL',
    party_id: 'STK',
    id,
    start_date_time: minute(0),
    kwh: n,
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: '123abc', type: 'RFID', contract_id: 'NL-RLG-C12345678-S' },
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: '3256',
    connector_id: '1',
    currency: 'EUR',
    status: 'ACTIVE',
    last_updated: minute(n),
  } as Session;
}

function cdr(id: string, variant: number): CDR {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id,
    start_date_time: '2026-03-01T10:00:00Z',
    end_date_time: '2026-03-01T12:00:00Z',
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: 'TOKEN-1', type: 'RFID', contract_id: 'NL-RLG-C00000001' },
    auth_method: 'WHITELIST',
    cdr_location: gentCdrLocation(),
    currency: 'EUR',
    charging_periods: [{ start_date_time: '2026-03-01T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10 + variant }] }],
    total_cost: { excl_vat: 0.3, incl_vat: 0.36 },
    total_energy: 10 + variant,
    total_time: 2,
    last_updated: '2026-03-01T12:05:00Z',
  } as CDR;
}

function pullRun(n: number, random: Random): PullRun {
  const from = Math.floor(random() * n);
  return {
    pull_id: `pull-${n}`,
    partner_id: 'p1',
    module: 'sessions',
    date_from: minute(from),
    date_to: minute(n + 1),
    pages: 1,
    received: 0,
    recorded: 0,
    unchanged: 0,
    rejected: [],
    started_at: minute(n),
    finished_at: minute(n),
  } as PullRun;
}

const at = minute(0);
const partnerCommands = (id: string, n: number, random: Random): PartnerCommand[] => [
  {
    type: 'InvitePartner',
    partnerId: id,
    name: 'ABC',
    countryCode: 'DE',
    partyId: 'ABC',
    roles: ['CPO'],
    tokenAHash: `a-${n}`,
    at,
  },
  { type: 'SuspendPartner', at },
  { type: 'ResumePartner', at },
  { type: 'SetPlainTokenAllowance', allow: random() < 0.5, at },
  {
    type: 'RegisterPartner',
    roles: [{ role: 'CPO', country_code: 'DE', party_id: 'ABC', business_details: { name: `ABC ${n}` } }],
    versionsUrl: 'https://cpo.example/ocpi/versions',
    version: '2.2.1',
    endpoints: [],
    theirToken: { alg: 'A256GCM', kid: 'k', iv: 'iv', ciphertext: `ct${n}`, tag: 'tag' },
    tokenCHash: `c-${n}`,
    at,
  },
  { type: 'UnregisterPartner', by: 'operator', at },
];

interface Module {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each module's decider has its own types.
  decider: Decider<any, DomainEvent, any>;
  command(stream: string, n: number, random: Random): unknown;
}

/** Every module's decider, with commands that reach all of its events. */
const MODULES: Module[] = [
  {
    name: 'sessions',
    decider: sessionDecider,
    command: (stream, n, random) => {
      const id = stream.slice(-2);
      const ref = { country_code: 'NL', party_id: 'STK', session_id: id };
      if (random() < 0.15) return { type: 'PutSession', session: session(id, n) };
      const patch =
        random() < 0.2
          ? { status: pick(random, ['ACTIVE', 'COMPLETED', 'INVALID']), last_updated: minute(n) }
          : random() < 0.2
            ? {
                charging_periods: [{ start_date_time: minute(n), dimensions: [{ type: 'ENERGY', volume: n }] }],
                last_updated: minute(n),
              }
            : { kwh: n, last_updated: minute(random() < 0.1 ? 0 : n) };
      return { type: 'PatchSession', ref, patch };
    },
  },
  {
    name: 'cdrs',
    decider: cdrDecider,
    command: (stream, n, random) =>
      random() < 0.3
        ? { type: 'RecordCredit', credit: { country_code: 'BE', party_id: 'BEC', cdr_id: `CREDIT-${n}` }, creditStream: 'x' }
        : {
            type: 'ReceiveCdr',
            cdr: cdr(stream.slice(-2), Math.floor(random() * 4)),
            context: { hostedParties: [{ countryCode: 'NL', partyId: 'RLG' }] },
          },
  },
  {
    name: 'credentials (partner)',
    decider: partnerDecider,
    command: (stream, n, random) => pick(random, partnerCommands(stream, n, random)),
  },
  {
    name: 'credentials (token index)',
    decider: issuedTokenDecider,
    command: (_stream, n, random) =>
      random() < 0.5 ? { type: 'IssueToken', partnerId: `p${n}`, kind: 'C', at } : { type: 'RevokeToken', reason: 'rotated', at },
  },
  {
    name: 'pull',
    decider: pullDecider,
    command: (_stream, n, random) =>
      random() < 0.2
        ? { type: 'FailPull', run: pullRun(n, random), error: 'down' }
        : { type: 'CompletePull', run: pullRun(n, random) },
  },
];

/** Another process on the same store: its own stream states, the same log. */
function processOn(store: EventStore): EventStore {
  return {
    kind: store.kind,
    checkpoints: store.checkpoints,
    snapshots: store.snapshots,
    append: (stream, events, options) => store.append(stream, events, options),
    appendExclusively: store.appendExclusively?.bind(store),
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: async () => undefined,
  };
}

// Snapshots keep JSON: a field set to undefined and one left out are the same state.
const same = (actual: unknown, expected: unknown, message: string) =>
  assert.equal(canonicalJson(actual), canonicalJson(expected), message);

async function fullFold(store: EventStore, stream: string, decider: Module['decider']) {
  return foldEvents(decider, await store.readStream(stream));
}

async function exercise(store: EventStore, module: Module, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const prefix = `ss-${seed}-${module.name.replace(/\W/g, '')}-`;
  const streams = [`${prefix}S1`, `${prefix}S2`];
  let processes = [processOn(store), processOn(store), processOn(store)];
  let n = 0;
  const command = (process: EventStore, stream: string) =>
    handleCommand(process, stream, module.decider, module.command(stream, ++n, random), {
      cause: { type: 'OcpiRequestReceived', data: { n, body: 'x'.repeat(40) } },
    }).catch((error: Error) => {
      // Rejections (a partner command in the wrong state) are the decider's to make; they append nothing.
      if (error.name === 'WrongExpectedVersion') throw error;
      return undefined;
    });

  for (let round = 0; round < 40; round++) {
    const stream = pick(random, streams);
    const roll = random();
    if (roll < 0.1) {
      // A restart: the process's memory is gone; it starts from a snapshot or the log.
      processes[Math.floor(random() * processes.length)] = processOn(store);
    } else if (roll < 0.2) {
      // A writer that bypasses the decider (a rejected request recorded in the stream).
      await store.append(stream, [{ type: 'OcpiRequestRejected', data: { round } }]);
    }
    // A burst of commands on one stream from every process at once: they race.
    const burst = 1 + Math.floor(random() * 5);
    const targets = Array.from({ length: burst }, () => (random() < 0.8 ? stream : pick(random, streams)));
    const results = await Promise.all(targets.map((target) => command(pick(random, processes), target)));
    const expected = await fullFold(store, stream, module.decider);
    if (burst === 1 && results[0]) {
      same(results[0].state, await fullFold(store, targets[0], module.decider), `${module.name}: handled state, round ${round}`);
    }
    for (const process of processes) {
      same((await currentState(process, stream, module.decider)).state, expected, `${module.name}: round ${round}`);
    }
  }
  // Long enough streams leave snapshots; a cold process starting from one still folds to the same state.
  const longStream = `${prefix}LONG`;
  const writer = processOn(store);
  for (let i = 0; i < SNAPSHOT_EVERY_EVENTS + 20; i++) await command(writer, longStream);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const snapshot = await store.snapshots?.load(longStream, snapshotKey(module.decider));
  const length = (await store.readStream(longStream)).length;
  if (store.snapshots && length > SNAPSHOT_EVERY_EVENTS) assert.ok(snapshot, `${module.name}: a snapshot after ${length} events`);
  for (const stream of [...streams, longStream]) {
    same(
      (await currentState(processOn(store), stream, module.decider)).state,
      await fullFold(store, stream, module.decider),
      `${module.name}: cold start of ${stream}`,
    );
  }
  processes = [];
}

function suite(name: string, open: () => Promise<{ store: SqlEventStore; cleanup: () => Promise<void> }>) {
  describe(`${name}: cached and snapshotted state equals a full fold`, () => {
    let opened: { store: SqlEventStore; cleanup: () => Promise<void> } | undefined;
    const store = async () => {
      opened ??= await open();
      return opened.store;
    };
    after(async () => opened?.cleanup());
    for (const [index, module] of MODULES.entries()) {
      test(module.name, async () => exercise(await store(), module, 1000 + index));
    }
  });
}

suite('PGlite', async () => {
  const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
  return { store, cleanup: () => store.close() };
});

suite('PostgreSQL', async () => {
  const schema = freshSchemaName();
  const store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema }));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});

test('a process that knows nothing of a stream never refuses a command on the state it assumed', async () => {
  const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
  try {
    const stream = 'partner-assumed';
    const [invite] = partnerCommands(stream, 1, seededRandom(1));
    await handleCommand(processOn(store), stream, partnerDecider, invite);
    // A fresh process: the stream is unknown there, and suspending an unknown partner is refused.
    const handled = await handleCommand(processOn(store), stream, partnerDecider, { type: 'SuspendPartner', at });
    assert.deepEqual(
      handled.events.map((event) => event.type),
      ['PartnerSuspended'],
    );
    const again = await handleCommand(processOn(store), stream, partnerDecider, { type: 'SuspendPartner', at });
    assert.deepEqual(again.events, [], 'a no-op on a stream taken as new is decided again on what it holds');
    assert.equal(again.state.suspended, true);
  } finally {
    await store.close();
  }
});

test('a process whose state of a stream fell far behind starts again from a newer snapshot, not from where it was', async () => {
  const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
  try {
    const [module] = MODULES;
    const stream = 'ss-behind';
    const random = seededRandom(7);
    let n = 0;
    const command = (process: EventStore) =>
      handleCommand(process, stream, module.decider, module.command(stream, ++n, random)).catch(() => undefined);
    const reads: number[] = [];
    const behind: EventStore = {
      ...processOn(store),
      readStream: (name, options) => {
        reads.push(options?.from ?? 0);
        return store.readStream(name, options);
      },
    };
    await command(behind);
    // Another process writes on: long enough to leave a snapshot.
    const writer = processOn(store);
    for (let i = 0; i < SNAPSHOT_EVERY_EVENTS + 20; i++) await command(writer);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const snapshot = await store.snapshots?.load(stream, snapshotKey(module.decider));
    assert.ok(snapshot, 'the writer left a snapshot');
    reads.length = 0;
    // Its append expected the revision it knew; refused, it reads what it missed.
    await command(behind);
    assert.ok(reads.length > 0, 'the process behind read the stream');
    assert.ok(
      reads.every((from) => from > snapshot.revision),
      `it read from the snapshot on (${snapshot.revision}), not from its old revision: reads from ${reads.join(', ')}`,
    );
    same((await currentState(behind, stream, module.decider)).state, await fullFold(store, stream, module.decider), 'state');
  } finally {
    await store.close();
  }
});
