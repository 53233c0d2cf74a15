import type { RecordedEvent } from '@roamledger/event-store';
import type { Token } from '@roamledger/ocpi';
import {
  loadRows,
  type Projection,
  type ProjectionContext,
  type ProjectionTable,
  type Row,
  SqlParams,
  upsertSql,
  writeAll,
} from '@roamledger/projections';
import { TOKEN_STREAM_PREFIX } from './token.decider';
import type { TokenEvent } from './token.events';

export const TOKEN_REGISTER_PROJECTION = 'tokens';

/** Our tokens as partners pull them and operators list them. */
export const TOKENS_TABLE: ProjectionTable = {
  name: 'tokens',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'type', type: 'text', required: true },
    { name: 'uid_key', type: 'text', required: true },
    { name: 'contract_id', type: 'text' },
    { name: 'valid', type: 'boolean', required: true },
    { name: 'expired', type: 'boolean', required: true },
    { name: 'token', type: 'text', required: true },
    { name: 'last_updated', type: 'timestamptz', required: true },
  ],
  primaryKey: ['country_code', 'party_id', 'type', 'uid_key'],
  indexes: [['last_updated'], ['contract_id']],
};

/** Every authorization reference we issued (real-time authorizations, START_SESSION/RESERVE_NOW), and what later carried it. */
export const AUTHORIZATIONS_TABLE: ProjectionTable = {
  name: 'token_authorizations',
  columns: [
    { name: 'reference', type: 'text', required: true },
    { name: 'origin', type: 'text', required: true },
    { name: 'country_code', type: 'text' },
    { name: 'party_id', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'uid_key', type: 'text' },
    { name: 'allowed', type: 'text' },
    { name: 'reason', type: 'text' },
    { name: 'partner_id', type: 'text' },
    { name: 'command_id', type: 'text' },
    { name: 'decided_at', type: 'timestamptz' },
    { name: 'session_stream', type: 'text' },
    { name: 'cdr_stream', type: 'text' },
  ],
  primaryKey: ['reference'],
  indexes: [['session_stream'], ['cdr_stream']],
};

