import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type EventStore, openPgliteClient, openPostgresClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import {
  activateBuild,
  createBuild,
  createTableSql,
  digestProjection,
  digestTable,
  ensureRegistry,
  LogFollower,
  listBuilds,
  ProjectionHost,
  ProjectionRunner,
  poisonEvents,
  projectionPosition,
  rebuildProjections,
  upsertRows,
} from '@roamledger/projections';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { appendToyEvents, streamStats } from './stream-stats';

async function memoryStore(): Promise<SqlEventStore> {
  return SqlEventStore.open('pglite', await openPgliteClient(undefined));
}

/** A fresh PGlite projection database with one active build of `projection`. */
async function freshBuild(projection = streamStats()) {
  const db = await openPgliteClient(undefined);
  await ensureRegistry(db);
  const build = await createBuild(db, projection);
  await activateBuild(db, projection, build.build);
  return { db, runner: new ProjectionRunner(db, projection, build.build, build.position) };
}

async function stats(db: SqlClient) {
  const rows = await db.query<{ stream: string; events: number }>('SELECT stream, events FROM stream_stats ORDER BY stream');
  return Object.fromEntries(rows.map((row) => [row.stream, Number(row.events)]));
}

describe('ProjectionRunner: in order, idempotent by position, checkpoint with the rows', () => {
  let store: EventStore;
  before(async () => {
    store = await memoryStore();
    await appendToyEvents(store, 200, 2);
  });
  after(() => store.close());

  test('a batch delivered again, or overlapping, changes nothing twice', async () => {
    const { db, runner } = await freshBuild();
    const events = await store.readAll();
    await runner.handle(events.slice(0, 120));
    const again = await runner.handle(events.slice(0, 120));
    assert.equal(again.applied, 0);
    await runner.handle(events.slice(100));
    assert.deepEqual(await stats(db), { 'toy-0': 100, 'toy-1': 100 });
    assert.equal(runner.position, events[events.length - 1].position);
    assert.equal(await projectionPosition(db, 'stream_stats'), events[events.length - 1].position);
    await db.close();
  });

  test('a batch that fails is applied event by event: what fails is recorded as poison and stepped over, nothing half done', async () => {
    const { db, runner } = await freshBuild(streamStats(1, { failOn: 'Odd' }));
    const events = await store.readAll();
    await runner.handle(events.slice(0, 1)); // one 'Even'
    const outcome = await runner.handle(events.slice(1, 10));
    const batch = events.slice(1, 10);
    const odd = batch.filter((e) => e.type === 'Odd');
    assert.ok(odd.length > 0);
    assert.equal(outcome.applied, batch.length - odd.length);
    assert.equal(await projectionPosition(db, 'stream_stats'), events[9].position);
    const poison = await poisonEvents(db, 'stream_stats');
    assert.deepEqual(
      poison.map((p) => p.position),
      odd.map((e) => e.position),
    );
    assert.match(poison[0].error, /cannot apply Odd/);
    const counted = Object.values(await stats(db)).reduce((sum, n) => sum + n, 0);
    assert.equal(counted, 10 - odd.length, 'every Even counted once, no Odd');
    await db.close();
  });

  test('events out of log order are refused', async () => {
    const { db, runner } = await freshBuild();
    const events = await store.readAll({ maxCount: 3 });
    await assert.rejects(runner.handle([events[1], events[0]]), /out of log order/);
    await db.close();
  });
});

