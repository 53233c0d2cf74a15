import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deciderSpec, foldEvents } from '@roamledger/kernel';
import { type ChargingPeriod, type Session, SessionStatus } from '@roamledger/ocpi';
import {
  isAllowedTransition,
  type SessionCommand,
  type SessionEvent,
  type SessionPatch,
  sessionDecider,
  sessionStream,
} from '@roamledger/sessions';

// Given the events of a session's stream, when a command is decided, then these events follow.
// Pure: no store, no clock, no Nest.

const T0 = '2026-03-09T10:00:00Z';
const T1 = '2026-03-09T10:05:00Z';
const T2 = '2026-03-09T10:10:00Z';
const T3 = '2026-03-09T10:15:00Z';

const ref = { country_code: 'NL', party_id: 'STK', session_id: '101' };

function session(overrides: Partial<Session> = {}): Session {
  return {
    country_code: 'NL',
    party_id: 'STK',
    id: '101',
    start_date_time: T0,
    kwh: 0,
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: '123abc', type: 'RFID', contract_id: 'NL-RLG-C12345678-S' },
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: '3256',
    connector_id: '1',
    currency: 'EUR',
    status: SessionStatus.PENDING,
    last_updated: T0,
    ...overrides,
  } as Session;
}

function period(start: string, kwh: number): ChargingPeriod {
  return { start_date_time: start, dimensions: [{ type: 'ENERGY', volume: kwh }] } as ChargingPeriod;
}

const started = (s: Session = session()): SessionEvent => ({ type: 'SessionStarted', data: { ...ref, session: s } });
const put = (s: Session, pulled?: boolean): SessionCommand => ({ type: 'PutSession', session: s, ...(pulled ? { pulled } : {}) });
const patch = (p: SessionPatch): SessionCommand => ({ type: 'PatchSession', ref, patch: p });

const { given } = deciderSpec(sessionDecider);

