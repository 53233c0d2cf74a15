import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CdrCommand, type CdrContext, type CdrEvent, type CdrFinding, cdrDecider, cdrStream } from '@roamledger/cdrs';
import { deciderSpec, foldEvents } from '@roamledger/kernel';
import type { CDR } from '@roamledger/ocpi';
import { gentCdrLocation } from '../support/ocpi-fixtures';

// Given the events of a CDR's stream, when a command is decided, then these events follow. Pure.

const ours = [{ countryCode: 'NL', partyId: 'RLG' }];
const sessionStreamName = 'session-BE-BEC-S1';

/** A CDR whose totals agree with its charging periods: 2 h, 10 kWh then 1 h parked, 0.1 + 0.2 EUR. */
function cdr(overrides: Partial<CDR> = {}): CDR {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id: 'CDR-1',
    start_date_time: '2026-03-01T10:00:00Z',
    end_date_time: '2026-03-01T12:00:00Z',
    session_id: 'S1',
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: 'TOKEN-1', type: 'RFID', contract_id: 'NL-RLG-C00000001' },
    auth_method: 'WHITELIST',
    cdr_location: gentCdrLocation(),
    currency: 'EUR',
    charging_periods: [
      {
        start_date_time: '2026-03-01T10:00:00Z',
        dimensions: [
          { type: 'ENERGY', volume: 10 },
          { type: 'TIME', volume: 1 },
        ],
      },
      { start_date_time: '2026-03-01T11:00:00Z', dimensions: [{ type: 'PARKING_TIME', volume: 1 }] },
    ],
    total_cost: { excl_vat: 0.3, incl_vat: 0.36 },
    total_energy_cost: { excl_vat: 0.1, incl_vat: 0.12 },
    total_parking_cost: { excl_vat: 0.2, incl_vat: 0.24 },
    total_energy: 10,
    total_time: 2,
    total_parking_time: 1,
    last_updated: '2026-03-01T12:05:00Z',
    ...overrides,
  } as CDR;
}

const sessionKnown: CdrContext['session'] = { stream: sessionStreamName, found: true, tokenUid: 'TOKEN-1', currency: 'EUR' };
const context = (overrides: Partial<CdrContext> = {}): CdrContext => ({
  hostedParties: ours,
  session: sessionKnown,
  ...overrides,
});
const receive = (c: CDR, ctx: CdrContext = context(), pulled?: boolean): CdrCommand => ({
  type: 'ReceiveCdr',
  cdr: c,
  context: ctx,
  ...(pulled ? { pulled } : {}),
});

const { given } = deciderSpec(cdrDecider);

const received = (c: CDR = cdr()): CdrEvent => ({
  type: 'CdrReceived',
  data: { country_code: c.country_code, party_id: c.party_id, cdr_id: c.id, cdr: c, findings: [] },
});
function findingsOf(events: CdrEvent[]): CdrFinding[] {
  const stored = events.find((e) => e.type === 'CdrReceived' || e.type === 'CreditCdrReceived');
  assert.ok(stored, `no CDR stored in ${events.map((e) => e.type).join(', ')}`);
  return (stored.data as { findings: CdrFinding[] }).findings;
}
const codes = (events: CdrEvent[]) => findingsOf(events).map((f) => f.code);

