import { type CdrCommandOptions, CdrStreams } from '@roamledger/cdrs';
import { type EventStore, handleCommand } from '@roamledger/event-store';
import type { CDR, PartyId, Session } from '@roamledger/ocpi';
import { loadConfig } from '@roamledger/service';
import {
  PatchSession,
  PatchSessionHandler,
  PutSession,
  PutSessionHandler,
  type SessionCommandOptions,
  SessionFactsFromLog,
  type SessionPatch,
  SessionStreams,
} from '@roamledger/sessions';
import {
  type AuthorizationFindingRaised,
  authorizationFindingDecider,
  authorizationFindingStream,
  objectOfStream,
} from '@roamledger/tokens';

/**
 * A month of billing, written to the log through the Sessions and CDRs modules' own command
 * handlers (so the events are exactly the shapes they produce), out of order on purpose:
 * a CDR before its session, a credit before its original, a PATCH before its PUT.
 * Statement months are in Europe/Berlin: see BERLIN_STATEMENTS for the totals worked out by hand.
 */
export const TIME_ZONE = 'Europe/Berlin';

const OUR_TOKEN = { country_code: 'NL', party_id: 'RLG', type: 'RFID' };

function token(n: number) {
  return { ...OUR_TOKEN, uid: `TOK${n}`, contract_id: `NL-RLG-C0000${n}-X` };
}

export function session(
  party: string,
  id: string,
  fields: {
    start: string;
    end?: string;
    kwh: number;
    status: string;
    cost?: [number, number?];
    currency?: string;
    lastUpdated: string;
    tokenNo?: number;
  },
): Session {
  const [countryCode, partyId] = party.split('*');
  return {
    country_code: countryCode,
    party_id: partyId,
    id,
    start_date_time: fields.start,
    ...(fields.end ? { end_date_time: fields.end } : {}),
    kwh: fields.kwh,
    cdr_token: token(fields.tokenNo ?? 1),
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: 'EVSE1',
    connector_id: '1',
    currency: fields.currency ?? 'EUR',
    ...(fields.cost
      ? { total_cost: { excl_vat: fields.cost[0], ...(fields.cost[1] !== undefined ? { incl_vat: fields.cost[1] } : {}) } }
      : {}),
    status: fields.status,
    last_updated: fields.lastUpdated,
  } as unknown as Session;
}

export function cdr(
  party: string,
  id: string,
  fields: {
    start: string;
    end: string;
    kwh: number;
    excl: number;
    incl?: number;
    currency: string;
    sessionId?: string;
    creditOf?: string;
    tokenNo?: number;
    tariffId?: string;
  },
): CDR {
  const [countryCode, partyId] = party.split('*');
  const hours = (Date.parse(fields.end) - Date.parse(fields.start)) / 3_600_000;
  return {
    country_code: countryCode,
    party_id: partyId,
    id,
    start_date_time: fields.start,
    end_date_time: fields.end,
    ...(fields.sessionId ? { session_id: fields.sessionId } : {}),
    cdr_token: token(fields.tokenNo ?? 1),
    auth_method: 'WHITELIST',
    authorization_reference: `AUTH-${id}`,
    cdr_location: {
      id: 'LOC1',
      address: 'Hauptstrasse 1',
      city: 'Berlin',
      country: 'DEU',
      coordinates: { latitude: '52.520008', longitude: '13.404954' },
      evse_uid: 'EVSE1',
      evse_id: `${countryCode}*${partyId}*E1`,
      connector_id: '1',
      connector_standard: 'IEC_62196_T2',
      connector_format: 'SOCKET',
      connector_power_type: 'AC_3_PHASE',
    },
    currency: fields.currency,
    charging_periods: [
      {
        start_date_time: fields.start,
        dimensions: [
          { type: 'ENERGY', volume: fields.kwh },
          { type: 'TIME', volume: hours },
        ],
        ...(fields.tariffId ? { tariff_id: fields.tariffId } : {}),
      },
    ],
    total_cost: { excl_vat: fields.excl, ...(fields.incl !== undefined ? { incl_vat: fields.incl } : {}) },
    total_energy: fields.kwh,
    total_time: hours,
    ...(fields.creditOf ? { credit: true, credit_reference_id: fields.creditOf } : {}),
    last_updated: fields.end,
  } as unknown as CDR;
}