describe('Session decider', () => {
  test('a first PUT starts the session', () => {
    const { events, after } = given([]).when(put(session()));
    assert.deepEqual(
      events.map((e) => e.type),
      ['SessionStarted'],
    );
    assert.equal(after.session?.status, SessionStatus.PENDING);
    assert.equal(after.session?.id, '101');
  });

  test('a first PUT of a finished session starts and ends it', () => {
    const finished = session({ status: SessionStatus.COMPLETED, kwh: 41.12, end_date_time: T1, total_cost: { excl_vat: 8.5 } });
    const { events, types } = given([]).when(put(finished));
    assert.deepEqual(types, ['SessionStarted', 'SessionEnded']);
    const ended = events[1].data as { status: string; kwh: number; total_cost: { excl_vat: number } };
    assert.equal(ended.status, 'COMPLETED');
    assert.equal(ended.kwh, 41.12);
    assert.equal(ended.total_cost.excl_vat, 8.5);
  });

  test('the same PUT again changes nothing', () => {
    assert.deepEqual(given([started()]).when(put(session())).events, []);
  });

  test('a newer PUT records the changed fields and the status change', () => {
    const active = session({ status: SessionStatus.ACTIVE, start_date_time: T1, kwh: 1.5, last_updated: T1 });
    const { events, types, after } = given([started()]).when(put(active));
    assert.deepEqual(types, ['SessionUpdated', 'SessionStatusChanged']);
    assert.deepEqual((events[0].data as { changes: unknown }).changes, { start_date_time: T1, kwh: 1.5, last_updated: T1 });
    assert.deepEqual(events[1].data, { ...ref, from: 'PENDING', to: 'ACTIVE', last_updated: T1 });
    assert.equal(after.session?.kwh, 1.5);
    assert.equal(after.session?.status, 'ACTIVE');
  });

  test('a PUT without an optional field removes it (PUT replaces the object)', () => {
    const withCost = session({ total_cost: { excl_vat: 1 }, last_updated: T1 });
    const history = [started(), ...given([started()]).when(put(withCost)).events];
    const { events, after } = given(history).when(put(session({ last_updated: T2 })));
    assert.deepEqual((events[0].data as { changes: unknown }).changes, { total_cost: null, last_updated: T2 });
    assert.equal(after.session?.total_cost, undefined);
  });

  describe('out-of-order updates: state is the latest by last_updated, not by arrival', () => {
    const active = session({ status: SessionStatus.ACTIVE, kwh: 5, last_updated: T2 });
    const history = [started(active)];

    test('an older PUT is recorded as stale and changes nothing', () => {
      const { events, after } = given(history).when(put(session({ status: SessionStatus.PENDING, kwh: 1, last_updated: T1 })));
      assert.deepEqual(events, [
        { type: 'StaleSessionUpdateReceived', data: { ...ref, method: 'PUT', last_updated: T1, held_last_updated: T2 } },
      ]);
      assert.deepEqual(after.session, active);
    });

    test('an older PATCH is recorded as stale and changes nothing, charging periods included', () => {
      const { types, after } = given(history).when(patch({ kwh: 2, charging_periods: [period(T0, 2)], last_updated: T1 }));
      assert.deepEqual(types, ['StaleSessionUpdateReceived']);
      assert.equal(after.session?.kwh, 5);
      assert.equal(after.session?.charging_periods, undefined);
    });

    test('zone forms are compared as instants, not as text', () => {
      // 10:12+01:00 is 09:12Z: older than T2 (10:10Z) although the text sorts after it.
      const { types } = given(history).when(patch({ kwh: 9, last_updated: '2026-03-09T10:12:00+01:00' }));
      assert.deepEqual(types, ['StaleSessionUpdateReceived']);
    });

    test('an older copy pulled from the CPO leaves no trace', () => {
      assert.deepEqual(given(history).when(put(session({ last_updated: T1 }), true)).events, []);
      assert.deepEqual(given(history).when(put(active, true)).events, []);
    });
  });

  describe('charging periods', () => {
    const p1 = period(T0, 1);
    const p2 = period(T1, 2);
    const p3 = period(T2, 3);
    const history = [started(session({ status: SessionStatus.ACTIVE, charging_periods: [p1] }))];

    test('PATCH appends them, it does not replace', () => {
      const { events, after } = given(history).when(patch({ charging_periods: [p2, p3], kwh: 6, last_updated: T2 }));
      assert.deepEqual(
        events.map((e) => e.type),
        ['SessionUpdated', 'ChargingPeriodsAdded'],
      );
      assert.deepEqual((events[1].data as { charging_periods: unknown }).charging_periods, [p2, p3]);
      assert.deepEqual(after.session?.charging_periods, [p1, p2, p3]);
    });

    test('a period we already hold is not added twice (retried PATCH)', () => {
      const first = given(history).when(patch({ charging_periods: [p2], last_updated: T1 }));
      const { types, after } = given([...history, ...first.events]).when(patch({ charging_periods: [p2], last_updated: T1 }));
      assert.deepEqual(types, []);
      assert.deepEqual(after.session?.charging_periods, [p1, p2]);
    });

    test('a PATCH without charging periods (or an empty list) leaves them as they are', () => {
      const { after } = given(history).when(patch({ charging_periods: [], kwh: 2, last_updated: T1 }));
      assert.deepEqual(after.session?.charging_periods, [p1]);
    });

    test('a PUT that extends the list adds the new periods', () => {
      const { events, types } = given(history).when(
        put(session({ status: SessionStatus.ACTIVE, charging_periods: [p1, p2], last_updated: T1 })),
      );
      assert.deepEqual(types, ['SessionUpdated', 'ChargingPeriodsAdded']);
      assert.deepEqual((events[1].data as { charging_periods: unknown }).charging_periods, [p2]);
    });

    test('a PUT with other periods replaces the list; without any, empties it', () => {
      const replaced = given(history).when(
        put(session({ status: SessionStatus.ACTIVE, charging_periods: [p3], last_updated: T1 })),
      );
      assert.deepEqual(replaced.after.session?.charging_periods, [p3]);
      const emptied = given(history).when(put(session({ status: SessionStatus.ACTIVE, last_updated: T1 })));
      assert.deepEqual(emptied.after.session?.charging_periods, []);
    });
  });

  describe('status transitions', () => {
    test('the spec path PENDING → ACTIVE → COMPLETED ends the session with its final figures', () => {
      const toActive = given([started()]).when(patch({ status: SessionStatus.ACTIVE, last_updated: T1 }));
      assert.deepEqual(toActive.types, ['SessionUpdated', 'SessionStatusChanged']);
      const history = [started(), ...toActive.events];
      const { events, types, after } = given(history).when(
        patch({ status: SessionStatus.COMPLETED, kwh: 11.5, end_date_time: T2, total_cost: { excl_vat: 3.3 }, last_updated: T2 }),
      );
      assert.deepEqual(types, ['SessionUpdated', 'SessionStatusChanged', 'SessionEnded']);
      assert.deepEqual(events[2].data, {
        ...ref,
        status: 'COMPLETED',
        end_date_time: T2,
        kwh: 11.5,
        total_cost: { excl_vat: 3.3 },
        currency: 'EUR',
        last_updated: T2,
      });
      assert.equal(after.session?.status, 'COMPLETED');
    });

    test('RESERVATION may become ACTIVE, or COMPLETED without charging', () => {
      const reserved = [started(session({ status: SessionStatus.RESERVATION }))];
      assert.deepEqual(given(reserved).when(patch({ status: SessionStatus.ACTIVE, last_updated: T1 })).types, [
        'SessionUpdated',
        'SessionStatusChanged',
      ]);
      assert.deepEqual(given(reserved).when(patch({ status: SessionStatus.COMPLETED, last_updated: T1 })).types, [
        'SessionUpdated',
        'SessionStatusChanged',
        'SessionEnded',
      ]);
    });

    test('a COMPLETED session cannot become ACTIVE again: flagged, not applied; other fields still apply', () => {
      const completed = [started(session({ status: SessionStatus.COMPLETED, last_updated: T1 }))];
      const { events, types, after } = given(completed).when(patch({ status: SessionStatus.ACTIVE, kwh: 3, last_updated: T2 }));
      assert.deepEqual(types, ['SessionUpdated', 'SessionStatusTransitionFlagged']);
      const flagged = events[1].data as { from: string; to: string; reason: string };
      assert.equal(flagged.from, 'COMPLETED');
      assert.equal(flagged.to, 'ACTIVE');
      assert.match(flagged.reason, /final/);
      assert.equal(after.session?.status, 'COMPLETED');
      assert.equal(after.session?.kwh, 3);
    });

    test('ACTIVE cannot go back to PENDING, nor INVALID become COMPLETED', () => {
      const active = [started(session({ status: SessionStatus.ACTIVE }))];
      const back = given(active).when(put(session({ status: SessionStatus.PENDING, last_updated: T1 })));
      assert.ok(back.types.includes('SessionStatusTransitionFlagged'));
      assert.equal(back.after.session?.status, 'ACTIVE');
      const invalid = [started(session({ status: SessionStatus.INVALID }))];
      const revived = given(invalid).when(patch({ status: SessionStatus.COMPLETED, last_updated: T1 }));
      assert.deepEqual(revived.types, ['SessionUpdated', 'SessionStatusTransitionFlagged']);
      assert.equal(revived.after.session?.status, 'INVALID');
    });

    test('the transition table', () => {
      const allowed: Array<[SessionStatus, SessionStatus]> = [
        [SessionStatus.PENDING, SessionStatus.ACTIVE],
        [SessionStatus.PENDING, SessionStatus.INVALID],
        [SessionStatus.ACTIVE, SessionStatus.COMPLETED],
        [SessionStatus.ACTIVE, SessionStatus.INVALID],
        [SessionStatus.ACTIVE, SessionStatus.ACTIVE],
      ];
      const refused: Array<[SessionStatus, SessionStatus]> = [
        [SessionStatus.ACTIVE, SessionStatus.RESERVATION],
        [SessionStatus.PENDING, SessionStatus.RESERVATION],
        [SessionStatus.COMPLETED, SessionStatus.INVALID],
        [SessionStatus.INVALID, SessionStatus.ACTIVE],
      ];
      for (const [from, to] of allowed) assert.equal(isAllowedTransition(from, to), true, `${from} → ${to}`);
      for (const [from, to] of refused) assert.equal(isAllowedTransition(from, to), false, `${from} → ${to}`);
    });
  });

  describe('PATCH before PUT (unknown session)', () => {
    const early = { status: SessionStatus.ACTIVE, kwh: 4, charging_periods: [period(T1, 4)], last_updated: T2 } as SessionPatch;

    test('the PATCH is held, and there is still no session', () => {
      const { events, after } = given([]).when(patch(early));
      assert.deepEqual(events, [{ type: 'SessionPatchHeld', data: { ...ref, patch: early } }]);
      assert.equal(after.session, undefined);
      assert.deepEqual(after.heldPatches, [early]);
    });

    test('an older PUT arriving later: the held PATCH is newer and wins', () => {
      const history: SessionEvent[] = [{ type: 'SessionPatchHeld', data: { ...ref, patch: early } }];
      const { events, types, after } = given(history).when(put(session({ last_updated: T1 })));
      assert.deepEqual(types, ['SessionStarted', 'SessionUpdated', 'ChargingPeriodsAdded', 'SessionStatusChanged']);
      assert.ok(events.slice(1).every((e) => (e.data as { held_patch?: boolean }).held_patch === true));
      assert.equal(after.session?.status, 'ACTIVE');
      assert.equal(after.session?.kwh, 4);
      assert.equal(after.session?.last_updated, T2);
      assert.equal(after.session?.charging_periods?.length, 1);
      assert.deepEqual(after.heldPatches, []);
    });

    test('a newer PUT arriving later wins; the held PATCH is recorded as stale', () => {
      const history: SessionEvent[] = [{ type: 'SessionPatchHeld', data: { ...ref, patch: early } }];
      const newer = session({ status: SessionStatus.ACTIVE, kwh: 7, last_updated: T3 });
      const { events, types, after } = given(history).when(put(newer));
      assert.deepEqual(types, ['SessionStarted', 'StaleSessionUpdateReceived']);
      assert.equal((events[1].data as { held_patch?: boolean; method: string }).held_patch, true);
      assert.equal(after.session?.kwh, 7);
    });

    test('several held PATCHes apply in last_updated order, not arrival order', () => {
      const history: SessionEvent[] = [
        { type: 'SessionPatchHeld', data: { ...ref, patch: { kwh: 9, last_updated: T3 } } },
        { type: 'SessionPatchHeld', data: { ...ref, patch: { kwh: 4, status: SessionStatus.ACTIVE, last_updated: T2 } } },
      ];
      const { after } = given(history).when(put(session({ last_updated: T1 })));
      assert.equal(after.session?.kwh, 9);
      assert.equal(after.session?.status, 'ACTIVE');
      assert.equal(after.session?.last_updated, T3);
    });
  });

  test('events of other types (the recorded request) leave the state as it is', () => {
    const state = foldEvents(sessionDecider, [started(), { type: 'OcpiRequestReceived', data: { method: 'PUT' } }] as never[]);
    assert.equal(state.session?.id, '101');
  });

  test('the stream name is per session and case-normalised', () => {
    assert.equal(sessionStream({ countryCode: 'nl', partyId: 'stk' }, 'ab-101'), 'session-NL-STK-AB-101');
    assert.equal(sessionStream({ countryCode: 'NL', partyId: 'STK' }, 'AB-101'), 'session-NL-STK-AB-101');
  });
});
