import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type AggregateFold,
  checkExport,
  compareTables,
  exportLog,
  formatDuration,
  LAST_DATA_PER_TYPE,
  Progress,
  parseAt,
  progressBar,
  progressLine,
  stateAt,
  streamHistory,
} from '@roamledger/audit';
import { type EventStore, openPostgresClient, type RecordedEvent, SqlEventStore } from '@roamledger/event-store';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { buildLog } from './log-fixture';

const counter: AggregateFold<{ total: number; readings: number }> = {
  prefix: 'session-',
  name: 'meter total',
  initialState: () => ({ total: 0, readings: 0 }),
  evolve: (state, event) =>
    event.type === 'MeterValueRecorded'
      ? { total: state.total + (event.data as { kwh: number }).kwh, readings: state.readings + 1 }
      : state,
};

describe('history and state (pure)', () => {
  const events = (stream: string, count: number): RecordedEvent[] =>
    Array.from({ length: count }, (_, i) => ({
      id: `e${i}`,
      stream,
      revision: i,
      position: i * 10,
      type: i === 0 ? 'OcpiRequestReceived' : 'MeterValueRecorded',
      data: { kwh: i },
      metadata: { requestId: `req-${i}`, partner: 'DE*ABC' },
      recordedAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
      prevHash: '',
      hash: '',
    }));

  test('parseAt reads positions and ISO times, and refuses the rest', () => {
    assert.deepEqual(parseAt('1234'), { position: 1234 });
    assert.deepEqual(parseAt('2026-11-01T00:03:00+01:00'), { time: '2026-10-31T23:03:00.000Z' });
    assert.throws(() => parseAt('yesterday'), /neither a position nor an ISO 8601 time/);
  });

  test('state at a position or a time folds only what came before, with the decider of the prefix', () => {
    const stream = events('session-NL-CPO-1', 5);
    assert.deepEqual(stateAt('session-NL-CPO-1', stream, { position: 25 }, [counter]).state, { total: 3, readings: 2 });
    const atTime = stateAt('session-NL-CPO-1', stream, { time: '2026-11-01T00:03:30Z' }, [counter]);
    assert.deepEqual([atTime.events, atTime.lastEvent?.revision, atTime.aggregate], [4, 3, 'meter total']);
    assert.deepEqual(stateAt('session-NL-CPO-1', stream, { position: -1 }, [counter]).lastEvent, null);
  });

  test('streams no module claims show the last data per type', () => {
    const result = stateAt('token-NL-RLG-1', events('token-NL-RLG-1', 3), { position: 100 }, [counter]);
    assert.equal(result.aggregate, LAST_DATA_PER_TYPE.name);
    assert.deepEqual(result.state, { OcpiRequestReceived: { kwh: 0 }, MeterValueRecorded: { kwh: 2 } });
  });

  test('history names request, partner and the first broken link', () => {
    const entries = streamHistory(events('session-X', 2));
    assert.deepEqual([entries[0].requestId, entries[0].partner], ['req-0', 'DE*ABC']);
    assert.equal(entries[0].chain, 'prevHash is not the genesis hash');
    const linked = events('session-X', 2).map((e) => ({ ...e, prevHash: e.revision === 0 ? '0'.repeat(64) : '' }));
    assert.equal(streamHistory(linked)[0].chain, 'content does not match its hash');
  });
});

test('replay compares table digests by name, rows and sha256', () => {
  const live = [
    { table: 'a', rows: 2, sha256: 'x' },
    { table: 'b', rows: 1, sha256: 'y' },
  ];
  const rebuilt = [
    { table: 'a', rows: 2, sha256: 'x' },
    { table: 'b', rows: 1, sha256: 'z' },
    { table: 'c', rows: 0, sha256: 'w' },
  ];
  assert.deepEqual(
    compareTables(live, rebuilt).map((t) => [t.table, t.same, t.live?.rows ?? null]),
    [
      ['a', true, 2],
      ['b', false, 1],
      ['c', false, null],
    ],
  );
});

