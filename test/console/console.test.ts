import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, describe, test } from 'node:test';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { hubModule } from '@roamledger/modules';
import { ProjectionHost } from '@roamledger/projections';
import type { Locator } from 'playwright-core';
import { cdr as cdrFixture } from '../support/ocpi-fixtures';
import { ocpiCall, PartnerServer } from '../support/partner-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { browserMissing, type ConsoleBrowser, openConsoleBrowser, until } from './console-browser';

// The console in a real Chromium against the hub as `npm start` runs it: two CPOs register through
// the credentials handshake and push sessions and CDRs in three currencies, a credit CDR, and a
// completed session whose CDR never came. The statement figures below are worked out by hand.

const ADMIN_KEY = 'console-admin-key-0123456789';
const FINANCE_KEY = 'console-finance-key-0123456789';
const AUDIT_KEY = 'console-audit-key-0123456789';

type Json = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Answer = { status: number; body: any; text: string };

/** What the user reads in an element (rendered text: cells apart, hidden parts out). */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText(), which is the point
const shown = (locator: Locator) => locator.innerText();
type ChartData = { labels: string[]; datasets: Array<{ label: string; data: number[] }> };

interface Cpo {
  partnerId: string;
  tokenC: string;
  server: PartnerServer;
  countryCode: string;
  partyId: string;
}

const token = { country_code: 'NL', party_id: 'RLG', uid: 'RFID-7', type: 'RFID', contract_id: 'NL-RLG-C00000007-X' };

function cdrOf(
  who: Cpo,
  id: string,
  f: { start: string; end: string; kwh: number; currency: string; excl: number; incl: number; session?: string },
): Json {
  const base = cdrFixture();
  const middle = new Date((Date.parse(f.start) + Date.parse(f.end)) / 2).toISOString().replace('.000Z', 'Z');
  return {
    ...base,
    country_code: who.countryCode,
    party_id: who.partyId,
    id,
    start_date_time: f.start,
    end_date_time: f.end,
    session_id: f.session,
    cdr_token: token,
    currency: f.currency,
    tariffs: undefined,
    charging_periods: [
      { start_date_time: f.start, dimensions: [{ type: 'ENERGY', volume: f.kwh / 2 }] },
      { start_date_time: middle, dimensions: [{ type: 'ENERGY', volume: f.kwh / 2 }] },
    ],
    total_cost: { excl_vat: f.excl, incl_vat: f.incl },
    total_energy: f.kwh,
    total_energy_cost: { excl_vat: f.excl, incl_vat: f.incl },
    total_time: (Date.parse(f.end) - Date.parse(f.start)) / 3_600_000,
    total_parking_time: undefined,
    total_parking_cost: undefined,
    last_updated: f.end,
  };
}

/** The text of a money cell without its currency sign: the digits and separators the locale wrote. */
const digits = (text: string) => text.replace(/[^\d.,-]/g, '');

