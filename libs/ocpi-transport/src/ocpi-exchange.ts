import { createHash, randomUUID } from 'node:crypto';
import type { EventMetadata, NewEvent } from '@roamledger/event-store';
import { formatParty, type PartyId, sameParty } from '@roamledger/ocpi';
import type { AuthenticatedPartner } from './partner';

export const OCPI_REQUEST_RECEIVED = 'OcpiRequestReceived';
export const OCPI_REQUEST_REJECTED = 'OcpiRequestRejected';

/** Headers never kept in the log. */
const SECRET_HEADERS = new Set(['authorization', 'cookie']);

export interface ExchangeInit {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
  receivedAt?: Date;
  /** The ids the request is logged under (libs/service logger.ts), when it has them. */
  requestId?: string;
  correlationId?: string;
}

/**
 * One OCPI request as Roamledger received it: ids, routing, who sent it, the body as sent.
 * Accepted writes append it as the cause of their domain events; rejected writes leave a
 * digest of it in the partner's stream.
 */
export class OcpiExchange {
  readonly requestId: string;
  readonly correlationId: string;
  readonly receivedAt: string;
  readonly method: string;
  readonly url: string;
  /** The OCPI version of the route called (its `/2.1.1/` segment); undefined on GET /ocpi/versions. */
  readonly version?: string;
  readonly from?: PartyId;
  readonly to?: PartyId;
  readonly rawBody?: Buffer;
  private readonly keptHeaders: Record<string, string>;
  partner?: AuthenticatedPartner;
  /** The id of the OcpiRequestReceived event, once one was made. */
  private requestEventId?: string;

  constructor(init: ExchangeInit) {
    const header = (name: string) => {
      const value = init.headers[name];
      return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
    };
    this.requestId = init.requestId ?? header('x-request-id') ?? randomUUID();
    this.correlationId = init.correlationId ?? header('x-correlation-id') ?? randomUUID();
    this.receivedAt = (init.receivedAt ?? new Date()).toISOString();
    this.method = init.method.toUpperCase();
    this.url = init.url;
    this.version = /\/(\d+\.\d+(?:\.\d+)?)(?:\/|\?|$)/.exec(init.url)?.[1];
    this.rawBody = init.rawBody;
    const fromCountry = header('ocpi-from-country-code');
    const fromParty = header('ocpi-from-party-id');
    const toCountry = header('ocpi-to-country-code');
    const toParty = header('ocpi-to-party-id');
    if (fromCountry && fromParty) this.from = { countryCode: fromCountry.toUpperCase(), partyId: fromParty.toUpperCase() };
    if (toCountry && toParty) this.to = { countryCode: toCountry.toUpperCase(), partyId: toParty.toUpperCase() };
    this.keptHeaders = {};
    for (const [name, value] of Object.entries(init.headers)) {
      if (value === undefined || SECRET_HEADERS.has(name.toLowerCase())) continue;
      this.keptHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }

  get isWrite(): boolean {
    return this.method === 'POST' || this.method === 'PUT' || this.method === 'PATCH' || this.method === 'DELETE';
  }

  /** True when the authenticated partner's credentials hold this party (in this role, when one is given). */
  holdsParty(party: PartyId, role?: string): boolean {
    return this.partner?.roles.some((held) => sameParty(held, party) && (!role || held.role === role)) ?? false;
  }

  /** The request itself as an event, appended with (and before) the domain events it causes. */
  requestEvent(): NewEvent {
    this.requestEventId ??= randomUUID();
    return {
      id: this.requestEventId,
      type: OCPI_REQUEST_RECEIVED,
      data: {
        method: this.method,
        url: this.url,
        headers: this.keptHeaders,
        body: this.rawBody?.toString('utf8') ?? null,
        ...this.routing(),
      },
      metadata: this.metadata(),
    };
  }

  /** What a rejected request leaves in the log: enough to settle a dispute, not the payload. */
  rejectionEvent(statusCode: number, httpStatus: number, reason: string): NewEvent {
    return {
      type: OCPI_REQUEST_REJECTED,
      data: {
        method: this.method,
        url: this.url,
        status_code: statusCode,
        http_status: httpStatus,
        reason,
        body_size: this.rawBody?.length ?? 0,
        body_sha256: createHash('sha256')
          .update(this.rawBody ?? Buffer.alloc(0))
          .digest('hex'),
        ...this.routing(),
      },
      metadata: this.metadata(),
    };
  }

  /** Metadata for events this request causes. */
  metadata(): EventMetadata {
    return {
      requestId: this.requestId,
      correlationId: this.correlationId,
      ...(this.requestEventId ? { causationId: this.requestEventId } : {}),
      ...(this.partner ? { partner: this.partnerLabel(), partnerId: this.partner.partnerId } : {}),
      receivedAt: this.receivedAt,
    };
  }

  private partnerLabel(): string {
    const party = this.from ?? this.partner?.roles[0];
    return party ? formatParty(party) : (this.partner?.partnerId ?? 'unknown');
  }

  private routing() {
    return {
      ...(this.from ? { from: formatParty(this.from) } : {}),
      ...(this.to ? { to: formatParty(this.to) } : {}),
    };
  }
}
