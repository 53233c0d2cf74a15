import type { CdrEvent, CdrReceived, CreditCdrReceived } from '@roamledger/cdrs';
import type { RecordedEvent } from '@roamledger/event-store';
import { lowerBound } from '@roamledger/kernel';
import {
  loadRowSets,
  type Projection,
  type ProjectionContext,
  type Row,
  SqlParams,
  upsertSql,
  writeAll,
} from '@roamledger/projections';
import type {
  ChargingPeriodsAdded,
  SessionEnded,
  SessionEvent,
  SessionStarted,
  SessionStatusChanged,
  SessionStatusTransitionFlagged,
  SessionUpdated,
} from '@roamledger/sessions';
import type { AuthorizationFindingRaised } from '@roamledger/tokens';
import {
  AUTHORIZATION_FINDINGS,
  CDR_LEDGER,
  type CdrLedgerRow,
  cdrLedgerRow,
  LEDGER_FINDINGS,
  setFinding,
  upper,
} from './cdr-ledger';
import {
  addToStatement,
  addToStatementsSql,
  emptyStatement,
  PARTNER_STATEMENTS,
  type PartnerStatementRow,
  statementKey,
} from './partner-statement';
import {
  applySessionChanges,
  checkSessionPlausibility,
  normalizeSessionRow,
  SESSION_FINDINGS,
  SESSION_VIEW,
  type SessionViewRow,
  sessionViewRow,
  touch,
} from './session-view';

export const BILLING_PROJECTION = 'billing';

export interface BillingProjectionSettings {
  /** IANA zone of statement months. Part of the build identity: changing it rebuilds the projection. */
  timeZone: string;
}

/** The events that change billing rows; the rest of the log only moves the position. */
export const BILLING_EVENT_TYPES = [
  'SessionStarted',
  'SessionUpdated',
  'ChargingPeriodsAdded',
  'SessionStatusChanged',
  'SessionStatusTransitionFlagged',
  'SessionEnded',
  'CdrReceived',
  'CreditCdrReceived',
  'AuthorizationFindingRaised',
] as const satisfies ReadonlyArray<SessionEvent['type'] | CdrEvent['type'] | AuthorizationFindingRaised['type']>;

type BillingEvent =
  | SessionStarted
  | SessionUpdated
  | SessionStatusChanged
  | SessionStatusTransitionFlagged
  | SessionEnded
  | CdrReceived
  | CreditCdrReceived
  | ChargingPeriodsAdded
  | AuthorizationFindingRaised;

type Billing = RecordedEvent & BillingEvent;

const key = (...parts: string[]) => parts.join('\u0000');
const cdrKeyOf = (row: { country_code: string; party_id: string; cdr_key: string }) =>
  key(row.country_code, row.party_id, row.cdr_key);
const sessionKeyOf = (row: { country_code: string; party_id: string; session_key: string }) =>
  key(row.country_code, row.party_id, row.session_key);

/**
 * CDR ledger, session view and partner statements, one projection (they read each other: a CDR
 * needs its session, a session its CDRs, a statement its CDRs). Version 3: the ledger's emsp_party,
 * and sessions carry the plausibility findings CDRs have (version 1 had neither). Version 4: a
 * session count per statement (the ledger's first CDR of each session). Version 5: the tokens register's
 * authorization findings (AuthorizationFindingRaised) on sessions and CDRs. Version 6: a session's
 * CDR count, not its CDR ids, and the ledger's first_of_session_key, so that the thousandth CDR of
 * one session costs what its first did (ids are read from the ledger by the finance API).
 */
export function billingProjection(settings: BillingProjectionSettings): Projection {
  return {
    name: BILLING_PROJECTION,
    version: 6,
    settings: { timeZone: settings.timeZone },
    tables: [CDR_LEDGER, SESSION_VIEW, PARTNER_STATEMENTS],
    filter: { eventTypes: [...BILLING_EVENT_TYPES] },
    apply: (events, context) => new BillingBatch(context, settings).apply(events as Billing[]),
  };
}

/**
 * One batch, as load, fold, store: read every row the batch can touch (a few statements), fold
 * the events over them in memory in log order, write the changed rows back (one statement per
 * table). The result is the same as applying the events one by one, whatever the batch size.
 */
