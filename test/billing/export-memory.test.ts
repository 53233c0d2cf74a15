import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Module } from '@nestjs/common';
import { BillingModule, PROJECTION_DB } from '@roamledger/billing';
import type { SqlClient } from '@roamledger/event-store';
import { ProjectionHost } from '@roamledger/projections';
import { ServiceModule } from '@roamledger/service';
import { startTestApp, type TestApp } from '../support/test-app';

@Module({})
class ExportTestRoot {}

const ROWS = 100_000;
const KEY = 'finance-test-key';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let testApp: TestApp;

before(async () => {
  testApp = await startTestApp(
    (config) => ({ module: ExportTestRoot, imports: [ServiceModule.forRoot(config), BillingModule] }),
    { FINANCE_API_KEY: KEY },
    { listen: true },
  );
  // Seeded straight into the ledger (through its view) in one statement: the export is under test, not the projection.
  const db = testApp.app.get<SqlClient>(PROJECTION_DB);
  await db.query(`
    INSERT INTO cdr_ledger
    SELECT 'DE', 'ABC', 'CDR-' || i, 'CDR-' || i, false, NULL, NULL, '{}', 'S-' || i, 'S-' || i, true,
           'TOK' || (i % 1000), 'RFID', 'NL-RLG-C' || lpad((i % 1000)::text, 5, '0') || '-X', 'NL*RLG', 'WHITELIST', 'AUTH-' || i,
           'LOC' || (i % 50), 'EVSE' || (i % 200), 'DE*ABC*E' || (i % 200), '1', t.end_at - interval '1 hour', t.end_at, '2026-11',
           (i % 100) + 0.125, 1, NULL, 'EUR', round((i % 5000) / 100.0, 2), round((i % 5000) * 1.19 / 100.0, 2), '{T1}', NULL,
           t.end_at, '{no_session_id,token_not_verified}', '{cdr_without_session}', 'cdr-DE-ABC-CDR-' || i, i, t.end_at, i
      FROM generate_series(1, ${ROWS}) AS i,
           LATERAL (SELECT timestamptz '2026-11-01T00:00:00Z' + i * interval '20 seconds' AS end_at) AS t`);
  // What the host does every 50,000 applied events; a bulk insert skips it.
  await testApp.app.get(ProjectionHost).analyze('billing');
});
after(() => testApp?.close());

interface ExportRun {
  bytes: number;
  lines: number;
  lastLine: string;
  started: number;
  firstByteAt: number;
  finished: number;
  baseline: NodeJS.MemoryUsage;
  peakLiveHeap: number;
  peakRss: number;
}

/** One export of the month, read as it streams, with the live heap (after a full GC) every 10,000 lines and the peak RSS. */
async function exportMonth(): Promise<ExportRun> {
  const url = `${testApp.config.publicUrl}/finance/export/cdrs.csv?from=2026-11-01&to=2026-12-01`;
  let bytes = 0;
  let lines = 0;
  let firstByteAt = 0;
  // Before the request: whatever the export holds on to shows as growth from here.
  gc();
  const baseline = process.memoryUsage();
  let peakLiveHeap = baseline.heapUsed;
  let peakRss = baseline.rss;
  let nextSample = 10_000;
  let lastLine = '';
  const started = Date.now();

  await new Promise<void>((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${KEY}` } }, (response) => {
        assert.equal(response.statusCode, 200);
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          firstByteAt ||= Date.now();
          bytes += Buffer.byteLength(chunk);
          for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
          lastLine = (lastLine + chunk).slice(-400);
          peakRss = Math.max(peakRss, process.memoryUsage.rss());
          if (lines >= nextSample) {
            nextSample += 10_000;
            gc();
            const usage = process.memoryUsage();
            peakLiveHeap = Math.max(peakLiveHeap, usage.heapUsed);
            peakRss = Math.max(peakRss, usage.rss);
          }
        });
        response.on('end', resolve);
        response.on('error', reject);
      })
      .on('error', reject);
  });
  return { bytes, lines, lastLine, started, firstByteAt, finished: Date.now(), baseline, peakLiveHeap, peakRss };
}

test(`an export of ${ROWS.toLocaleString('en')} CDRs streams with flat memory`, async () => {
  // The first export warms the embedded database: the pages it touches for the first time grow the
  // process's RSS once (PGlite's WebAssembly memory), whatever the export holds. The second one is measured.
  const warm = await exportMonth();
  assert.equal(warm.lines, ROWS + 1, 'a header and every row');
  const { bytes, lines, lastLine, started, firstByteAt, finished, baseline, peakLiveHeap, peakRss } = await exportMonth();

  const mb = (value: number) => Math.round(value / 2 ** 20);
  const heapGrowth = peakLiveHeap - baseline.heapUsed;
  const rssGrowth = peakRss - baseline.rss;
  console.log(
    `# export: ${ROWS} rows, ${mb(bytes)} MB in ${finished - started} ms (first byte after ${firstByteAt - started} ms); ` +
      `live heap ${mb(baseline.heapUsed)} -> peak ${mb(peakLiveHeap)} MB, rss ${mb(baseline.rss)} -> peak ${mb(peakRss)} MB ` +
      `(first export: rss ${mb(warm.baseline.rss)} -> peak ${mb(warm.peakRss)} MB)`,
  );
  assert.equal(lines, ROWS + 1, 'a header and every row');
  assert.match(lastLine, /CDR-100000,/);
  // Streamed, shown by memory, not by time (a timed bound failed under load: first byte after 26% of
  // the run): the body is far larger than the growth allowed, so holding it (or its rows) in memory
  // would break the bounds.
  assert.ok(bytes > 30 * 2 ** 20, `${mb(bytes)} MB exported`);
  assert.ok(heapGrowth < 16 * 2 ** 20, `live heap grew ${mb(heapGrowth)} MB during the stream`);
  assert.ok(rssGrowth < 64 * 2 ** 20, `rss grew ${mb(rssGrowth)} MB during the stream`);
});
