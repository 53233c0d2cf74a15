import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ocpiCall } from './partner-server';

/**
 * A CPO platform on a real HTTP port that speaks the OCPI versions it is given (2.1.1, 2.2.1,
 * 2.3.0), each in its own wire shapes: 2.1.1 credentials with one party and no roles, 2.1.1 details
 * without interface roles, the token as sent rather than Base64. It registers with us as a real CPO
 * does, answers our registration with it, serves empty Sender lists and takes pushes to its
 * Tokens and Commands receivers, recording every request.
 */
export interface VersionedCpoOptions {
  versions: string[];
  countryCode: string;
  partyId: string;
  name?: string;
  /**
   * A 2.3.0 hub: its own party (`hub_party_id`, as sent) and the CPO parties reachable through it,
   * which its 2.3.0 credentials list in `roles` instead of its own.
   */
  hub?: { hubPartyId: string; behind: Array<{ countryCode: string; partyId: string; name: string }> };
}

export interface CpoRequest {
  method: string;
  path: string;
  authorization?: string;
  token?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

const MODULES = ['locations', 'sessions', 'cdrs', 'tariffs', 'tokens', 'commands'] as const;
/** A CPO's interface role for a module (2.2 made it explicit; 2.1.1 leaves it implied). */
const cpoRole = (module: string) => (module === 'tokens' || module === 'commands' ? 'RECEIVER' : 'SENDER');

export class VersionedCpoServer {
  readonly received: CpoRequest[] = [];
  readonly tokenB = `cpo-b-${randomUUID()}`;
  readonly tokenA = `cpo-a-${randomUUID()}`;
  /** Our token for it (Token C it got when it registered with us, or the one we gave it when we registered). */
  ourToken?: string;
  /** What its Sender interfaces list (in its version's shapes), by module; empty otherwise. */
  readonly senderObjects = new Map<string, unknown[]>();
  /** The versions it speaks; changing it (a software upgrade) changes what it lists. */
  versions: string[];
  private readonly accepted = new Set<string>([this.tokenA, this.tokenB]);
  private server?: Server;
  private baseUrl = '';

  constructor(readonly options: VersionedCpoOptions) {
    this.versions = [...options.versions];
  }

