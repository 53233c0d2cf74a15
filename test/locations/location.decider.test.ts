import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deciderSpec } from '@roamledger/kernel';
import {
  type EvseCommand,
  type EvseEvent,
  evseDecider,
  evseStream,
  type LocationCommand,
  type LocationEvent,
  type LocationFields,
  locationDecider,
  locationStream,
  UnknownLocationObject,
} from '@roamledger/locations';
import type { Status } from '@roamledger/ocpi';
import { connector, evse, location } from '../support/location-fixtures';

// Given the events of a location's (or an EVSE's) stream, when a command is decided, then these
// events follow. Pure: no store, no clock, no Nest.

const T0 = '2026-03-09T10:00:00Z';
const T1 = '2026-03-09T10:05:00Z';
const T2 = '2026-03-09T10:10:00Z';
const T3 = '2026-03-09T10:15:00Z';

const ref = { country_code: 'BE', party_id: 'BEC', location_id: 'LOC1' };
const evseRef = { ...ref, evse_uid: 'E1' };

const fields = (at = T0, overrides = {}): LocationFields => {
  const { evses: _evses, ...rest } = location('LOC1', at, overrides);
  return rest;
};
const published = (at = T0): LocationEvent => ({ type: 'LocationPublished', data: { ...ref, location: fields(at) } });
const evsePublished = (at = T0, overrides = {}): EvseEvent => ({
  type: 'EvsePublished',
  data: { ...evseRef, evse: evse('E1', at, overrides) },
});
const putEvse = (at: string, overrides = {}, locationKnown = true): EvseCommand => ({
  type: 'PutEvse',
  ref: evseRef,
  evse: evse('E1', at, overrides),
  locationKnown,
});
const status = (to: string, at: string): EvseCommand => ({
  type: 'PatchEvse',
  ref: evseRef,
  patch: { status: to as Status, last_updated: at },
});

const locations = deciderSpec(locationDecider);
const evses = deciderSpec(evseDecider);

describe('Location decider (the location stream)', () => {
  test('a first PUT publishes the location and adds its EVSEs to the tree', () => {
    const command: LocationCommand = { type: 'PutLocation', location: fields(), evseUids: ['E1', 'E2'] };
    locations
      .given([])
      .when(command)
      .then([
        published(),
        { type: 'EvseAdded', data: { ...ref, evse_uid: 'E1', last_updated: T0 } },
        { type: 'EvseAdded', data: { ...ref, evse_uid: 'E2', last_updated: T0 } },
      ]);
  });

  test('a PATCH of a location we do not hold is refused (unknown object)', () => {
    locations
      .given([])
      .when({ type: 'PatchLocation', ref, patch: { name: 'x', last_updated: T1 }, evseUids: [] })
      .then((error: unknown) => error instanceof UnknownLocationObject && error.missing === 'location');
  });

  test('a PATCH says what changed; opening times have their own event', () => {
    const hours = { twentyfourseven: false, regular_hours: [{ weekday: 1, period_begin: '08:00', period_end: '20:00' }] };
    const when = locations.given([published()]).when({
      type: 'PatchLocation',
      ref,
      patch: { name: 'Gent Zuid', opening_times: hours, last_updated: T1 } as never,
      evseUids: [],
    });
    when.then([
      { type: 'LocationUpdated', data: { ...ref, changes: { name: 'Gent Zuid', last_updated: T1 }, last_updated: T1 } },
      { type: 'OpeningTimesChanged', data: { ...ref, from: { twentyfourseven: true }, to: hours, last_updated: T1 } },
    ]);
    assert.equal(when.after.location?.name, 'Gent Zuid');
    assert.deepEqual(when.after.location?.opening_times, hours);
    assert.equal(when.after.location?.last_updated, T1);
  });

  test('a stale PATCH is kept in the log and not applied', () => {
    const when = locations
      .given([published(T2)])
      .when({ type: 'PatchLocation', ref, patch: { name: 'old', last_updated: T1 }, evseUids: [] });
    when.then([
      {
        type: 'StaleLocationUpdateReceived',
        data: { ...ref, level: 'location', method: 'PATCH', last_updated: T1, held_last_updated: T2 },
      },
    ]);
    assert.equal(when.after.location?.name, 'Station LOC1');
  });

  test('a pulled older copy leaves no trace; a PUT that drops a field removes it', () => {
    locations
      .given([published(T2)])
      .when({ type: 'PutLocation', location: fields(T1), evseUids: [], pulled: true })
      .then([]);
    const { postal_code: _dropped, ...without } = fields(T3);
    const when = locations.given([published(T2)]).when({ type: 'PutLocation', location: without, evseUids: [] });
    when.then([
      { type: 'LocationUpdated', data: { ...ref, changes: { postal_code: null, last_updated: T3 }, last_updated: T3 } },
    ]);
    assert.equal(when.after.location?.postal_code, undefined);
  });

  test('an EVSE already in the tree is not added twice (case-insensitive uid)', () => {
    const added: LocationEvent = { type: 'EvseAdded', data: { ...ref, evse_uid: 'E1', last_updated: T0 } };
    locations.given([published(), added]).when({ type: 'AddEvse', ref, evseUid: 'e1', lastUpdated: T1 }).then([]);
  });

  test('streams are named by the upper-cased ids', () => {
    assert.equal(locationStream({ countryCode: 'be', partyId: 'bec' }, 'loc1'), 'location-BE-BEC-LOC1');
    assert.equal(evseStream({ countryCode: 'be', partyId: 'bec' }, 'loc1', 'e1'), 'evse-BE-BEC-LOC1-E1');
  });
});

