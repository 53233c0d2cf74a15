import { canonicalJson, type Decider } from '@roamledger/kernel';
import type { ChargingPeriod, Session } from '@roamledger/ocpi';
import { type PartyId, parseOcpiDateTime, SessionStatus } from '@roamledger/ocpi/values';
import type {
  ChargingPeriodsAdded,
  SessionEnded,
  SessionEvent,
  SessionPatch,
  SessionRef,
  SessionStatusChanged,
  SessionStatusTransitionFlagged,
  SessionUpdated,
  StaleSessionUpdateReceived,
} from './session.events';

/** One stream per session. CiStrings are case-insensitive, so the name is upper-cased. */
export function sessionStream(party: PartyId, sessionId: string): string {
  return `session-${party.countryCode.toUpperCase()}-${party.partyId.toUpperCase()}-${sessionId.toUpperCase()}`;
}

export const SESSION_STREAM_PREFIX = 'session-';

export type SessionCommand =
  /**
   * A full Session: a PUT, or one pulled from the CPO's Sender interface (`pulled`: an older copy
   * than ours is then not an update anyone sent us, and leaves no trace).
   */
  { type: 'PutSession'; session: Session; pulled?: boolean } | { type: 'PatchSession'; ref: SessionRef; patch: SessionPatch };

export interface SessionState {
  /** Our current view: the latest data by last_updated. */
  session?: Session;
  /** PATCHes received before the session's first PUT, in arrival order. */
  heldPatches: SessionPatch[];
}

const FINAL_STATUSES: ReadonlySet<SessionStatus> = new Set([SessionStatus.COMPLETED, SessionStatus.INVALID]);

/**
 * Where a session may go next (mod_sessions SessionStatus): PENDING and RESERVATION may become
 * ACTIVE, or end without charging; ACTIVE ends. COMPLETED and INVALID are final; nothing goes back.
 */
const NEXT_STATUSES: Record<SessionStatus, readonly SessionStatus[]> = {
  [SessionStatus.PENDING]: [SessionStatus.ACTIVE, SessionStatus.COMPLETED, SessionStatus.INVALID],
  [SessionStatus.RESERVATION]: [SessionStatus.ACTIVE, SessionStatus.COMPLETED, SessionStatus.INVALID],
  [SessionStatus.ACTIVE]: [SessionStatus.COMPLETED, SessionStatus.INVALID],
  [SessionStatus.COMPLETED]: [],
  [SessionStatus.INVALID]: [],
};

export function isAllowedTransition(from: SessionStatus, to: SessionStatus): boolean {
  return from === to || NEXT_STATUSES[from].includes(to);
}

// Identity fields: checked against the URL by the controller, never "changed".
const IDENTITY_FIELDS = new Set(['country_code', 'party_id', 'id']);
// Fields with their own events.
const OWN_EVENT_FIELDS = new Set(['status', 'charging_periods']);

const sameJson = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
const millis = (dateTime: string) => parseOcpiDateTime(dateTime).getTime();

function refOf(session: Session): SessionRef {
  return { country_code: session.country_code, party_id: session.party_id, session_id: session.id };
}

/** The Session aggregate: pure, no I/O. States are never mutated, only replaced (events may share their objects). */
export const sessionDecider: Decider<SessionCommand, SessionEvent, SessionState> = {
  initialState: () => ({ heldPatches: [] }),

  decide(command, state) {
    switch (command.type) {
      case 'PutSession':
        if (!state.session) return decideStart(command.session, state);
        if (command.pulled && millis(command.session.last_updated) < millis(state.session.last_updated)) return [];
        return decideReplace(command.session, state.session);
      case 'PatchSession':
        if (!state.session) return [{ type: 'SessionPatchHeld', data: { ...command.ref, patch: command.patch } }];
        return decidePatch(command.ref, command.patch, state.session);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'SessionStarted':
        return { session: event.data.session, heldPatches: [] };
      case 'SessionUpdated':
        return state.session ? { ...state, session: applyChanges(state.session, event.data.changes) } : state;
      case 'ChargingPeriodsAdded':
        return state.session
          ? {
              ...state,
              session: {
                ...state.session,
                charging_periods: [...(state.session.charging_periods ?? []), ...event.data.charging_periods],
              },
            }
          : state;
      case 'SessionStatusChanged':
        return state.session ? { ...state, session: { ...state.session, status: event.data.to } } : state;
      case 'SessionPatchHeld':
        return { ...state, heldPatches: [...state.heldPatches, event.data.patch] };
      default:
        // SessionEnded, stale and flagged updates, the recorded requests: nothing to apply.
        return state;
    }
  },
};

function fold(session: Session, events: SessionEvent[]): Session {
  let state: SessionState = { session, heldPatches: [] };
  for (const event of events) state = sessionDecider.evolve(state, event);
  return state.session as Session;
}

/** The first PUT; PATCHes held before it follow in last_updated order, each applied only if newer. */
function decideStart(session: Session, state: SessionState): SessionEvent[] {
  const ref = refOf(session);
  const events: SessionEvent[] = [{ type: 'SessionStarted', data: { ...ref, session } }];
  if (FINAL_STATUSES.has(session.status)) events.push(ended(ref, session));
  let current = session;
  const held = state.heldPatches
    .map((patch, arrival) => ({ patch, arrival }))
    .sort((a, b) => millis(a.patch.last_updated) - millis(b.patch.last_updated) || a.arrival - b.arrival);
  for (const { patch } of held) {
    const applied = decidePatch(ref, patch, current).map(markHeld);
    events.push(...applied);
    current = fold(current, applied);
  }
  return events;
}

