import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { cdrDecider } from '@roamledger/cdrs';
import { type CommandCommand, commandDecider } from '@roamledger/commands';
import { issuedTokenDecider, type PartnerCommand, partnerDecider } from '@roamledger/credentials';
import {
  currentState,
  type EventStore,
  handleCommand,
  openPgliteClient,
  openPostgresClient,
  SNAPSHOT_EVERY_EVENTS,
  SNAPSHOT_ON_DROP_EVENTS,
  SqlEventStore,
  STREAM_STATE_LIMIT,
  snapshotKey,
} from '@roamledger/event-store';
import { type ClientInfoCommand, clientInfoDecider } from '@roamledger/hubclientinfo';
import { canonicalJson, type Decider, type DomainEvent, foldEvents } from '@roamledger/kernel';
import { type EvseCommand, evseDecider, type LocationCommand, locationDecider } from '@roamledger/locations';
import type { CDR, ClientInfo, CommandResponse, CommandResult, Session, Status, Token } from '@roamledger/ocpi';
import { type PullRun, pullDecider } from '@roamledger/pull';
import { sessionDecider } from '@roamledger/sessions';
import { type TariffCommand, tariffDecider } from '@roamledger/tariffs';
import { type TokenCommand, type TokenPatch, tokenDecider } from '@roamledger/tokens';
import { connector, evse, location, tariff } from '../support/location-fixtures';
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

/** Mostly now; now and then a time from before, which a decider judging last_updated must keep as stale. */
const stamp = (n: number, random: Random) => minute(random() < 0.2 ? Math.floor(random() * n) : n);

const EVSE_UIDS = ['E1', 'E2', 'E3'];
const OPENING_TIMES = [
  undefined,
  { twentyfourseven: true },
  { twentyfourseven: false, regular_hours: [{ weekday: 1, period_begin: '08:00', period_end: '20:00' }] },
];
const TARIFF_IDS = [undefined, [], ['T-AC'], ['T-AC', 'T-DC']];
const EVSE_STATUSES = ['AVAILABLE', 'CHARGING', 'OUTOFORDER', 'REMOVED'] as Status[];

/** A few of the EVSE's connectors (never two with one id, at least one), each a variant. */
function connectors(at: string, random: Random) {
  const ids = ['1', '2', '3'].filter(() => random() < 0.5);
  return (ids.length ? ids : ['1']).map((id) =>
    connector(id, at, { tariff_ids: pick(random, TARIFF_IDS), max_amperage: pick(random, [16, 32]) }),
  );
}

function token(uid: string, overrides: Partial<Token> = {}): Token {
  return {
    country_code: 'NL',
    party_id: 'RLG',
    uid,
    type: 'RFID',
    contract_id: 'NL-RLG-C12345678-X',
    issuer: 'Roamledger',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: minute(0),
    ...overrides,
  } as Token;
}

/**
 * How a command's stream ends, by its name: its CommandResult, a response other than ACCEPTED, a failed send, a
 * skip, or (the long stream, the one sure to get far enough) a timeout after an ACCEPTED response.
 */
const COMMAND_FATES: Record<string, 'result' | 'rejected' | 'failed' | 'skipped' | 'timeout'> = {
  S1: 'result',
  S2: 'rejected',
  S3: 'failed',
  S4: 'skipped',
  NG: 'timeout',
};

