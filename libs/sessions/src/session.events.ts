import type { DomainEvent } from '@roamledger/kernel';
import type { ChargingPeriod, Session, SessionStatus } from '@roamledger/ocpi';

/** A PATCH body: any Session fields, last_updated always. */
export type SessionPatch = Partial<Session> & { last_updated: string };

/** Which session an event is about, as the CPO wrote it. */
export interface SessionRef {
  country_code: string;
  party_id: string;
  session_id: string;
}

/** Set on events that applied a PATCH held from before the session's PUT. */
interface FromHeldPatch {
  held_patch?: true;
}

/** The first full Session we hold (a PUT, or a pulled Session). */
export type SessionStarted = DomainEvent<'SessionStarted', SessionRef & { session: Session }>;

/**
 * Fields whose value changed, with their new value; `null` means the field was removed (a PUT
 * without it). Holds last_updated whenever that moved. Status and charging periods have their own events.
 */
export type SessionUpdated = DomainEvent<
  'SessionUpdated',
  SessionRef & FromHeldPatch & { changes: Record<string, unknown>; last_updated: string }
>;

/** Charging periods appended (PATCH always appends; a PUT that only extends the list appends too). */
export type ChargingPeriodsAdded = DomainEvent<
  'ChargingPeriodsAdded',
  SessionRef & FromHeldPatch & { charging_periods: ChargingPeriod[]; last_updated: string }
>;

export type SessionStatusChanged = DomainEvent<
  'SessionStatusChanged',
  SessionRef & FromHeldPatch & { from: SessionStatus; to: SessionStatus; last_updated: string }
>;

/** A status change the spec does not allow: recorded, not applied; the status stays `from`. */
export type SessionStatusTransitionFlagged = DomainEvent<
  'SessionStatusTransitionFlagged',
  SessionRef & FromHeldPatch & { from: SessionStatus; to: SessionStatus; reason: string; last_updated: string }
>;

/** The session reached a final status (COMPLETED, or INVALID: not to be billed). Figures as held then. */
export type SessionEnded = DomainEvent<
  'SessionEnded',
  SessionRef &
    FromHeldPatch & {
      status: SessionStatus;
      end_date_time?: string;
      kwh: number;
      total_cost?: Session['total_cost'];
      currency: string;
      last_updated: string;
    }
>;

/** An update older (by last_updated) than what we hold: kept in the log, state unchanged. */
export type StaleSessionUpdateReceived = DomainEvent<
  'StaleSessionUpdateReceived',
  SessionRef & FromHeldPatch & { method: 'PUT' | 'PATCH'; last_updated: string; held_last_updated: string }
>;

/** A PATCH for a session we do not hold yet: kept until its PUT arrives, then applied if newer. */
export type SessionPatchHeld = DomainEvent<'SessionPatchHeld', SessionRef & { patch: SessionPatch }>;

export type SessionEvent =
  | SessionStarted
  | SessionUpdated
  | ChargingPeriodsAdded
  | SessionStatusChanged
  | SessionStatusTransitionFlagged
  | SessionEnded
  | StaleSessionUpdateReceived
  | SessionPatchHeld;

export const SESSION_EVENT_TYPES: ReadonlyArray<SessionEvent['type']> = [
  'SessionStarted',
  'SessionUpdated',
  'ChargingPeriodsAdded',
  'SessionStatusChanged',
  'SessionStatusTransitionFlagged',
  'SessionEnded',
  'StaleSessionUpdateReceived',
  'SessionPatchHeld',
];