describe('CDR decider', () => {
  test('a consistent CDR for a session we hold is stored with no findings and linked to the session', () => {
    const { events, types, after } = given([]).when(receive(cdr()));
    assert.deepEqual(types, ['CdrReceived', 'CdrLinkedToSession']);
    assert.deepEqual(findingsOf(events), []);
    assert.deepEqual(events[1].data, {
      country_code: 'BE',
      party_id: 'BEC',
      cdr_id: 'CDR-1',
      session_id: 'S1',
      session_stream: sessionStreamName,
    });
    assert.equal(after.cdr?.id, 'CDR-1');
  });

  describe('duplicate and conflicting CDRs', () => {
    test('the identical CDR again is idempotent: no events', () => {
      assert.deepEqual(given([received()]).when(receive(cdr())).events, []);
    });

    test('the same CDR with its instants written differently, or logged with nulls, is no conflict', () => {
      // As logged before the validation edge normalized DateTimes and dropped nulls.
      const logged = cdr({
        start_date_time: '2026-03-01T11:00:00+01:00',
        end_date_time: '2026-03-01T12:00:00',
        last_updated: '2026-03-01T12:05:00.000Z',
        authorization_reference: null,
      } as unknown as Partial<CDR>);
      logged.charging_periods[1] = { ...logged.charging_periods[1], start_date_time: '2026-03-01T11:00:00' };
      assert.deepEqual(given([received(logged)]).when(receive(cdr())).events, []);
      assert.deepEqual(given([received()]).when(receive(logged)).events, []);

      // A different instant is still a conflict, named by its field.
      const later = cdr({ end_date_time: '2026-03-01T12:00:01Z' });
      const { events } = given([received(logged)]).when(receive(later));
      assert.deepEqual(events[0].type === 'CdrRejected' && events[0].data.differing_fields, ['end_date_time']);
    });

    test('a different CDR under the same id is rejected, naming the fields; the stored one stays', () => {
      const changed = cdr({ total_cost: { excl_vat: 9.99 }, total_energy: 11 });
      const { events, after } = given([received()]).when(receive(changed));
      assert.equal(events.length, 1);
      assert.equal(events[0].type, 'CdrRejected');
      const rejected = events[0].data as { reason: string; differing_fields: string[]; message: string; cdr_sha256: string };
      assert.equal(rejected.reason, 'conflicting_resend');
      assert.deepEqual(rejected.differing_fields, ['total_cost', 'total_energy']);
      assert.match(rejected.message, /credit CDR/);
      assert.match(rejected.cdr_sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(after.cdr, cdr());
    });

    test('the same conflicting CDR pulled again adds nothing; pushed again, it is rejected again', () => {
      const changed = cdr({ total_energy: 11 });
      const first = given([received()]).when(receive(changed));
      const history = [received(), ...first.events];
      assert.deepEqual(given(history).when(receive(changed, context(), true)).events, []);
      assert.deepEqual(given(history).when(receive(changed)).types, ['CdrRejected']);
    });
  });

  describe('credit CDRs', () => {
    const credit = (overrides: Partial<CDR> = {}) =>
      cdr({
        id: 'CDR-1-C',
        credit: true,
        credit_reference_id: 'CDR-1',
        total_cost: { excl_vat: -0.3, incl_vat: -0.36 },
        total_energy_cost: { excl_vat: -0.1, incl_vat: -0.12 },
        total_parking_cost: { excl_vat: -0.2, incl_vat: -0.24 },
        ...overrides,
      });
    const original: CdrContext['original'] = {
      stream: cdrStream({ countryCode: 'BE', partyId: 'BEC' }, 'CDR-1'),
      found: true,
      cdr: cdr(),
      creditedBy: [],
    };

    test('a credit of a CDR we hold is stored as a credit, linked to the original', () => {
      const { events, types, after } = given([]).when(receive(credit(), context({ original })));
      assert.deepEqual(types, ['CreditCdrReceived', 'CdrLinkedToSession']);
      const data = events[0].data as { credit_reference_id: string; original_stream: string; original_found: boolean };
      assert.equal(data.credit_reference_id, 'CDR-1');
      assert.equal(data.original_stream, 'cdr-BE-BEC-CDR-1');
      assert.equal(data.original_found, true);
      assert.deepEqual(findingsOf(events), []);
      assert.equal(after.isCredit, true);
    });

    test('the original records who credited it, once', () => {
      const creditRef = { country_code: 'BE', party_id: 'BEC', cdr_id: 'CDR-1-C' };
      const command: CdrCommand = { type: 'RecordCredit', credit: creditRef, creditStream: 'cdr-BE-BEC-CDR-1-C' };
      const { events, after } = given([received()]).when(command);
      assert.deepEqual(events, [
        {
          type: 'CdrCredited',
          data: {
            country_code: 'BE',
            party_id: 'BEC',
            cdr_id: 'CDR-1',
            credit_cdr_id: 'CDR-1-C',
            credit_stream: 'cdr-BE-BEC-CDR-1-C',
          },
        },
      ]);
      assert.deepEqual(after.creditedBy, ['CDR-1-C']);
      assert.deepEqual(given([received(), ...events]).when(command).events, []);
    });

    test('findings: unknown original, a total that is not the negated original, a second credit, a credit of a credit', () => {
      assert.deepEqual(
        codes(given([]).when(receive(credit(), context({ original: { stream: 'x', found: false, creditedBy: [] } }))).events),
        ['credit_original_unknown'],
      );
      const notNegated = credit({ total_cost: { excl_vat: -0.29, incl_vat: -0.36 } });
      const wrong = findingsOf(given([]).when(receive(notNegated, context({ original }))).events);
      assert.deepEqual(
        wrong.map((f) => f.code),
        ['cost_components_do_not_add_up', 'credit_total_not_negated'],
      );
      assert.equal(wrong[1].stated, '-0.29');
      assert.equal(wrong[1].derived, '-0.30');
      const again = context({ original: { ...original, creditedBy: ['CDR-1-C0'] } });
      assert.deepEqual(codes(given([]).when(receive(credit(), again)).events), ['original_already_credited']);
      const ofCredit = context({ original: { ...original, isCredit: true } });
      assert.deepEqual(codes(given([]).when(receive(credit(), ofCredit)).events), ['credit_of_a_credit']);
    });

    test('a credit naming itself is rejected', () => {
      const { events, after } = given([]).when(receive(credit({ credit_reference_id: 'cdr-1-c' })));
      assert.deepEqual(
        events.map((e) => [e.type, (e.data as { reason: string }).reason]),
        [['CdrRejected', 'credit_references_itself']],
      );
      assert.equal(after.cdr, undefined);
    });

    test('credit_reference_id without credit: true is a finding', () => {
      assert.ok(
        codes(given([]).when(receive(cdr({ credit_reference_id: 'CDR-0' }))).events).includes(
          'credit_reference_without_credit_flag',
        ),
      );
    });
  });

  describe('sessions and tokens', () => {
    test('an unknown session: stored, not linked, session and token not verified', () => {
      const { types, events } = given([]).when(receive(cdr(), context({ session: { stream: sessionStreamName, found: false } })));
      assert.deepEqual(types, ['CdrReceived']);
      assert.deepEqual(codes(events), ['session_unknown', 'token_not_verified']);
    });

    test('no session_id at all', () => {
      const { events } = given([]).when(receive(cdr({ session_id: undefined }), context({ session: undefined })));
      assert.deepEqual(codes(events), ['no_session_id', 'token_not_verified']);
    });

    test('a token that is not the session’s, or not one of our parties', () => {
      const otherToken = cdr({ cdr_token: { ...cdr().cdr_token, uid: 'TOKEN-2' } });
      assert.deepEqual(codes(given([]).when(receive(otherToken)).events), ['token_differs_from_session']);
      const foreign = cdr({ cdr_token: { ...cdr().cdr_token, country_code: 'DE', party_id: 'TNM' } });
      assert.deepEqual(codes(given([]).when(receive(foreign)).events), ['token_not_ours']);
    });

    test('token uids compare case-insensitively (CiString)', () => {
      const lower = cdr({ cdr_token: { ...cdr().cdr_token, uid: 'token-1' } });
      assert.deepEqual(codes(given([]).when(receive(lower)).events), []);
    });
  });

  describe('checks on receipt', () => {
    const check = (c: CDR, ctx = context()) => findingsOf(given([]).when(receive(c, ctx)).events);

    test('total_energy against the ENERGY dimensions', () => {
      const [finding, ...rest] = check(cdr({ total_energy: 12.5 }));
      assert.deepEqual(rest, []);
      assert.equal(finding.code, 'total_energy_mismatch');
      assert.equal(finding.stated, '12.5');
      assert.equal(finding.derived, '10');
      // Within rounding of the reported figures: no finding.
      assert.deepEqual(check(cdr({ total_energy: 10.001 })), []);
    });

    test('energy is not derivable without ENERGY dimensions: no finding', () => {
      const periods = [
        { start_date_time: '2026-03-01T10:00:00Z', dimensions: [{ type: 'TIME', volume: 2 }] },
      ] as CDR['charging_periods'];
      assert.deepEqual(check(cdr({ charging_periods: periods, total_energy: 99, total_parking_time: undefined })), []);
    });

    test('total_time against start/end and against the time dimensions; parking against PARKING_TIME', () => {
      assert.deepEqual(
        check(cdr({ total_time: 2.5 })).map((f) => f.code),
        ['total_time_mismatch', 'time_dimensions_mismatch'],
      );
      assert.deepEqual(
        check(cdr({ total_parking_time: 0.5 })).map((f) => f.code),
        ['total_parking_time_mismatch'],
      );
      const late = cdr({ end_date_time: '2026-03-01T10:30:00Z', total_time: 0.5 });
      assert.deepEqual(
        check(late).map((f) => f.code),
        ['charging_period_outside_session', 'time_dimensions_mismatch'],
      );
    });

    test('itemised costs must add up to total_cost, in decimals (0.1 + 0.2 is 0.3)', () => {
      assert.equal(0.1 + 0.2 === 0.3, false); // why floats are not used
      assert.deepEqual(check(cdr()), []);
      const [finding] = check(cdr({ total_cost: { excl_vat: 0.31, incl_vat: 0.36 } }));
      assert.equal(finding.code, 'cost_components_do_not_add_up');
      assert.equal(finding.stated, '0.31');
      assert.equal(finding.derived, '0.30');
    });

    test('implausible figures are findings: negative, absurd, an end before the start, years 0001/9999, an unknown currency', () => {
      const codes = (overrides: Partial<CDR>) => check(cdr(overrides)).map((f) => f.code);
      assert.ok(codes({ total_energy: -10 }).includes('negative_energy'));
      assert.ok(codes({ total_cost: { excl_vat: -0.3, incl_vat: -0.36 } }).includes('negative_cost'));
      assert.ok(codes({ total_time: -2 }).includes('negative_time'));
      assert.ok(codes({ total_energy: 50_000 }).includes('energy_implausible'));
      assert.ok(codes({ total_time: 500 }).includes('duration_implausible'));
      assert.ok(codes({ end_date_time: '2026-03-01T09:00:00Z' }).includes('end_before_start'));
      assert.ok(codes({ start_date_time: '0001-01-01T00:00:00Z' }).includes('date_implausible'));
      assert.ok(codes({ end_date_time: '9999-12-31T23:59:59Z' }).includes('date_implausible'));
      assert.ok(codes({ currency: '€€€' }).includes('currency_not_iso_4217'));
      assert.ok(codes({ currency: 'XQZ' }).includes('currency_not_iso_4217'));
      // A credit CDR's negative totals are what mod_cdrs asks for: no finding for the sign.
      const credit = codes({ credit: true, credit_reference_id: 'CDR-0', total_energy: -10, total_time: -2 } as Partial<CDR>);
      assert.equal(credit.includes('negative_energy') || credit.includes('negative_time'), false);
    });

    test('currency: ISO 4217 form, the same as the tariffs and the session', () => {
      assert.deepEqual(
        check(cdr({ currency: 'eur' })).map((f) => f.code),
        ['currency_not_iso_4217'],
      );
      const tariffs = [
        { country_code: 'BE', party_id: 'BEC', id: '12', currency: 'USD', elements: [], last_updated: '2026-01-01T00:00:00Z' },
      ];
      assert.deepEqual(
        check(cdr({ tariffs } as unknown as Partial<CDR>)).map((f) => f.code),
        ['currency_differs_from_tariff'],
      );
      const sessionInChf = context({ session: { ...sessionKnown, currency: 'CHF' } as CdrContext['session'] });
      assert.deepEqual(
        check(cdr(), sessionInChf).map((f) => f.code),
        ['currency_differs_from_session'],
      );
    });

    test('a non-credit id longer than 36 characters', () => {
      assert.deepEqual(
        check(cdr({ id: 'X'.repeat(37) })).map((f) => f.code),
        ['id_too_long'],
      );
    });
  });

  test('events of other types leave the state as it is', () => {
    const state = foldEvents(cdrDecider, [received(), { type: 'OcpiRequestReceived', data: {} }] as never[]);
    assert.equal(state.cdr?.id, 'CDR-1');
  });

  test('the stream name is per CDR and case-normalised', () => {
    assert.equal(cdrStream({ countryCode: 'be', partyId: 'bec' }, 'cdr-1'), 'cdr-BE-BEC-CDR-1');
  });
});
