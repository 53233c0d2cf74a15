import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deciderSpec } from '@roamledger/kernel';
import { type TariffEvent, tariffDecider, tariffStream, UnknownTariff } from '@roamledger/tariffs';
import { tariff } from '../support/location-fixtures';

// Given the events of a tariff's stream, when a command is decided, then these events follow.

const T1 = '2026-03-01T00:00:00Z';
const T2 = '2026-04-01T00:00:00Z';
const T3 = '2026-05-01T00:00:00Z';
const ref = { country_code: 'BE', party_id: 'BEC', tariff_id: 'T-AC' };

const published = (version: number, at: string, price: number): TariffEvent => ({
  type: 'TariffPublished',
  data: { ...ref, version, tariff: tariff('T-AC', at, price) },
});
const put = (at: string, price: number, pulled?: boolean) =>
  ({ type: 'PutTariff', tariff: tariff('T-AC', at, price), ...(pulled ? { pulled } : {}) }) as const;

const { given } = deciderSpec(tariffDecider);

describe('Tariff decider: every version kept', () => {
  test('the first PUT is version 1, a changed PUT version 2; the same PUT again is nothing', () => {
    given([])
      .when(put(T1, 0.25))
      .then([published(1, T1, 0.25)]);
    const second = given([published(1, T1, 0.25)]).when(put(T2, 0.3));
    second.then([published(2, T2, 0.3)]);
    assert.equal(second.after.version, 2);
    given([published(1, T1, 0.25)])
      .when(put(T1, 0.25))
      .then([]);
  });

  test('an older PUT is kept as stale and not applied; an older pulled copy leaves no trace', () => {
    const when = given([published(1, T2, 0.3)]).when(put(T1, 0.25));
    when.then([{ type: 'StaleTariffUpdateReceived', data: { ...ref, last_updated: T1, held_last_updated: T2 } }]);
    assert.equal(when.after.tariff?.elements[0].price_components[0].price, 0.3);
    given([published(1, T2, 0.3)])
      .when(put(T1, 0.25, true))
      .then([]);
  });

  test('DELETE removes it (from GET, not from history); again, nothing; of an unknown tariff, refused', () => {
    const removed: TariffEvent = { type: 'TariffRemoved', data: { ...ref, version: 2, removed_at: T3 } };
    const history = [published(1, T1, 0.25), published(2, T2, 0.3)];
    const when = given(history).when({ type: 'DeleteTariff', ref, receivedAt: T3 });
    when.then([removed]);
    assert.equal(when.after.removed, true);
    assert.equal(when.after.tariff?.id, 'T-AC');
    given([...history, removed])
      .when({ type: 'DeleteTariff', ref, receivedAt: T3 })
      .then([]);
    given([]).when({ type: 'DeleteTariff', ref, receivedAt: T3 }).then(UnknownTariff);
  });

  test('a PUT after DELETE publishes it again as a new version; a pulled copy does not bring it back', () => {
    const history = [
      published(1, T1, 0.25),
      { type: 'TariffRemoved', data: { ...ref, version: 1, removed_at: T2 } } as TariffEvent,
    ];
    given(history)
      .when(put(T1, 0.25, true))
      .then([]);
    given(history)
      .when(put(T3, 0.25))
      .then([published(2, T3, 0.25)]);
  });

  test('the stream is named by the upper-cased ids', () => {
    assert.equal(tariffStream({ countryCode: 'be', partyId: 'bec' }, 't-ac'), 'tariff-BE-BEC-T-AC');
  });
});