describe('EVSE decider (one stream per EVSE)', () => {
  test('an EVSE PUT under an unknown location is refused as Unknown Location', () => {
    evses
      .given([])
      .when(putEvse(T0, {}, false))
      .then((error: unknown) => error instanceof UnknownLocationObject && error.missing === 'location');
  });

  test('a connector PUT or PATCH under an unknown EVSE is refused', () => {
    evses
      .given([])
      .when({ type: 'PutConnector', ref: evseRef, connector: connector('1', T1) })
      .then((error: unknown) => error instanceof UnknownLocationObject && error.missing === 'evse');
    evses
      .given([evsePublished()])
      .when({ type: 'PatchConnector', ref: evseRef, connectorId: '9', patch: { last_updated: T1 } })
      .then((error: unknown) => error instanceof UnknownLocationObject && error.missing === 'connector');
  });

  test('the recorded request beside the events leaves the state as it is', () => {
    const request = { type: 'OcpiRequestReceived', data: { method: 'PATCH', body: '{}' } } as unknown as EvseEvent;
    const when = evses.given([evsePublished(), request]).when(status('CHARGING', T1));
    assert.deepEqual(when.types, ['EvseStatusChanged']);
    const location = locations.given([published(), request as unknown as LocationEvent]);
    assert.equal(location.state.location?.last_updated, T0);
  });

  test('a status PATCH is an EvseStatusChanged and moves the EVSE last_updated', () => {
    const when = evses.given([evsePublished()]).when(status('CHARGING', T1));
    when.then([
      { type: 'EvseStatusChanged', data: { ...evseRef, from: 'AVAILABLE', to: 'CHARGING', last_updated: T1 } as never },
    ]);
    assert.equal(when.after.evse?.status, 'CHARGING');
    assert.equal(when.after.evse?.last_updated, T1);
  });

  test('out of order: a status PATCH older than the one applied is kept and not applied', () => {
    const charging: EvseEvent = {
      type: 'EvseStatusChanged',
      data: { ...evseRef, from: 'AVAILABLE', to: 'CHARGING', last_updated: T2 } as never,
    };
    const when = evses.given([evsePublished(), charging]).when(status('BLOCKED', T1));
    when.then([
      {
        type: 'StaleLocationUpdateReceived',
        data: { ...ref, level: 'evse', method: 'PATCH', evse_uid: 'E1', last_updated: T1, held_last_updated: T2 },
      },
    ]);
    assert.equal(when.after.evse?.status, 'CHARGING');
  });

  test('a connector PATCH sets the EVSE last_updated (its parent) and says the tariffs changed', () => {
    const when = evses
      .given([evsePublished()])
      .when({ type: 'PatchConnector', ref: evseRef, connectorId: '1', patch: { tariff_ids: ['T-NEW'], last_updated: T1 } });
    when.then([
      {
        type: 'ConnectorTariffsChanged',
        data: { ...evseRef, connector_id: '1', from: ['T-AC'], to: ['T-NEW'], last_updated: T1 },
      },
    ]);
    assert.equal(when.after.evse?.last_updated, T1);
    assert.equal(when.after.evse?.connectors[0].last_updated, T1);
    assert.deepEqual(when.after.evse?.connectors[0].tariff_ids, ['T-NEW']);
    // The connector change does not make a later-sent EVSE status PATCH stale: that is judged at the EVSE's level.
    const next = deciderSpec(evseDecider)
      .given([evsePublished(), ...when.events])
      .when(status('CHARGING', T0));
    assert.deepEqual(next.types, ['EvseStatusChanged']);
  });

  test('a connector PUT adds a connector; an EVSE PUT without it removes it', () => {
    const added = evses.given([evsePublished()]).when({ type: 'PutConnector', ref: evseRef, connector: connector('2', T1) });
    assert.deepEqual(added.types, ['ConnectorAdded']);
    assert.equal(added.after.evse?.connectors.length, 2);
    const replaced = evses.given([evsePublished(), ...added.events]).when(putEvse(T2, { connectors: [connector('2', T1)] }));
    assert.deepEqual(replaced.types, ['EvseUpdated', 'ConnectorRemoved']);
    assert.deepEqual(
      replaced.after.evse?.connectors.map((c) => c.id),
      ['2'],
    );
  });

  test('a connector in an EVSE PATCH older than ours is kept as stale, as a connector PUT would be', () => {
    const updated = evses
      .given([evsePublished()])
      .when({ type: 'PutConnector', ref: evseRef, connector: connector('1', T2, { max_voltage: 400 }) });
    const when = evses.given([evsePublished(), ...updated.events]).when({
      type: 'PatchEvse',
      ref: evseRef,
      patch: { connectors: [connector('1', T1, { max_voltage: 230 }), connector('2', T1)], last_updated: T3 },
    });
    assert.deepEqual(when.types, ['EvseUpdated', 'StaleLocationUpdateReceived', 'ConnectorAdded']);
    assert.equal(when.after.evse?.connectors.find((c) => c.id === '1')?.max_voltage, 400);
  });

  test('a connector id listed twice in an EVSE PUT is one connector, the later one', () => {
    const when = evses
      .given([evsePublished()])
      .when(putEvse(T1, { connectors: [connector('2', T1), connector('2', T1, { max_voltage: 400 })] }));
    assert.deepEqual(
      when.after.evse?.connectors.map((c) => [c.id, c.max_voltage]),
      [['2', 400]],
    );
  });

  test('REMOVED keeps the EVSE, with its status history in the stream; it may come back', () => {
    const removed = evses.given([evsePublished()]).when(status('REMOVED', T1));
    assert.deepEqual(removed.types, ['EvseStatusChanged']);
    assert.equal(removed.after.evse?.status, 'REMOVED');
    assert.equal(removed.after.evse?.uid, 'E1');
    const back = evses.given([evsePublished(), ...removed.events]).when(status('AVAILABLE', T2));
    assert.deepEqual(back.types, ['EvseStatusChanged']);
  });

  test('a PUT older than anything held of the EVSE is stale; the same PUT again changes nothing', () => {
    evses
      .given([evsePublished(T2)])
      .when(putEvse(T1, { status: 'OUTOFORDER' }))
      .then([
        {
          type: 'StaleLocationUpdateReceived',
          data: { ...ref, level: 'evse', method: 'PUT', evse_uid: 'E1', last_updated: T1, held_last_updated: T2 },
        },
      ]);
    evses
      .given([evsePublished(T2)])
      .when(putEvse(T2))
      .then([]);
  });
});