describe('the finance and audit console in Chromium', { skip: browserMissing() }, () => {
  let hub: TestApp;
  let store: EventStore;
  let base: string;
  let bec: Cpo;
  let xyz: Cpo;
  let browser: ConsoleBrowser;
  // Every partner server started, closed in after() even when a registration fails half-way.
  const servers: PartnerServer[] = [];

  const call = async (method: string, url: string, key: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // CSV and NDJSON stay text
    }
    return { status: response.status, body: parsed, text };
  };

  const register = async (countryCode: string, partyId: string): Promise<Cpo> => {
    const server = await new PartnerServer({ countryCode, partyId, name: `CPO ${partyId}` }).start();
    servers.push(server);
    const invitation = await call('POST', '/admin/partners', ADMIN_KEY, {
      name: `CPO ${partyId}`,
      country_code: countryCode,
      party_id: partyId,
      roles: ['CPO'],
    });
    assert.equal(invitation.status, 201, invitation.text);
    const versions = await ocpiCall<Array<{ version: string; url: string }>>(
      'GET',
      invitation.body.versions_url,
      invitation.body.token_a,
    );
    const details = await ocpiCall<{ endpoints: Array<{ identifier: string; url: string }> }>(
      'GET',
      versions.body.data?.find((entry) => entry.version === '2.2.1')?.url ?? '',
      invitation.body.token_a,
    );
    const credentialsUrl = details.body.data?.endpoints.find((e) => e.identifier === 'credentials')?.url ?? '';
    const registration = await ocpiCall<{ token: string }>('POST', credentialsUrl, invitation.body.token_a, server.credentials());
    assert.equal(registration.body.status_code, 1000, registration.body.status_message);
    return { partnerId: invitation.body.id, tokenC: registration.body.data?.token ?? '', server, countryCode, partyId };
  };

  let pushes = 0;
  const push = async (who: Cpo, method: string, path: string, body: unknown, status: number) => {
    pushes += 1;
    const response = await ocpiCall(method, `${base}/ocpi/emsp/2.2.1/${path}`, who.tokenC, body, {
      headers: {
        'x-request-id': `console-${pushes}`,
        'x-correlation-id': `console-${pushes}`,
        'ocpi-from-country-code': who.countryCode,
        'ocpi-from-party-id': who.partyId,
        'ocpi-to-country-code': 'NL',
        'ocpi-to-party-id': 'RLG',
      },
    });
    assert.equal(response.httpStatus, status, `${method} ${path}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.status_code, 1000, `${method} ${path}: ${response.body.status_message}`);
  };

  const session = (who: Cpo, id: string, start: string, end: string, currency: string): Json => ({
    country_code: who.countryCode,
    party_id: who.partyId,
    id,
    start_date_time: start,
    end_date_time: end,
    kwh: 20.5,
    cdr_token: token,
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: '3256',
    connector_id: '1',
    currency,
    total_cost: { excl_vat: 12.34, incl_vat: 14.68 },
    status: 'COMPLETED',
    last_updated: end,
  });

  before(async () => {
    hub = await startTestApp(
      hubModule,
      { ADMIN_API_KEY: ADMIN_KEY, FINANCE_API_KEY: FINANCE_KEY, AUDIT_API_KEY: AUDIT_KEY, AUDIT_SEAL_EVERY_EVENTS: '25' },
      { listen: true },
    );
    store = hub.app.get(EVENT_STORE);
    base = hub.config.publicUrl;
    bec = await register('BE', 'BEC');
    xyz = await register('DE', 'XYZ');

    // BE*BEC, EUR: October 3.00 / 3.57, 5 kWh; November 12.34 / 14.68, 20.5 kWh (with its session),
    // 7.66 / 9.12, 10.25 kWh, and the credit of that one; a completed session with no CDR (overdue).
    await push(
      bec,
      'POST',
      'cdrs',
      cdrOf(bec, 'EUR-0', {
        start: '2026-10-20T10:00:00Z',
        end: '2026-10-20T11:00:00Z',
        kwh: 5,
        currency: 'EUR',
        excl: 3,
        incl: 3.57,
      }),
      201,
    );
    await push(
      bec,
      'PUT',
      'sessions/BE/BEC/S-EUR-1',
      session(bec, 'S-EUR-1', '2026-11-03T08:00:00Z', '2026-11-03T10:00:00Z', 'EUR'),
      201,
    );
    await push(
      bec,
      'POST',
      'cdrs',
      cdrOf(bec, 'EUR-1', {
        start: '2026-11-03T08:00:00Z',
        end: '2026-11-03T10:00:00Z',
        kwh: 20.5,
        currency: 'EUR',
        excl: 12.34,
        incl: 14.68,
        session: 'S-EUR-1',
      }),
      201,
    );
    await push(
      bec,
      'POST',
      'cdrs',
      cdrOf(bec, 'EUR-2', {
        start: '2026-11-10T08:00:00Z',
        end: '2026-11-10T09:00:00Z',
        kwh: 10.25,
        currency: 'EUR',
        excl: 7.66,
        incl: 9.12,
      }),
      201,
    );
    await push(
      bec,
      'POST',
      'cdrs',
      {
        ...cdrOf(bec, 'EUR-2-CR', {
          start: '2026-11-10T08:00:00Z',
          end: '2026-11-10T09:00:00Z',
          kwh: 10.25,
          currency: 'EUR',
          excl: -7.66,
          incl: -9.12,
        }),
        credit: true,
        credit_reference_id: 'EUR-2',
      },
      201,
    );
    await push(
      bec,
      'PUT',
      'sessions/BE/BEC/S-OVERDUE',
      session(bec, 'S-OVERDUE', '2026-11-20T08:00:00Z', '2026-11-20T09:00:00Z', 'EUR'),
      201,
    );
    // DE*XYZ: GBP 5.50 / 6.60, 8 kWh; JPY 1200 / 1320, 15 kWh.
    await push(
      xyz,
      'POST',
      'cdrs',
      cdrOf(xyz, 'GBP-1', {
        start: '2026-11-12T08:00:00Z',
        end: '2026-11-12T09:00:00Z',
        kwh: 8,
        currency: 'GBP',
        excl: 5.5,
        incl: 6.6,
      }),
      201,
    );
    await push(
      xyz,
      'POST',
      'cdrs',
      cdrOf(xyz, 'JPY-1', {
        start: '2026-11-15T08:00:00Z',
        end: '2026-11-15T09:00:00Z',
        kwh: 15,
        currency: 'JPY',
        excl: 1200,
        incl: 1320,
      }),
      201,
    );
    // A suspension for the partner timeline.
    assert.equal((await call('POST', `/admin/partners/${xyz.partnerId}/suspend`, ADMIN_KEY)).status, 200);
    assert.equal((await call('POST', `/admin/partners/${xyz.partnerId}/resume`, ADMIN_KEY)).status, 200);

    await hub.app.get(ProjectionHost).waitFor('billing', await store.headPosition(), 60_000);
    browser = await openConsoleBrowser();
  });

  after(async () => {
    await browser?.close();
    await hub?.close();
    for (const server of servers) await server.close();
  });

  afterEach(() => {
    const errors = browser.errors.splice(0);
    assert.deepEqual(errors, [], 'no JavaScript error on the page');
  });

  const signIn = async (keys: { finance?: string; audit?: string }) => {
    const { page } = browser;
    await page.goto(`${base}/console`);
    await page.evaluate('sessionStorage.clear()');
    await page.reload();
    if (keys.finance) await page.getByLabel('Finance API key').fill(keys.finance);
    if (keys.audit) await page.getByLabel('Audit API key').fill(keys.audit);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  test('a wrong key is refused: no page opens and nothing is kept', async () => {
    const { page } = browser;
    await signIn({ finance: 'not-the-finance-key' });
    await page.locator('#signin-error').waitFor();
    assert.match(await shown(page.locator('#signin-error')), /finance key was refused/);
    assert.equal(await page.evaluate('sessionStorage.length'), 0);
    assert.equal(await page.getByRole('navigation').count(), 0);
    await browser.screenshot('signin-refused');
    // The browser logs the refused request (401) itself; that one is expected here.
    browser.errors.splice(0, browser.errors.length, ...browser.errors.filter((e) => !/status of 401/.test(e)));
  });

  test('the keys open their own API only: the audit key reaches no finance export', async () => {
    assert.equal((await call('GET', '/finance/export/cdrs.csv', AUDIT_KEY)).status, 401);
    assert.equal((await call('GET', '/finance/cdrs', AUDIT_KEY)).status, 401);
    assert.equal((await call('GET', '/audit/head', FINANCE_KEY)).status, 401);
    assert.equal((await call('GET', '/audit/head', ADMIN_KEY)).status, 401);
    assert.equal((await call('GET', '/audit/head', AUDIT_KEY)).status, 200);
    const page = await fetch(`${base}/console`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self' 'sha256-/);
    assert.equal((await fetch(`${base}/console/vendor/../../package.json`)).status, 404);
  });

  test('signed in, the statement table shows the hand-worked totals and the log position', async () => {
    const { page } = browser;
    await signIn({ finance: FINANCE_KEY, audit: AUDIT_KEY });
    await page.getByRole('navigation', { name: 'Console pages' }).waitFor();
    assert.ok(!page.url().includes(FINANCE_KEY) && !page.url().includes(AUDIT_KEY), 'no key in the URL');
    await page.goto(`${base}/console#/statements?month=2026-11`);
    const row = (key: string) => page.locator(`tbody tr[data-key="${key}"]`);
    const cell = async (key: string, column: string) => (await shown(row(key).locator(`td[data-column="${column}"]`))).trim();
    await row('BE*BEC/EUR').waitFor();
    assert.equal(await page.locator('tbody tr[data-key]').count(), 3);
    // BE*BEC EUR: 12.34 + 7.66 - 7.66 (credit) = 12.34; 14.68 + 9.12 - 9.12 = 14.68; 20.5 + 10.25 - 10.25 kWh.
    assert.equal(digits(await cell('BE*BEC/EUR', 'amount_excl_vat')), '12.34');
    assert.equal(digits(await cell('BE*BEC/EUR', 'amount_incl_vat')), '14.68');
    assert.match(await cell('BE*BEC/EUR', 'amount_excl_vat'), /€/);
    assert.equal(await cell('BE*BEC/EUR', 'energy_kwh'), '20.5');
    assert.equal(await cell('BE*BEC/EUR', 'cdr_count'), '2');
    assert.equal(await cell('BE*BEC/EUR', 'credit_count'), '1');
    // Sessions billed: EUR-1 names S-EUR-1; EUR-2, GBP-1 and JPY-1 name none (S-OVERDUE has no CDR).
    assert.equal(await cell('BE*BEC/EUR', 'session_count'), '1');
    assert.equal(await cell('DE*XYZ/GBP', 'session_count'), '0');
    assert.equal(digits(await cell('DE*XYZ/GBP', 'amount_excl_vat')), '5.50');
    assert.match(await cell('DE*XYZ/GBP', 'amount_excl_vat'), /£/);
    assert.equal(digits(await cell('DE*XYZ/JPY', 'amount_excl_vat')), '1,200');
    assert.equal(digits(await cell('DE*XYZ/JPY', 'amount_incl_vat')), '1,320');
    // No CDR here names a tariff we hold, so nothing is disputed; the column shows the API's zero.
    assert.equal(digits(await cell('BE*BEC/EUR', 'disputed_excl_vat')), '0.00');
    const euroTotal = page.locator('tfoot tr[data-total="EUR"] td[data-column="amount_excl_vat"]');
    assert.equal(digits(await shown(euroTotal)), '12.34');
    assert.equal(await shown(page.locator('tfoot tr[data-total="EUR"] td[data-column="session_count"]')), '1');
    assert.equal(await shown(page.locator('tfoot tr[data-total="EUR"] td[data-column="cdr_count"]')), '2');

    const api = await call('GET', '/finance/statements?month=2026-11', FINANCE_KEY);
    const positionShown = await page
      .locator('section[aria-labelledby="statements-title"] .position')
      .getAttribute('data-position');
    assert.equal(Number(positionShown), api.body.position, 'the position the figures were computed at');

    // Sorting by amount, descending: JPY's 1200 first, then 12.34, then 5.50.
    const amountHeader = page.getByRole('button', { name: /^Amount excl\. VAT/ });
    await amountHeader.click();
    // The second time from the keyboard: the header is a focusable button.
    await amountHeader.focus();
    await page.keyboard.press('Enter');
    assert.equal(await shown(page.locator('th[aria-sort="descending"]')), 'Amount excl. VAT ▼');
    assert.deepEqual(
      await page.locator('tbody tr[data-key]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))),
      ['DE*XYZ/JPY', 'BE*BEC/EUR', 'DE*XYZ/GBP'],
    );
    // Filtering rows.
    await page.getByLabel('Filter rows').fill('gbp');
    await page.locator('tbody tr[data-key="BE*BEC/EUR"]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('tbody tr[data-key]').count(), 1);
    await page.getByLabel('Filter rows').fill('');
    await page.locator('tbody tr[data-key="BE*BEC/EUR"]').waitFor();

    // The charts: one stacked series per partner, the months before November included.
    await page.locator('canvas#chart-energy[data-ready]').waitFor();
    await page.locator('canvas#chart-amount[data-ready]').waitFor();
    const charts = await page.evaluate<{ energy: ChartData; amount: ChartData }>(
      "({ energy: Chart.getChart('chart-energy').data, amount: Chart.getChart('chart-amount').data })",
    );
    assert.equal(charts.energy.datasets.length, 2);
    assert.deepEqual(charts.energy.labels, ['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    const becEnergy = charts.energy.datasets.find((d) => d.label === 'BE*BEC');
    assert.deepEqual(becEnergy?.data, [0, 0, 0, 0, 5, 20.5]);
    assert.equal(charts.amount.datasets.length, 2);
    const becAmount = charts.amount.datasets.find((d) => d.label === 'BE*BEC');
    assert.deepEqual(becAmount?.data, [0, 0, 0, 0, 3, 12.34]);

    // The month's top partners: horizontal bars in the currency most CDRs use (EUR), then in JPY.
    await page.locator('canvas#chart-top[data-ready]').waitFor();
    const topChart = () =>
      page.evaluate<{ data: ChartData; axis: string }>(
        "({ data: Chart.getChart('chart-top').data, axis: Chart.getChart('chart-top').options.indexAxis })",
      );
    const top = await topChart();
    assert.equal(top.axis, 'y', 'horizontal bars');
    assert.deepEqual(top.data.labels, ['BE*BEC']);
    assert.deepEqual(
      top.data.datasets.map((d) => [d.label, d.data]),
      [['Amount excl. VAT (EUR)', [12.34]]],
    );
    await browser.screenshot('statements');
    await page.getByLabel('Currency').selectOption('JPY');
    // The chart is drawn again with the JPY figures: wait for them, not for the EUR chart still up.
    await until(page, "Chart.getChart('chart-top')?.data.labels.join() === 'DE*XYZ'");
    await page.locator('canvas#chart-top[data-ready]').waitFor();
    assert.deepEqual(
      (await topChart()).data.datasets.map((d) => [d.label, d.data]),
      [['Amount excl. VAT (JPY)', [1200]]],
    );
    assert.match(await shown(page.locator('#top-title')), /Top partners of 2026-11 \(JPY\)/);
  });

  test("a CDR's page shows its charging periods and its history: the request and the events, with positions and hashes", async () => {
    const { page } = browser;
    await page.goto(`${base}/console#/cdrs?currency=EUR`);
    await page.getByRole('link', { name: 'EUR-1', exact: true }).click();
    // The hash links come from the audit API after the history itself: wait for their column.
    await page.locator('#cdr-history thead th', { hasText: 'Link' }).waitFor();
    const rows = await page.locator('#cdr-history tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        type: tr.getAttribute('data-type'),
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()),
      })),
    );
    const events = await store.readStream('cdr-BE-BEC-EUR-1');
    assert.ok(events.length >= 3, `${events.length} events`);
    assert.deepEqual(
      rows.map((r) => r.type),
      events.map((e) => e.type),
    );
    assert.deepEqual(rows.map((r) => r.type).slice(0, 2), ['OcpiRequestReceived', 'CdrReceived']);
    for (const [i, event] of events.entries()) {
      assert.equal(rows[i].cells[0]?.replace(/\D/g, ''), String(event.position));
      assert.equal(rows[i].cells[6], 'ok', 'the hash link holds');
    }
    const hashTitle = await page.locator('#cdr-history tbody tr').first().locator('.hash[title]').getAttribute('title');
    assert.equal(hashTitle, events[0].hash);
    assert.match(rows[0].cells[3] ?? '', /POST/);
    assert.equal(rows[0].cells[4], events[0].metadata.requestId);
    await page.locator('canvas#chart-periods[data-ready]').waitFor();
    const timeline = await page.evaluate("Chart.getChart('chart-periods')?.data.datasets[0].data.length");
    assert.equal(timeline, 2, 'two charging periods on the time line');
    // Times in the user's zone (Berlin), the UTC value on hover.
    const time = page.locator('dl.facts time').first();
    assert.equal(await time.getAttribute('title'), 'UTC: 2026-11-03T08:00:00.000Z');
    assert.match(await shown(time), /09:00/);
    await browser.screenshot('cdr');

    // The inclusion proof of its CdrReceived event, downloaded.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Proof of ${events[1].position}`, exact: true }).click(),
    ]);
    const proof = JSON.parse(readFileSync((await download.path()) as string, 'utf8'));
    assert.equal(download.suggestedFilename(), `proof-${events[1].position}.json`);
    assert.equal(proof.format, 'roamledger-inclusion-proof/1');
    assert.equal(proof.event.hash, events[1].hash);
  });

  test('the search pages on the server and finds the overdue session', async () => {
    const { page } = browser;
    await page.goto(`${base}/console#/cdrs?kind=sessions&cdr_overdue=true`);
    await page.locator('tbody tr[data-key="BE*BEC/S-OVERDUE"]').waitFor();
    assert.equal(await page.locator('tbody tr[data-key]').count(), 1);
    assert.match(await shown(page.locator('tbody tr[data-key="BE*BEC/S-OVERDUE"]')), /completed without cdr/);
    await page.goto(`${base}/console#/cdrs?kind=cdrs&credit=true`);
    await page.locator('tbody tr[data-key="BE*BEC/EUR-2-CR"]').waitFor();
    assert.equal(await page.locator('tbody tr[data-key]').count(), 1);
    // Paged on the server: two rows a page through the API's cursors, and back.
    await page.goto(`${base}/console#/cdrs?kind=cdrs&limit=2`);
    const ids = async () => page.locator('tbody tr[data-key]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    await page.locator('tbody tr[data-key="BE*BEC/EUR-0"]').waitFor();
    const pages = [await ids()];
    const next = page.getByRole('button', { name: 'Next page' });
    while (await next.isEnabled()) {
      const before = pages[pages.length - 1][0];
      await next.click();
      await page.locator(`tbody tr[data-key="${before}"]`).waitFor({ state: 'detached' });
      pages.push(await ids());
    }
    assert.deepEqual(pages, [
      ['BE*BEC/EUR-0', 'BE*BEC/EUR-1'],
      ['BE*BEC/EUR-2', 'BE*BEC/EUR-2-CR'],
      ['DE*XYZ/GBP-1', 'DE*XYZ/JPY-1'],
    ]);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.locator('tbody tr[data-key="BE*BEC/EUR-2"]').waitFor();
    await browser.screenshot('search');
  });

  test('an export downloads with the filters applied and its rows match the API', async () => {
    const { page } = browser;
    await page.goto(`${base}/console#/exports`);
    await page.getByLabel('Currency').fill('EUR');
    await page.getByLabel('From (end time)').fill('2026-11-01');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'cdrs.csv');
    const file = readFileSync((await download.path()) as string, 'utf8');
    const expected = await call('GET', '/finance/export/cdrs.csv?currency=EUR&from=2026-11-01', FINANCE_KEY);
    assert.equal(file, expected.text);
    const ids = file
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[3]);
    assert.deepEqual(ids, ['EUR-1', 'EUR-2', 'EUR-2-CR']);
    await page.locator('#export-result').waitFor();
    assert.match(await shown(page.locator('#export-result')), /3 rows/);
    await browser.screenshot('exports');
  });

  test('audit: the log head, a verification with its progress, and the partner timeline', async () => {
    const { page } = browser;
    await page.goto(`${base}/console#/audit`);
    await page.locator('#log-head').waitFor();
    await page.getByRole('button', { name: 'Verify now' }).click();
    await page.locator('#verify-report').waitFor();
    assert.match(await shown(page.locator('#verify-report')), /The log verifies/);
    assert.equal(await page.locator('#verify-progress').getAttribute('value'), '1');
    await page.locator('#partner-timeline tbody tr').first().waitFor();
    const types = await page
      .locator('#partner-timeline tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
    assert.equal(types.filter((t) => t === 'PartnerInvited').length, 2);
    assert.equal(types.filter((t) => t === 'PartnerRegistered').length, 2);
    assert.ok(types.includes('PartnerSuspended') && types.includes('PartnerResumed'), types.join());
    assert.match(await shown(page.locator('#partner-timeline')), /CPO XYZ \(DE\*XYZ\)\s+suspended/);
    await browser.screenshot('audit');
  });

  test('health: the event store, the projections behind the log, and the last contact per partner', async () => {
    const { page } = browser;
    await page.goto(`${base}/console#/health`);
    await page.locator('#health-status').waitFor();
    assert.match(await shown(page.locator('#health-status')), /^(ok|degraded)$/);
    assert.match(await shown(page.locator('main')), /billing/);
    // The contacts come from the audit API in a request of their own: wait for their rows.
    const contactRow = (who: Cpo) => page.locator(`#partner-contacts tbody tr[data-key="${who.partnerId}"]`);
    await contactRow(xyz).waitFor();
    await contactRow(bec).waitFor();
    for (const who of [bec, xyz]) {
      // The CPO's pushes were its contacts: the last PartnerContacted of its stream is on screen.
      const [last] = await store.readStream<{ at: string }>(`partnercontact-${who.partnerId}`, {
        direction: 'backwards',
        maxCount: 1,
      });
      assert.ok(last, `a contact of ${who.partyId} in the log`);
      const cells = await contactRow(who)
        .locator('td')
        .evaluateAll((tds) => tds.map((td) => td.textContent?.trim() ?? ''));
      assert.equal(cells[0], `CPO ${who.partyId} (${who.countryCode}*${who.partyId})`);
      assert.equal(cells[1], 'CPO');
      assert.equal(cells[2], 'registered');
      assert.match(cells[3], new RegExp(`\\(position ${last.position}\\)$`));
      assert.equal(
        await contactRow(who).locator('td[data-column="last_contact_at"] time').getAttribute('title'),
        `UTC: ${new Date(last.data.at).toISOString()}`,
      );
      assert.match(cells[4], /^\d+ (s|min)$/);
    }
    const api = await call('GET', '/audit/partners/contacts', AUDIT_KEY);
    assert.equal(api.status, 200);
    const shownAt = await page
      .locator('section[aria-labelledby="contacts-title"] .position[data-position]')
      .getAttribute('data-position');
    assert.ok(Number(shownAt) <= api.body.position, 'the position the contacts were read at');
    await browser.screenshot('health');
  });

  test('readable on a tablet: the statements page at 768 px wide', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${base}/console#/statements?month=2026-11`);
    await page.locator('tbody tr[data-key="BE*BEC/EUR"]').waitFor();
    await page.locator('canvas#chart-amount[data-ready]').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    await browser.screenshot('statements-tablet');
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