/** The modules' command handlers, without Nest or HTTP: what a CPO's pushes come to. */
export interface Writers {
  sessions: {
    put(session: Session, options?: SessionCommandOptions): Promise<unknown>;
    patch(party: PartyId, sessionId: string, patch: SessionPatch): Promise<unknown>;
  };
  cdrs: { receive(cdr: CDR, options?: CdrCommandOptions): Promise<unknown> };
}

export function writers(store: EventStore): Writers {
  const config = loadConfig({ DATA_DIR: '/tmp/unused', OCPI_PARTIES: 'NL*RLG' });
  const streams = new SessionStreams(store);
  return {
    sessions: {
      put: (session, options) => new PutSessionHandler(streams).execute(new PutSession(session, options)),
      patch: (party, sessionId, patch) => new PatchSessionHandler(streams).execute(new PatchSession(party, sessionId, patch)),
    },
    cdrs: new CdrStreams(store, config, new SessionFactsFromLog(streams)),
  };
}

const DE = { countryCode: 'DE', partyId: 'ABC' };

/** Writes the month; returns the head position after it. */
export async function writeBillingMonth(store: EventStore, recentEnd: string): Promise<number> {
  const { sessions, cdrs } = writers(store);

  // S1: a session the usual way, then its CDR, then a credit of that CDR.
  await sessions.put(
    session('DE*ABC', 'S1', { start: '2026-11-03T08:00:00Z', kwh: 0, status: 'ACTIVE', lastUpdated: '2026-11-03T08:00:00Z' }),
  );
  await sessions.patch(DE, 'S1', { kwh: 5.2, last_updated: '2026-11-03T09:00:00Z' });
  await sessions.patch(DE, 'S1', {
    kwh: 10.5,
    status: 'COMPLETED',
    end_date_time: '2026-11-03T10:00:00Z',
    total_cost: { excl_vat: 5.25, incl_vat: 6.25 },
    last_updated: '2026-11-03T10:00:00Z',
  } as never);
  await cdrs.receive(
    cdr('DE*ABC', 'C1', {
      start: '2026-11-03T08:00:00Z',
      end: '2026-11-03T10:00:00Z',
      kwh: 10.5,
      excl: 5.25,
      incl: 6.25,
      currency: 'EUR',
      sessionId: 'S1',
      tariffId: 'T-DE-1',
    }),
  );

  // C2 before its session S2 (ends 23:30 UTC on 31 Oct: 1 Nov 00:30 in Berlin, so November);
  // 10.004 and 11.905 test the one rounding rule (half away from zero, to cents).
  await cdrs.receive(
    cdr('DE*ABC', 'C2', {
      start: '2026-10-31T21:00:00Z',
      end: '2026-10-31T23:30:00Z',
      kwh: 22.345,
      excl: 10.004,
      incl: 11.905,
      currency: 'EUR',
      sessionId: 'S2',
    }),
  );
  // A PATCH before the PUT of S2: held by the Sessions module, applied with the PUT.
  await sessions.patch(DE, 'S2', { kwh: 22.345, last_updated: '2026-10-31T23:30:00Z' });
  await sessions.put(
    session('DE*ABC', 'S2', {
      start: '2026-10-31T21:00:00Z',
      end: '2026-10-31T23:30:00Z',
      kwh: 20,
      status: 'COMPLETED',
      cost: [10.004, 11.905],
      lastUpdated: '2026-10-31T23:00:00Z',
    }),
  );

  await cdrs.receive(
    cdr('DE*ABC', 'C1-CR', {
      start: '2026-11-03T08:00:00Z',
      end: '2026-11-03T10:00:00Z',
      kwh: 10.5,
      excl: -5.25,
      incl: -6.25,
      currency: 'EUR',
      sessionId: 'S1',
      creditOf: 'C1',
    }),
  );

  // A credit before its original.
  await cdrs.receive(
    cdr('DE*ABC', 'C4-CR', {
      start: '2026-11-20T08:00:00Z',
      end: '2026-11-20T09:00:00Z',
      kwh: 7,
      excl: -3.5,
      incl: -4.17,
      currency: 'EUR',
      creditOf: 'C4',
    }),
  );
  await cdrs.receive(
    cdr('DE*ABC', 'C4', {
      start: '2026-11-20T08:00:00Z',
      end: '2026-11-20T09:00:00Z',
      kwh: 7,
      excl: 3.5,
      incl: 4.17,
      currency: 'EUR',
    }),
  );

  // Ends 23:30 UTC on 30 Nov: 1 Dec in Berlin, so December.
  await cdrs.receive(
    cdr('DE*ABC', 'C5', {
      start: '2026-11-30T22:00:00Z',
      end: '2026-11-30T23:30:00Z',
      kwh: 8,
      excl: 4,
      incl: 4.76,
      currency: 'EUR',
    }),
  );

  // S3: still charging, no CDR.
  await sessions.put(
    session('DE*ABC', 'S3', {
      start: '2026-11-25T08:00:00Z',
      kwh: 3.2,
      status: 'ACTIVE',
      cost: [1.6, 1.9],
      lastUpdated: '2026-11-25T08:30:00Z',
    }),
  );

  // NL*XYZ: EUR without incl_vat, EUR without a session, and CHF.
  await cdrs.receive(
    cdr('NL*XYZ', 'N1', {
      start: '2026-11-10T08:00:00Z',
      end: '2026-11-10T10:00:00Z',
      kwh: 15,
      excl: 7.5,
      currency: 'EUR',
      sessionId: 'S-MISSING',
      tokenNo: 2,
    }),
  );
  await cdrs.receive(
    cdr('NL*XYZ', 'N2', {
      start: '2026-11-11T08:00:00Z',
      end: '2026-11-11T09:00:00Z',
      kwh: 5.5,
      excl: 2.75,
      incl: 3.33,
      currency: 'EUR',
      tokenNo: 2,
    }),
  );
  await sessions.put(
    session('NL*XYZ', 'S5', {
      start: '2026-11-12T08:00:00Z',
      end: '2026-11-12T10:00:00Z',
      kwh: 12,
      status: 'COMPLETED',
      cost: [6, 6.46],
      currency: 'CHF',
      lastUpdated: '2026-11-12T10:00:00Z',
      tokenNo: 3,
    }),
  );
  await cdrs.receive(
    cdr('NL*XYZ', 'N3', {
      start: '2026-11-12T08:00:00Z',
      end: '2026-11-12T10:00:00Z',
      kwh: 12,
      excl: 6,
      incl: 6.46,
      currency: 'CHF',
      sessionId: 'S5',
      tokenNo: 3,
    }),
  );
  // Completed long ago, never billed: overdue. Completed an hour ago: not yet.
  await sessions.put(
    session('NL*XYZ', 'S6', {
      start: '2020-01-01T08:00:00Z',
      end: '2020-01-01T09:00:00Z',
      kwh: 4,
      status: 'COMPLETED',
      lastUpdated: '2020-01-01T09:00:00Z',
    }),
  );
  await sessions.put(
    session('NL*XYZ', 'S7', { start: recentEnd, end: recentEnd, kwh: 1, status: 'COMPLETED', lastUpdated: recentEnd }),
  );

  // JPY has no minor unit: 1234.5 rounds to 1235, 1357.5 to 1358.
  await cdrs.receive(
    cdr('JP*JCP', 'J1', {
      start: '2026-11-15T08:00:00Z',
      end: '2026-11-15T09:00:00Z',
      kwh: 20,
      excl: 1234.5,
      incl: 1357.5,
      currency: 'JPY',
    }),
  );

  return store.headPosition();
}

