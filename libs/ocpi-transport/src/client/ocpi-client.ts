import { randomUUID } from 'node:crypto';
import type { PartyId } from '@roamledger/ocpi';
import { encodeCredentialsToken } from '../authorization-header';

export interface OcpiClientOptions {
  /** The credentials token the partner gave us for calling it. */
  token: string;
  /** Send `Authorization: Token <token>` unencoded, for peers that still expect the 2.1.1/2.2 form. */
  plainToken?: boolean;
  /** Our party: sent as OCPI-from-country-code / OCPI-from-party-id. */
  fromParty?: PartyId;
  /** Their party: sent as OCPI-to-country-code / OCPI-to-party-id. */
  toParty?: PartyId;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** Further attempts after a 5xx, a network error or a timeout. Default 2. */
  retries?: number;
  /** Delay before the first retry; doubled for each further one. Default 250 ms. */
  backoffMs?: number;
  /** Defaults to the global fetch (tests may pass another). */
  fetch?: typeof fetch;
}

export type OcpiQuery = Record<string, string | number | Date | undefined>;

export interface OcpiRequestOptions {
  query?: OcpiQuery;
  /** Sent as JSON. */
  body?: unknown;
  /** Carried over from the exchange that caused this call; generated when absent. */
  correlationId?: string;
  /** Overrides the client's retries, e.g. 0 for a POST that must not be sent twice. */
  retries?: number;
}

/** A successful OCPI response. */
export interface OcpiReply<T> {
  data: T;
  statusCode: number;
  statusMessage?: string;
  timestamp?: string;
  httpStatus: number;
  headers: Headers;
  requestId: string;
  correlationId: string;
}

/** One page of a paginated GET. */
export interface OcpiPage<T> {
  data: T[];
  /** X-Total-Count: objects matching the query, all pages together. */
  totalCount?: number;
  /** X-Limit: the most objects the server returns per page. */
  limit?: number;
  url: string;
}

/**
 * Why a call failed. `network` and `timeout`: no response; `http`: HTTP 4xx/5xx; `envelope`: the
 * body is not an OCPI response; `status`: a valid envelope whose status_code is not a success.
 */
export type OcpiCallFailure = 'network' | 'timeout' | 'http' | 'envelope' | 'status';

