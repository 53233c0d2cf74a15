/**
 * First paint of the console's statements page in Debian's Chromium with BENCH_CDRS CDRs in the
 * log (default 100,000), seeded straight into the store as CdrReceived events (20 CPOs, three
 * currencies, six months, one in ten with a credit), the billing projection caught up first.
 * Prints figures; asserts nothing.
 *   npm run bench:console     BENCH_CDRS=100000  BENCH_RUNS=5  CHROMIUM_PATH=/usr/bin/chromium
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CdrReceived } from '@roamledger/cdrs';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { hubModule } from '@roamledger/modules';
import type { CDR } from '@roamledger/ocpi';
import { ProjectionHost } from '@roamledger/projections';
import { chromium } from 'playwright-core';
import { until } from '../test/console/console-browser';
import { startTestApp } from '../test/support/test-app';

const CDRS = Number(process.env.BENCH_CDRS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FINANCE_KEY = 'bench-console-finance-key';
const CURRENCIES = ['EUR', 'GBP', 'JPY'];
const PARALLEL = 16;

function cdrOf(n: number): CDR {
  const party = `P${String(n % 20).padStart(2, '0')}`;
  const currency = CURRENCIES[n % 3];
  // Six months back from November 2026, spread evenly.
  const start = new Date(Date.UTC(2026, 5, 1) + Math.floor((n / CDRS) * 182 * 86_400_000)).toISOString();
  const end = new Date(Date.parse(start) + 3_600_000).toISOString();
  const kwh = 5 + (n % 40) * 0.5;
  const price = currency === 'JPY' ? 60 : 0.4;
  return {
    country_code: 'DE',
    party_id: party,
    id: `C${n}`,
    start_date_time: start,
    end_date_time: end,
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: `TOK${n % 5000}`, type: 'RFID', contract_id: `NL-RLG-C${n % 5000}-X` },
    auth_method: 'WHITELIST',
    cdr_location: {
      id: `LOC${n % 300}`,
      address: 'Hauptstrasse 1',
      city: 'Berlin',
      country: 'DEU',
      coordinates: { latitude: '52.52', longitude: '13.40' },
      evse_uid: `EVSE${n % 1200}`,
      evse_id: `DE*${party}*E${n % 1200}`,
      connector_id: '1',
      connector_standard: 'IEC_62196_T2',
      connector_format: 'SOCKET',
      connector_power_type: 'AC_3_PHASE',
    },
    currency,
    charging_periods: [{ start_date_time: start, dimensions: [{ type: 'ENERGY', volume: kwh }] }],
    total_cost: { excl_vat: kwh * price, incl_vat: kwh * price * 1.19 },
    total_energy: kwh,
    total_time: 1,
    last_updated: end,
  } as unknown as CDR;
}

async function seed(store: EventStore): Promise<void> {
  const started = performance.now();
  for (let n = 0; n < CDRS; n += PARALLEL) {
    const batch = [];
    for (let i = n; i < Math.min(CDRS, n + PARALLEL); i++) {
      const cdr = cdrOf(i);
      const ref = { country_code: 'DE', party_id: cdr.party_id, cdr_id: cdr.id };
      batch.push(
        store.append(`cdr-DE-${cdr.party_id}-${cdr.id}`, [
          {
            id: randomUUID(),
            type: 'CdrReceived',
            data: { ...ref, cdr, findings: [] } satisfies CdrReceived['data'],
            metadata: { partner: `DE*${cdr.party_id}` },
          },
        ]),
      );
    }
    await Promise.all(batch);
    if (n % 5000 < PARALLEL) process.stdout.write(`\r  seeded ${n.toLocaleString('en')} CDRs`);
  }
  process.stdout.write(
    `\r  seeded ${CDRS.toLocaleString('en')} CDRs in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const hub = await startTestApp(hubModule, { FINANCE_API_KEY: FINANCE_KEY }, { listen: true });
  try {
    const store = hub.app.get<EventStore>(EVENT_STORE);
    await seed(store);
    const caughtUp = performance.now();
    await hub.app.get(ProjectionHost).waitFor('billing', await store.headPosition(), 30 * 60_000);
    console.log(`  billing projection caught up ${((performance.now() - caughtUp) / 1000).toFixed(0)} s after the seeding ended`);
    const base = hub.config.publicUrl;

    const apiTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const response = await fetch(`${base}/finance/statements?month=2026-11`, {
        headers: { authorization: `Bearer ${FINANCE_KEY}` },
      });
      await response.json();
      apiTimes.push(performance.now() - t);
    }

    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const firstPaint: number[] = [];
    const figures: number[] = [];
    const charts: number[] = [];
    let rows = 0;
    try {
      for (let i = 0; i < RUNS; i++) {
        // A fresh context each run: nothing cached, the key already in the tab's session.
        const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
        await context.addInitScript(
          `sessionStorage.setItem('roamledger-console-keys', ${JSON.stringify(JSON.stringify({ finance: FINANCE_KEY }))})`,
        );
        const page = await context.newPage();
        await page.goto(`${base}/console#/statements?month=2026-11`);
        // Both marks: the statement table's, then the six-month charts' (the top-partners chart has none).
        await until(
          page,
          "performance.getEntriesByName('roamledger:statements').length > 0 && performance.getEntriesByName('roamledger:charts').length > 0",
          60_000,
        );
        const timing = await page.evaluate<{ fcp: number; figures: number; charts: number; rows: number }>(
          `({ fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
              figures: performance.getEntriesByName('roamledger:statements')[0].startTime,
              charts: performance.getEntriesByName('roamledger:charts')[0].startTime,
              rows: document.querySelectorAll('tbody tr[data-key]').length })`,
        );
        firstPaint.push(timing.fcp);
        figures.push(timing.figures);
        charts.push(timing.charts);
        rows = timing.rows;
        await context.close();
      }
    } finally {
      await browser.close();
    }
    const ms = (values: number[]) =>
      `median ${median(values).toFixed(0)} ms (runs: ${values.map((v) => v.toFixed(0)).join(', ')})`;
    console.log(`statements page, ${CDRS.toLocaleString('en')} CDRs in the log, ${rows} statement rows:`);
    console.log(`  GET /finance/statements                ${ms(apiTimes)}`);
    console.log(`  first contentful paint                 ${ms(firstPaint)}`);
    console.log(`  the month's statement table on screen  ${ms(figures)}`);
    console.log(`  the six-month charts on screen         ${ms(charts)}`);
  } finally {
    await hub.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