/**
 * What the tokens register raises about the month (libs/tokens AuthorizationFindings, through the
 * same decider and streams): S3's token was blocked when it started, C2 and S1 carry references
 * we never issued. Raised twice: the second time writes nothing. Returns the head position.
 */
export async function raiseAuthorizationFindings(store: EventStore): Promise<number> {
  const findings: Array<[AuthorizationFindingRaised['data']['finding'], string]> = [
    ['TOKEN_BLOCKED_AT_START', 'session-DE-ABC-S3'],
    ['UNKNOWN_AUTHORIZATION_REFERENCE', 'cdr-DE-ABC-C2'],
    ['UNKNOWN_AUTHORIZATION_REFERENCE', 'session-DE-ABC-S1'],
  ];
  for (let pass = 0; pass < 2; pass++) {
    for (const [finding, stream] of findings) {
      const [first] = await store.readStream(stream);
      await handleCommand(store, authorizationFindingStream(finding, stream), authorizationFindingDecider, {
        type: 'RaiseFinding',
        finding: {
          finding,
          ...objectOfStream(stream),
          stream,
          authorization_reference: finding === 'TOKEN_BLOCKED_AT_START' ? null : 'NEVER-ISSUED',
          detail: 'raised by the billing fixture',
          position: first.position,
        },
      });
    }
  }
  return store.headPosition();
}