class BillingBatch {
  private readonly cdrs = new Map<string, CdrLedgerRow>();
  /** The CDRs (not credits) in `cdrs` by their session, and the credits by the CDR they credit: no scan per event. */
  private readonly cdrsBySession = new Map<string, CdrLedgerRow[]>();
  private readonly creditsByOriginal = new Map<string, CdrLedgerRow[]>();
  private readonly sessions = new Map<string, SessionViewRow>();
  private readonly dirtyCdrs = new Set<string>();
  private readonly dirtySessions = new Set<string>();
  /** Sessions (by key) that have their first CDR: in the ledger or in this batch. */
  private readonly billedSessions = new Set<string>();
  private readonly statementAdds: Array<{ row: CdrLedgerRow; position: number }> = [];
  private readonly cdrTable: string;
  private readonly sessionTable: string;
  private readonly statementTable: string;

  constructor(
    private readonly context: ProjectionContext,
    private readonly settings: BillingProjectionSettings,
  ) {
    this.cdrTable = context.table(CDR_LEDGER.name);
    this.sessionTable = context.table(SESSION_VIEW.name);
    this.statementTable = context.table(PARTNER_STATEMENTS.name);
  }

  async apply(events: readonly Billing[]): Promise<void> {
    await this.load(events);
    for (const event of events) this.fold(event);
    await this.store();
  }

  private async load(events: readonly Billing[]): Promise<void> {
    // Keys by their joined text, so each row is asked for once however many events name it.
    const cdrKeys = new Map<string, Row>();
    const originalKeys = new Map<string, Row>();
    const sessionKeys = new Map<string, Row>();
    // Sessions whose CDRs to load: those starting now (their CDRs may have come first), all of them;
    // those a CDR names, only the one that billed the session (is the new CDR the session's first?),
    // so a session named by many CDRs does not make each batch read them all.
    const sessionCdrKeys = new Map<string, Row>();
    const billedSessionKeys = new Map<string, Row>();
    const add = (into: Map<string, Row>, country: string, party: string, column: string, id: string) => {
      const text = key(country, party, id);
      if (!into.has(text)) into.set(text, { country_code: country, party_id: party, [column]: id });
    };
    for (const event of events) {
      const data = event.data;
      const country = upper(data.country_code);
      const party = upper(data.party_id);
      if (event.type === 'AuthorizationFindingRaised') {
        const id = upper(event.data.id);
        if (event.data.object === 'cdr') add(cdrKeys, country, party, 'cdr_key', id);
        else add(sessionKeys, country, party, 'session_key', id);
      } else if (event.type === 'CdrReceived' || event.type === 'CreditCdrReceived') {
        const cdrKey = upper(event.data.cdr_id);
        add(cdrKeys, country, party, 'cdr_key', cdrKey);
        if (event.type === 'CreditCdrReceived') add(cdrKeys, country, party, 'cdr_key', upper(event.data.credit_reference_id));
        else add(originalKeys, country, party, 'credit_reference_key', cdrKey);
        if (event.data.cdr.session_id) {
          const sessionKey = upper(event.data.cdr.session_id);
          add(sessionKeys, country, party, 'session_key', sessionKey);
          if (event.type === 'CdrReceived') add(billedSessionKeys, country, party, 'first_of_session_key', sessionKey);
        }
      } else {
        const sessionKey = upper((data as { session_id: string }).session_id);
        add(sessionKeys, country, party, 'session_key', sessionKey);
        if (event.type === 'SessionStarted') add(sessionCdrKeys, country, party, 'session_key', sessionKey);
      }
    }
    for (const text of sessionCdrKeys.keys()) billedSessionKeys.delete(text);
    // Both tables in one round trip.
    const [cdrRows, sessionRows] = await loadRowSets(this.context.db, [
      {
        table: CDR_LEDGER,
        physical: this.cdrTable,
        lookups: [
          { keys: [...cdrKeys.values()] },
          // credits that arrived before their original; a session's CDRs (came before it, or billed it first)
          { keys: [...originalKeys.values()], by: ['credit_reference_key', 'country_code', 'party_id'] },
          { keys: [...sessionCdrKeys.values()], by: ['session_key', 'country_code', 'party_id'] },
          { keys: [...billedSessionKeys.values()], by: ['first_of_session_key', 'country_code', 'party_id'] },
        ],
      },
      { table: SESSION_VIEW, physical: this.sessionTable, lookups: [{ keys: [...sessionKeys.values()] }] },
    ]);
    for (const row of cdrRows as CdrLedgerRow[]) {
      this.holdCdr(row);
      if (row.first_of_session_key) this.billedSessions.add(key(row.country_code, row.party_id, row.first_of_session_key));
    }
    for (const row of sessionRows as SessionViewRow[]) this.sessions.set(sessionKeyOf(row), row);
  }

