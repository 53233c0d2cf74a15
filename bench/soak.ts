/**
 * Soak: the receivers, billing and the sealer in one process (as the hub runs them) under a
 * steady rate of Session PUTs and PATCHes over HTTP, for a bounded time; prints the live heap after
 * a full GC at the start (after a warm-up) and at the end, and RSS. Issue 15 aims at flat within 10%.
 * Asserts nothing.
 *   node --expose-gc -r ./tsconfig-paths-dist.js dist/bench/soak.js
 *   SOAK_SECONDS=600 (after a 15 s warm-up)  SOAK_RATE=200 (requests/s)  SOAK_STORE=pglite|postgres (DATABASE_URL)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Logger } from '@nestjs/common';
import { AuditModule } from '@roamledger/audit';
import { BillingModule } from '@roamledger/billing';
import type { EventStore } from '@roamledger/event-store';
import { session } from '../test/billing/billing-fixture';
import { CPO_A, startReceiverApp } from '../test/support/receiver-app';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
Logger.overrideLogger(['error']);

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const WARMUP_SECONDS = 15;
const RATE = Number(process.env.SOAK_RATE ?? 200);
const STORE = process.env.SOAK_STORE ?? 'pglite';
const PATCHES_PER_SESSION = 20;

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const env: Record<string, string> = {
    LOG_LEVEL: 'error',
    FINANCE_API_KEY: 'soak-finance-key-0123456789abcdef',
    PARTNER_RATE_LIMIT: '0',
  };
  if (STORE === 'postgres') {
    env.EVENT_STORE = 'postgres';
    env.DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  }
  const harness = await startReceiverApp([], {
    env,
    imports: [BillingModule, AuditModule.forRoot({ everyEvents: 1000, everySeconds: 10 })],
  });
  const store: EventStore = harness.store;
  let sent = 0;
  let failed = 0;
  let sessionNo = 0;
  let patchNo = 0;
  const request = async () => {
    const id = `SOAK-${process.pid}-${sessionNo}`;
    const minute = String(patchNo % 60).padStart(2, '0');
    const put = patchNo === 0;
    const body = put
      ? session('NL*STK', id, { start: '2026-11-02T08:00:00Z', kwh: 0, status: 'ACTIVE', lastUpdated: '2026-11-02T08:00:00Z' })
      : {
          kwh: patchNo,
          charging_periods: [
            {
              start_date_time: `2026-11-02T09:${minute}:00Z`,
              dimensions: [
                { type: 'ENERGY', volume: 0.5 },
                { type: 'TIME', volume: 0.01 },
              ],
            },
          ],
          last_updated: `2026-11-02T09:${minute}:00Z`,
        };
    patchNo = (patchNo + 1) % (PATCHES_PER_SESSION + 1);
    if (patchNo === 0) sessionNo++;
    const response = await harness.app.inject({
      method: put ? 'PUT' : 'PATCH',
      url: `/ocpi/emsp/2.2.1/sessions/NL/STK/${id}`,
      headers: { ...CPO_A, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    sent++;
    if (response.statusCode >= 300 || response.json().status_code !== 1000) failed++;
  };

  // A steady rate: one request per tick, in order (a session's PATCHes follow its PUT).
  const runFor = async (seconds: number) => {
    const end = Date.now() + seconds * 1000;
    const interval = 1000 / RATE;
    let due = Date.now();
    while (Date.now() < end) {
      await request();
      due += interval;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  await runFor(WARMUP_SECONDS);
  const startHeap = heapAfterGc();
  const startRss = process.memoryUsage().rss;
  const startHead = await store.headPosition();
  const started = Date.now();
  console.log(`soak: ${STORE}, ${RATE} req/s for ${SECONDS} s; heap after GC at start ${mb(startHeap)}, RSS ${mb(startRss)}`);
  await runFor(SECONDS);
  const elapsed = (Date.now() - started) / 1000;
  const endHead = await store.headPosition();
  const endHeap = heapAfterGc();
  const endRss = process.memoryUsage().rss;
  const events = endHead - startHead;
  console.log(
    `soak: ${sent} requests (${failed} not 1000), ${events} events appended in ${elapsed.toFixed(0)} s (${(events / elapsed).toFixed(0)}/s)`,
  );
  console.log(
    `soak: heap after GC ${mb(startHeap)} -> ${mb(endHeap)} (${(((endHeap - startHeap) / startHeap) * 100).toFixed(1)}%, ${((endHeap - startHeap) / Math.max(1, events)).toFixed(0)} B per event); RSS ${mb(startRss)} -> ${mb(endRss)}`,
  );
  await harness.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
