import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAudit } from '@roamledger/audit';
import { billingProjection, billingSettings, pricingProjection } from '@roamledger/billing';
import { catalogProjection } from '@roamledger/catalog';
import { type EventStore, openEventStore, type RecordedEvent } from '@roamledger/event-store';
import { LocationStreams } from '@roamledger/locations';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { openProjectionDb, ProjectionHost } from '@roamledger/projections';
import { loadConfig } from '@roamledger/service';
import { TariffStreams } from '@roamledger/tariffs';
import { raiseAuthorizationFindings, writeBillingMonth } from '../billing/billing-fixture';
import { evse, location, tariff } from '../support/location-fixtures';
import { projectRoot } from '../support/project-root';
import { cutTail, editData } from './intruder';
import { buildLog } from './log-fixture';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-audit-cli-'));
const file = (name: string) => path.join(dataDir, name);
const env = { DATA_DIR: dataDir, EVENT_STORE: 'pglite' };
const config = loadConfig(env);
const openStore = () => openEventStore(config);
const T0 = '2026-03-01T08:00:00Z';
const T1 = '2026-03-01T08:05:00Z';

/** The command as a user runs it: a separate node process on the same DATA_DIR. */
function spawnAudit(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', './tsconfig-paths-dist.js', 'dist/apps/audit/main.js', ...args],
      { cwd: projectRoot(), env: { PATH: process.env.PATH, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The same command in this process, on the store the test holds open (PGlite allows one process). */
async function audit(store: EventStore, args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runAudit(
    args,
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { isTTY: false, write: (text: string) => (stderr += text) },
      env,
    },
    { store, modules: ROAMLEDGER_MODULES },
  );
  return { code, stdout, stderr };
}

describe('npm run audit', () => {
  let store: EventStore;
  let session: RecordedEvent[];

  before(async () => {
    store = await openStore();
    await buildLog(store, { events: 2000, sealEvery: 500, unsealedTail: 100 });
    await writeBillingMonth(store, new Date().toISOString());
    // The tokens register's findings, which billing puts on its session and CDR rows: replay must rebuild them too.
    await raiseAuthorizationFindings(store);
    // Chargers and prices for the catalog: a location with two EVSEs, a status PATCH, a tariff.
    const locations = new LocationStreams(store);
    await locations.putLocation(location('L1', T0, { evses: [evse('E1', T0), evse('E2', T0)] }), {});
    await locations.patchEvse(
      { country_code: 'BE', party_id: 'BEC', location_id: 'L1', evse_uid: 'E1' },
      {
        status: 'CHARGING',
        last_updated: T1,
      } as never,
      {},
    );
    await new TariffStreams(store).put(tariff('T1', T0, 0.25), {});
    const head = await store.headPosition();
    session = await store.readStream('session-DE-ABC-S1');
    // Each projection kept as the hub keeps it: billing's host (billing, pricing) and the catalog's,
    // both in DATA_DIR/projections.
    const settings = billingSettings(config);
    for (const projections of [
      [billingProjection(settings), pricingProjection({ toleranceMinorUnits: settings.pricingToleranceMinorUnits })],
      [catalogProjection()],
    ]) {
      const db = await openProjectionDb({ dataDir });
      const host = new ProjectionHost(store, db, [...projections]);
      await host.start();
      for (const projection of projections) await host.waitFor(projection.name, head, 60_000);
      await host.stop();
      await db.close();
    }
  });
  after(async () => {
    await store?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('history lists a stream with time, request id, partner and hash', async () => {
    const run = await audit(store, ['history', 'session-NL-CPO-00007']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /session-NL-CPO-00007: \d+ event\(s\), chain intact/);
    assert.match(run.stdout, /OcpiRequestReceived +[0-9a-f-]{36} +(DE\*ABC|NL\*CPO|FR\*XYZ) +[0-9a-f]{16}… +ok/);
    const json = JSON.parse((await audit(store, ['history', 'session-NL-CPO-00007', '--json'])).stdout);
    assert.equal(json.events.length, (await store.readStream('session-NL-CPO-00007')).length);
    const missing = await audit(store, ['history', 'session-NL-CPO-0000']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /no stream named session-NL-CPO-0000; streams starting with it:\n {2}session-NL-CPO-00000/);
  });

  test('state --at folds a session with the Sessions decider as it was then', async () => {
    const firstPatch = session.find((event) => event.type === 'SessionUpdated') as RecordedEvent;
    const then = JSON.parse(
      (await audit(store, ['state', 'session-DE-ABC-S1', '--at', String(firstPatch.position), '--json'])).stdout,
    );
    assert.match(then.aggregate, /^Session \(libs\/sessions decider\)$/);
    assert.deepEqual([then.state.session.kwh, then.state.session.status], [5.2, 'ACTIVE']);
    const now = JSON.parse((await audit(store, ['state', 'session-DE-ABC-S1', '--json'])).stdout);
    assert.deepEqual([now.state.session.kwh, now.state.session.status], [10.5, 'COMPLETED']);
    const before = await audit(store, [
      'state',
      'session-DE-ABC-S1',
      '--at',
      new Date(Date.parse(session[0].recordedAt) - 1).toISOString(),
    ]);
    assert.match(before.stdout, /0 of \d+ events folded .*the stream did not exist yet/);
    const raw = JSON.parse((await audit(store, ['state', 'note-NL-RLG-25', '--at', '999999', '--json'])).stdout);
    assert.equal(raw.aggregate, 'last data per type');
    assert.deepEqual(Object.keys(raw.state), ['NoteRecorded']);
  });

  test('seal, then digest: the head to keep', async () => {
    const sealed = await audit(store, ['seal']);
    assert.equal(sealed.code, 0, sealed.stderr);
    assert.match(sealed.stdout, /sealed \d+ events in 1 seal\(s\)/);
    const run = await audit(store, ['digest', '--out', file('digest.json')]);
    assert.equal(run.code, 0, run.stderr);
    const digest = JSON.parse(readFileSync(file('digest.json'), 'utf8'));
    assert.equal(digest.format, 'roamledger-log-digest/1');
    assert.equal(digest.size, (await store.headPosition()) + 1);
    assert.match(run.stderr, new RegExp(`log head: [\\d,]+ events, root ${digest.root}, saved to`));
  });

  test('prove and check-proof: the proof checks alone, a doctored one does not', async () => {
    const run = await audit(store, ['prove', '1234', '--out', file('proof.json')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /inclusion proof of position 1,234 in seal #\d+, 500 leaves: holds/);
    assert.equal((await audit(store, ['check-proof', file('proof.json')])).code, 0);
    const proof = JSON.parse(readFileSync(file('proof.json'), 'utf8'));
    proof.path[0] = proof.path[1];
    writeFileSync(file('bad-proof.json'), JSON.stringify(proof));
    const bad = await audit(store, ['check-proof', file('bad-proof.json')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /FAIL merkle path/);
    const nothing = await audit(store, ['prove', '99999999']);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /no event at position 99999999/);
  });

  test('export and check-export', async () => {
    const run = await audit(store, ['export', '--from', '100', '--to', '1700', '--out', file('export.ndjson')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /exported 1,\d{3} events, 4 seal\(s\)/);
    const check = await audit(store, ['check-export', file('export.ndjson')]);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /^export holds/);
  });

  test('usage errors exit with 2', async () => {
    assert.equal((await audit(store, ['frobnicate'])).code, 2);
    assert.equal((await audit(store, ['prove', 'twelve'])).code, 2);
    assert.equal((await audit(store, ['state', 'x', '--at', 'yesterday'])).code, 2);
    assert.equal((await audit(store, ['verify', '--no-such-flag'])).code, 2);
  });

  describe('as a separate process', () => {
    before(() => store.close());

    test('verify --json exits 0 on an intact log', async () => {
      const run = await spawnAudit(['verify', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.equal(report.ok, true);
      assert.ok(report.events > 2000);
      assert.equal(report.unsealedEvents, 0);
    });

    test('replay rebuilds the billing, pricing and catalog projections and finds the live ones identical', async () => {
      const run = await spawnAudit(['replay', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.deepEqual(
        report.projections.map((p: { projection: string; status: string }) => [p.projection, p.status]),
        [
          ['billing', 'same'],
          ['pricing', 'same'],
          ['catalog', 'same'],
        ],
      );
      assert.deepEqual(
        report.projections[0].tables.map((t: { table: string; same: boolean; live: { rows: number } }) => [
          t.table,
          t.same,
          t.live.rows > 0,
        ]),
        [
          ['cdr_ledger', true, true],
          ['session_view', true, true],
          ['partner_statements', true, true],
        ],
      );
      assert.deepEqual(
        report.projections
          .find((p: { projection: string }) => p.projection === 'catalog')
          .tables.map((t: { table: string; same: boolean; live: { rows: number } }) => [t.table, t.same, t.live.rows > 0]),
        [
          ['catalog_locations', true, true],
          ['catalog_evses', true, true],
          ['catalog_evse_status', true, true],
          ['catalog_tariff_versions', true, true],
        ],
      );
    });

    test('a second process on a store the hub holds open gets a clear error, not a corrupted folder', async () => {
      const live = await openStore();
      try {
        const run = await spawnAudit(['verify']);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /the hub is running on this data folder .*; stop it or audit a copy/);
        const snapshot = await spawnAudit(['snapshot', file('refused')]);
        assert.equal(snapshot.code, 2);
        assert.match(snapshot.stderr, /the hub is running on this data folder/);
      } finally {
        await live.close();
      }
    });

    test('snapshot copies a stopped store; the copy audits, and replay says its projection is behind the log', async () => {
      const store = await openStore();
      // An event the billing projection takes, appended after it last ran.
      await store.append('session-DE-ABC-LATE', [{ type: 'SessionStarted', data: { after: 'the projection stopped' } }]);
      await store.close();
      const copy = file('snapshot');
      const run = await spawnAudit(['snapshot', copy]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /event-store and projections of .* copied to/);

      const inCopy = (args: string[]) =>
        new Promise<Run>((resolve) =>
          execFile(
            process.execPath,
            ['-r', './tsconfig-paths-dist.js', 'dist/apps/audit/main.js', ...args],
            { cwd: projectRoot(), env: { PATH: process.env.PATH, ...env, DATA_DIR: copy } },
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          ),
        );
      // The copy opens while the original is held (its lock file names the original folder).
      const original = await openStore();
      try {
        assert.equal((await inCopy(['verify', '--json'])).code, 0);
        const replay = await inCopy(['replay']);
        assert.equal(replay.code, 1, replay.stderr);
        assert.match(
          replay.stdout,
          /billing v\d+ at position [\d,]+: behind\n {2}behind the log: the event at position [\d,]+ is not applied/,
        );
        // The pricing projection (session cost so far) takes SessionStarted too.
        assert.match(replay.stdout, /replay: DIFFERENCES found \(billing: behind; pricing: behind\)/);
        // The catalog was copied too: it follows from the log (the late event is not its).
        assert.match(replay.stdout, /catalog v2 at position [\d,]+: same/);
      } finally {
        await original.close();
      }
    });

    test('replay prints the rows that differ when a live table was changed', async () => {
      const db = await openProjectionDb({ dataDir });
      await db.query("UPDATE cdr_ledger SET energy_kwh = energy_kwh + 1 WHERE cdr_id = 'C1'");
      await db.close();
      const run = await spawnAudit(['replay']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /billing v\d+ at position [\d,]+: differs/);
      assert.match(run.stdout, /DIFFERS cdr_ledger/);
      assert.match(run.stdout, /only live: {4}\{.*"cdr_id": "C1"/);
      assert.match(run.stdout, /only rebuilt: \{.*"cdr_id": "C1"/);
    });

    test("replay finds a catalog table changed beside billing's", async () => {
      const db = await openProjectionDb({ dataDir });
      await db.query("UPDATE catalog_evses SET status = 'AVAILABLE' WHERE evse_key = 'E1'");
      await db.close();
      const run = await spawnAudit(['replay']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /catalog v2 at position [\d,]+: differs/);
      assert.match(run.stdout, /DIFFERS catalog_evses/);
      assert.match(run.stdout, /only live: {4}\{.*"evse_key": "E1"/);
      assert.match(run.stdout, /replay: DIFFERENCES found \(.*catalog: differs\)/);
    });

    test('verify exits 1 and names the first broken link; --since catches a cut tail', async () => {
      const store = await openStore();
      await editData(store, 777);
      const digest = JSON.parse(readFileSync(file('digest.json'), 'utf8'));
      await cutTail(store, digest.size - 40);
      await store.close();

      const run = await spawnAudit(['verify']);
      assert.equal(run.code, 1);
      assert.match(run.stdout, /verify: FAILED: 1 problem\(s\)/);
      assert.match(
        run.stdout,
        /first broken link: \[chain\] position 777, session-NL-CPO-\d+ revision \d+: content changed after it was recorded/,
      );

      const since = await spawnAudit(['verify', '--json', '--since', file('digest.json')]);
      assert.equal(since.code, 1);
      const report = JSON.parse(since.stdout);
      assert.equal(report.since.ok, false);
      assert.ok(
        report.problems.some((p: { kind: string; reason: string }) => p.kind === 'digest' && /39 were removed/.test(p.reason)),
      );
    });

    test('a store that cannot be opened exits with 2', async () => {
      const run = await new Promise<Run>((resolve) =>
        execFile(
          process.execPath,
          ['-r', './tsconfig-paths-dist.js', 'dist/apps/audit/main.js', 'verify'],
          {
            cwd: projectRoot(),
            env: { PATH: process.env.PATH, EVENT_STORE: 'postgres', DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' },
          },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
      assert.equal(run.code, 2);
      assert.match(run.stderr, /Cannot open the postgres event store/);
    });
  });
});
