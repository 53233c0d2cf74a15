import { createHash } from 'node:crypto';
import { canonicalJson, type Decider } from '@roamledger/kernel';
import type { CDR, PartyId } from '@roamledger/ocpi';
import { isOcpiDateTime, parseOcpiDateTime } from '@roamledger/ocpi/values';
import { type CdrContext, checkCdr } from './cdr.checks';
import type { CdrEvent, CdrRef, CdrRejected } from './cdr.events';

/** One stream per CDR; ids are unique per country_code/party_id and case-insensitive (CiString). */
export function cdrStream(party: PartyId, cdrId: string): string {
  return `cdr-${party.countryCode.toUpperCase()}-${party.partyId.toUpperCase()}-${cdrId.toUpperCase()}`;
}

export const CDR_STREAM_PREFIX = 'cdr-';

export type CdrCommand =
  /** A CDR POSTed by the CPO, or pulled from its Sender interface (`pulled`). */
  | { type: 'ReceiveCdr'; cdr: CDR; context: CdrContext; pulled?: boolean }
  /** On the original's stream, once a credit CDR pointing at it was stored. */
  | { type: 'RecordCredit'; credit: CdrRef; creditStream: string };

export interface CdrState {
  cdr?: CDR;
  isCredit: boolean;
  /** Ids of the credit CDRs that credit this one. */
  creditedBy: string[];
  /** sha256 of each conflicting resend rejected, so a pull that sees it again adds nothing. */
  rejectedDigests: string[];
}

function refOf(cdr: CDR): CdrRef {
  return { country_code: cdr.country_code, party_id: cdr.party_id, cdr_id: cdr.id };
}

const digest = (cdr: CDR) => createHash('sha256').update(canonicalJson(cdr)).digest('hex');

/** The CDR aggregate: stored once, never changed; a correction is another CDR (a credit). Pure. */
export const cdrDecider: Decider<CdrCommand, CdrEvent, CdrState> = {
  initialState: () => ({ isCredit: false, creditedBy: [], rejectedDigests: [] }),

  decide(command, state) {
    if (command.type === 'RecordCredit') {
      const creditId = command.credit.cdr_id.toUpperCase();
      if (!state.cdr || state.creditedBy.some((id) => id.toUpperCase() === creditId)) return [];
      return [
        {
          type: 'CdrCredited',
          data: { ...refOf(state.cdr), credit_cdr_id: command.credit.cdr_id, credit_stream: command.creditStream },
        },
      ];
    }

    const { cdr, context } = command;
    const ref = refOf(cdr);
    if (state.cdr) {
      // The same CDR again (a retry, or a pull of what was pushed) is no second CDR.
      if (canonicalJson(comparable(state.cdr)) === canonicalJson(comparable(cdr))) return [];
      const sha256 = digest(cdr);
      if (command.pulled && state.rejectedDigests.includes(sha256)) return [];
      const fields = differingFields(state.cdr, cdr);
      return [
        {
          type: 'CdrRejected',
          data: {
            ...ref,
            reason: 'conflicting_resend',
            message: `CDR ${cdr.country_code}*${cdr.party_id} ${cdr.id} was already received with different ${fields.join(', ')}; CDRs cannot be changed: send a credit CDR and a new CDR`,
            differing_fields: fields,
            cdr_sha256: sha256,
          },
        } satisfies CdrRejected,
      ];
    }
    if (cdr.credit && cdr.credit_reference_id?.toUpperCase() === cdr.id.toUpperCase()) {
      return [
        {
          type: 'CdrRejected',
          data: {
            ...ref,
            reason: 'credit_references_itself',
            message: `credit CDR ${cdr.id} names itself as credit_reference_id; it must name the CDR it credits`,
            cdr_sha256: digest(cdr),
          },
        },
      ];
    }

    const findings = checkCdr(cdr, context);
    const events: CdrEvent[] = [];
    if (cdr.credit && cdr.credit_reference_id) {
      events.push({
        type: 'CreditCdrReceived',
        data: {
          ...ref,
          cdr,
          credit_reference_id: cdr.credit_reference_id,
          original_stream:
            context.original?.stream ??
            cdrStream({ countryCode: cdr.country_code, partyId: cdr.party_id }, cdr.credit_reference_id),
          original_found: context.original?.found ?? false,
          findings,
        },
      });
    } else {
      events.push({ type: 'CdrReceived', data: { ...ref, cdr, findings } });
    }
    if (cdr.session_id && context.session?.found) {
      events.push({
        type: 'CdrLinkedToSession',
        data: { ...ref, session_id: cdr.session_id, session_stream: context.session.stream },
      });
    }
    return events;
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CdrReceived':
        return { ...state, cdr: event.data.cdr, isCredit: false };
      case 'CreditCdrReceived':
        return { ...state, cdr: event.data.cdr, isCredit: true };
      case 'CdrCredited':
        return { ...state, creditedBy: [...state.creditedBy, event.data.credit_cdr_id] };
      case 'CdrRejected':
        return { ...state, rejectedDigests: [...state.rejectedDigests, event.data.cdr_sha256] };
      default:
        return state;
    }
  },
};

/** Top-level fields whose values differ, for a message a CPO can act on. */
function differingFields(held: CDR, sent: CDR): string[] {
  const a = comparable(held) as Record<string, unknown>;
  const b = comparable(sent) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((field) => canonicalJson(a[field] ?? null) !== canonicalJson(b[field] ?? null))
    .sort();
}

/**
 * A CDR as two sends of it are compared: by value, not by spelling. A null is an absent field and
 * a DateTime is its instant (to the millisecond), so CDRs logged before the validation edge
 * normalized them (`+00:00`, no zone, `.000`, nulls) still equal their resends.
 */
function comparable(value: unknown): unknown {
  if (typeof value === 'string') return isOcpiDateTime(value) ? parseOcpiDateTime(value).toISOString() : value;
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== null && field !== undefined)
      .map(([key, field]) => [key, comparable(field)]),
  );
}