describe('progress', () => {
  test('a bar with rate and ETA on a terminal, sized to it', () => {
    const bar = progressBar({ label: 'verify', done: 5000, fraction: 0.5, elapsedMs: 2000 }, 100);
    assert.match(bar, /^verify \[#+-+\] {2}50% {2}5,000 events {2}2,500 ev\/s {2}ETA 0:02$/);
    assert.ok(bar.length <= 100);
    assert.equal(formatDuration(3_725_000), '1:02:05');
  });

  test('plain lines every few seconds elsewhere; nothing for a short run', () => {
    let now = 0;
    const lines: string[] = [];
    const sink = { isTTY: false, write: (text: string) => lines.push(text) };
    const short = new Progress('verify', sink, { now: () => now });
    short.update(10, 0.5);
    short.finish(20);
    assert.deepEqual(lines, []);
    const long = new Progress('replay', sink, { now: () => now, lineEveryMs: 1000 });
    for (now = 0; now <= 3000; now += 250) long.update(now, now / 4000);
    now = 4000;
    long.finish(4000);
    assert.deepEqual(lines, [
      'replay: 1,000 events (25%), 1,000 ev/s, ETA 0:03\n',
      'replay: 2,000 events (50%), 1,000 ev/s, ETA 0:02\n',
      'replay: 3,000 events (75%), 1,000 ev/s, ETA 0:01\n',
      'replay: 4,000 events (100%), 1,000 ev/s, ETA 0:00\n',
    ]);
    assert.equal(progressLine({ label: 'x', done: 1, elapsedMs: 0 }), 'x: 1 events, 0 ev/s, ETA ?');
  });

  test('a terminal gets the bar redrawn in place', () => {
    const out: string[] = [];
    let now = 0;
    const progress = new Progress('verify', { isTTY: true, columns: 80, write: (t) => out.push(t) }, { now: () => now });
    progress.update(1, 0.1);
    now = 50;
    progress.update(2, 0.2); // within 100 ms: not redrawn
    now = 200;
    progress.finish(10);
    assert.equal(out.length, 3);
    assert.ok(out[0].startsWith('\rverify ['));
    assert.equal(out[2], '\n');
  });
});

describe('export (PostgreSQL)', () => {
  const schema = freshSchemaName('rl_audit');
  let store: EventStore;
  let all: RecordedEvent[];

  before(async () => {
    store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema }));
    await buildLog(store, { events: 1200, sealEvery: 500, unsealedTail: 150 });
    all = await store.readAll();
  });
  after(async () => {
    await store.close();
    await dropSchema(schema);
  });

  async function exportLines(options: Parameters<typeof exportLog>[1]): Promise<string[]> {
    const lines: string[] = [];
    await exportLog(store, options, (line) => {
      lines.push(line);
    });
    return lines;
  }

  test('a period by positions: its events, the seals covering them and their outside leaves check alone', async () => {
    const lines = await exportLines({ from: { position: 300 }, to: { position: 1150 } });
    const kinds = lines.map((line) => JSON.parse(line).kind);
    assert.equal(kinds[0], 'header');
    assert.equal(kinds[kinds.length - 1], 'end');
    const end = JSON.parse(lines[lines.length - 1]);
    const inPeriod = all.filter((e) => e.stream !== 'audit-seals' && e.position >= 300 && e.position <= 1150);
    assert.equal(end.events, inPeriod.length);
    assert.equal(end.seals, 2);
    assert.ok(end.leaves > 250, 'the first seal starts at 0: its leaves before 300 come along');
    assert.ok(end.unsealedEvents > 0, 'the tail is not sealed');
    const check = checkExport(lines);
    assert.deepEqual(check.problems, []);
    assert.equal(check.ok, true);
    assert.equal(check.unsealedEvents, end.unsealedEvents);
  });

  test('a changed, dropped or truncated export does not check', async () => {
    const lines = await exportLines({ from: { position: 100 }, to: { position: 600 } });
    const edited = lines.map((line, i) => (i === 5 ? line.replace(/"kwh":(\d+)/, '"kwh":1$1') : line));
    const target = JSON.parse(lines[5]);
    assert.match(
      checkExport(edited).problems.join('\n'),
      new RegExp(`event at position ${target.position} .*: content does not match its hash`),
    );
    const dropped = lines.filter((_, i) => i !== 5);
    assert.match(checkExport(dropped).problems.join('\n'), new RegExp(`no event or leaf for sealed position ${target.position}`));
    assert.match(checkExport(lines.slice(0, -1)).problems.join('\n'), /no end line: the export is truncated/);
  });

  test('a period by time: recorded at or after from, before to', async () => {
    const domain = all.filter((e) => e.stream !== 'audit-seals');
    const from = domain[200].recordedAt;
    const to = domain[400].recordedAt;
    const lines = await exportLines({ from: { time: from }, to: { time: to } });
    const exported = lines.map((line) => JSON.parse(line)).filter((line) => line.kind === 'event');
    const expected = domain.filter((e) => e.recordedAt >= from && e.recordedAt < to);
    assert.deepEqual(
      exported.map((e) => e.position),
      expected.map((e) => e.position),
    );
    assert.equal(checkExport(lines).ok, true);
  });
});
