import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BillingReadModel, billingProjection, pricingProjection } from '@roamledger/billing';
import { openPgliteClient, openPostgresClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import { digestProjection, listBuilds, ProjectionHost, rebuildProjections } from '@roamledger/projections';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import {
  BERLIN_DECEMBER,
  BERLIN_NOVEMBER,
  cdr,
  raiseAuthorizationFindings,
  session,
  TIME_ZONE,
  writeBillingMonth,
  writers,
} from './billing-fixture';

async function statements(db: SqlClient, month: string): Promise<Record<string, string | number>[]> {
  const rows = await db.query<Record<string, string | number>>(
    `SELECT country_code || '*' || party_id AS partner, currency, cdr_count, session_count, credit_count, energy_kwh::text, amount_excl_vat::text,
            amount_incl_vat::text, incl_vat_missing
       FROM partner_statements WHERE month = $1 ORDER BY partner, currency`,
    [month],
  );
  return rows.map((row) => ({
    ...row,
    cdr_count: Number(row.cdr_count),
    session_count: Number(row.session_count),
    credit_count: Number(row.credit_count),
    incl_vat_missing: Number(row.incl_vat_missing),
  }));
}

async function ledger(db: SqlClient) {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT cdr_id, credit, credited_by, session_id, amount_excl_vat::text, amount_incl_vat::text, energy_kwh::text,
            statement_month, findings, receipt_findings, position::text
       FROM cdr_ledger ORDER BY country_code, party_id, cdr_key`,
  );
  return Object.fromEntries(rows.map((row) => [row.cdr_id as string, row]));
}

describe('billing projection, built live from the log as the Sessions and CDRs modules write it', () => {
  let store: SqlEventStore;
  let db: SqlClient;
  let host: ProjectionHost;
  let head: number;
  const schema = freshSchemaName('rl_billing');

  before(async () => {
    store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    db = await openPgliteClient(undefined);
    // Small batches while the events arrive: the live tables come from many transactions.
    host = new ProjectionHost(store, db, [billingProjection({ timeZone: TIME_ZONE })], { batchSize: 3, maxWaitMs: 2 });
    await host.start();
    head = await writeBillingMonth(store, new Date(Date.now() - 3_600_000).toISOString());
    await host.waitFor('billing', head, 30_000);
  });
  after(async () => {
    await host?.stop();
    await db?.close();
    await store?.close();
    await dropSchema(schema);
  });

  test('partner statements match the totals worked out by hand (Berlin months, credits netted)', async () => {
    assert.deepEqual(await statements(db, '2026-11'), BERLIN_NOVEMBER);
    assert.deepEqual(await statements(db, '2026-12'), BERLIN_DECEMBER);
    assert.deepEqual(await statements(db, '2026-10'), [], 'C2 ends 23:30 UTC on 31 Oct, which is November in Berlin');
  });

  test('the ledger has one row per CDR and credit, with the one rounding rule and current findings', async () => {
    const rows = await ledger(db);
    assert.deepEqual(Object.keys(rows).sort(), ['C1', 'C1-CR', 'C2', 'C4', 'C4-CR', 'C5', 'J1', 'N1', 'N2', 'N3']);
    // Rounded once, half away from zero, to the currency's minor unit.
    assert.equal(rows.C2.amount_excl_vat, '10.00');
    assert.equal(rows.C2.amount_incl_vat, '11.91');
    assert.equal(rows.J1.amount_excl_vat, '1235');
    assert.equal(rows.N1.amount_incl_vat, null);
    // C2 came before its session: the CDRs module found no session then; the ledger has it now.
    assert.ok((rows.C2.receipt_findings as string[]).includes('session_unknown'));
    assert.deepEqual(rows.C2.findings, []);
    assert.equal(rows.C2.statement_month, '2026-11');
    // C4-CR came before C4.
    assert.ok((rows['C4-CR'].receipt_findings as string[]).includes('credit_original_unknown'));
    assert.deepEqual(rows['C4-CR'].findings, []);
    assert.deepEqual(rows.C4.credited_by, ['C4-CR']);
    assert.deepEqual(rows.C1.credited_by, ['C1-CR']);
    assert.equal(rows['C1-CR'].credit, true);
    assert.equal(rows['C1-CR'].amount_excl_vat, '-5.25');
    // No session held for these.
    assert.deepEqual(rows.N1.findings, ['cdr_without_session']);
    assert.deepEqual(rows.N2.findings, ['cdr_without_session']);
    assert.deepEqual(rows.N3.findings, []);
    for (const row of Object.values(rows)) assert.ok(Number(row.position) <= head);
  });

  test('the session view shows status, kWh and cost so far, and the CDRs of each session', async () => {
    const rows = await db.query<Record<string, unknown>>(
      `SELECT session_id, status, energy_kwh::text, cost_excl_vat::text, cost_incl_vat::text, cdr_count, end_at IS NOT NULL AS ended
         FROM session_view ORDER BY country_code, party_id, session_key`,
    );
    assert.deepEqual(rows, [
      {
        session_id: 'S1',
        status: 'COMPLETED',
        energy_kwh: '10.5',
        cost_excl_vat: '5.25',
        cost_incl_vat: '6.25',
        cdr_count: 1,
        ended: true,
      },
      // The held PATCH (newer than the PUT) set kWh to 22.345.
      {
        session_id: 'S2',
        status: 'COMPLETED',
        energy_kwh: '22.345',
        cost_excl_vat: '10.00',
        cost_incl_vat: '11.91',
        cdr_count: 1,
        ended: true,
      },
      {
        session_id: 'S3',
        status: 'ACTIVE',
        energy_kwh: '3.2',
        cost_excl_vat: '1.60',
        cost_incl_vat: '1.90',
        cdr_count: 0,
        ended: false,
      },
      {
        session_id: 'S5',
        status: 'COMPLETED',
        energy_kwh: '12',
        cost_excl_vat: '6.00',
        cost_incl_vat: '6.46',
        cdr_count: 1,
        ended: true,
      },
      {
        session_id: 'S6',
        status: 'COMPLETED',
        energy_kwh: '4',
        cost_excl_vat: null,
        cost_incl_vat: null,
        cdr_count: 0,
        ended: true,
      },
      {
        session_id: 'S7',
        status: 'COMPLETED',
        energy_kwh: '1',
        cost_excl_vat: null,
        cost_incl_vat: null,
        cdr_count: 0,
        ended: true,
      },
    ]);
  });

  test('a rebuild from position 0 gives byte-identical tables, in PGlite and in PostgreSQL, whatever the batch size', async () => {
    const live = await digestProjection(db, billingProjection({ timeZone: TIME_ZONE }));
    assert.equal(live.position, head);
    assert.deepEqual(
      live.tables.map((table) => [table.table, table.rows]),
      [
        ['cdr_ledger', 10],
        ['session_view', 6],
        ['partner_statements', 5],
      ],
    );

    const pglite = await openPgliteClient(undefined);
    const postgres = await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema });
    try {
      const oneBatch = await rebuildProjections({
        store,
        target: pglite,
        projections: [billingProjection({ timeZone: TIME_ZONE })],
      });
      const eventByEvent = await rebuildProjections({
        store,
        target: postgres,
        projections: [billingProjection({ timeZone: TIME_ZONE })],
        batchSize: 1,
      });
      assert.deepEqual(oneBatch.projections, [live]);
      assert.deepEqual(eventByEvent.projections, [live]);

      // The comparison can fail: one cent more in the rebuilt ledger changes its digest.
      await postgres.query("UPDATE cdr_ledger SET amount_excl_vat = amount_excl_vat + 0.01 WHERE cdr_id = 'C1'");
      const changed = await digestProjection(postgres, billingProjection({ timeZone: TIME_ZONE }));
      assert.notEqual(changed.tables[0].sha256, live.tables[0].sha256);
      assert.equal(changed.tables[1].sha256, live.tables[1].sha256);
    } finally {
      await pglite.close();
      await postgres.close();
    }
  });

  test('changing the time zone rebuilds the projection beside the old build and switches to it', async () => {
    const utc = new ProjectionHost(store, db, [billingProjection({ timeZone: 'UTC' })], { batchSize: 4, maxWaitMs: 2 });
    try {
      await utc.start();
      await utc.waitFor('billing', head, 30_000);
      const builds = await listBuilds(db, 'billing');
      assert.deepEqual(
        builds.map((build) => build.state),
        ['retired', 'active'],
      );
      // In UTC, C2 (31 Oct 23:30 UTC) is October and C5 (30 Nov 23:30 UTC) November.
      assert.deepEqual(
        (await statements(db, '2026-10')).map((s) => [s.partner, s.cdr_count, s.energy_kwh, s.amount_excl_vat]),
        [['DE*ABC', 1, '22.345', '10.00']],
      );
      assert.deepEqual(
        (await statements(db, '2026-11')).filter((s) => s.partner === 'DE*ABC'),
        [
          {
            // C1 + C4 + C5 - C1-CR - C4-CR
            partner: 'DE*ABC',
            currency: 'EUR',
            cdr_count: 3,
            session_count: 1,
            credit_count: 2,
            energy_kwh: '8',
            amount_excl_vat: '4.00',
            amount_incl_vat: '4.76',
            incl_vat_missing: 0,
          },
        ],
      );
    } finally {
      await utc.stop();
    }
  });
});

describe('statement sessions: each session once, in the statement of its first CDR', () => {
  test('a second CDR of a session, a credit and a CDR before its session add no session twice, whatever the batches', async () => {
    const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    const { sessions, cdrs } = writers(store);
    const hour = (day: number, h: number) => `2027-01-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`;
    const of = (id: string, day: number, extra: { sessionId?: string; creditOf?: string } = {}) =>
      cdr('FR*SES', id, { start: hour(day, 8), end: hour(day, 9), kwh: 1, excl: 1, incl: 1.2, currency: 'EUR', ...extra });
    await sessions.put(
      session('FR*SES', 'SA', { start: hour(4, 8), end: hour(4, 9), kwh: 1, status: 'COMPLETED', lastUpdated: hour(4, 9) }),
    );
    await cdrs.receive(of('A1', 4, { sessionId: 'SA' }));
    await cdrs.receive(of('A2', 5, { sessionId: 'SA' })); // a second CDR of SA: no second session
    await cdrs.receive(of('A1-CR', 4, { sessionId: 'SA', creditOf: 'A1' }));
    await cdrs.receive(of('B1', 6, { sessionId: 'SB' })); // before its session
    await sessions.put(
      session('FR*SES', 'SB', { start: hour(6, 8), end: hour(6, 9), kwh: 1, status: 'COMPLETED', lastUpdated: hour(6, 9) }),
    );
    await cdrs.receive(of('B2', 7, { sessionId: 'sb' })); // ids compare case-insensitively
    await cdrs.receive(of('N1', 8)); // names no session
    const head = await store.headPosition();
    try {
      for (const batchSize of [1, 1000]) {
        const db = await openPgliteClient(undefined);
        const host = new ProjectionHost(store, db, [billingProjection({ timeZone: 'UTC' })], { batchSize, maxWaitMs: 2 });
        try {
          await host.start();
          await host.waitFor('billing', head, 30_000);
          const [statement] = await statements(db, '2027-01');
          assert.deepEqual(
            [statement.cdr_count, statement.session_count, statement.credit_count],
            [5, 2, 1],
            `batch size ${batchSize}`,
          );
        } finally {
          await host.stop();
          await db.close();
        }
      }
    } finally {
      await store.close();
    }
  });
});

describe("billing projection: the tokens register's authorization findings on sessions and CDRs", () => {
  let store: SqlEventStore;
  let db: SqlClient;
  let host: ProjectionHost;
  let head: number;

  before(async () => {
    store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    db = await openPgliteClient(undefined);
    host = new ProjectionHost(store, db, [billingProjection({ timeZone: TIME_ZONE })], { batchSize: 2, maxWaitMs: 2 });
    await host.start();
    await writeBillingMonth(store, new Date(Date.now() - 3_600_000).toISOString());
    head = await raiseAuthorizationFindings(store);
    await host.waitFor('billing', head, 30_000);
  });
  after(async () => {
    await host?.stop();
    await db?.close();
    await store?.close();
  });

  test('each finding is on the row it names, once; the rest of the rows and the statements are unchanged', async () => {
    const sessions = await db.query<{ session_id: string; findings: string[] }>(
      `SELECT session_id, findings FROM session_view WHERE cardinality(findings) > 0 ORDER BY session_key`,
    );
    assert.deepEqual(sessions, [
      { session_id: 'S1', findings: ['unknown_authorization_reference'] },
      { session_id: 'S3', findings: ['token_blocked_at_start'] },
    ]);
    const rows = await ledger(db);
    assert.deepEqual(rows.C2.findings, ['unknown_authorization_reference']);
    assert.deepEqual(rows.C1.findings, []);
    assert.deepEqual(rows.N1.findings, ['cdr_without_session']);
    assert.deepEqual(await statements(db, '2026-11'), BERLIN_NOVEMBER);
    assert.deepEqual(await statements(db, '2026-12'), BERLIN_DECEMBER);
    const raised = await store.readAll({ filter: { eventTypes: ['AuthorizationFindingRaised'] } });
    assert.equal(raised.length, 3, 'raised twice, written once');
  });

  test('a rebuild from position 0, event by event, gives the live tables byte for byte', async () => {
    const live = await digestProjection(db, billingProjection({ timeZone: TIME_ZONE }));
    assert.equal(live.position, head);
    const target = await openPgliteClient(undefined);
    try {
      const rebuilt = await rebuildProjections({
        store,
        target,
        projections: [billingProjection({ timeZone: TIME_ZONE })],
        batchSize: 1,
      });
      assert.deepEqual(rebuilt.projections, [live]);
    } finally {
      await target.close();
    }
  });
});

describe('billing projection, a session with several CDRs', () => {
  test('lists each CDR once, sorted, whatever order they and the session arrive in', async () => {
    const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    const db = await openPgliteClient(undefined);
    // Pricing too: the finance read model joins its session_pricing.
    const host = new ProjectionHost(
      store,
      db,
      [billingProjection({ timeZone: TIME_ZONE }), pricingProjection({ toleranceMinorUnits: 1 })],
      { batchSize: 2, maxWaitMs: 2 },
    );
    try {
      await host.start();
      const { sessions, cdrs } = writers(store);
      const charge = (id: string) =>
        cdr('DE*ABC', id, {
          start: '2026-11-05T08:00:00Z',
          end: '2026-11-05T09:00:00Z',
          kwh: 1,
          excl: 1,
          currency: 'EUR',
          sessionId: 'S-MANY',
        });
      await cdrs.receive(charge('M5'));
      await sessions.put(
        session('DE*ABC', 'S-MANY', {
          start: '2026-11-05T08:00:00Z',
          kwh: 0,
          status: 'ACTIVE',
          lastUpdated: '2026-11-05T08:00:00Z',
        }),
      );
      for (const id of ['M9', 'M2', 'M7', 'M1', 'M10']) await cdrs.receive(charge(id));
      await host.waitFor('billing', await store.headPosition(), 30_000);
      await host.waitFor('pricing', await store.headPosition(), 30_000);
      const [row] = await db.query<{ cdr_count: number }>(`SELECT cdr_count FROM session_view WHERE session_id = 'S-MANY'`);
      assert.equal(row.cdr_count, 6);
      const read = await new BillingReadModel(db).session('DE', 'ABC', 's-many');
      assert.deepEqual(read?.result?.row.cdr_ids, ['M1', 'M10', 'M2', 'M5', 'M7', 'M9']);
    } finally {
      await host.stop();
      await db.close();
      await store.close();
    }
  });
});