const TOKEN_PATCHES: TokenPatch[] = [
  { visual_number: 'V-1' },
  { visual_number: 'V-2', issuer: 'Roamledger' },
  { valid: false },
  { valid: true },
  { expired: true },
  { expired: false },
  { valid: false, expired: true },
  { allowed_partners: ['p1'] },
  { allowed_partners: ['p1', 'p2'] },
  { allowed_partners: null },
];

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
  /** How many streams the commands race on (2 unless said). */
  streams?: number;
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
  {
    name: 'locations',
    decider: locationDecider,
    command: (stream, n, random): LocationCommand => {
      const id = stream.slice(-2);
      const ref = { country_code: 'BE', party_id: 'BEC', location_id: id };
      const evseUids = EVSE_UIDS.filter(() => random() < 0.3);
      const roll = random();
      if (roll < 0.4) {
        // A PUT holds everything: a field it leaves out (postal code, opening times) is removed.
        const put = location(id, stamp(n, random), {
          name: pick(random, ['Station', 'Gent Zuid']),
          postal_code: pick(random, [undefined, '9000']),
          opening_times: pick(random, OPENING_TIMES),
        });
        return { type: 'PutLocation', location: put, evseUids, pulled: random() < 0.2 };
      }
      if (roll < 0.8) {
        const last_updated = stamp(n, random);
        const patch = pick(random, [
          { name: pick(random, ['Station', 'Gent Zuid']), last_updated },
          { opening_times: pick(random, OPENING_TIMES) ?? { twentyfourseven: true }, last_updated },
          { last_updated },
        ]);
        return { type: 'PatchLocation', ref, patch, evseUids };
      }
      return { type: 'AddEvse', ref, evseUid: pick(random, EVSE_UIDS), lastUpdated: stamp(n, random) };
    },
  },
  {
    name: 'locations (EVSE)',
    decider: evseDecider,
    command: (stream, n, random): EvseCommand => {
      const uid = stream.slice(-2);
      const ref = { country_code: 'BE', party_id: 'BEC', location_id: 'LOC1', evse_uid: uid };
      const last_updated = stamp(n, random);
      const roll = random();
      if (roll < 0.3) {
        const put = evse(uid, last_updated, {
          status: pick(random, EVSE_STATUSES),
          floor_level: pick(random, [undefined, '1']),
          connectors: connectors(last_updated, random),
        });
        return { type: 'PutEvse', ref, evse: put, locationKnown: random() < 0.9, pulled: random() < 0.15 };
      }
      if (roll < 0.6) {
        const patch = pick(random, [
          { status: pick(random, EVSE_STATUSES), last_updated },
          { floor_level: pick(random, ['1', '2']), last_updated },
          { connectors: connectors(last_updated, random).slice(0, 1), last_updated },
        ]);
        return { type: 'PatchEvse', ref, patch };
      }
      if (roll < 0.75) return { type: 'PutConnector', ref, connector: connectors(last_updated, random)[0] };
      const patch = pick(random, [
        { tariff_ids: pick(random, TARIFF_IDS) ?? [], last_updated },
        { max_amperage: pick(random, [16, 32]), last_updated },
        { last_updated },
      ]);
      return { type: 'PatchConnector', ref, connectorId: pick(random, ['1', '2', '3']), patch };
    },
  },
  {
    name: 'tariffs',
    decider: tariffDecider,
    command: (stream, n, random): TariffCommand => {
      const id = stream.slice(-2);
      if (random() < 0.2) {
        return { type: 'DeleteTariff', ref: { country_code: 'BE', party_id: 'BEC', tariff_id: id }, receivedAt: minute(n) };
      }
      // Timestamps five minutes apart and two prices: the same tariff again (nothing), a changed one (a version), an older one.
      const lastUpdated = random() < 0.2 ? minute(Math.floor(random() * n)) : minute(5 * Math.floor(n / 5));
      return { type: 'PutTariff', tariff: tariff(id, lastUpdated, pick(random, [0.25, 0.3])), pulled: random() < 0.2 };
    },
  },
  {
    name: 'tokens',
    decider: tokenDecider,
    command: (stream, n, random): TokenCommand => {
      const uid = stream.slice(-2);
      const by = pick(random, ['admin-api', 'cli:ops', 'import:a.csv']);
      const at = minute(random() < 0.1 ? 0 : n);
      const roll = random();
      if (roll < 0.15) return { type: 'IssueToken', token: token(uid), by, at };
      if (roll < 0.35) {
        const changed = { visual_number: pick(random, [undefined, 'V-1']), whitelist: pick(random, ['ALLOWED', 'NEVER']) };
        return { type: 'PutToken', token: token(uid, changed as Partial<Token>), by, at };
      }
      const ref = { country_code: 'NL', party_id: 'RLG', uid, type: 'RFID' };
      return { type: 'PatchToken', ref, patch: pick(random, TOKEN_PATCHES), by, at };
    },
  },
  {
    name: 'commands',
    decider: commandDecider,
    // A command's stream ends with its first outcome, so each stream has one (COMMAND_FATES): commands that would
    // end it otherwise are sent only where they change nothing or are refused.
    streams: 4,
    command: (stream, n, random): CommandCommand => {
      const commandId = stream.slice(-2);
      const fate = COMMAND_FATES[commandId];
      const roll = random();
      if (roll < 0.2) {
        const requested = {
          command_id: commandId,
          command: 'START_SESSION',
          partner_id: 'p1',
          to: { country_code: 'DE', party_id: 'ABC' },
          request: {
            response_url: `https://emsp.example/ocpi/emsp/2.2.1/commands/START_SESSION/${commandId}`,
            location_id: 'LOC1',
          },
          authorization_reference: `RC${n}`,
          requested_at: minute(n),
        };
        return { type: 'RequestCommand', requested };
      }
      if (roll < 0.4) {
        // Timeouts of 30 seconds and of 10 minutes: a later TimeOut comes before or after the deadline.
        const result = fate === 'rejected' ? pick(random, ['REJECTED', 'NOT_SUPPORTED', 'UNKNOWN_SESSION']) : 'ACCEPTED';
        const response = { result, timeout: pick(random, [30, 600]) } as CommandResponse;
        return { type: 'RecordResponse', commandId, response, receivedAt: minute(n) };
      }
      if (roll < 0.6 && fate === 'failed') return { type: 'RecordSendFailure', commandId, reason: 'ECONNREFUSED' };
      if (roll < 0.6 && fate === 'skipped') return { type: 'RecordSkipped', commandId, reason: 'party OFFLINE' };
      if (roll < 0.82) {
        const result = {
          result: pick(random, ['ACCEPTED', 'EVSE_OCCUPIED']),
          ...(random() < 0.3 ? { message: [{ language: 'en', text: 'busy' }] } : {}),
        } as CommandResult;
        // Another partner's result is refused (not_the_receiver); so is one for a command not yet asked for, or finished.
        const partnerId = fate === 'result' && random() < 0.8 ? 'p1' : 'p2';
        return { type: 'ReceiveResult', commandId, result, partnerId };
      }
      // Where the command is not to time out, a TimeOut asked before any deadline: nothing.
      const at = fate === 'timeout' ? stamp(n, random) : minute(0);
      return { type: 'TimeOut', commandId, at, ...(random() < 0.2 ? { deadline: minute(n - 1) } : {}) };
    },
  },
  {
    name: 'hub client info',
    decider: clientInfoDecider,
    command: (stream, n, random): ClientInfoCommand => {
      const info = {
        country_code: 'DE',
        party_id: `P${stream.slice(-2)}`,
        role: pick(random, ['CPO', 'CPO', 'EMSP']),
        status: pick(random, ['CONNECTED', 'OFFLINE', 'PLANNED', 'SUSPENDED']),
        last_updated: stamp(n, random),
        // Fields beyond the spec's (2.3.0 routes keep them).
        ...(random() < 0.2 ? { hub_party_name: `Party ${n}` } : {}),
      };
      return { type: 'PutClientInfo', info: info as ClientInfo, partnerId: pick(random, ['p-hub', 'p-hub-2']) };
    },
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
  const streams = Array.from({ length: module.streams ?? 2 }, (_, index) => `${prefix}S${index + 1}`);
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

test('a state dropped from memory comes back from the snapshot it left, without a refused append', async () => {
  const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
  try {
    const [module] = MODULES;
    const stream = 'ss-dropped';
    const snapshots = store.snapshots as NonNullable<EventStore['snapshots']>;
    const random = seededRandom(11);
    const appends: string[] = [];
    const reads: number[] = [];
    const process: EventStore = {
      ...processOn(store),
      append: (name, events, options) => {
        if (name === stream) appends.push(String(options?.expectedRevision));
        return store.append(name, events, options);
      },
      // Streams that only fill the process's memory: nothing to read, no database.
      snapshots: {
        load: (name, key) => (name.startsWith('filler-') ? Promise.resolve(undefined) : snapshots.load(name, key)),
        save: (snapshot) => snapshots.save(snapshot),
      },
      readStream: (name, options) => {
        if (name.startsWith('filler-')) return Promise.resolve([]);
        reads.push(options?.from ?? 0);
        return store.readStream(name, options);
      },
    };
    let n = 0;
    while ((await store.readStream(stream)).length < SNAPSHOT_ON_DROP_EVENTS + 5) {
      await handleCommand(process, stream, module.decider, module.command(stream, ++n, random)).catch(() => undefined);
    }
    const revision = (await store.readStream(stream)).length - 1;
    // As many other streams as the process keeps: this one, the least recently used, is dropped.
    for (let i = 0; i < STREAM_STATE_LIMIT; i++) await currentState(process, `filler-${i}`, module.decider);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const snapshot = await store.snapshots?.load(stream, snapshotKey(module.decider));
    assert.equal(snapshot?.revision, revision, 'the dropped state was saved as a snapshot');

    appends.length = 0;
    reads.length = 0;
    await handleCommand(process, stream, module.decider, module.command(stream, ++n, random)).catch(() => undefined);
    assert.deepEqual(appends, [String(revision)], 'one append, expecting the revision the snapshot holds (not no_stream)');
    assert.deepEqual(reads, [revision + 1], 'one read, of what follows the snapshot');
    same((await currentState(process, stream, module.decider)).state, await fullFold(store, stream, module.decider), 'state');
  } finally {
    await store.close();
  }
});