/** November 2026 in Berlin, worked out by hand from the CDRs above. */
export const BERLIN_NOVEMBER = [
  {
    // C1 + C2 + C4 - C1-CR - C4-CR: 10.5 + 22.345 + 7 - 10.5 - 7; 5.25 + 10.00 + 3.50 - 5.25 - 3.50; 6.25 + 11.91 + 4.17 - 6.25 - 4.17
    // Sessions: S1 (C1) and S2 (C2, which came before its session); C4 names none.
    partner: 'DE*ABC',
    currency: 'EUR',
    cdr_count: 3,
    session_count: 2,
    credit_count: 2,
    energy_kwh: '22.345',
    amount_excl_vat: '10.00',
    amount_incl_vat: '11.91',
    incl_vat_missing: 0,
  },
  {
    partner: 'JP*JCP',
    currency: 'JPY',
    cdr_count: 1,
    session_count: 0,
    credit_count: 0,
    energy_kwh: '20',
    amount_excl_vat: '1235',
    amount_incl_vat: '1358',
    incl_vat_missing: 0,
  },
  {
    partner: 'NL*XYZ',
    currency: 'CHF',
    cdr_count: 1,
    session_count: 1,
    credit_count: 0,
    energy_kwh: '12',
    amount_excl_vat: '6.00',
    amount_incl_vat: '6.46',
    incl_vat_missing: 0,
  },
  {
    // N1 + N2: 15 + 5.5; 7.50 + 2.75; incl only N2 (N1 has none)
    // Sessions: N1 names S-MISSING (never sent to us, still a session billed); N2 names none.
    partner: 'NL*XYZ',
    currency: 'EUR',
    cdr_count: 2,
    session_count: 1,
    credit_count: 0,
    energy_kwh: '20.5',
    amount_excl_vat: '10.25',
    amount_incl_vat: '3.33',
    incl_vat_missing: 1,
  },
];

export const BERLIN_DECEMBER = [
  {
    partner: 'DE*ABC',
    currency: 'EUR',
    cdr_count: 1,
    session_count: 0,
    credit_count: 0,
    energy_kwh: '8',
    amount_excl_vat: '4.00',
    amount_incl_vat: '4.76',
    incl_vat_missing: 0,
  },
];