/** Sessions and CDRs finance should look at: a token BLOCKED at their start, a reference we never issued. */
export const TOKEN_FINDINGS_TABLE: ProjectionTable = {
  name: 'token_findings',
  columns: [
    { name: 'stream', type: 'text', required: true },
    { name: 'finding', type: 'text', required: true },
    { name: 'reference', type: 'text' },
    { name: 'detail', type: 'text', required: true },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['stream', 'finding'],
  indexes: [['finding']],
};

export type TokenFindingKind = 'TOKEN_BLOCKED_AT_START' | 'UNKNOWN_AUTHORIZATION_REFERENCE';

/**
 * Read by event type and field names only: sessions, CDRs and commands are other modules, and a
 * projection reads the log, not their code.
 */
const SESSION_STARTED = 'SessionStarted';
const CDR_RECEIVED = ['CdrReceived', 'CreditCdrReceived'];
const COMMAND_REQUESTED = 'CommandRequested';

const TOKEN_TYPES = ['TokenIssued', 'TokenReplaced', 'TokenUpdated', 'TokenBlocked', 'TokenUnblocked', 'TokenExpired'];

interface CarriedToken {
  country_code: string;
  party_id: string;
  uid: string;
  type: string;
}

const upper = (value: string) => value.toUpperCase();
const tokenKey = (ref: CarriedToken) => [ref.country_code, ref.party_id, ref.type, ref.uid].map(upper).join('\u0000');

/**
 * The token register (tokens), the authorization references we issued and what carried them
 * (token_authorizations), and the findings (token_findings). Version 1.
 */
export function tokenRegisterProjection(): Projection {
  return {
    name: TOKEN_REGISTER_PROJECTION,
    version: 1,
    tables: [TOKENS_TABLE, AUTHORIZATIONS_TABLE, TOKEN_FINDINGS_TABLE],
    filter: {
      eventTypes: [...TOKEN_TYPES, 'AuthorizationDecided', SESSION_STARTED, ...CDR_RECEIVED, COMMAND_REQUESTED],
    },
    apply: (events, context) => new TokenBatch(context).apply(events),
  };
}

/** Load, fold, store: the token rows a batch touches are read in one statement and written in one. */
class TokenBatch {
  private readonly tokens = new Map<string, Row>();
  private readonly dirtyTokens = new Set<string>();
  private readonly authorizations = new Map<string, Row>();
  private readonly dirtyAuthorizations = new Set<string>();
  private readonly findings: Row[] = [];

  constructor(private readonly context: ProjectionContext) {}

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    await this.load(events);
    for (const event of events) this.fold(event);
    const params = new SqlParams();
    await writeAll(this.context.db, params, [
      upsertSql(
        TOKENS_TABLE,
        this.context.table(TOKENS_TABLE.name),
        params,
        [...this.dirtyTokens].map((k) => this.tokens.get(k) as Row),
      ),
      upsertSql(
        AUTHORIZATIONS_TABLE,
        this.context.table(AUTHORIZATIONS_TABLE.name),
        params,
        [...this.dirtyAuthorizations].map((k) => this.authorizations.get(k) as Row),
      ),
      upsertSql(TOKEN_FINDINGS_TABLE, this.context.table(TOKEN_FINDINGS_TABLE.name), params, this.findings),
    ]);
  }

  private async load(events: readonly RecordedEvent[]): Promise<void> {
    const tokenKeys: Row[] = [];
    const references: Row[] = [];
    for (const event of events) {
      const carried = carriedBy(event);
      if (event.stream.startsWith(TOKEN_STREAM_PREFIX) || carried?.token) {
        const ref = (carried?.token ?? event.data) as CarriedToken;
        tokenKeys.push({
          country_code: upper(ref.country_code),
          party_id: upper(ref.party_id),
          type: upper(ref.type),
          uid_key: upper(ref.uid),
        });
      }
      if (carried?.reference) references.push({ reference: upper(carried.reference) });
    }
    const [tokens, authorizations] = await Promise.all([
      loadRows(this.context.db, TOKENS_TABLE, this.context.table(TOKENS_TABLE.name), { keys: tokenKeys }),
      loadRows(this.context.db, AUTHORIZATIONS_TABLE, this.context.table(AUTHORIZATIONS_TABLE.name), { keys: references }),
    ]);
    for (const row of tokens) this.tokens.set(rowKey(row), row);
    for (const row of authorizations) this.authorizations.set(row.reference as string, row);
  }

  private fold(event: RecordedEvent): void {
    const data = event.data as Record<string, unknown>;
    if (TOKEN_TYPES.includes(event.type)) {
      this.foldToken(event.type as TokenEvent['type'], data);
      return;
    }
    if (event.type === 'AuthorizationDecided') {
      const reference = upper(data.authorization_reference as string);
      this.setAuthorization(reference, {
        reference,
        origin: 'authorize',
        country_code: upper(data.country_code as string),
        party_id: upper(data.party_id as string),
        type: upper(data.type as string),
        uid_key: upper(data.uid as string),
        allowed: data.allowed as string,
        reason: data.reason as string,
        partner_id: data.partner_id as string,
        decided_at: data.decided_at as string,
      });
      return;
    }
    if (event.type === COMMAND_REQUESTED) {
      const reference = data.authorization_reference as string | undefined;
      if (reference) {
        const token = data.token as CarriedToken | undefined;
        this.setAuthorization(upper(reference), {
          reference: upper(reference),
          origin: `command:${data.command as string}`,
          ...(token
            ? {
                country_code: upper(token.country_code),
                party_id: upper(token.party_id),
                type: upper(token.type),
                uid_key: upper(token.uid),
              }
            : {}),
          partner_id: data.partner_id as string,
          command_id: data.command_id as string,
          decided_at: event.recordedAt,
        });
      }
      return;
    }
    const carried = carriedBy(event);
    if (!carried) return;
    const column = event.type === SESSION_STARTED ? 'session_stream' : 'cdr_stream';
    if (carried.reference) {
      const reference = upper(carried.reference);
      const held = this.authorizations.get(reference);
      if (held) this.setAuthorization(reference, { ...held, [column]: event.stream });
      else
        this.finding(
          event,
          'UNKNOWN_AUTHORIZATION_REFERENCE',
          reference,
          `authorization_reference ${carried.reference} was never issued by us`,
        );
    }
    if (carried.token) {
      const token = this.tokens.get(tokenKey(carried.token));
      if (token && token.valid === false) {
        this.finding(
          event,
          'TOKEN_BLOCKED_AT_START',
          carried.reference ? upper(carried.reference) : null,
          `token ${carried.token.uid} (${carried.token.type}) was ${token.expired ? 'expired' : 'blocked'} when this ${event.type === SESSION_STARTED ? 'session' : 'CDR'} arrived`,
        );
      }
    }
  }

  private foldToken(type: TokenEvent['type'], data: Record<string, unknown>): void {
    const ref = data as unknown as CarriedToken;
    const key = tokenKey(ref);
    const held = this.tokens.get(key);
    let token: Token | undefined = held ? (JSON.parse(held.token as string) as Token) : undefined;
    let expired = held?.expired === true;
    switch (type) {
      case 'TokenIssued':
      case 'TokenReplaced':
        token = data.token as Token;
        expired = false;
        break;
      case 'TokenUpdated':
        if (!token) return;
        token = { ...token, last_updated: data.last_updated as string };
        for (const [field, value] of Object.entries(data.changes as Record<string, unknown>)) {
          if (value === null) delete (token as unknown as Record<string, unknown>)[field];
          else (token as unknown as Record<string, unknown>)[field] = value;
        }
        break;
      case 'TokenBlocked':
      case 'TokenExpired':
      case 'TokenUnblocked':
        if (!token) return;
        token = { ...token, valid: type === 'TokenUnblocked', last_updated: data.last_updated as string };
        expired = type === 'TokenExpired';
        break;
      default:
        return;
    }
    this.tokens.set(key, {
      country_code: upper(ref.country_code),
      party_id: upper(ref.party_id),
      type: upper(ref.type),
      uid_key: upper(ref.uid),
      contract_id: token.contract_id ?? null,
      valid: token.valid,
      expired,
      token: JSON.stringify(token),
      last_updated: token.last_updated,
    });
    this.dirtyTokens.add(key);
  }

  private setAuthorization(reference: string, row: Row): void {
    const full: Row = Object.fromEntries(AUTHORIZATIONS_TABLE.columns.map((column) => [column.name, row[column.name] ?? null]));
    this.authorizations.set(reference, full);
    this.dirtyAuthorizations.add(reference);
  }

  private finding(event: RecordedEvent, finding: TokenFindingKind, reference: string | null, detail: string): void {
    this.findings.push({ stream: event.stream, finding, reference, detail, position: String(event.position) });
  }
}

function rowKey(row: Row): string {
  return [row.country_code, row.party_id, row.type, row.uid_key].join('\u0000');
}

/** The authorization reference and token a session or CDR carries. */
function carriedBy(event: RecordedEvent): { reference?: string; token?: CarriedToken } | undefined {
  const data = event.data as { session?: Carrier; cdr?: Carrier };
  const carrier = event.type === SESSION_STARTED ? data.session : CDR_RECEIVED.includes(event.type) ? data.cdr : undefined;
  if (!carrier) return undefined;
  return {
    ...(carrier.authorization_reference ? { reference: carrier.authorization_reference } : {}),
    ...(carrier.cdr_token ? { token: carrier.cdr_token } : {}),
  };
}

interface Carrier {
  authorization_reference?: string;
  cdr_token?: CarriedToken;
}