  get url(): string {
    return this.baseUrl;
  }
  get versionsUrl(): string {
    return `${this.baseUrl}/ocpi/versions`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void this.handle(request, response).catch((error) => this.send(response, 500, undefined, 3000, String(error)));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Its credentials as the given version has them. */
  credentials(version: string, token = this.tokenB) {
    const party = {
      country_code: this.options.countryCode,
      party_id: this.options.partyId,
      business_details: { name: this.options.name ?? `CPO ${this.options.partyId}` },
    };
    const url = this.versionsUrl;
    const hub = this.options.hub;
    if (hub && version === '2.3.0') {
      const roles = hub.behind.map(({ countryCode, partyId, name }) => ({
        role: 'CPO',
        country_code: countryCode,
        party_id: partyId,
        business_details: { name },
      }));
      return { token, url, hub_party_id: hub.hubPartyId, roles };
    }
    return version === '2.1.1' ? { token, url, ...party } : { token, url, roles: [{ role: 'CPO', ...party }] };
  }

  /**
   * Registers with us as a CPO of `version` does: our versions, that version's details (with Token
   * A, as the version sends a token), then a POST of its credentials to our credentials endpoint.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON it asked for
  async registerWith(versionsUrl: string, tokenA: string, version: string): Promise<any> {
    const plain = version === '2.1.1';
    const versions = await ocpiCall<Array<{ version: string; url: string }>>('GET', versionsUrl, tokenA, undefined, { plain });
    const entry = versions.body.data?.find((candidate) => candidate.version === version);
    if (!entry) throw new Error(`We do not list ${version}: ${JSON.stringify(versions.body)}`);
    const details = await ocpiCall<{ endpoints: Array<{ identifier: string; url: string }> }>(
      'GET',
      entry.url,
      tokenA,
      undefined,
      { plain },
    );
    const credentialsUrl = details.body.data?.endpoints.find((endpoint) => endpoint.identifier === 'credentials')?.url;
    if (!credentialsUrl) throw new Error(`No credentials endpoint in our ${version} details`);
    const answer = await ocpiCall<{ token: string }>('POST', credentialsUrl, tokenA, this.credentials(version), { plain });
    this.ourToken = answer.body.data?.token;
    return answer;
  }

  /** Our calls to a path of its own. */
  requestsTo(path: string): CpoRequest[] {
    return this.received.filter((request) => request.path.split('?')[0] === path);
  }

  private send(response: ServerResponse, httpStatus: number, data: unknown, statusCode = 1000, message?: string): void {
    response.writeHead(httpStatus, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        ...(data === undefined ? {} : { data }),
        status_code: statusCode,
        ...(message ? { status_message: message } : {}),
        timestamp: new Date().toISOString(),
      }),
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const text = await readBody(request);
    const authorization = request.headers.authorization;
    const raw = /^Token\s+(\S+)$/.exec(authorization ?? '')?.[1];
    // 2.2+ sends the token Base64-encoded, 2.1.1 as is: it accepts both, and records which came.
    const decoded = raw ? Buffer.from(raw, 'base64').toString('utf8') : undefined;
    const token = raw && this.accepted.has(raw) ? raw : decoded && this.accepted.has(decoded) ? decoded : undefined;
    const body = text ? JSON.parse(text) : undefined;
    this.received.push({ method: request.method ?? 'GET', path, authorization, token, headers: request.headers, body });
    if (!token) return this.send(response, 401, undefined, 2000, 'Unknown token');

    const send = (data: unknown, statusCode = 1000, httpStatus = 200) => this.send(response, httpStatus, data, statusCode);
    if (request.method === 'GET' && path === '/ocpi/versions') {
      return send(this.versions.map((version) => ({ version, url: `${this.baseUrl}/ocpi/${version}` })));
    }
    const details = /^\/ocpi\/([\d.]+)$/.exec(path);
    if (request.method === 'GET' && details && this.versions.includes(details[1])) {
      const version = details[1];
      const endpoints = [
        { identifier: 'credentials', role: 'SENDER', url: `${this.baseUrl}/ocpi/${version}/credentials` },
        ...MODULES.map((module) => ({ identifier: module, role: cpoRole(module), url: this.moduleUrl(version, module) })),
        // 2.3.0's Payments module, which a CPO may offer and we do not speak.
        ...(version === '2.3.0' ? [{ identifier: 'payments', role: 'RECEIVER', url: this.moduleUrl(version, 'payments') }] : []),
      ];
      return send({
        version,
        endpoints: version === '2.1.1' ? endpoints.map(({ identifier, url }) => ({ identifier, url })) : endpoints,
      });
    }
    const credentials = /^\/ocpi\/([\d.]+)\/credentials$/.exec(path);
    if (credentials && request.method === 'POST') {
      const version = credentials[1];
      const ours = body as { token: string; url: string };
      this.ourToken = ours.token;
      // It checks our versions with the token we gave it, in its version's form.
      const callback = await ocpiCall('GET', ours.url, ours.token, undefined, { plain: version === '2.1.1' });
      if (callback.httpStatus !== 200) return send(undefined, 3001);
      const tokenC = `cpo-c-${randomUUID()}`;
      this.accepted.add(tokenC);
      return send(this.credentials(version, tokenC));
    }
    const sender = /^\/ocpi\/cpo\/[\d.]+\/(locations|sessions|cdrs|tariffs)$/.exec(path);
    if (request.method === 'GET' && sender) return send(this.senderObjects.get(sender[1]) ?? []);
    if (/^\/ocpi\/cpo\/[\d.]+\/(tokens|commands)\//.test(path)) {
      // 2.1.1's CommandResponse is a result only; 2.2 added the timeout.
      const accepted = path.startsWith('/ocpi/cpo/2.1.1/') ? { result: 'ACCEPTED' } : { result: 'ACCEPTED', timeout: 30 };
      return send(path.includes('/commands/') ? accepted : undefined);
    }
    return this.send(response, 404, undefined, 2000, `No route ${request.method} ${path}`);
  }

  private moduleUrl(version: string, module: string): string {
    return `${this.baseUrl}/ocpi/cpo/${version}/${module}`;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
