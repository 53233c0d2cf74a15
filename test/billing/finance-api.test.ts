import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Module } from '@nestjs/common';
import { BillingModule, CDR_FIELDS, FINANCE_API_KEY_FILE } from '@roamledger/billing';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { ProjectionHost } from '@roamledger/projections';
import { ServiceModule } from '@roamledger/service';
import { startTestApp, type TestApp } from '../support/test-app';
import { BERLIN_NOVEMBER, cdr, raiseAuthorizationFindings, writeBillingMonth, writers } from './billing-fixture';

@Module({})
class BillingTestRoot {}

/** A minimal RFC 4180 reader, to check what a spreadsheet would read. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else cell += char;
  }
  assert.equal(cell + record.join(''), '', 'the CSV ends with CRLF');
  return records;
}

describe('finance API', () => {
  let testApp: TestApp;
  let key: string;
  let head: number;
  const recentEnd = new Date(Date.now() - 3_600_000).toISOString();

  // null: no Authorization header at all.
  const get = (url: string, authorization: string | null = `Bearer ${key}`) =>
    testApp.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

  before(async () => {
    testApp = await startTestApp(
      (config) => ({ module: BillingTestRoot, imports: [ServiceModule.forRoot(config), BillingModule] }),
      { BILLING_TIME_ZONE: 'Europe/Berlin', ADMIN_API_KEY: 'the-admin-key' },
    );
    key = readFileSync(path.join(testApp.config.dataDir, FINANCE_API_KEY_FILE), 'utf8').trim();
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    await writeBillingMonth(store, recentEnd);
    // Text a spreadsheet must not misread: a comma, quotes, a formula.
    await writers(store).cdrs.receive({
      ...cdr('NL*XYZ', 'Q1', {
        start: '2026-11-05T08:00:00Z',
        end: '2026-11-05T09:00:00Z',
        kwh: 1,
        excl: 0.5,
        incl: 0.6,
        currency: 'EUR',
      }),
      authorization_reference: '=1+1,"x"',
    });
    // The tokens register's findings: S3's token blocked at start; C2 and S1 with references we never issued.
    head = await raiseAuthorizationFindings(store);
    await testApp.app.get(ProjectionHost).waitFor('billing', head, 30_000);
  });
  after(() => testApp?.close());

  test('the key was generated at first start into DATA_DIR/finance-api-key, readable by the owner only', () => {
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    const mode = statSync(path.join(testApp.config.dataDir, FINANCE_API_KEY_FILE)).mode & 0o777;
    assert.equal(mode, 0o600);
  });

  test('401 without the finance key: none, a wrong one, the admin key, an OCPI token', async () => {
    for (const authorization of [
      null,
      'Bearer wrong',
      'Bearer the-admin-key',
      `Token ${Buffer.from(key).toString('base64')}`,
      key,
    ]) {
      for (const url of ['/finance/cdrs', '/finance/statements?month=2026-11', '/finance/export/cdrs.csv']) {
        const response = await get(url, authorization);
        assert.equal(response.statusCode, 401, `${url} with ${authorization}`);
        assert.equal(response.headers['www-authenticate'], 'Bearer realm="finance"');
      }
    }
    assert.equal((await get('/finance/cdrs')).statusCode, 200);
  });

  test('GET /finance/docs serves the OpenAPI 3.1 document, decimals as strings', async () => {
    const response = await get('/finance/docs', null);
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.equal(doc.openapi, '3.1.0');
    for (const route of [
      '/finance/cdrs',
      '/finance/cdrs/{country_code}/{party_id}/{cdr_id}',
      '/finance/sessions',
      '/finance/sessions/{country_code}/{party_id}/{session_id}',
      '/finance/statements',
      '/finance/export/cdrs.csv',
      '/finance/export/cdrs.ndjson',
    ]) {
      assert.ok(doc.paths[route]?.get, route);
    }
    const cdrSchema = doc.components.schemas.FinanceCdr;
    // Generated from the response classes: the CDR row has the fields of the API and the CSV, in order.
    assert.deepEqual(Object.keys(cdrSchema.properties), [...CDR_FIELDS]);
    assert.deepEqual(cdrSchema.required, [...CDR_FIELDS]);
    assert.equal(cdrSchema.properties.amount_excl_vat.type, 'string');
    assert.equal(cdrSchema.properties.amount_excl_vat.pattern, '^-?\\d+(\\.\\d+)?$');
    assert.deepEqual(cdrSchema.properties.amount_incl_vat.type, ['string', 'null']);
    assert.equal(doc.components.securitySchemes.financeKey.type, 'http');
    assert.equal(doc.components.securitySchemes.financeKey.scheme, 'bearer');
    assert.deepEqual(doc.paths['/finance/cdrs'].get.security, [{ financeKey: [] }]);
    assert.deepEqual(Object.keys(doc.paths['/finance/export/cdrs.csv'].get.responses['200'].content), ['text/csv']);
    assert.match(doc.info.description, /JSON strings/);
    // Only the finance API: the admin and OCPI routes have their own documents.
    assert.ok(Object.keys(doc.paths).every((route) => route.startsWith('/finance/')));
  });

  test('GET /finance/docs/ui is the browsable page of the same document, without a key', async () => {
    const page = await get('/finance/docs/ui', null);
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.match(page.body, /swagger-ui/);
    const init = await get('/finance/docs/ui/swagger-ui-init.js', null);
    assert.equal(init.statusCode, 200);
    assert.match(init.body, /Roamledger finance API/);
  });

  test('GET /finance/cdrs filters on partner, period (Berlin dates), currency; pages with next_cursor', async () => {
    const url = '/finance/cdrs?partner=DE*ABC&from=2026-11-01&to=2026-12-01&currency=EUR';
    const all = (await get(url)).json();
    assert.equal(all.position, head);
    assert.equal(all.next_cursor, null);
    // By end time; C5 ends 1 Dec 00:30 in Berlin, outside [from, to).
    assert.deepEqual(
      all.items.map((item: { cdr_id: string }) => item.cdr_id),
      ['C2', 'C1', 'C1-CR', 'C4', 'C4-CR'],
    );
    const c2 = all.items[0];
    assert.equal(c2.partner, 'DE*ABC');
    assert.equal(c2.amount_excl_vat, '10.00');
    assert.equal(c2.amount_incl_vat, '11.91');
    assert.equal(c2.energy_kwh, '22.345');
    assert.equal(c2.end_date_time, '2026-10-31T23:30:00.000Z');
    assert.equal(c2.contract_id, 'NL-RLG-C00001-X');
    assert.equal(typeof c2.position, 'number');

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { cdr_id: string }[]; next_cursor: string | null } = (
        await get(`${url}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      pages.push(page.items.map((item: { cdr_id: string }) => item.cdr_id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(pages, [['C2', 'C1'], ['C1-CR', 'C4'], ['C4-CR']]);

    const ids = async (query: string) =>
      (await get(`/finance/cdrs?${query}`)).json().items.map((item: { cdr_id: string }) => item.cdr_id);
    assert.deepEqual(await ids('finding=cdr_without_session'), ['Q1', 'N1', 'N2', 'J1', 'C4', 'C5']);
    assert.deepEqual(await ids('contract_id=nl-rlg-c00003-x'), ['N3']);
    assert.deepEqual(await ids('token_uid=TOK3'), ['N3']);
    // Every CDR of the fixture is at LOC1.
    assert.deepEqual(await ids('location_id=LOC1&limit=1000'), await ids('limit=1000'));
    assert.deepEqual(await ids('location_id=ELSEWHERE'), []);
    assert.deepEqual(await ids('credit=true'), ['C1-CR', 'C4-CR']);
    assert.deepEqual(await ids('currency=JPY'), ['J1']);
    assert.equal((await get('/finance/cdrs?partner=DEABC')).statusCode, 400);
    assert.equal((await get('/finance/cdrs?from=01.11.2026')).statusCode, 400);
    assert.equal((await get('/finance/cdrs?cursor=nonsense')).statusCode, 400);
  });

  test('GET /finance/cdrs/{cc}/{pid}/{id}: the row, its credits (or original) and its event history', async () => {
    const response = await get('/finance/cdrs/de/abc/c4');
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.cdr.cdr_id, 'C4');
    assert.deepEqual(body.cdr.credited_by, ['C4-CR']);
    assert.deepEqual(
      body.credits.map((credit: { cdr_id: string; amount_excl_vat: string }) => [credit.cdr_id, credit.amount_excl_vat]),
      [['C4-CR', '-3.50']],
    );
    assert.equal(body.original, null);
    assert.ok(body.events.some((event: { type: string }) => event.type === 'CdrReceived'));
    assert.ok(
      body.events.every(
        (event: { stream: string; hash: string }) => event.stream === 'cdr-DE-ABC-C4' && /^[0-9a-f]{64}$/.test(event.hash),
      ),
    );
    assert.equal(body.position, head);

    const credit = (await get('/finance/cdrs/DE/ABC/C4-CR')).json();
    assert.equal(credit.original.cdr_id, 'C4');
    assert.equal((await get('/finance/cdrs/DE/ABC/NOPE')).statusCode, 404);
  });

  test('GET /finance/sessions: by status, overdue CDRs, and one session with its CDRs and history', async () => {
    const active = (await get('/finance/sessions?status=ACTIVE&partner=DE*ABC')).json();
    assert.deepEqual(
      active.items.map((item: { session_id: string; energy_kwh: string; cost_excl_vat: string }) => [
        item.session_id,
        item.energy_kwh,
        item.cost_excl_vat,
      ]),
      [['S3', '3.2', '1.60']],
    );
    assert.equal(active.position, head);
    const overdue = (await get('/finance/sessions?cdr_overdue=true')).json();
    assert.deepEqual(
      overdue.items.map((item: { session_id: string }) => item.session_id),
      ['S6'],
    );
    assert.equal(overdue.items[0].cdr_overdue, true);
    assert.ok(overdue.items[0].findings.includes('completed_without_cdr'));
    const completed = (await get('/finance/sessions?status=COMPLETED&partner=NL*XYZ')).json();
    const s7 = completed.items.find((item: { session_id: string }) => item.session_id === 'S7');
    assert.equal(s7.cdr_overdue, false, 'ended an hour ago: not yet due');
    assert.equal((await get('/finance/sessions?status=DONE')).statusCode, 400);

    const s2 = (await get('/finance/sessions/DE/ABC/S2')).json();
    assert.equal(s2.session.energy_kwh, '22.345');
    assert.deepEqual(
      s2.cdrs.map((item: { cdr_id: string }) => item.cdr_id),
      ['C2'],
    );
    const types = s2.events.map((event: { type: string }) => event.type);
    assert.ok(types.includes('SessionPatchHeld') && types.includes('SessionStarted'), types.join());
    assert.equal((await get('/finance/sessions/DE/ABC/NOPE')).statusCode, 404);
  });

  test('GET /finance/statements?month=2026-11: per partner and currency, credits netted, with the position', async () => {
    const body = (await get('/finance/statements?month=2026-11')).json();
    assert.equal(body.time_zone, 'Europe/Berlin');
    assert.equal(body.from, '2026-10-31T23:00:00.000Z');
    assert.equal(body.to, '2026-11-30T23:00:00.000Z');
    assert.equal(body.position, head);
    const expected = BERLIN_NOVEMBER.map((statement) =>
      // Q1 (0.50 / 0.60 EUR, 1 kWh) joins NL*XYZ's EUR statement.
      statement.partner === 'NL*XYZ' && statement.currency === 'EUR'
        ? { ...statement, cdr_count: 3, energy_kwh: '21.5', amount_excl_vat: '10.75', amount_incl_vat: '3.93' }
        : statement,
    );
    assert.deepEqual(
      body.items.map(
        ({
          country_code,
          party_id,
          month,
          position,
          disputed_cdr_count,
          disputed_excl_vat,
          disputed_incl_vat,
          ...rest
        }: Record<string, unknown>) => {
          // No CDR of this month names a tariff we hold: nothing is disputed (test/billing/cdr-pricing.test.ts).
          assert.equal(disputed_cdr_count, 0);
          assert.match(`${disputed_excl_vat} ${disputed_incl_vat}`, /^0(\.0+)? 0(\.0+)?$/);
          assert.equal(month, '2026-11');
          assert.equal(`${country_code}*${party_id}`, rest.partner);
          assert.ok(typeof position === 'number' && position <= head);
          return rest;
        },
      ),
      expected,
    );
    assert.equal((await get('/finance/statements')).statusCode, 400);
    assert.equal((await get('/finance/statements?month=2026-13')).statusCode, 400);
  });

  test('GET /finance/export/cdrs.csv opens cleanly: header row, RFC 4180 quoting, ISO times, dot decimals', async () => {
    const response = await get('/finance/export/cdrs.csv?from=2026-11-01&to=2026-12-01');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/csv/);
    assert.equal(response.headers['x-roamledger-position'], String(head));
    const [header, ...records] = parseCsv(response.body);
    assert.equal(header[0], 'partner');
    assert.ok(records.every((record) => record.length === header.length));
    const rows = records.map((record) => Object.fromEntries(header.map((name, i) => [name, record[i]])));
    const api = (await get('/finance/cdrs?from=2026-11-01&to=2026-12-01')).json().items;
    assert.deepEqual(
      rows.map((row) => row.cdr_id),
      api.map((item: { cdr_id: string }) => item.cdr_id),
    );
    for (const row of rows) {
      assert.match(row.end_date_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.match(row.amount_excl_vat, /^-?\d+(\.\d+)?$/);
    }
    const q1 = rows.find((row) => row.cdr_id === 'Q1');
    assert.equal(q1?.authorization_reference, `'=1+1,"x"`, 'a formula is defused, the comma and quotes survive');
    const c2 = rows.find((row) => row.cdr_id === 'C2');
    assert.equal(c2?.amount_incl_vat, '11.91');
    assert.equal(c2?.receipt_findings.split(';').includes('session_unknown'), true);
  });

  test('GET /finance/export/cdrs.ndjson: one JSON object per line, the same items as the API', async () => {
    const response = await get('/finance/export/cdrs.ndjson?partner=DE*ABC');
    assert.equal(response.statusCode, 200);
    const lines = response.body.split('\n');
    assert.equal(lines.pop(), '');
    const api = (await get('/finance/cdrs?partner=DE*ABC')).json().items;
    assert.deepEqual(
      lines.map((line) => JSON.parse(line)),
      api,
    );
  });

  test('authorization findings: /finance/cdrs, /finance/sessions and the exports filter on them, in either spelling', async () => {
    const cdrIds = async (url: string) => {
      const response = await get(url);
      assert.equal(response.statusCode, 200, response.body);
      return response.json().items.map((item: { cdr_id: string }) => item.cdr_id);
    };
    assert.deepEqual(await cdrIds('/finance/cdrs?finding=unknown_authorization_reference'), ['C2']);
    assert.deepEqual(await cdrIds('/finance/cdrs?finding=UNKNOWN_AUTHORIZATION_REFERENCE'), ['C2']);
    assert.deepEqual(await cdrIds('/finance/cdrs?finding=TOKEN_BLOCKED_AT_START'), []);
    const c2 = (await get('/finance/cdrs/DE/ABC/C2')).json();
    assert.deepEqual(c2.cdr.findings, ['unknown_authorization_reference']);

    const sessionIds = async (url: string) =>
      (await get(url)).json().items.map((item: { session_id: string; findings: string[] }) => [item.session_id, item.findings]);
    assert.deepEqual(await sessionIds('/finance/sessions?finding=TOKEN_BLOCKED_AT_START'), [['S3', ['token_blocked_at_start']]]);
    assert.deepEqual(await sessionIds('/finance/sessions?finding=unknown_authorization_reference'), [
      ['S1', ['unknown_authorization_reference']],
    ]);

    const csv = parseCsv((await get('/finance/export/cdrs.csv?finding=UNKNOWN_AUTHORIZATION_REFERENCE')).body);
    const findingsColumn = csv[0].indexOf('findings');
    assert.deepEqual(
      csv.slice(1).map((record) => [record[csv[0].indexOf('cdr_id')], record[findingsColumn]]),
      [['C2', 'unknown_authorization_reference']],
    );
    const ndjson = (await get('/finance/export/cdrs.ndjson?finding=unknown_authorization_reference')).body.trim().split('\n');
    assert.deepEqual(
      ndjson.map((line) => JSON.parse(line).cdr_id),
      ['C2'],
    );
  });
});