function markHeld(event: SessionEvent): SessionEvent {
  return event.type === 'SessionStarted' || event.type === 'SessionPatchHeld'
    ? event
    : ({ ...event, data: { ...event.data, held_patch: true } } as SessionEvent);
}

/** A PUT on a session we hold: the new object replaces ours, charging periods included. */
function decideReplace(session: Session, held: Session): SessionEvent[] {
  const ref = refOf(held);
  if (millis(session.last_updated) < millis(held.last_updated)) return [stale(ref, 'PUT', session.last_updated, held)];
  const changes: Record<string, unknown> = {};
  const fields = new Set([...Object.keys(held), ...Object.keys(session)]);
  for (const field of fields) {
    if (IDENTITY_FIELDS.has(field) || OWN_EVENT_FIELDS.has(field)) continue;
    const value = (session as unknown as Record<string, unknown>)[field];
    if (!sameJson((held as unknown as Record<string, unknown>)[field], value)) changes[field] = value ?? null;
  }
  let added: ChargingPeriod[] = [];
  const before = held.charging_periods ?? [];
  const after = session.charging_periods ?? [];
  if (!sameJson(before, after)) {
    // Only extending the list is an addition; anything else replaces it (mod_sessions PUT).
    if (after.length > before.length && sameJson(before, after.slice(0, before.length))) added = after.slice(before.length);
    else changes.charging_periods = after;
  }
  return updateEvents(ref, held, changes, added, session.status, session.last_updated);
}

/** A PATCH on a session we hold: the given fields replace ours, charging periods are appended. */
function decidePatch(ref: SessionRef, patch: SessionPatch, held: Session): SessionEvent[] {
  if (millis(patch.last_updated) < millis(held.last_updated)) return [stale(ref, 'PATCH', patch.last_updated, held)];
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (IDENTITY_FIELDS.has(field) || OWN_EVENT_FIELDS.has(field) || value === undefined) continue;
    if (!sameJson((held as unknown as Record<string, unknown>)[field], value)) changes[field] = value;
  }
  // A period we already hold is not added twice (a retried PATCH, or one also seen by a pull).
  const added: ChargingPeriod[] = [];
  for (const period of patch.charging_periods ?? []) {
    if (![...(held.charging_periods ?? []), ...added].some((known) => sameJson(known, period))) added.push(period);
  }
  return updateEvents(ref, held, changes, added, patch.status ?? held.status, patch.last_updated);
}

function updateEvents(
  ref: SessionRef,
  held: Session,
  changes: Record<string, unknown>,
  added: ChargingPeriod[],
  status: SessionStatus,
  lastUpdated: string,
): SessionEvent[] {
  const events: SessionEvent[] = [];
  if (Object.keys(changes).length > 0) {
    events.push({ type: 'SessionUpdated', data: { ...ref, changes, last_updated: lastUpdated } } satisfies SessionUpdated);
  }
  if (added.length > 0) {
    events.push({
      type: 'ChargingPeriodsAdded',
      data: { ...ref, charging_periods: added, last_updated: lastUpdated },
    } satisfies ChargingPeriodsAdded);
  }
  if (status !== held.status) {
    const transition = { ...ref, from: held.status, to: status, last_updated: lastUpdated };
    if (isAllowedTransition(held.status, status)) {
      events.push({ type: 'SessionStatusChanged', data: transition } satisfies SessionStatusChanged);
      if (FINAL_STATUSES.has(status)) events.push(ended(ref, fold(held, events)));
    } else {
      events.push({
        type: 'SessionStatusTransitionFlagged',
        data: { ...transition, reason: transitionRefusal(held.status, status) },
      } satisfies SessionStatusTransitionFlagged);
    }
  }
  return events;
}

function transitionRefusal(from: SessionStatus, to: SessionStatus): string {
  if (FINAL_STATUSES.has(from)) return `${from} is a final status; the session cannot become ${to}`;
  return `a session cannot go from ${from} back to ${to}`;
}

function ended(ref: SessionRef, session: Session): SessionEnded {
  return {
    type: 'SessionEnded',
    data: {
      ...ref,
      status: session.status,
      ...(session.end_date_time ? { end_date_time: session.end_date_time } : {}),
      kwh: session.kwh,
      ...(session.total_cost ? { total_cost: session.total_cost } : {}),
      currency: session.currency,
      last_updated: session.last_updated,
    },
  };
}

function stale(ref: SessionRef, method: 'PUT' | 'PATCH', lastUpdated: string, held: Session): StaleSessionUpdateReceived {
  return {
    type: 'StaleSessionUpdateReceived',
    data: { ...ref, method, last_updated: lastUpdated, held_last_updated: held.last_updated },
  };
}

function applyChanges(session: Session, changes: Record<string, unknown>): Session {
  const next: Record<string, unknown> = { ...session };
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as unknown as Session;
}