describe('LogFollower: a checkpointed subscription', () => {
  test('moves the store checkpoint after each batch and resumes where the build stands', async () => {
    const store = await memoryStore();
    const { db, runner } = await freshBuild();
    const head = await appendToyEvents(store, 300, 3);
    const end = await new LogFollower(store, runner, { checkpointName: 'toy', batchSize: 64, until: head }).run();
    assert.equal(end, 'reached');
    assert.equal(await store.checkpoints.load('toy'), head);

    const newHead = await appendToyEvents(store, 50, 1);
    const resumed = new ProjectionRunner(db, streamStats(), runner.build, await projectionPosition(db, 'stream_stats'));
    await new LogFollower(store, resumed, { checkpointName: 'toy', until: newHead }).run();
    assert.deepEqual(await stats(db), { 'toy-0': 150, 'toy-1': 100, 'toy-2': 100 });
    assert.equal(await store.checkpoints.load('toy'), newHead);
    await db.close();
    await store.close();
  });

  test('commits a partial batch after maxWaitMs while following live', async () => {
    const store = await memoryStore();
    const { db, runner } = await freshBuild();
    const follower = new LogFollower(store, runner, { batchSize: 1000, maxWaitMs: 20 });
    const running = follower.run();
    const head = await appendToyEvents(store, 5, 1);
    const deadline = Date.now() + 5000;
    while ((await projectionPosition(db, 'stream_stats')) < head && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(await projectionPosition(db, 'stream_stats'), head);
    follower.stop();
    assert.equal(await running, 'stopped');
    await db.close();
    await store.close();
  });
});

describe('ProjectionHost: a new version is built beside the old one, then switched to', () => {
  test('the view keeps answering during the rebuild; after the switch it shows the new version', async () => {
    const store = await memoryStore();
    const db = await openPgliteClient(undefined);
    const v1 = new ProjectionHost(store, db, [streamStats(1)], { batchSize: 50, maxWaitMs: 5 });
    await v1.start();
    const head = await appendToyEvents(store, 2000, 4);
    await v1.waitFor('stream_stats', head);
    await v1.stop();

    // Slowed down, so that the reads below certainly fall while build 2 is being written.
    const version2 = streamStats(2);
    const slow = {
      ...version2,
      apply: async (...args: Parameters<typeof version2.apply>) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return version2.apply(...args);
      },
    };
    const v2 = new ProjectionHost(store, db, [slow], { batchSize: 50, maxWaitMs: 5 });
    await v2.start();
    // Build 2 is being written beside build 1, which still serves.
    const seen = { v1: 0, v2: 0 };
    let switched = false;
    while (!switched) {
      // PGlite answers without a macrotask turn: let the follower's timers run between reads.
      await new Promise((resolve) => setImmediate(resolve));
      const rows = await db.query<Record<string, unknown>>('SELECT * FROM stream_stats ORDER BY stream');
      assert.equal(rows.length, 4, 'the view always answers with every stream');
      if ('first_position' in rows[0]) seen.v2++;
      else seen.v1++;
      const active = (await listBuilds(db, 'stream_stats')).find((b) => b.state === 'active');
      switched = active?.version === 2 && active.position >= head;
    }
    await v2.waitFor('stream_stats', head);
    assert.ok(seen.v1 > 0, 'the old build served while the new one was built');
    const rows = await db.query<{ events: number; first_position: number }>('SELECT * FROM stream_stats ORDER BY stream');
    assert.deepEqual(
      rows.map((row) => Number(row.events)),
      [500, 500, 500, 500],
    );
    assert.ok(rows.every((row) => row.first_position !== undefined));

    const builds = await listBuilds(db, 'stream_stats');
    assert.deepEqual(
      builds.map((b) => [b.build, b.version, b.state]),
      [
        [1, 1, 'retired'],
        [2, 2, 'active'],
      ],
    );
    const [{ exists }] = await db.query<{ exists: boolean }>("SELECT to_regclass('stream_stats__b1') IS NOT NULL AS exists");
    assert.equal(exists, false, 'the old tables are dropped after the switch');

    // Restarting with the same code resumes the active build: no rebuild.
    await v2.stop();
    const again = new ProjectionHost(store, db, [streamStats(2)], { maxWaitMs: 5 });
    await again.start();
    const more = await appendToyEvents(store, 10, 1);
    await again.waitFor('stream_stats', more);
    assert.deepEqual(
      (await listBuilds(db, 'stream_stats')).map((b) => b.build),
      [1, 2],
    );

    // An explicit rebuild of the same version: beside, then switched to, same rows.
    const before = await db.query('SELECT * FROM stream_stats ORDER BY stream');
    const rebuilt = await again.rebuild('stream_stats');
    const deadline = Date.now() + 20_000;
    while ((await listBuilds(db, 'stream_stats')).find((b) => b.state === 'active')?.build !== rebuilt.build) {
      assert.ok(Date.now() < deadline, 'the rebuild was switched to');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(await db.query('SELECT * FROM stream_stats ORDER BY stream'), before);
    assert.deepEqual(
      (await listBuilds(db, 'stream_stats')).map((b) => [b.build, b.state]),
      [
        [1, 'retired'],
        [2, 'retired'],
        [3, 'active'],
      ],
    );
    await again.stop();
    await db.close();
    await store.close();
  });
});

describe('rebuildProjections and digests', () => {
  let store: EventStore;
  let head: number;
  let schema: string;
  before(async () => {
    store = await memoryStore();
    head = await appendToyEvents(store, 500, 5);
    schema = freshSchemaName('rl_proj');
  });
  after(async () => {
    await store.close();
    await dropSchema(schema);
  });

  test('PGlite and PostgreSQL rebuilds from position 0 give byte-identical tables', async () => {
    const pglite = await openPgliteClient(undefined);
    const postgres = await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema });
    const a = await rebuildProjections({ store, target: pglite, projections: [streamStats(2)] });
    const b = await rebuildProjections({ store, target: postgres, projections: [streamStats(2)], batchSize: 7 });
    assert.equal(a.position, head);
    assert.equal(b.position, head);
    assert.equal(a.projections[0].tables[0].rows, 5);
    assert.match(a.projections[0].tables[0].sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(b.projections, a.projections);

    // The digest sees a change of one value.
    await postgres.query("UPDATE stream_stats SET last_type = 'Changed' WHERE stream = 'toy-0'");
    assert.notEqual((await digestTable(postgres, 'stream_stats')).sha256, a.projections[0].tables[0].sha256);
    await pglite.close();
    await postgres.close();
  });

  test('a rebuild to an earlier position holds exactly the events up to it', async () => {
    const events = await store.readAll();
    const middle = events[249].position;
    const target = await openPgliteClient(undefined);
    const report = await rebuildProjections({ store, target, projections: [streamStats(1)], toPosition: middle });
    assert.equal(report.position, middle);
    assert.equal(report.projections[0].position, middle);
    const expected: Record<string, number> = {};
    for (const event of events.slice(0, 250))
      if (event.stream.startsWith('toy-')) expected[event.stream] = (expected[event.stream] ?? 0) + 1;
    assert.deepEqual(await stats(target), expected);
    assert.deepEqual(report.projections[0], await digestProjection(target, streamStats(1)));
    await target.close();
  });
});

