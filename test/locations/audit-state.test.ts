import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Logger } from '@nestjs/common';
import { runAudit } from '@roamledger/audit';
import { openPgliteClient, SqlEventStore } from '@roamledger/event-store';
import { evseStream, LocationStreams, locationStream } from '@roamledger/locations';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { TariffStreams, tariffStream } from '@roamledger/tariffs';
import { evse, location, tariff } from '../support/location-fixtures';

// `npm run audit -- state <stream> --at` folds location, EVSE and tariff streams with their
// modules' deciders, found through the descriptors.

Logger.overrideLogger(['error', 'warn']);

describe('audit state for locations and tariffs', () => {
  let store: SqlEventStore;
  const party = { countryCode: 'BE', partyId: 'BEC' };

  const state = async (args: string[]) => {
    let stdout = '';
    const code = await runAudit(
      ['state', ...args, '--json'],
      { stdout: { write: (text: string) => (stdout += text) }, stderr: { isTTY: false, write: () => true }, env: {} },
      { store, modules: ROAMLEDGER_MODULES },
    );
    assert.equal(code, 0, stdout);
    return JSON.parse(stdout);
  };

  before(async () => {
    store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    const locations = new LocationStreams(store);
    const tariffs = new TariffStreams(store);
    await locations.putLocation(location('L1', '2026-03-01T08:00:00Z', { evses: [evse('E1', '2026-03-01T08:00:00Z')] }), {});
    await locations.patchEvse(
      { country_code: 'BE', party_id: 'BEC', location_id: 'L1', evse_uid: 'E1' },
      { status: 'CHARGING', last_updated: '2026-03-01T09:00:00Z' } as never,
      {},
    );
    await tariffs.put(tariff('T1', '2026-03-01T00:00:00Z', 0.25), {});
    await tariffs.put(tariff('T1', '2026-04-01T00:00:00Z', 0.3), {});
  });

  after(async () => {
    await store?.close();
  });

  test('an EVSE as it was before and after its status PATCH', async () => {
    const stream = evseStream(party, 'L1', 'E1');
    const [published, changed] = await store.readStream(stream);
    assert.equal((await state([stream, '--at', String(published.position)])).state.evse.status, 'AVAILABLE');
    assert.equal((await state([stream, '--at', String(changed.position)])).state.evse.status, 'CHARGING');
    const held = await state([locationStream(party, 'L1')]);
    assert.deepEqual(held.state.evseUids, ['E1']);
  });

  test('a tariff as it was at its first version', async () => {
    const stream = tariffStream(party, 'T1');
    const [first] = await store.readStream(stream);
    const then = await state([stream, '--at', String(first.position)]);
    assert.equal(then.state.version, 1);
    assert.equal((await state([stream])).state.version, 2);
  });
});
