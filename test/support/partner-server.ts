import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A second OCPI platform (a CPO) on a real HTTP port, for registration tests in both directions.
 * It has its own versions, details and credentials routes and its own tokens, and records every
 * request it receives. When we POST our credentials to it, it calls our versions endpoint back with
 * the token we gave it, as a real partner does.
 */
export interface PartnerServerOptions {
  countryCode?: string;
  partyId?: string;
  name?: string;
  /** The versions it lists. Default: 2.1.1 and 2.2.1. */
  versions?: string[];
  /** The 2.2.1 modules it lists besides credentials. Default: locations, sessions and cdrs as SENDER. */
  modules?: Array<{ identifier: string; role: 'SENDER' | 'RECEIVER' }>;
  /**
   * Answers of its module routes (`/ocpi/cpo/2.2.1/<module>...`) beyond the built-in ones, e.g. a
   * Tokens or Commands receiver; undefined falls through to the built-in routes.
   */
  routes?: (request: ReceivedRequest) => PartnerAnswer | undefined | Promise<PartnerAnswer | undefined>;
}

/** What a `routes` handler answers: the envelope's data and status code, with an HTTP status. */
export interface PartnerAnswer {
  httpStatus?: number;
  data?: unknown;
  statusCode?: number;
  message?: string;
  /** HTTP headers beside the envelope (Link, X-Total-Count, routing headers). */
  headers?: Record<string, string>;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  /** The credentials token, Base64-decoded. */
  token?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export interface OcpiCallResult<T = unknown> {
  httpStatus: number;
  headers: Headers;
  body: { data?: T; status_code: number; status_message?: string; timestamp: string };
}

export class PartnerServer {
  readonly received: ReceivedRequest[] = [];
  /** The token it gives us when it registers with us (its Token B). */
  readonly tokenB = `partner-b-${randomUUID()}`;
  /** The invitation token it gives us so that we register with it. */
  readonly tokenA = `partner-a-${randomUUID()}`;
  /** What it answered our registration with. */
  tokenC?: string;
  /** The token we gave it to call us (our Token C, or our token B when we registered with it). */
  ourToken?: string;
  /** Result of its call back to our versions endpoint during our registration. */
  callbackStatus?: number;
  /** Where its version details point a module (its Sender on another server, say); default: its own base URL. */
  readonly endpointUrls = new Map<string, string>();
  /** Responses to send instead of the real ones, by path (one each, first in first out). */
  readonly failNext = new Map<string, number[]>();
  /** While true, every request gets HTTP 503 (the platform is down for maintenance, say). */
  down = false;
  private server?: Server;
  private baseUrl = '';
  private registeredWithIt = false;
  private readonly accepted = new Set<string>([this.tokenB, this.tokenA]);
  readonly countryCode: string;
  readonly partyId: string;

  constructor(private readonly options: PartnerServerOptions = {}) {
    this.countryCode = options.countryCode ?? 'DE';
    this.partyId = options.partyId ?? 'ABC';
  }