  private holdCdr(row: CdrLedgerRow): void {
    const rowKey = cdrKeyOf(row);
    if (this.cdrs.has(rowKey)) return;
    this.cdrs.set(rowKey, row);
    const index = row.credit
      ? { map: this.creditsByOriginal, by: row.credit_reference_key }
      : { map: this.cdrsBySession, by: row.session_key };
    if (!index.by) return;
    const indexKey = key(row.country_code, row.party_id, index.by);
    const rows = index.map.get(indexKey);
    if (rows) rows.push(row);
    else index.map.set(indexKey, [row]);
  }

  private fold(event: Billing): void {
    switch (event.type) {
      case 'CdrReceived':
        this.receiveCdr(event, event.data, undefined);
        break;
      case 'CreditCdrReceived':
        this.receiveCdr(event, event.data, { referenceId: event.data.credit_reference_id });
        break;
      case 'SessionStarted':
        this.startSession(event, event.data.session);
        break;
      case 'AuthorizationFindingRaised':
        this.raiseAuthorizationFinding(event, event.data);
        break;
      default:
        this.updateSession(event);
    }
  }

  private receiveCdr(event: Billing, data: CdrReceived['data'], credit: { referenceId: string } | undefined): void {
    const row = cdrLedgerRow(event, data, credit, this.settings.timeZone);
    const rowKey = cdrKeyOf(row);
    // A CDR is stored once (the CDRs module drops resends); a second receipt would change nothing here.
    if (this.cdrs.has(rowKey)) return;
    if (!row.credit && row.session_key) {
      const billed = key(row.country_code, row.party_id, row.session_key);
      if (!this.billedSessions.has(billed)) row.first_of_session_key = row.session_key;
      this.billedSessions.add(billed);
    }
    this.holdCdr(row);
    this.dirtyCdrs.add(rowKey);
    this.statementAdds.push({ row, position: event.position });

    if (row.credit) {
      const original = this.cdrs.get(key(row.country_code, row.party_id, row.credit_reference_key as string));
      setFinding(row, LEDGER_FINDINGS.creditWithoutOriginal, !original);
      if (original) this.addCredit(original, row, event);
      return;
    }
    const session = row.session_key ? this.sessions.get(key(row.country_code, row.party_id, row.session_key)) : undefined;
    setFinding(row, LEDGER_FINDINGS.cdrWithoutSession, !session);
    if (session) this.linkCdr(session, event);
    // Credits that came first now have their original.
    for (const other of this.creditsByOriginal.get(key(row.country_code, row.party_id, row.cdr_key)) ?? []) {
      setFinding(other, LEDGER_FINDINGS.creditWithoutOriginal, false);
      this.markCdr(other, event);
      this.addCredit(row, other, event);
    }
  }

  private addCredit(original: CdrLedgerRow, credit: CdrLedgerRow, event: Billing): void {
    original.credited_by = withId(original.credited_by, credit.cdr_id);
    setFinding(original, LEDGER_FINDINGS.creditedMoreThanOnce, original.credited_by.length > 1);
    this.markCdr(original, event);
  }

  /** Each CDR is linked once: when it arrives after its session, or when its session starts after it. */
  private linkCdr(session: SessionViewRow, event: Billing): void {
    session.cdr_count += 1;
    this.markSession(session, event);
  }

  private startSession(event: Billing, session: SessionStarted['data']['session']): void {
    const row = sessionViewRow(event, session);
    const rowKey = sessionKeyOf(row);
    const existing = this.sessions.get(rowKey);
    if (existing) {
      // cdr_count is not carried: every CDR of a starting session is loaded and linked again below.
      row.findings = existing.findings;
      row.started_position = existing.started_position;
    }
    this.sessions.set(rowKey, row);
    this.dirtySessions.add(rowKey);
    // CDRs that came before their session now have it.
    for (const cdr of this.cdrsBySession.get(rowKey) ?? []) {
      if (setFinding(cdr, LEDGER_FINDINGS.cdrWithoutSession, false)) this.markCdr(cdr, event);
      this.linkCdr(row, event);
    }
  }

