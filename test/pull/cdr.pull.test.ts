import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cdrStream } from '@roamledger/cdrs';
import { type EventStore } from '@roamledger/event-store';
import { foldEvents } from '@roamledger/kernel';
import { OcpiClient } from '@roamledger/ocpi-transport';
import {
  PULL_SOURCE,
  type PullCompleted,
  type PullPartner,
  type PullReport,
  PullService,
  type PullSource,
  pullDecider,
  pullStream,
} from '@roamledger/pull';
import { type CpoSenderServer, startCpoSenderServer } from '../support/cpo-sender-server';
import { cdr } from '../support/ocpi-fixtures';
import { CPO_A, PARTNERS, startReceiverApp } from '../support/receiver-app';
import type { TestApp } from '../support/test-app';

type Json = Record<string, unknown> & { last_updated: string };

const TOKEN_FOR_CALLING_THE_CPO = 'token-b-the-cpo-gave-us';

function cdrAt(id: string, lastUpdated: string): Json {
  return { ...cdr(), id, last_updated: lastUpdated };
}

describe('Pulling CDRs from a CPO Sender interface', () => {
  let sender: CpoSenderServer;
  let harness: TestApp & { store: EventStore };
  let pull: PullService;

  before(async () => {
    sender = await startCpoSenderServer({
      token: TOKEN_FOR_CALLING_THE_CPO,
      pageSize: 2,
      cdrs: [
        cdrAt('PULL-1', '2026-04-01T10:00:00Z'),
        cdrAt('PULL-2', '2026-04-01T11:00:00Z'),
        cdrAt('PULL-3', '2026-04-01T12:00:00Z'),
        cdrAt('PULL-4', '2026-04-01T13:00:00Z'),
        { ...cdrAt('PULL-BAD', '2026-04-01T14:00:00Z'), currency: 'EURO' },
        cdrAt('PULL-5', '2026-04-01T15:00:00Z'),
      ],
    });
    const partner: PullPartner = {
      partnerId: 'p-cpo-a',
      parties: PARTNERS['token-cpo-a'].roles,
      senderUrl: (module) => (module === 'cdrs' ? sender.cdrsUrl : undefined),
      client: async () => new OcpiClient({ token: TOKEN_FOR_CALLING_THE_CPO, retries: 0 }),
    };
    const source: PullSource = {
      list: async () => [partner],
      get: async (id) => (id === partner.partnerId ? partner : undefined),
    };
    harness = await startReceiverApp([{ provide: PULL_SOURCE, useValue: source }]);
    pull = harness.app.get(PullService);
  });
  after(async () => {
    await harness?.close();
    await sender?.close();
  });

  const cdrEvents = async (id: string) =>
    (await harness.store.readStream(cdrStream({ countryCode: 'BE', partyId: 'BEC' }, id))).map((e) => e.type);
  const completed = (report: PullReport) => {
    assert.equal(report.status, 'completed', JSON.stringify(report));
    return report as Extract<PullReport, { status: 'completed' }>;
  };

  test('3 pages followed by Link: every CDR recorded once, a pushed one not twice, an invalid one kept as a finding', async () => {
    // PULL-2 reached us by push before the pull.
    const pushed = await harness.app.inject({
      method: 'POST',
      url: '/ocpi/emsp/2.2.1/cdrs',
      headers: { 'content-type': 'application/json', ...CPO_A },
      payload: JSON.stringify(sender.cdrs[1]),
    });
    assert.equal(pushed.statusCode, 201);

    const [report] = await pull.pull('p-cpo-a', { modules: ['cdrs'], dateFrom: new Date('2026-04-01T00:00:00Z') });
    const { run } = completed(report);
    assert.equal(run.pages, 3);
    assert.equal(run.received, 6);
    assert.equal(run.recorded, 4);
    assert.equal(run.unchanged, 1);
    assert.deepEqual(
      run.rejected.map((r) => [r.id, /currency/.test(r.reason)]),
      [['PULL-BAD', true]],
    );
    assert.match(run.rejected[0].sha256, /^[0-9a-f]{64}$/);

    const pages = sender.requests.filter((r) => r.module === 'cdrs');
    assert.deepEqual(
      pages.map((r) => r.query.offset ?? '0'),
      ['0', '2', '4'],
    );
    assert.ok(pages.every((r) => r.query.date_from === '2026-04-01T00:00:00Z' && r.query.date_to === run.date_to));
    assert.equal(pages[0].authorization, `Token ${Buffer.from(TOKEN_FOR_CALLING_THE_CPO).toString('base64')}`);

    for (const id of ['PULL-1', 'PULL-3', 'PULL-4', 'PULL-5']) {
      assert.deepEqual(await cdrEvents(id), ['OcpiObjectPulled', 'CdrReceived'], id);
    }
    assert.deepEqual(await cdrEvents('PULL-2'), ['OcpiRequestReceived', 'CdrReceived']);
    assert.deepEqual(await cdrEvents('PULL-BAD'), []);

    const [pulled, received] = await harness.store.readStream(cdrStream({ countryCode: 'BE', partyId: 'BEC' }, 'PULL-1'));
    assert.equal((pulled.data as { object: Json }).object.id, 'PULL-1');
    assert.equal(received.metadata.causationId, pulled.id);
    assert.equal(received.metadata.source, 'pull');
    assert.equal(received.metadata.partner, 'BE*BEC');
  });

  test('a second pull does not double count: nothing appended but the pull record', async () => {
    const head = await harness.store.headPosition();
    const [report] = await pull.pull('p-cpo-a', { modules: ['cdrs'], dateFrom: new Date('2026-04-01T00:00:00Z') });
    const { run } = completed(report);
    assert.equal(run.recorded, 0);
    assert.equal(run.unchanged, 5);
    const appended = await harness.store.readAll({ fromPosition: head + 1 });
    assert.deepEqual(
      appended.map((e) => [e.stream, e.type]),
      [[pullStream('p-cpo-a', 'cdrs'), 'PullCompleted']],
    );
    const received = await harness.store.readAll({ filter: { streamPrefixes: ['cdr-'], eventTypes: ['CdrReceived'] } });
    assert.equal(received.length, 5);
  });

  test('the next scheduled pull starts from the checkpoint (less the overlap) and picks up only what is new', async () => {
    const record = (await harness.store.readStream(pullStream('p-cpo-a', 'cdrs'))).at(-1) as unknown as PullCompleted;
    const checkpoint = record.data.checkpoint;
    sender.cdrs.push(cdrAt('PULL-6', new Date(Date.now() - 60_000).toISOString()));
    sender.requests.length = 0;

    const [report] = await pull.pullAll({ modules: ['cdrs'] });
    const { run } = completed(report);
    assert.equal(run.recorded, 1);
    assert.equal(run.received, 1);
    const overlapMs = 300_000;
    assert.equal(Date.parse(sender.requests[0].query.date_from), Date.parse(checkpoint) - overlapMs);
    assert.deepEqual(await cdrEvents('PULL-6'), ['OcpiObjectPulled', 'CdrReceived']);
  });

  test('a failed page: the pull is recorded as failed, the checkpoint stays, the retry completes without double counting', async () => {
    const before = (await harness.store.readStream(pullStream('p-cpo-a', 'cdrs'))).at(-1) as unknown as PullCompleted;
    sender.cdrs.push(cdrAt('PULL-7', '2026-04-01T16:00:00Z'));
    sender.failPages(1, 1);
    const [failed] = await pull.pull('p-cpo-a', { modules: ['cdrs'], dateFrom: new Date('2026-04-01T00:00:00Z') });
    assert.equal(failed.status, 'failed');
    assert.match((failed as { error: string }).error, /HTTP 500/);
    const records = await harness.store.readStream(pullStream('p-cpo-a', 'cdrs'));
    assert.equal(records.at(-1)?.type, 'PullFailed');
    assert.equal(foldEvents(pullDecider, records).checkpoint, before.data.checkpoint);

    const [retried] = await pull.pull('p-cpo-a', { modules: ['cdrs'] });
    const { run, checkpoint } = completed(retried);
    assert.equal(Date.parse(run.date_from), Date.parse(before.data.checkpoint) - 300_000);
    assert.ok(Date.parse(checkpoint) >= Date.parse(before.data.checkpoint));

    const [full] = await pull.pull('p-cpo-a', { modules: ['cdrs'], dateFrom: new Date('2026-04-01T00:00:00Z') });
    assert.equal(completed(full).run.recorded, 1); // PULL-7, never seen before the page failed
    const received = await harness.store.readAll({ filter: { streamPrefixes: ['cdr-'], eventTypes: ['CdrReceived'] } });
    assert.deepEqual(received.map((e) => (e.data as { cdr_id: string }).cdr_id).sort(), [
      'PULL-1',
      'PULL-2',
      'PULL-3',
      'PULL-4',
      'PULL-5',
      'PULL-6',
      'PULL-7',
    ]);
  });

  test('a CDR of a party the partner does not hold is refused; an unknown partner cannot be pulled', async () => {
    sender.cdrs.push({ ...cdrAt('FOREIGN-1', '2026-04-01T17:00:00Z'), country_code: 'DE', party_id: 'XYZ' });
    const [report] = await pull.pull('p-cpo-a', { modules: ['cdrs'], dateFrom: new Date('2026-04-01T16:30:00Z') });
    const { run } = completed(report);
    assert.deepEqual(
      run.rejected.map((r) => r.id),
      ['FOREIGN-1'],
    );
    assert.match(run.rejected[0].reason, /DE\*XYZ is not a party/);
    assert.deepEqual(await harness.store.readStream(cdrStream({ countryCode: 'DE', partyId: 'XYZ' }, 'FOREIGN-1')), []);
    await assert.rejects(pull.pull('nobody'), /No partner nobody/);
  });
});
