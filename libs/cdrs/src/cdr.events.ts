import type { DomainEvent } from '@roamledger/kernel';
import type { CDR, PlausibilityCode } from '@roamledger/ocpi';

/** Which CDR an event is about, as the CPO wrote it. */
export interface CdrRef {
  country_code: string;
  party_id: string;
  cdr_id: string;
}

export type CdrFindingCode =
  | PlausibilityCode
  | 'total_energy_mismatch'
  | 'total_time_mismatch'
  | 'time_dimensions_mismatch'
  | 'total_parking_time_mismatch'
  | 'charging_period_outside_session'
  | 'cost_components_do_not_add_up'
  | 'currency_differs_from_tariff'
  | 'currency_differs_from_session'
  | 'token_not_ours'
  | 'token_not_verified'
  | 'token_differs_from_session'
  | 'no_session_id'
  | 'session_unknown'
  | 'id_too_long'
  | 'credit_reference_without_credit_flag'
  | 'credit_original_unknown'
  | 'credit_of_a_credit'
  | 'original_already_credited'
  | 'credit_total_not_negated';

/** A check on receipt that did not pass. Recorded on the CDR; the CDR is kept all the same. */
export interface CdrFinding {
  code: CdrFindingCode;
  message: string;
  /** What the CDR said and what we derived, as decimal text, when the finding is a comparison. */
  stated?: string;
  derived?: string;
}

/** A CDR (not a credit), stored once, immutable from here on. */
export type CdrReceived = DomainEvent<'CdrReceived', CdrRef & { cdr: CDR; findings: CdrFinding[] }>;

/** A credit CDR, linked to the CDR it credits (credit_reference_id) when we hold that one. */
export type CreditCdrReceived = DomainEvent<
  'CreditCdrReceived',
  CdrRef & { cdr: CDR; credit_reference_id: string; original_stream: string; original_found: boolean; findings: CdrFinding[] }
>;

/** The CDR's session_id names a session we hold. */
export type CdrLinkedToSession = DomainEvent<'CdrLinkedToSession', CdrRef & { session_id: string; session_stream: string }>;

export type CdrRejectionReason = 'conflicting_resend' | 'credit_references_itself';

/** A POST we did not store as a CDR, and why. The request itself is the cause, just before. */
export type CdrRejected = DomainEvent<
  'CdrRejected',
  CdrRef & { reason: CdrRejectionReason; message: string; differing_fields?: string[]; cdr_sha256: string }
>;

/** On the original CDR's stream: a credit CDR now credits it. */
export type CdrCredited = DomainEvent<'CdrCredited', CdrRef & { credit_cdr_id: string; credit_stream: string }>;

export type CdrEvent = CdrReceived | CreditCdrReceived | CdrLinkedToSession | CdrRejected | CdrCredited;

export const CDR_EVENT_TYPES: ReadonlyArray<CdrEvent['type']> = [
  'CdrReceived',
  'CreditCdrReceived',
  'CdrLinkedToSession',
  'CdrRejected',
  'CdrCredited',
];