export class OcpiCallError extends Error {
  constructor(
    readonly failure: OcpiCallFailure,
    message: string,
    readonly method: string,
    readonly url: string,
    readonly attempts: number,
    /** The OCPI status_code, when the response carried an envelope. */
    readonly statusCode?: number,
    readonly httpStatus?: number,
    readonly statusMessage?: string,
  ) {
    super(message);
    this.name = 'OcpiCallError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

/**
 * Calls a partner's OCPI endpoints: sets the credentials token, request/correlation ids and routing
 * headers, checks the response envelope, retries transient failures with exponential backoff and
 * follows pagination links. Every method resolves to the response's `data` on an OCPI success
 * (1xxx) and rejects with an OcpiCallError otherwise. It does not validate `data`: callers check it
 * with validateOcpi/validateOcpiList, as a partner's objects may be partly invalid.
 *
 * ```ts
 * const client = new OcpiClient({ token, fromParty: { countryCode: 'NL', partyId: 'RLG' } });
 * const details = await client.get<VersionDetails>(detailsUrl);
 * for await (const page of client.paginate<Cdr>(cdrsUrl, { date_from: since })) handle(page.data);
 * ```
 */
export class OcpiClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OcpiClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  get<T>(url: string, query?: OcpiQuery): Promise<T> {
    return this.request<T>('GET', url, { query }).then((reply) => reply.data);
  }

  post<T>(url: string, body?: unknown, options: OcpiRequestOptions = {}): Promise<T> {
    return this.request<T>('POST', url, { ...options, body }).then((reply) => reply.data);
  }

  put<T>(url: string, body?: unknown, options: OcpiRequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', url, { ...options, body }).then((reply) => reply.data);
  }

  patch<T>(url: string, body?: unknown, options: OcpiRequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', url, { ...options, body }).then((reply) => reply.data);
  }

  delete<T>(url: string, options: OcpiRequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', url, options).then((reply) => reply.data);
  }

  /**
   * The pages of a paginated GET (transport_and_format: offset/limit/date_from/date_to), following
   * `Link: <...>; rel="next"` until the last page. `query` applies to the first request; next links
   * carry their own.
   */
  async *paginate<T>(url: string, query?: OcpiQuery): AsyncGenerator<OcpiPage<T>> {
    let next: string | undefined = withQuery(url, query);
    const seen = new Set<string>();
    const correlationId = randomUUID();
    while (next && !seen.has(next)) {
      seen.add(next);
      const reply: OcpiReply<T[]> = await this.request<T[]>('GET', next, { correlationId });
      if (!Array.isArray(reply.data)) {
        throw new OcpiCallError(
          'envelope',
          `GET ${next}: data is not a list`,
          'GET',
          next,
          1,
          reply.statusCode,
          reply.httpStatus,
        );
      }
      yield {
        data: reply.data,
        totalCount: integerHeader(reply.headers, 'x-total-count'),
        limit: integerHeader(reply.headers, 'x-limit'),
        url: next,
      };
      // An empty page ends the walk even if the server still links on: nothing more will come.
      next = reply.data.length ? nextLink(reply.headers.get('link'), next) : undefined;
    }
  }

  /** One call with the full reply (headers, status); the methods above return only `data`. */
  async request<T>(method: string, url: string, options: OcpiRequestOptions = {}): Promise<OcpiReply<T>> {
    const target = withQuery(url, options.query);
    const correlationId = options.correlationId ?? randomUUID();
    const retries = Math.max(0, options.retries ?? this.options.retries ?? DEFAULT_RETRIES);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt<T>(method, target, options.body, correlationId, attempt);
      } catch (error) {
        if (!(error instanceof OcpiCallError) || !isTransient(error) || attempt > retries) throw error;
        await delay(this.backoff(attempt));
      }
    }
  }

  private async attempt<T>(
    method: string,
    url: string,
    body: unknown,
    correlationId: string,
    attempt: number,
  ): Promise<OcpiReply<T>> {
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      authorization: this.options.plainToken ? `Token ${this.options.token}` : encodeCredentialsToken(this.options.token),
      accept: 'application/json',
      'x-request-id': requestId,
      'x-correlation-id': correlationId,
    };
    const { fromParty, toParty } = this.options;
    if (fromParty) {
      headers['ocpi-from-country-code'] = fromParty.countryCode;
      headers['ocpi-from-party-id'] = fromParty.partyId;
    }
    if (toParty) {
      headers['ocpi-to-country-code'] = toParty.countryCode;
      headers['ocpi-to-party-id'] = toParty.partyId;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';

    const fail = (
      failure: OcpiCallFailure,
      reason: string,
      extra: { statusCode?: number; httpStatus?: number; statusMessage?: string } = {},
    ) =>
      new OcpiCallError(
        failure,
        `${method} ${url}: ${reason}`,
        method,
        url,
        attempt,
        extra.statusCode,
        extra.httpStatus,
        extra.statusMessage,
      );

    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw fail('timeout', `no response within ${this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`);
      }
      const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
      throw fail('network', cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'network error');
    }

    const envelope = parseEnvelope(text);
    const ocpi = envelope ? { statusCode: envelope.status_code, statusMessage: envelope.status_message } : {};
    if (!response.ok) {
      const detail = envelope
        ? ` (OCPI ${envelope.status_code}${envelope.status_message ? `: ${envelope.status_message}` : ''})`
        : '';
      throw fail('http', `HTTP ${response.status}${detail}`, { ...ocpi, httpStatus: response.status });
    }
    if (!envelope) throw fail('envelope', 'the response is not an OCPI envelope', { httpStatus: response.status });
    if (envelope.status_code < 1000 || envelope.status_code > 1999) {
      throw fail(
        'status',
        `OCPI status ${envelope.status_code}${envelope.status_message ? `: ${envelope.status_message}` : ''}`,
        {
          ...ocpi,
          httpStatus: response.status,
        },
      );
    }
    return {
      data: envelope.data as T,
      statusCode: envelope.status_code,
      statusMessage: envelope.status_message,
      timestamp: envelope.timestamp,
      httpStatus: response.status,
      headers: response.headers,
      requestId,
      correlationId,
    };
  }

  private backoff(attempt: number): number {
    const base = Math.min((this.options.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1), MAX_BACKOFF_MS);
    // Jitter keeps many clients that failed together from retrying together.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}

function isTransient(error: OcpiCallError): boolean {
  return (
    error.failure === 'network' || error.failure === 'timeout' || (error.failure === 'http' && (error.httpStatus ?? 0) >= 500)
  );
}

interface Envelope {
  data?: unknown;
  status_code: number;
  status_message?: string;
  timestamp?: string;
}

function parseEnvelope(text: string): Envelope | undefined {
  try {
    const value = JSON.parse(text) as Partial<Envelope> | null;
    if (value && typeof value === 'object' && typeof value.status_code === 'number') return value as Envelope;
  } catch {
    // not JSON: reported as an envelope failure by the caller
  }
  return undefined;
}

function withQuery(url: string, query?: OcpiQuery): string {
  if (!query) return url;
  const target = new URL(url);
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    target.searchParams.set(name, value instanceof Date ? value.toISOString() : String(value));
  }
  return target.toString();
}

/** The `rel="next"` target of a Link header (RFC 8288), resolved against the current URL. */
export function nextLink(header: string | null | undefined, base: string): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))/i.exec(match[2]);
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (relations.includes('next')) return new URL(match[1].trim(), base).toString();
  }
  return undefined;
}

function integerHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