  get url(): string {
    return this.baseUrl;
  }
  get versionsUrl(): string {
    return `${this.baseUrl}/ocpi/versions`;
  }
  get credentialsUrl(): string {
    return `${this.baseUrl}/ocpi/2.2.1/credentials`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void this.handle(request, response).catch((error) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status_code: 3000, status_message: String(error), timestamp: new Date().toISOString() }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Its credentials object, as it POSTs or PUTs it to us. */
  credentials(token = this.tokenB) {
    return {
      token,
      url: this.versionsUrl,
      roles: [
        {
          role: 'CPO',
          country_code: this.countryCode,
          party_id: this.partyId,
          business_details: { name: this.options.name ?? 'Partner CPO' },
        },
      ],
    };
  }

  /** Starts accepting a token it gives us (e.g. a new Token B before a PUT). */
  accept(token: string): void {
    this.accepted.add(token);
  }

  requestsTo(path: string): ReceivedRequest[] {
    return this.received.filter((request) => request.path.split('?')[0] === path);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/';
    const token = decodeToken(request.headers.authorization);
    const text = await readBody(request);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const received: ReceivedRequest = { method: request.method ?? 'GET', path, token, headers: request.headers, body };
    this.received.push(received);

    const send = (
      httpStatus: number,
      data: unknown,
      statusCode = 1000,
      message?: string,
      headers: Record<string, string> = {},
    ) => {
      response.writeHead(httpStatus, {
        ...headers,
        'content-type': 'application/json',
        'x-request-id': String(request.headers['x-request-id'] ?? ''),
        'x-correlation-id': String(request.headers['x-correlation-id'] ?? ''),
      });
      response.end(
        JSON.stringify({
          ...(data === undefined ? {} : { data }),
          status_code: statusCode,
          ...(message ? { status_message: message } : {}),
          timestamp: new Date().toISOString(),
        }),
      );
    };

    if (this.down) return send(503, undefined, 3000, 'Down for maintenance');
    const failure = this.failNext.get(path.split('?')[0])?.shift();
    if (failure) return send(failure, undefined, 3000, 'Injected failure');
    if (!token || !this.accepted.has(token)) return send(401, undefined, 2000, 'Unknown token');

    const route = `${request.method} ${path.split('?')[0]}`;
    const answer = await this.options.routes?.(received);
    if (answer) return send(answer.httpStatus ?? 200, answer.data, answer.statusCode ?? 1000, answer.message, answer.headers);
    switch (route) {
      case 'GET /ocpi/versions':
        return send(
          200,
          (this.options.versions ?? ['2.1.1', '2.2.1']).map((version) => ({ version, url: `${this.baseUrl}/ocpi/${version}` })),
        );
      case 'GET /ocpi/2.2.1': {
        const modules = this.options.modules ?? [
          { identifier: 'locations', role: 'SENDER' },
          { identifier: 'sessions', role: 'SENDER' },
          { identifier: 'cdrs', role: 'SENDER' },
        ];
        return send(200, {
          version: '2.2.1',
          endpoints: [
            { identifier: 'credentials', role: 'SENDER', url: this.credentialsUrl },
            ...modules.map((module) => ({
              ...module,
              url: this.endpointUrls.get(module.identifier) ?? `${this.baseUrl}/ocpi/cpo/2.2.1/${module.identifier}`,
            })),
          ],
        });
      }
      case 'GET /ocpi/2.1.1':
        return send(200, { version: '2.1.1', endpoints: [] });
      case 'POST /ocpi/2.2.1/credentials':
        return this.registerUs(body as { token: string; url: string }, send);
      case 'DELETE /ocpi/2.2.1/credentials':
        if (!this.registeredWithIt) return send(405, undefined, 2000, 'Not registered');
        this.registeredWithIt = false;
        if (this.tokenC) this.accepted.delete(this.tokenC);
        return send(200, undefined);
      case 'GET /ocpi/cpo/2.2.1/cdrs':
        return send(200, []);
      default:
        return send(404, undefined, 2000, `No route ${route}`);
    }
  }

  /** We register with it: it checks our versions with the token we give it, then answers its Token C. */
  private async registerUs(
    credentials: { token: string; url: string },
    send: (httpStatus: number, data: unknown, statusCode?: number, message?: string) => void,
  ): Promise<void> {
    if (this.registeredWithIt) return send(405, undefined, 2000, 'Already registered');
    this.ourToken = credentials.token;
    const callback = await fetch(credentials.url, {
      headers: { authorization: `Token ${Buffer.from(credentials.token).toString('base64')}` },
    });
    this.callbackStatus = callback.status;
    if (!callback.ok) return send(200, undefined, 3001, `Cannot use your versions endpoint: HTTP ${callback.status}`);
    this.registeredWithIt = true;
    this.accepted.delete(this.tokenA);
    this.tokenC = `partner-c-${randomUUID()}`;
    this.accepted.add(this.tokenC);
    return send(200, this.credentials(this.tokenC));
  }
}

/** Calls an OCPI endpoint as a partner would, returning whatever came back (no checks). */
export async function ocpiCall<T = unknown>(
  method: string,
  url: string,
  token: string | undefined,
  body?: unknown,
  options: { plain?: boolean; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<OcpiCallResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (token !== undefined)
    headers.authorization = options.plain ? `Token ${token}` : `Token ${Buffer.from(token).toString('base64')}`;
  const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: payload });
  return { httpStatus: response.status, headers: response.headers, body: (await response.json()) as OcpiCallResult<T>['body'] };
}

function decodeToken(header: string | undefined): string | undefined {
  const match = /^Token\s+(\S+)$/.exec(header ?? '');
  return match ? Buffer.from(match[1], 'base64').toString('utf8') : undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