describe('upsertRows: text[] values', () => {
  // Sent as array literals (not JSON arrays): every odd element must come back as it went in.
  const ODD = ['', 'NULL', 'a"b', 'back\\slash', '{braces}', 'comma,space ', ' lead', 'ünï €', '\\"'];
  const TABLE = {
    name: 'odd_arrays',
    columns: [
      { name: 'id', type: 'text', required: true },
      { name: 'values', type: 'text[]', required: true },
      { name: 'maybe', type: 'text[]' },
    ],
    primaryKey: ['id'],
  } as const;
  const rows = [
    { id: 'a', values: ODD, maybe: null },
    { id: 'b', values: [], maybe: ['x'] },
    { id: 'c', values: [...ODD].reverse(), maybe: ODD.slice(2, 4) },
  ];

  for (const kind of ['pglite', 'postgres'] as const) {
    test(`round-trip on ${kind}, and again over the same keys`, async () => {
      const schema = freshSchemaName('rl_proj_arrays');
      const db =
        kind === 'pglite'
          ? await openPgliteClient(undefined)
          : await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema });
      try {
        await db.exec(createTableSql(TABLE, 'odd_arrays'));
        await upsertRows(db, TABLE, 'odd_arrays', rows);
        await upsertRows(db, TABLE, 'odd_arrays', rows);
        const read = await db.query('SELECT id, values, maybe FROM odd_arrays ORDER BY id');
        assert.deepEqual(read, rows);
      } finally {
        await db.close();
        if (kind === 'postgres') await dropSchema(schema);
      }
    });
  }
});