  private updateSession(event: Billing): void {
    const data = event.data as { country_code: string; party_id: string; session_id: string; last_updated?: string };
    const row = this.sessions.get(key(upper(data.country_code), upper(data.party_id), upper(data.session_id)));
    if (!row) return; // updates only follow a SessionStarted; nothing to show without one
    switch (event.type) {
      case 'SessionUpdated':
        applySessionChanges(row, event.data.changes);
        break;
      case 'SessionStatusChanged':
        row.status = event.data.to;
        break;
      case 'SessionStatusTransitionFlagged':
        setFinding(row, SESSION_FINDINGS.statusTransitionFlagged, true);
        this.markSession(row, event);
        return; // not applied: last_updated stays
      case 'SessionEnded':
        row.status = event.data.status;
        applySessionChanges(row, {
          ...(event.data.end_date_time ? { end_date_time: event.data.end_date_time } : {}),
          kwh: event.data.kwh,
          currency: event.data.currency,
          ...(event.data.total_cost ? { total_cost: event.data.total_cost } : {}),
        });
        break;
    }
    if (data.last_updated) row.last_updated = data.last_updated;
    this.markSession(row, event);
  }

  /**
   * On the row of the session or CDR it names (ids as in its stream name: upper-cased, as the
   * rows' keys are). The finding is raised from that session's or CDR's own event, so its row is
   * always there first, in the log's order as in a rebuild.
   */
  private raiseAuthorizationFinding(event: Billing, data: AuthorizationFindingRaised['data']): void {
    const code = AUTHORIZATION_FINDINGS[data.finding];
    if (!code) return;
    const rowKey = key(upper(data.country_code), upper(data.party_id), upper(data.id));
    if (data.object === 'cdr') {
      const row = this.cdrs.get(rowKey);
      if (row && setFinding(row, code, true)) this.markCdr(row, event);
    } else {
      const row = this.sessions.get(rowKey);
      if (row && setFinding(row, code, true)) this.markSession(row, event);
    }
  }

  private markCdr(row: CdrLedgerRow, event: Billing): void {
    row.position = String(event.position);
    this.dirtyCdrs.add(cdrKeyOf(row));
  }

  private markSession(row: SessionViewRow, event: Billing): void {
    touch(row, event);
    this.dirtySessions.add(sessionKeyOf(row));
  }

  /** Every changed row, in one statement. */
  private async store(): Promise<void> {
    const sessions = [...this.dirtySessions].map((rowKey) => this.sessions.get(rowKey) as SessionViewRow);
    for (const row of sessions) {
      normalizeSessionRow(row);
      checkSessionPlausibility(row);
    }
    // What this batch adds to each statement, added to the stored one in SQL: no read first.
    const deltas = new Map<string, PartnerStatementRow>();
    for (const { row, position } of this.statementAdds) {
      const bucket = statementKey({ ...row, month: row.statement_month });
      const delta = deltas.get(bucket) ?? emptyStatement(row);
      addToStatement(delta, row, position);
      deltas.set(bucket, delta);
    }
    const params = new SqlParams();
    await writeAll(this.context.db, params, [
      upsertSql(
        CDR_LEDGER,
        this.cdrTable,
        params,
        [...this.dirtyCdrs].map((rowKey) => this.cdrs.get(rowKey) as CdrLedgerRow),
      ),
      upsertSql(SESSION_VIEW, this.sessionTable, params, sessions),
      addToStatementsSql(this.statementTable, params, [...deltas.values()]),
    ]);
  }
}

/**
 * `ids` (sorted, as .sort() orders strings) with `id` in its place: a copy, or `ids` itself when it
 * holds `id`. Used for an original CDR's credits (credited_by), which are few; a session's CDRs are
 * counted, not listed, so that list never grows here.
 */
function withId(ids: string[], id: string): string[] {
  const low = lowerBound(ids, id);
  if (ids[low] === id) return ids;
  const next = ids.slice();
  next.splice(low, 0, id);
  return next;
}
